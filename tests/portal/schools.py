"""Test data the demo lacks: more schools (one under five pupils), a neighbouring school owner,
their admins, and what the owner's statistics count (sent messages, learning activity)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.models import (
    Activity,
    Channel,
    Group,
    GroupKind,
    LearningResource,
    MemberRole,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Owner,
    Person,
    PersonRole,
    Role,
    School,
)


def person(session: Session, username: str, given: str, family: str, role: Role, *, school_id: int | None = None,
           owner_id: int | None = None) -> Person:
    found = Person(sourced_id=f"test-{username}", username=username, given_name=given, family_name=family)
    session.add(found)
    session.flush()
    session.add(PersonRole(person_id=found.id, role=role, school_id=school_id, owner_id=owner_id))
    session.flush()
    return found


def owner(session: Session, sourced_id: str, name: str) -> Owner:
    found = session.scalar(select(Owner).where(Owner.sourced_id == sourced_id))
    if found is None:
        found = Owner(sourced_id=sourced_id, name=name)
        session.add(found)
        session.flush()
    return found


def school(session: Session, sourced_id: str, name: str, owner_id: int, class_name: str, grade: int,
           pupils: int) -> tuple[School, Group, list[Person]]:
    """A school with one class of ``pupils`` pupils (each with the pupil role at the school)."""
    found = School(sourced_id=sourced_id, name=name, owner_id=owner_id)
    session.add(found)
    session.flush()
    group = Group(sourced_id=f"{sourced_id}-{class_name}", school_id=found.id, name=class_name,
                  kind=GroupKind.BASIS, grade=grade)
    session.add(group)
    session.flush()
    members = []
    for n in range(pupils):
        pupil = person(session, f"{sourced_id}.pupil{n}", f"Elev{n}", name.split()[0], Role.PUPIL, school_id=found.id)
        session.add(Membership(group_id=group.id, person_id=pupil.id, role=MemberRole.PUPIL))
        members.append(pupil)
    session.flush()
    return found, group, members


def sent(session: Session, key: str, recipient_id: int, status: OutboxStatus, channel: Channel, at: datetime,
         template: str = "reminder_homework") -> None:
    """A message that went out at ``at`` and got to ``status`` (as the dispatcher and the
    channel's reports leave it)."""
    outbox.enqueue(session, key=key, recipient_id=recipient_id, category="homework", template=template,
                   payload={}, due_at=at, now=at)
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
    row.status, row.channel, row.sent_at = status, channel, at


def used(session: Session, pupil_id: int, resource: str, at: datetime, n: int) -> None:
    """``n`` learning statements by the pupil on the resource (external id)."""
    resource_id = session.scalar(select(LearningResource.id).where(LearningResource.external_id == resource))
    for i in range(n):
        session.add(Activity(statement_id=f"test-{pupil_id}-{resource}-{at.isoformat()}-{i}", pupil_id=pupil_id,
                             resource_id=resource_id, verb="completed", occurred_at=at, source="api"))
    session.flush()
