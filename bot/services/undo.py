""""angre" / "undo": reverse the person's latest change made by conversation, within
:data:`bot.services.changes.UNDO_WINDOW`.

Each kind of change has one function that reverses it, next to the function that made it
(the absence, relay, preferences and language services); this module only picks the right
one. The result says exactly what was undone, for the reply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import Assignment, AssignmentKind, Broadcast, CompetenceAim, OutboxMessage, OutboxStatus, Person
from bot.services import absence, calendar_feed, changes, preferences, relay
from bot.services import profile as profile_service


@dataclass(frozen=True)
class Undone:
    kind: str
    # What the reply needs: who/what/when, by kind (see the undo_done template).
    facts: dict[str, Any]


def _absence(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> dict[str, Any] | None:
    withdrawn = absence.withdraw_absence(session, person, payload, clock)
    if withdrawn is None:
        return None
    return {"name": withdrawn.pupil.given_name, "first_day": withdrawn.first_day, "last_day": withdrawn.last_day,
            "corrected": [t.name for t in withdrawn.corrected]}


def _message(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> dict[str, Any] | None:
    withdrawn = relay.withdraw(session, person, payload, clock)
    if withdrawn is None:
        return None
    return {"teacher": withdrawn.teacher.name, "reached_teacher": withdrawn.reached_teacher}


def _reminders(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> dict[str, Any] | None:
    return {"prefs": preferences.restore(session, person, payload, clock)}


def _language(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> dict[str, Any] | None:
    person.language = payload.get("language") or person.language
    person.language_chosen = bool(payload.get("chosen"))
    return {"language": person.language}


def _broadcast(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> dict[str, Any] | None:
    """Stop what has not gone out yet; say how many already had it."""
    broadcast = session.get(Broadcast, payload.get("broadcast_id"))
    if broadcast is None or broadcast.author_id != person.id:
        return None
    out = {OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ}
    statuses = list(session.scalars(select(OutboxMessage.status).where(OutboxMessage.broadcast_id == broadcast.id)))
    broadcast.cancelled_at = clock.now()
    return {"reached": sum(s in out for s in statuses), "stopped": sum(s not in out for s in statuses)}


def _homework(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> dict[str, Any] | None:
    """Remove an assignment the teacher added by chat (only their own)."""
    assignment = session.get(Assignment, payload.get("assignment_id"))
    if assignment is None or assignment.created_by_id != person.id:
        return None
    title = assignment.title
    session.delete(assignment)
    return {"title": title}


def _homework_change(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> dict[str, Any] | None:
    """Put a moved or removed item back as it was."""
    if payload.get("created_by_id") != person.id:
        return None
    existing = session.scalar(select(Assignment).where(Assignment.sourced_id == payload["sourced_id"]))
    due = datetime.fromisoformat(payload["due_at"])
    if existing is None:
        existing = Assignment(
            sourced_id=payload["sourced_id"], group_id=payload["group_id"], kind=AssignmentKind(payload["kind"]),
            subject_code=payload.get("subject_code"), title=payload["title"], description=payload.get("description"),
            assigned_at=datetime.fromisoformat(payload["assigned_at"]) if payload.get("assigned_at") else None,
            due_at=due, max_score=payload.get("max_score"), created_by_id=person.id,
            resource_id=payload.get("resource_id"),
            aims=[aim for code in payload.get("aims") or [] if (aim := session.get(CompetenceAim, code)) is not None])
        session.add(existing)
    existing.due_at = due
    session.flush()
    return {"title": payload["title"]}


def _calendar(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> dict[str, Any] | None:
    restored = calendar_feed.restore_feeds(session, person, payload, clock)
    return {"restored": restored} if restored else None
def _profile(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> dict[str, Any] | None:
    """Put back the profile value the person's change replaced."""
    reverted = profile_service.revert(session, person, int(payload.get("history_id") or 0), clock)
    if reverted is None:
        return None
    return {"name": reverted.pupil.given_name, "own": reverted.pupil.id == person.id, "key": reverted.entry.key,
            "scope": reverted.entry.scope, "value": reverted.entry.value, "restored": reverted.restored}


UNDOERS: dict[str, Callable[[Session, Person, dict[str, Any], Clock], dict[str, Any] | None]] = {
    changes.ABSENCE: _absence,
    changes.MESSAGE: _message,
    changes.REMINDERS: _reminders,
    changes.LANGUAGE: _language,
    changes.BROADCAST: _broadcast,
    changes.HOMEWORK: _homework,
    changes.HOMEWORK_CHANGE: _homework_change,
    changes.CALENDAR: _calendar,
    changes.PROFILE: _profile,
}


def undo_last(session: Session, person: Person, clock: Clock) -> Undone | None:
    """Reverse the person's latest change if it may still be undone; None if there is none."""
    change = changes.latest_undoable(session, person, clock)
    if change is None:
        return None
    facts = UNDOERS[change.kind](session, person, dict(change.payload or {}), clock)
    change.undone_at = clock.utcnow()
    session.flush()
    return None if facts is None else Undone(change.kind, facts)
