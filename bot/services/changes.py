"""The record of what a person changed by conversation, for "angre"/"undo".

Every state change a conversation makes (an absence reported, a message sent to a teacher,
reminder settings or the reply language changed) is written by its service together with a
:class:`~bot.models.Change` row holding what is needed to reverse it: ids and previous
values, never message text. :func:`latest_undoable` finds the person's most recent change
that is still within :data:`UNDO_WINDOW`; :mod:`bot.services.undo` reverses it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import Absence, Change, Person, Thread

UNDO_WINDOW = timedelta(minutes=10)

ABSENCE = "absence"
MESSAGE = "message"
REMINDERS = "reminders"
LANGUAGE = "language"
BROADCAST = "broadcast"
HOMEWORK = "homework"
HOMEWORK_CHANGE = "homework_change"
CALENDAR = "calendar"
PROFILE = "profile"  # a value of a pupil's profile (bot.services.profile)


def record(session: Session, person: Person, kind: str, payload: dict[str, Any], clock: Clock) -> Change:
    change = Change(person_id=person.id, kind=kind, payload=payload, created_at=clock.utcnow())
    session.add(change)
    session.flush()
    return change


def latest_undoable(session: Session, person: Person, clock: Clock) -> Change | None:
    """The person's newest change not yet undone, if it is recent enough to undo."""
    change = session.scalar(
        select(Change).where(Change.person_id == person.id).order_by(Change.created_at.desc(), Change.id.desc())
        .limit(1)
    )
    if change is None or change.undone_at is not None:
        return None
    if clock.utcnow() - change.created_at > UNDO_WINDOW:
        return None
    return change


# A yes or no this soon after a change answers the message that reported it.
JUST_NOW = timedelta(minutes=3)


def just_made(session: Session, person: Person, clock: Clock) -> Change | None:
    """The change the person's previous message made, if it was made a moment ago."""
    change = latest_undoable(session, person, clock)
    if change is None or clock.utcnow() - change.created_at > JUST_NOW:
        return None
    return change


def describe(session: Session, change: Change) -> dict[str, Any]:
    """What the change was, for a reply that says it again (see confirm_already_done)."""
    payload = dict(change.payload or {})
    facts: dict[str, Any] = {"kind": change.kind}
    if change.kind == ABSENCE:
        absence = session.get(Absence, payload.get("absence_id"))
        if absence is not None:
            pupil = session.get(Person, absence.pupil_id)
            facts.update(name=pupil.given_name if pupil else "", first_day=absence.first_day,
                         last_day=absence.last_day)
    elif change.kind == MESSAGE:
        thread = session.get(Thread, payload.get("thread_id"))
        teacher = session.get(Person, thread.teacher_id) if thread is not None else None
        facts.update(teacher=teacher.name if teacher else "")
    return facts
