"""What the learning services read about a pupil: grade, language, needs, equipment, habits.

Profile settings are ``ProfileSetting`` rows (one per key and source); where a key has
values from several sources, the owner's ``Policy.setting_precedence`` decides. Keys read
here (values are JSON):

- ``special_needs``: list, e.g. ``["read_aloud", "dyslexia", "hearing", "visual", "easy_read"]``
- ``adaptations``: list of adaptations asked for directly (``audio``, ``captions``, ``easy_read``)
- ``equipment``: list of what the pupil has (``tablet``, ``pc``, ``headphones`` ...);
  absent means the owner's ``default_equipment``
- ``learning_methods``: list of preferred methods (``video``, ``game``, ``text``, ``practice`` ...)
- ``group_preference``: ``individual`` | ``pair`` | ``group`` | ``class``
- ``languages``: languages the pupil reads besides their own (``Person.language``)
- ``pace`` (computed only): see :func:`bot.learning.mastery.update_pace`
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Group, GroupKind, Membership, MemberRole, Person, ProfileSetting, Source

from .policy import Policy, owner_of_pupil, policy_for_owner

# Which resource adaptation serves which need. The first adaptation listed is the one that
# fully serves the need; a resource with none of them is penalised for a pupil with it.
NEED_ADAPTATIONS: dict[str, tuple[str, ...]] = {
    "read_aloud": ("audio",),
    "dyslexia": ("audio", "easy_read"),
    "visual": ("audio",),
    "hearing": ("captions",),
    "easy_read": ("easy_read",),
    "audio": ("audio",),
    "captions": ("captions",),
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


def resolve_settings(rows: list[ProfileSetting], precedence: tuple[Source, ...]) -> dict[str, Any]:
    rank = {source: i for i, source in enumerate(precedence)}
    best: dict[str, tuple[int, Any]] = {}
    for row in rows:
        r = rank.get(row.source, len(rank))
        if row.key not in best or r < best[row.key][0]:
            best[row.key] = (r, row.value)
    return {key: value for key, (_, value) in best.items()}


def load_pupil(session: Session, pupil: Person, policy: Policy | None = None) -> PupilProfile:
    owner_id = owner_of_pupil(session, pupil.id)
    policy = policy or policy_for_owner(session, owner_id)
    rows = list(session.scalars(select(ProfileSetting).where(ProfileSetting.pupil_id == pupil.id)))
    settings = resolve_settings(rows, policy.setting_precedence)
    groups = session.execute(
        select(Group.id, Group.grade, Group.kind)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.person_id == pupil.id, Membership.role == MemberRole.PUPIL)
    ).all()
    basis = [g.grade for g in groups if g.kind == GroupKind.BASIS and g.grade]
    grades = basis or [g.grade for g in groups if g.grade]
    needs: list[str] = []
    for key in ("special_needs", "adaptations"):
        for need in _as_list(settings.get(key)):
            if need not in needs:
                needs.append(need)
    equipment = settings.get("equipment")
    return PupilProfile(
        id=pupil.id,
        grade=max(grades) if grades else None,
        language=pupil.language,
        languages=frozenset({pupil.language, *_as_list(settings.get("languages"))}),
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
