"""The school owner's learning policy, in one place.

A kommune decides these things for its schools:

- **Whose value counts** for a pupil's mastery of an aim when several exist (a teacher's
  judgement, what the pupil or a guardian said, what Ransel computed): an ordered list of
  sources. A computed value with too little evidence yields to any hand-set one.
- **The purchasing profile**: which municipal licences it holds (by publisher), which
  pay-per-use resources it has agreed to pay for, and what to do with other pay-per-use
  resources (exclude them, penalise them, or allow them).
- **Who keeps the pupil profile**: which fields the pupil, the guardians and the teachers
  may set (``setting_roles``), whose value counts (``setting_precedence``), and which of
  the needs analysis's status dimensions teachers record (``status_dimensions``).
- **Recommendation weights**: how much each ranking factor counts, a subject focus, and a
  preference for openly licensed resources.

Stored per owner in ``learning_policies.settings`` (JSON), validated by :class:`Policy`.
Owners without a row get the defaults below.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import school_of
from bot.clock import Clock
from bot.models import Dimension, LearningPolicy, Owner, Person, PersonRole, School, Source
from bot.profile import FIELDS

_EVERYONE = (Source.TEACHER, Source.GUARDIAN, Source.SELF)
_ADULTS = (Source.TEACHER, Source.GUARDIAN)
# Which hand-set sources may set each profile field unless the owner says otherwise. Pace is
# Ransel's estimate only; needs and the pupil's situation are for the adults around them.
DEFAULT_SETTING_ROLES: dict[str, tuple[Source, ...]] = {
    "learning_methods": _EVERYONE,
    "pace": (),
    "language": _EVERYONE,
    "font_size": _EVERYONE,
    "captions": _EVERYONE,
    "read_aloud": _EVERYONE,
    "speaking_rate": _EVERYONE,
    "equipment": _EVERYONE,
    "special_needs": _ADULTS,
    "group_preference": _EVERYONE,
    "situation": _ADULTS,
}
DEFAULT_DIMENSIONS = (Dimension.KNOWLEDGE, Dimension.SKILLS, Dimension.PERFORMANCE, Dimension.UNDERSTANDING)

OPEN_LICENCE_PREFIXES = ("CC-", "CC0", "NLOD", "public-domain")


class Weights(BaseModel):
    """Relative weight of each ranking factor (0 switches a factor off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: float = Field(2.0, ge=0)  # aims in the pupil's current plan and assignments
    mastery_fit: float = Field(3.0, ge=0)  # not too easy, not too hard
    adaptation: float = Field(2.5, ge=0)  # captions, audio, easy-read the pupil needs
    language: float = Field(1.5, ge=0)
    equipment: float = Field(1.5, ge=0)
    method: float = Field(0.6, ge=0)  # preferred learning method
    group: float = Field(0.4, ge=0)  # preferred group setting
    effectiveness: float = Field(1.5, ge=0)  # how it worked for similar pupils
    review: float = Field(0.6, ge=0)  # teachers' reviews
    cost: float = Field(1.0, ge=0)  # pay-per-use cost
    open_licence: float = Field(0.0, ge=0)  # "prefer open resources"
    focus: float = Field(1.0, ge=0)  # subject focus


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mastery_precedence: tuple[Source, ...] = (
        Source.TEACHER,
        Source.COMPUTED,
        Source.SELF,
        Source.GUARDIAN,
    )
    # A computed mastery from fewer observations than this yields to any hand-set value.
    computed_min_evidence: int = Field(3, ge=0)
    # Profile settings (needs, equipment, methods): hand-set sources in this order.
    setting_precedence: tuple[Source, ...] = (
        Source.TEACHER,
        Source.GUARDIAN,
        Source.SELF,
        Source.COMPUTED,
    )
    # Profile fields each hand-set source may set; fields the owner leaves out keep the default.
    setting_roles: dict[str, tuple[Source, ...]] = Field(default_factory=lambda: dict(DEFAULT_SETTING_ROLES))
    # The status dimensions teachers record per subject and aim (experience and attitudes
    # only where the school turns them on).
    status_dimensions: tuple[Dimension, ...] = DEFAULT_DIMENSIONS
    licensed_publishers: frozenset[str] = frozenset()  # municipal licences held
    paid_resources: frozenset[str] = frozenset()  # pay-per-use resources paid for (external ids)
    pay_per_use: Literal["exclude", "penalise", "allow"] = "penalise"
    # What every pupil has at school unless their profile lists their equipment.
    default_equipment: frozenset[str] = frozenset({"pc", "tablet", "chromebook", "headphones", "printer"})
    subject_focus: dict[str, float] = Field(default_factory=dict)  # subject code -> 0..1
    # Resources a pupil may use only with a recorded consent (a guardian's, or the pupil's own
    # from 15: bot/services/consent.py): every resource of these publishers, and single ones.
    consent_publishers: frozenset[str] = frozenset()
    consent_resources: frozenset[str] = frozenset()  # external ids
    weights: Weights = Weights()

    @field_validator("mastery_precedence", "setting_precedence")
    @classmethod
    def _each_source_once(cls, value: tuple[Source, ...]) -> tuple[Source, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a source may appear only once")
        return value

    @field_validator("setting_roles", mode="before")
    @classmethod
    def _over_the_defaults(cls, value: object) -> object:
        return {**DEFAULT_SETTING_ROLES, **value} if isinstance(value, dict) else value

    @field_validator("setting_roles")
    @classmethod
    def _known_fields_by_hand(cls, value: dict[str, tuple[Source, ...]]) -> dict[str, tuple[Source, ...]]:
        for key, sources in value.items():
            if key not in FIELDS:
                raise ValueError(f"unknown profile field {key!r}")
            if Source.COMPUTED in sources:
                raise ValueError(f"{key}: only teacher, guardian and self set values by hand")
        return value

    @field_validator("status_dimensions")
    @classmethod
    def _each_dimension_once(cls, value: tuple[Dimension, ...]) -> tuple[Dimension, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a dimension may appear only once")
        return value

    def may_set(self, source: Source, key: str) -> bool:
        """May a person acting as ``source`` set the profile field ``key`` by hand?"""
        return source in self.setting_roles.get(key, ())

    @field_validator("subject_focus")
    @classmethod
    def _focus_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for code, weight in value.items():
            if not 0.0 <= weight <= 1.0:
                raise ValueError(f"subject focus for {code} must be in [0, 1]")
        return value

    def licence_available(self, licence: str, publisher: str | None, external_id: str) -> bool:
        """May a pupil of this owner use the resource at all under its licence?"""
        if is_open(licence):
            return True
        if licence == "municipal-licence":
            return publisher is not None and publisher in self.licensed_publishers
        if licence == "pay-per-use":
            return external_id in self.paid_resources or self.pay_per_use != "exclude"
        return True  # free-of-charge proprietary resources ("free", "school-licence" ...)

    def consent_key(self, publisher: str | None, external_id: str) -> str | None:
        """The consent a pupil needs before this resource is recommended (None: none): one
        per resource the owner lists, else one per listed publisher."""
        if external_id in self.consent_resources:
            return f"resource:{external_id}"
        if publisher is not None and publisher in self.consent_publishers:
            return f"publisher:{publisher}"
        return None

    def unpaid(self, licence: str, external_id: str) -> bool:
        """A pay-per-use resource the owner has not agreed to pay for."""
        return licence == "pay-per-use" and external_id not in self.paid_resources


def is_open(licence: str) -> bool:
    return licence.startswith(OPEN_LICENCE_PREFIXES)


DEFAULT_POLICY = Policy()


def policy_for_owner(session: Session, owner_id: int | None) -> Policy:
    if owner_id is None:
        return DEFAULT_POLICY
    settings = session.scalar(select(LearningPolicy.settings).where(LearningPolicy.owner_id == owner_id))
    return Policy.model_validate(settings) if settings else DEFAULT_POLICY


def owner_of_pupil(session: Session, pupil_id: int) -> int | None:
    """The owner of the pupil's school (by role, else by group membership)."""
    owner = session.scalar(
        select(School.owner_id)
        .join(PersonRole, PersonRole.school_id == School.id)
        .where(PersonRole.person_id == pupil_id)
        .limit(1)
    )
    if owner is None:
        school_id = school_of(session, pupil_id)
        owner = session.scalar(select(School.owner_id).where(School.id == school_id)) if school_id else None
    return owner


def policy_for_pupil(session: Session, pupil_id: int) -> Policy:
    return policy_for_owner(session, owner_of_pupil(session, pupil_id))


def set_policy(
    session: Session, owner_id: int, settings: dict, *, by: Person | None, clock: Clock
) -> Policy:
    """Validate and store an owner's policy (raises pydantic.ValidationError if invalid)."""
    policy = Policy.model_validate(settings)
    row = session.scalar(select(LearningPolicy).where(LearningPolicy.owner_id == owner_id))
    stored = policy.model_dump(mode="json")
    now: datetime = clock.utcnow()
    if row is None:
        session.add(LearningPolicy(owner_id=owner_id, settings=stored, updated_by_id=by.id if by else None, updated_at=now))
    else:
        row.settings, row.updated_by_id, row.updated_at = stored, by.id if by else None, now
    session.flush()
    return policy


def load_policy_file(session: Session, path: Path, *, clock: Clock) -> tuple[int, Policy]:
    """Set an owner's policy from a YAML file ``{owner: <sourcedId>, policy: {...}}``.

    Raises ValueError naming the file and the problem; returns (owner id, policy).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path.name}: cannot read: {exc}") from None
    if not isinstance(data, dict) or set(data) != {"owner", "policy"}:
        raise ValueError(f"{path.name}: expected exactly the keys 'owner' and 'policy'")
    owner_id = session.scalar(select(Owner.id).where(Owner.sourced_id == str(data["owner"])))
    if owner_id is None:
        raise ValueError(f"{path.name}: no school owner with sourcedId {data['owner']!r}")
    try:
        return owner_id, set_policy(session, owner_id, data["policy"] or {}, by=None, clock=clock)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"{path.name}: {problems}") from None
