"""Reminders caused by something happening rather than by the calendar.

Call these in the same transaction as the cause (the absence row), so the alert exists if
and only if the absence does. They follow the school's rules (an ``absence`` rule names the
audience, category and template, and may be switched off) and are idempotent.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import Absence, Group, MemberRole, Membership
from scheduler import facts
from scheduler.outbox import enqueue_many
from scheduler.rules import RuleKind, rules_for


def _schools_of(session: Session, pupil_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Group.school_id)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.person_id == pupil_id, Membership.role == MemberRole.PUPIL)
            .distinct()
            .order_by(Group.school_id)
        )
    )


def absence_reported(session: Session, absence: Absence, clock: Clock) -> int:
    """Alert the pupil's contact teacher(s) at once (critical). Returns rows added.

    The payload is ``{"absence": id, "pupil": id}``; the template (``absence_alert`` in the
    demo rules) is rendered by the dialogue package's builder.
    """
    now = clock.now()
    rows = []
    for school_id in _schools_of(session, absence.pupil_id):
        for rule in rules_for(session, school_id).active(RuleKind.ABSENCE):
            for teacher in facts.contact_teachers(session, absence.pupil_id, now.date()):
                rows.append({
                    "idempotency_key": f"rule:{school_id}:{rule.id}:absence-{absence.id}:p{teacher}",
                    "recipient_id": teacher,
                    "category": rule.category,
                    "template": rule.template,
                    "payload": {"absence": absence.id, "pupil": absence.pupil_id},
                    "due_at": now,
                    "critical": rule.critical,
                })
    return enqueue_many(session, rows, now=now)
