"""The student profile from the needs analysis: validated fields, each with its source.

A field may hold several values side by side — set by a teacher, a guardian, the pupil, or
computed from activity. :func:`effective_profile` picks one per field by the school's
precedence policy (by default: teacher, guardian, the pupil, then computed).
Status per competence aim lives in ``AimStatus`` and is maintained by ``bot.learning``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import AccessDenied, can_see_pupil, roles_of
from bot.clock import Clock
from bot.models import Person, ProfileSetting, Role, Source

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

DEFAULT_PRECEDENCE: tuple[Source, ...] = (Source.TEACHER, Source.GUARDIAN, Source.SELF, Source.COMPUTED)


class InvalidProfileValue(ValueError):
    """A value the field does not accept; the message names the field."""


@dataclass(frozen=True)
class FieldValue:
    value: Any
    source: Source
    set_at: datetime

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


def source_for(session: Session, asker: Person, pupil_id: int) -> Source:
    """A person setting a value by hand: as the pupil, a guardian or a teacher."""
    if asker.id == pupil_id:
        return Source.SELF
    roles = roles_of(session, asker)
    if Role.TEACHER in roles or Role.SCHOOL_ADMIN in roles:
        return Source.TEACHER
    if Role.GUARDIAN in roles:
        return Source.GUARDIAN
    raise AccessDenied()


def _upsert(session: Session, pupil_id: int, key: str, value: Any, source: Source,
            set_by_id: int | None, now: datetime) -> None:
    row = session.scalar(
        select(ProfileSetting).where(
            ProfileSetting.pupil_id == pupil_id, ProfileSetting.key == key, ProfileSetting.source == source
        )
    )
    if row is None:
        session.add(ProfileSetting(pupil_id=pupil_id, key=key, value=value, source=source,
                                   set_by_id=set_by_id, set_at=now))
    else:
        row.value, row.set_by_id, row.set_at = value, set_by_id, now


def set_by_hand(session: Session, asker: Person, pupil_id: int, key: str, value: Any, clock: Clock) -> FieldValue:
    """A teacher, guardian or the pupil sets a field. AccessDenied if they may not see the pupil."""
    if not can_see_pupil(session, asker, pupil_id, clock.today()):
        raise AccessDenied()
    source = source_for(session, asker, pupil_id)
    clean = validate(key, value)
    _upsert(session, pupil_id, key, clean, source, asker.id, clock.utcnow())
    return FieldValue(clean, source, clock.utcnow())


def set_computed(session: Session, pupil_id: int, key: str, value: Any, clock: Clock) -> None:
    """Ransel's own estimate (e.g. pace from activity); never overwrites a hand-set value."""
    _upsert(session, pupil_id, key, validate(key, value), Source.COMPUTED, None, clock.utcnow())


def effective_profile(
    session: Session, pupil_id: int, precedence: tuple[Source, ...] = DEFAULT_PRECEDENCE
) -> dict[str, FieldValue]:
    """One value per field, chosen by ``precedence``; internal use (channels, recommender)."""
    rank = {source: i for i, source in enumerate(precedence)}
    chosen: dict[str, FieldValue] = {}
    for row in session.scalars(select(ProfileSetting).where(ProfileSetting.pupil_id == pupil_id)):
        if row.source not in rank:
            continue
        current = chosen.get(row.key)
        if current is None or rank[row.source] < rank[current.source]:
            chosen[row.key] = FieldValue(row.value, row.source, row.set_at)
    return chosen


def profile_for(session: Session, asker: Person, pupil_id: int, clock: Clock) -> dict[str, FieldValue]:
    """The effective profile as the asker may see it."""
    if not can_see_pupil(session, asker, pupil_id, clock.today()):
        raise AccessDenied()
    return effective_profile(session, pupil_id)
