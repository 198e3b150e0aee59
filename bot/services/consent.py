"""Consents the school asks for, given and withdrawn by the family, with who and when.

What needs a consent is the school owner's learning policy (``consent_publishers``,
``consent_resources`` in :class:`bot.learning.policy.Policy`): a learning resource that
shares the pupil's data with its publisher, say. The recommender leaves such a resource
out until the pupil has the consent (:func:`granted_keys`). Every giving and withdrawal is
a new :class:`~bot.models.Consent` row (the history is kept); the newest row of a kind is
the one that counts. A guardian with parental responsibility gives it for a child under
18; the pupil themself from 15 (:func:`bot.access.may_consent_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import AccessDenied, may_consent_for, require_family_pupil
from bot.clock import Clock
from bot.learning.policy import policy_for_pupil
from bot.models import Consent, LearningResource, Person


@dataclass(frozen=True)
class ConsentNeed:
    key: str  # "publisher:<name>" or "resource:<external id>", the Consent row's kind
    name: str  # the publisher, or the resource's title
    resources: tuple[str, ...]  # titles of the resources it covers


@dataclass(frozen=True)
class ConsentState:
    need: ConsentNeed
    granted: bool | None  # None: never answered
    by_name: str | None
    at: datetime | None


class NotAsked(ValueError):
    """The school asks for no such consent for this pupil."""


def needs_for(session: Session, pupil_id: int) -> list[ConsentNeed]:
    """The consents the pupil's school owner asks for, for the active resources they cover."""
    policy = policy_for_pupil(session, pupil_id)
    if not (policy.consent_publishers or policy.consent_resources):
        return []
    found: dict[str, tuple[str, list[str]]] = {}
    rows = session.execute(select(LearningResource.external_id, LearningResource.publisher, LearningResource.title)
                           .where(LearningResource.active.is_(True)).order_by(LearningResource.title))
    for external_id, publisher, title in rows:
        key = policy.consent_key(publisher, external_id)
        if key is not None:
            name = title if key.startswith("resource:") else str(publisher)
            found.setdefault(key, (name, []))[1].append(title)
    return [ConsentNeed(key, name, tuple(titles)) for key, (name, titles) in sorted(found.items(), key=lambda kv: kv[1][0])]


def _latest(session: Session, pupil_id: int) -> dict[str, Consent]:
    latest: dict[str, Consent] = {}
    for row in session.scalars(select(Consent).where(Consent.person_id == pupil_id).order_by(Consent.at, Consent.id)):
        latest[row.kind] = row
    return latest


def granted_keys(session: Session, pupil_id: int) -> set[str]:
    """The consents the pupil has now (the newest row of each kind says yes)."""
    return {kind for kind, row in _latest(session, pupil_id).items() if row.granted}


def consents(session: Session, asker: Person, pupil_id: int, clock: Clock) -> list[ConsentState]:
    """What the school asks consent for and where each stands; the pupil's family only."""
    require_family_pupil(session, asker, pupil_id, clock.today())
    latest = _latest(session, pupil_id)
    out = []
    for need in needs_for(session, pupil_id):
        row = latest.get(need.key)
        giver = session.get(Person, row.given_by_id) if row is not None and row.given_by_id else None
        out.append(ConsentState(need, row.granted if row else None, giver.name if giver else None,
                                clock.local(row.at) if row else None))
    return out


def set_consent(session: Session, asker: Person, pupil_id: int, key: str, granted: bool, clock: Clock,
                via: str = "portal") -> Consent:
    """Give (``granted``) or withdraw a consent the school asks for; a new row either way."""
    if not may_consent_for(session, asker, pupil_id, clock.today()):
        raise AccessDenied()
    if key not in {need.key for need in needs_for(session, pupil_id)}:
        raise NotAsked(key)
    row = Consent(person_id=pupil_id, kind=key, granted=granted, given_by_id=asker.id, at=clock.utcnow(),
                  meta={"via": via})
    session.add(row)
    session.flush()
    return row
