"""What the learning services read about a pupil: grade, language, needs, equipment, habits.

The fields are the student profile's (:mod:`bot.profile`), one value per field chosen by
the owner's ``Policy.setting_precedence``. Needs are what the recommender must serve:
``read_aloud`` and ``captions`` (flags), and each of ``special_needs`` (``reading_writing``,
``hearing``, ``vision``, ``adhd``, ``mobility``). ``language`` is a language the pupil reads
besides their own (``Person.language``); absent ``equipment`` means the owner's default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot.access import groups_of_pupil
from bot.models import GroupKind, Person
from bot.profile import effective_profile

from .policy import Policy, owner_of_pupil, policy_for_owner

# Which resource adaptation serves which need. The first adaptation listed is the one that
# fully serves the need; a resource with none of them is penalised for a pupil with it.
NEED_ADAPTATIONS: dict[str, tuple[str, ...]] = {
    "read_aloud": ("audio",),
    "captions": ("captions",),
    "reading_writing": ("audio", "easy_read"),
    "vision": ("audio",),
    "hearing": ("captions",),
    "adhd": (),  # served only by a resource declared suitable for it
    "mobility": (),
}


@dataclass(frozen=True)
class PupilProfile:
    id: int
    grade: int | None
    language: str
    languages: frozenset[str]
    needs: tuple[str, ...]  # special needs and directly asked adaptations, in stored order
    equipment: frozenset[str]
    methods: frozenset[str]
    group_preference: str | None
    owner_id: int | None
    group_ids: frozenset[int]
    policy: Policy
    settings: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def segments(self) -> tuple[str, ...]:
        """The resource-profile segments this pupil belongs to, beside ``all`` and mastery."""
        return tuple(f"need:{n}" for n in self.needs)

    def needed_adaptations(self) -> dict[str, str]:
        """Adaptation -> the need it serves (first need wins)."""
        out: dict[str, str] = {}
        for need in self.needs:
            for adaptation in NEED_ADAPTATIONS.get(need, ()):
                out.setdefault(adaptation, need)
        return out


def load_pupil(session: Session, pupil: Person, policy: Policy | None = None) -> PupilProfile:
    owner_id = owner_of_pupil(session, pupil.id)
    policy = policy or policy_for_owner(session, owner_id)
    settings = {k: v.value for k, v in effective_profile(session, pupil.id, policy.setting_precedence).items()}
    groups = groups_of_pupil(session, pupil.id)
    basis = [g.grade for g in groups if g.kind == GroupKind.BASIS and g.grade]
    grades = basis or [g.grade for g in groups if g.grade]
    needs = [flag for flag in ("read_aloud", "captions") if settings.get(flag) is True]
    needs += [need for need in _as_list(settings.get("special_needs")) if need not in needs]
    equipment = settings.get("equipment")
    return PupilProfile(
        id=pupil.id,
        grade=max(grades) if grades else None,
        language=pupil.language,
        languages=frozenset({pupil.language, *_as_list(settings.get("language"))}),
        needs=tuple(needs),
        equipment=frozenset(_as_list(equipment)) if equipment is not None else policy.default_equipment,
        methods=frozenset(_as_list(settings.get("learning_methods"))),
        group_preference=settings.get("group_preference") if isinstance(settings.get("group_preference"), str) else None,
        owner_id=owner_id,
        group_ids=frozenset(g.id for g in groups),
        policy=policy,
        settings=settings,
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]
