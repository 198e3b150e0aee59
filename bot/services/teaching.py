"""What teachers do: add homework, tests and bring-items to a group, and see who is behind."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import (
    AccessDenied,
    members,
    pupil_ids_in,
    require_teacher_of,
    staff_group_ids,
    taught_group_ids,
)
from bot.clock import Clock
from bot.learning.too_hard import TooHardWarning, check_group_assignment
from bot.models import (
    Assignment,
    AssignmentKind,
    CompetenceAim,
    Group,
    LearningResource,
    MemberRole,
    OutboxMessage,
    OutboxStatus,
    Person,
    Result,
)
from bot.outbox import enqueue_many
from bot.services.due import DONE

BEHIND_WINDOW = timedelta(weeks=6)
LOW_AVERAGE_PERCENT = 50.0


class InvalidAssignment(ValueError):
    """The teacher's input cannot become an assignment; ``code`` selects the message template."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code, self.details = code, details


@dataclass
class AddedAssignment:
    assignment: Assignment
    # "Too hard" warnings per pupil (bot.learning.too_hard), each with a message in the teacher's language.
    warnings: list[TooHardWarning] = field(default_factory=list)


def add_assignment(
    session: Session,
    teacher: Person,
    *,
    group_id: int,
    kind: AssignmentKind,
    title: str,
    due: datetime,
    clock: Clock,
    description: str | None = None,
    aims: list[str] | None = None,
    resource_id: int | None = None,
    max_score: float | None = None,
) -> AddedAssignment:
    """A teacher adds an assignment to a group they teach. Reminders pick it up at send time."""
    group: Group = require_teacher_of(session, teacher, group_id, clock.today())
    title = (title or "").strip()
    if not title or len(title) > 255:
        raise InvalidAssignment("title", limit=255)
    if due.tzinfo is None:
        raise InvalidAssignment("due_naive")
    if due <= clock.now():
        raise InvalidAssignment("due_past")
    aim_rows = [session.get(CompetenceAim, code) for code in aims or []]
    unknown = [code for code, row in zip(aims or [], aim_rows, strict=True) if row is None]
    if unknown:
        raise InvalidAssignment("aims", codes=unknown)
    resource = session.get(LearningResource, resource_id) if resource_id is not None else None
    if resource_id is not None and resource is None:
        raise InvalidAssignment("resource")
    assignment = Assignment(
        sourced_id=f"ransel:{uuid.uuid4()}",
        group_id=group.id,
        kind=kind,
        subject_code=group.subject_code,
        title=title,
        description=(description or "").strip() or None,
        assigned_at=clock.utcnow(),
        due_at=due,
        max_score=max_score,
        created_by_id=teacher.id,
        resource_id=resource_id,
        aims=aim_rows,
    )
    session.add(assignment)
    session.flush()
    warnings = check_group_assignment(session, teacher, resource, group.id, clock=clock) if resource else []
    return AddedAssignment(assignment, warnings)


@dataclass
class Behind:
    pupil: Person
    missing: list[str]  # titles past due, not handed in
    average_percent: float | None


def _recent_work(session: Session, teacher: Person, group_id: int,
                 clock: Clock) -> tuple[list[Assignment], list[Person], dict[tuple[int, int], Result]]:
    """The group's graded work due in the last six weeks that the school records results or
    hand-ins for, its pupils today, and their results; AccessDenied unless the teacher may
    see the group as staff."""
    if group_id not in staff_group_ids(session, teacher, clock.today()):
        raise AccessDenied()
    group = session.get_one(Group, group_id)
    now = clock.utcnow()
    assignments = session.scalars(
        select(Assignment).where(
            Assignment.group_id == group.id,
            Assignment.kind.not_in((AssignmentKind.BRING, AssignmentKind.EVENT)),
            Assignment.due_at < now,
            Assignment.due_at >= now - BEHIND_WINDOW,
        ).order_by(Assignment.due_at, Assignment.id)
    ).all()
    pupils = session.scalars(
        members(group.id, MemberRole.PUPIL, clock.today()).order_by(Person.given_name, Person.id)
    ).all()
    results = {
        (r.assignment_id, r.pupil_id): r
        for r in session.scalars(select(Result).where(Result.assignment_id.in_([a.id for a in assignments])))
    }
    # Only work the school records results or hand-ins for: homework nobody's result is kept
    # for (a OneRoster export of reading homework) is not "missing" for everyone.
    recorded = {assignment_id for assignment_id, _ in results}
    return [a for a in assignments if a.id in recorded], list(pupils), results


def _standing(assignments: list[Assignment], pupil: Person,
              results: dict[tuple[int, int], Result]) -> tuple[list[str], float | None]:
    """(titles missing, average percent) of a pupil over some assignments."""
    missing, percents = [], []
    for a in assignments:
        result = results.get((a.id, pupil.id))
        if result is None or result.status not in DONE:
            missing.append(a.title)
        elif result.score is not None and a.max_score:
            percents.append(100 * result.score / a.max_score)
    return missing, (round(sum(percents) / len(percents), 1) if percents else None)


def _is_behind(missing: list[str], average: float | None) -> bool:
    return bool(missing) or (average is not None and average < LOW_AVERAGE_PERCENT)


def pupils_behind(session: Session, teacher: Person, group_id: int, clock: Clock) -> list[Behind]:
    """Pupils in a group the teacher may see as staff (teaches, or of the class they are
    contact teacher of) with missing hand-ins or a low average in the last six weeks; the
    most missing first."""
    assignments, pupils, results = _recent_work(session, teacher, group_id, clock)
    behind = []
    for pupil in pupils:
        missing, average = _standing(assignments, pupil, results)
        if _is_behind(missing, average):
            behind.append(Behind(pupil, missing, average))
    behind.sort(key=lambda b: (-len(b.missing), b.average_percent if b.average_percent is not None else 101))
    return behind


@dataclass
class AimBehind:
    aim: CompetenceAim
    pupils: list[Behind]  # behind on the work linked to this aim, the most missing first


def behind_by_aim(session: Session, teacher: Person, group_id: int, clock: Clock) -> list[AimBehind]:
    """:func:`pupils_behind` per LK20 aim: for each aim the group's recent graded work is
    linked to, the pupils with a missing hand-in or a low average on that work (the same
    rule, the same window). Aims nobody is behind on are left out."""
    assignments, pupils, results = _recent_work(session, teacher, group_id, clock)
    by_aim: dict[str, list[Assignment]] = {}
    aims: dict[str, CompetenceAim] = {}
    for a in assignments:
        for aim in a.aims:
            by_aim.setdefault(aim.code, []).append(a)
            aims[aim.code] = aim
    out = []
    for code in sorted(by_aim):
        behind = []
        for pupil in pupils:
            missing, average = _standing(by_aim[code], pupil, results)
            if _is_behind(missing, average):
                behind.append(Behind(pupil, missing, average))
        if behind:
            behind.sort(key=lambda b: (-len(b.missing), b.average_percent if b.average_percent is not None else 101))
            out.append(AimBehind(aims[code], behind))
    return out


def taught_groups(session: Session, teacher: Person, clock: Clock) -> list[Group]:
    ids = taught_group_ids(session, teacher, clock.today())
    return list(session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.name))) if ids else []


@dataclass
class ChangedAssignment:
    title: str
    old_due: datetime
    new_due: datetime | None  # None: removed
    group_name: str
    # Guardians and pupils a reminder about the old day already reached, with the pupils it
    # was about: they get a short correction.
    reminded: dict[int, list[int]] = field(default_factory=dict)


REMINDER_TEMPLATES = ("reminder_homework", "reminder_test", "reminder_gear", "reminder_event", "reminder_weekplan")


def own_upcoming(session: Session, teacher: Person, clock: Clock) -> list[Assignment]:
    """Assignments the teacher added (by chat, the command line or the API) that are not due
    yet, in groups they still teach: the ones they may move or remove. Items from the school's
    system (OneRoster) are changed there."""
    groups = taught_group_ids(session, teacher, clock.today())
    if not groups:
        return []
    return list(session.scalars(select(Assignment).where(
        Assignment.created_by_id == teacher.id, Assignment.group_id.in_(groups),
        Assignment.due_at > clock.utcnow()).order_by(Assignment.due_at)))


def _reminded(session: Session, assignment: Assignment, clock: Clock) -> dict[int, list[int]]:

    day = clock.local(assignment.due_at).date().isoformat()
    pupils = set(pupil_ids_in(session, assignment.group_id, clock.today()))
    out: dict[int, list[int]] = {}
    rows = session.scalars(select(OutboxMessage).where(
        OutboxMessage.template.in_(REMINDER_TEMPLATES),
        OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ))))
    for row in rows:
        payload = row.payload or {}
        if payload.get("assignment") not in (None, assignment.id) or payload.get("day") != day:
            continue
        about = [p for p in payload.get("pupils") or [] if p in pupils]
        if about:
            out.setdefault(row.recipient_id, [])
            out[row.recipient_id].extend(p for p in about if p not in out[row.recipient_id])
    return out


def correct_reminded(session: Session, assignment_id: int, changed: ChangedAssignment, clock: Clock) -> int:
    """After a move or a removal: a short correction ("assignment_changed") to everyone a
    reminder about the old day already reached, about the pupils it concerned; how many."""
    now = clock.now()
    facts = {"title": changed.title, "group": changed.group_name, "old": changed.old_due.isoformat(),
             "new": changed.new_due.isoformat() if changed.new_due else None}
    enqueue_many(session, [
        {"idempotency_key": f"correction:{assignment_id}:{now.isoformat()}:p{recipient}",
         "recipient_id": recipient, "category": "homework", "template": "assignment_changed",
         "payload": {**facts, "pupils": pupils}, "due_at": now}
        for recipient, pupils in changed.reminded.items()
    ], now=now)
    return len(changed.reminded)


def snapshot(assignment: Assignment) -> dict[str, Any]:
    """What undo needs to put the item back as it was."""
    return {"sourced_id": assignment.sourced_id, "group_id": assignment.group_id, "kind": assignment.kind.value,
            "subject_code": assignment.subject_code, "title": assignment.title,
            "description": assignment.description, "due_at": assignment.due_at.isoformat(),
            "assigned_at": assignment.assigned_at.isoformat() if assignment.assigned_at else None,
            "max_score": assignment.max_score, "created_by_id": assignment.created_by_id,
            "aims": [aim.code for aim in assignment.aims], "resource_id": assignment.resource_id}


def move_assignment(session: Session, teacher: Person, assignment_id: int, due: datetime,
                    clock: Clock) -> ChangedAssignment:
    """Move the teacher's own assignment to another time; who was already reminded."""
    assignment = _own(session, teacher, assignment_id, clock)
    if due.tzinfo is None:
        raise InvalidAssignment("due_naive")
    if due <= clock.now():
        raise InvalidAssignment("due_past")
    reminded = _reminded(session, assignment, clock)
    old = clock.local(assignment.due_at)
    assignment.due_at = due
    session.flush()
    group = session.get(Group, assignment.group_id)
    return ChangedAssignment(assignment.title, old, clock.local(due), group.name if group else "", reminded)


def remove_assignment(session: Session, teacher: Person, assignment_id: int, clock: Clock) -> ChangedAssignment:
    """Remove the teacher's own assignment; who was already reminded."""
    assignment = _own(session, teacher, assignment_id, clock)
    reminded = _reminded(session, assignment, clock)
    group = session.get(Group, assignment.group_id)
    changed = ChangedAssignment(assignment.title, clock.local(assignment.due_at), None, group.name if group else "",
                                reminded)
    session.delete(assignment)
    session.flush()
    return changed


def _own(session: Session, teacher: Person, assignment_id: int, clock: Clock) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.group_id not in taught_group_ids(session, teacher, clock.today()):
        raise AccessDenied()
    if assignment.created_by_id != teacher.id:
        raise InvalidAssignment("not_own")
    return assignment
