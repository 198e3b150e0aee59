"""What teachers do: add homework, tests and bring-items to a group, and see who is behind."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import AccessDenied, current, require_teacher_of, staff_group_ids, taught_group_ids
from bot.clock import Clock
from bot.learning.too_hard import TooHardWarning, check_group_assignment
from bot.models import (
    Assignment,
    AssignmentKind,
    CompetenceAim,
    Group,
    LearningResource,
    MemberRole,
    Membership,
    Person,
    Result,
)
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
    unknown = [code for code, row in zip(aims or [], aim_rows) if row is None]
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


def pupils_behind(session: Session, teacher: Person, group_id: int, clock: Clock) -> list[Behind]:
    """Pupils in a group the teacher may see as staff (teaches, or of the class they are
    contact teacher of) with missing hand-ins or a low average in the last six weeks; the
    most missing first."""
    if group_id not in staff_group_ids(session, teacher, clock.today()):
        raise AccessDenied()
    group = session.get(Group, group_id)
    now = clock.utcnow()
    assignments = session.scalars(
        select(Assignment).where(
            Assignment.group_id == group.id,
            Assignment.kind.not_in((AssignmentKind.BRING, AssignmentKind.EVENT)),
            Assignment.due_at < now,
            Assignment.due_at >= now - BEHIND_WINDOW,
        )
    ).all()
    pupils = session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group.id, Membership.role == MemberRole.PUPIL, current(clock.today()))
        .order_by(Person.given_name, Person.id)
    ).all()
    results = {
        (r.assignment_id, r.pupil_id): r
        for r in session.scalars(select(Result).where(Result.assignment_id.in_([a.id for a in assignments])))
    }
    # Only work the school records results or hand-ins for: homework nobody's result is kept
    # for (a OneRoster export of reading homework) is not "missing" for everyone.
    recorded = {assignment_id for assignment_id, _ in results}
    assignments = [a for a in assignments if a.id in recorded]
    behind = []
    for pupil in pupils:
        missing, percents = [], []
        for a in assignments:
            result = results.get((a.id, pupil.id))
            if result is None or result.status not in DONE:
                missing.append(a.title)
            elif result.score is not None and a.max_score:
                percents.append(100 * result.score / a.max_score)
        average = round(sum(percents) / len(percents), 1) if percents else None
        if missing or (average is not None and average < LOW_AVERAGE_PERCENT):
            behind.append(Behind(pupil, missing, average))
    behind.sort(key=lambda b: (-len(b.missing), b.average_percent if b.average_percent is not None else 101))
    return behind


def taught_groups(session: Session, teacher: Person, clock: Clock) -> list[Group]:
    ids = taught_group_ids(session, teacher, clock.today())
    return list(session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.name))) if ids else []
