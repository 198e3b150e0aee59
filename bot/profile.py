"""The student profile from the needs analysis: validated fields, each with its source.

A field may hold several values side by side — set by a teacher, a guardian, the pupil, or
computed from activity. :func:`effective_profile` picks one per field by the school's
precedence policy (by default: teacher, guardian, the pupil, then computed). Every change
is written to ``ProfileHistory`` (:func:`write`); who may change what, by chat and on
the profile page, is :mod:`bot.services.profile`. Status per competence aim lives in
``AimStatus`` and is maintained by ``bot.learning``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import AimStatus, Dimension, ProfileHistory, ProfileSetting, Source, SubjectStatus

LearningMethod = Literal["video", "game", "text", "practice", "audio", "hands_on", "discussion"]
Equipment = Literal["tablet", "pc", "chromebook", "phone", "headphones", "printer"]
SpecialNeed = Literal["reading_writing", "adhd", "hearing", "vision", "mobility"]
Didactics = Literal["individual", "pair", "group", "class"]

FIELDS: dict[str, TypeAdapter] = {
    "learning_methods": TypeAdapter(list[LearningMethod]),
    "pace": TypeAdapter(Annotated[float, Field(ge=0, le=10)]),  # mastery growth per week (computed)
    "language": TypeAdapter(Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]),
    "font_size": TypeAdapter(Literal["normal", "large", "x-large"]),
    "captions": TypeAdapter(bool),
    "read_aloud": TypeAdapter(bool),
    "speaking_rate": TypeAdapter(Annotated[int, Field(ge=80, le=300)]),  # words per minute
    "equipment": TypeAdapter(list[Equipment]),
    "special_needs": TypeAdapter(list[SpecialNeed]),
    "group_preference": TypeAdapter(Didactics),
    "situation": TypeAdapter(Literal["at_school", "at_home", "ill"]),
}

# What a ProfileHistory row is about: a profile field, or the status of an aim or a subject.
SETTING, AIM, SUBJECT = "setting", "aim", "subject"

DEFAULT_PRECEDENCE: tuple[Source, ...] = (Source.TEACHER, Source.GUARDIAN, Source.SELF, Source.COMPUTED)


class InvalidProfileValue(ValueError):
    """A value the field does not accept; the message names the field."""


@dataclass(frozen=True)
class FieldValue:
    value: Any
    source: Source
    set_at: datetime
    set_by_id: int | None = None

    @property
    def by_hand(self) -> bool:
        return self.source.by_hand


def validate(key: str, value: Any) -> Any:
    if key not in FIELDS:
        raise InvalidProfileValue(f"unknown profile field {key!r}")
    try:
        return FIELDS[key].validate_python(value)
    except ValidationError as exc:
        raise InvalidProfileValue(f"{key}: {exc.errors()[0]['msg']}") from None


def _row(session: Session, scope: str, pupil_id: int, key: str, source: Source,
         dimension: Dimension | None) -> ProfileSetting | AimStatus | SubjectStatus | None:
    if scope == SETTING:
        return session.scalar(select(ProfileSetting).where(
            ProfileSetting.pupil_id == pupil_id, ProfileSetting.key == key, ProfileSetting.source == source))
    if scope == AIM:
        return session.scalar(select(AimStatus).where(
            AimStatus.pupil_id == pupil_id, AimStatus.aim_code == key, AimStatus.dimension == dimension,
            AimStatus.source == source))
    return session.scalar(select(SubjectStatus).where(
        SubjectStatus.pupil_id == pupil_id, SubjectStatus.subject_code == key, SubjectStatus.dimension == dimension,
        SubjectStatus.source == source))


def _value(row: ProfileSetting | AimStatus | SubjectStatus) -> Any:
    return row.value if isinstance(row, ProfileSetting) else row.level


def stored(session: Session, scope: str, pupil_id: int, key: str, source: Source,
           dimension: Dimension | None = None) -> tuple[Any, int | None] | None:
    """One source's stored value and who set it, or None when it has none."""
    row = _row(session, scope, pupil_id, key, source, dimension)
    return None if row is None else (_value(row), row.set_by_id)


def write(session: Session, scope: str, pupil_id: int, key: str, value: Any, source: Source, *,
          dimension: Dimension | None = None, set_by_id: int | None, now: datetime,
          row_set_by_id: int | None = None, row_set_at: datetime | None = None,
          undoes: ProfileHistory | None = None) -> ProfileHistory | None:
    """Set (or with ``value`` None remove) one source's value of a field (``scope``
    :data:`SETTING`) or status (:data:`AIM`, :data:`SUBJECT` with ``dimension``), and write to
    the history what it replaced. None when the value is already so (nothing is written).

    The value must be valid (:func:`validate`); who may write it is the caller's business
    (:mod:`bot.services.profile`). The row keeps ``row_set_by_id``/``row_set_at`` when given
    (an undo puts the earlier value back with its own author and time); the history row
    records who made this change and when."""
    row = _row(session, scope, pupil_id, key, source, dimension)
    if (row is None and value is None) or (row is not None and _value(row) == value):
        return None
    entry = ProfileHistory(
        pupil_id=pupil_id, scope=scope, key=key, dimension=dimension, source=source, value=value,
        previous=_value(row) if row is not None else None,
        previous_set_by_id=row.set_by_id if row is not None else None,
        previous_set_at=row.set_at if row is not None else None,
        set_by_id=set_by_id, set_at=now, undoes_id=undoes.id if undoes is not None else None)
    session.add(entry)
    by, at = (row_set_by_id, row_set_at or now) if undoes is not None else (set_by_id, now)
    if value is None:
        session.delete(row)
    elif row is not None:
        if isinstance(row, ProfileSetting):
            row.value = value
        else:
            row.level = value
        row.set_by_id, row.set_at = by, at
    elif scope == SETTING:
        session.add(ProfileSetting(pupil_id=pupil_id, key=key, value=value, source=source, set_by_id=by, set_at=at))
    elif scope == AIM:
        session.add(AimStatus(pupil_id=pupil_id, aim_code=key, dimension=dimension, level=value, source=source,
                              evidence=0, set_by_id=by, set_at=at))
    else:
        session.add(SubjectStatus(pupil_id=pupil_id, subject_code=key, dimension=dimension, level=value,
                                  source=source, set_by_id=by, set_at=at))
    session.flush()
    return entry


def set_computed(session: Session, pupil_id: int, key: str, value: Any, clock: Clock) -> None:
    """Ransel's own estimate (e.g. pace from activity); never overwrites a hand-set value."""
    write(session, SETTING, pupil_id, key, validate(key, value), Source.COMPUTED, set_by_id=None, now=clock.utcnow())


def effective_profile(
    session: Session, pupil_id: int, precedence: tuple[Source, ...] = DEFAULT_PRECEDENCE
) -> dict[str, FieldValue]:
    """One value per field, chosen by ``precedence``; internal use (channels, recommender).
    The profile as a person may see it is :func:`bot.services.profile.view`."""
    rank = {source: i for i, source in enumerate(precedence)}
    chosen: dict[str, FieldValue] = {}
    for row in session.scalars(select(ProfileSetting).where(ProfileSetting.pupil_id == pupil_id)):
        if row.source not in rank:
            continue
        current = chosen.get(row.key)
        if current is None or rank[row.source] < rank[current.source]:
            chosen[row.key] = FieldValue(row.value, row.source, row.set_at, row.set_by_id)
    return chosen
