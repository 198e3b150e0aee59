"""What is due: homework, tests, projects and bring-items for a pupil in a date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import visible_groups_of_pupil
from bot.clock import Clock
from bot.models import Assignment, AssignmentKind, Group, Person, Result, ScoreStatus
from bot.services.calendar import local_bounds

DONE = {ScoreStatus.SUBMITTED, ScoreStatus.PARTIALLY_GRADED, ScoreStatus.FULLY_GRADED, ScoreStatus.EXEMPT}


@dataclass(frozen=True)
class DueItem:
    assignment_id: int
    pupil_id: int
    kind: AssignmentKind
    subject_code: str | None
    title: str
    description: str | None
    due: datetime  # school time
    group_name: str
    done: bool


def due_items(
    session: Session,
    asker: Person,
    pupil_id: int,
    start: date,
    end: date,
    clock: Clock,
    kinds: set[AssignmentKind] | None = None,
    subject_code: str | None = None,
) -> list[DueItem]:
    """Everything due for the pupil from ``start`` to ``end`` (inclusive, school days),
    limited to the groups the asker may see. Raises AccessDenied for a pupil not theirs."""
    groups = visible_groups_of_pupil(session, asker, pupil_id, clock.today())
    if not groups:
        return []
    first, after_last = local_bounds(clock.zone, start, end)
    stmt = (
        select(Assignment, Group.name)
        .join(Group, Group.id == Assignment.group_id)
        .where(
            Assignment.group_id.in_(groups),
            Assignment.due_at >= first,
            Assignment.due_at < after_last,
        )
        .order_by(Assignment.due_at, Assignment.title, Assignment.id)
    )
    if kinds:
        stmt = stmt.where(Assignment.kind.in_(kinds))
    if subject_code:
        stmt = stmt.where(Assignment.subject_code == subject_code)
    rows = session.execute(stmt).all()
    statuses = dict(
        session.execute(
            select(Result.assignment_id, Result.status).where(
                Result.pupil_id == pupil_id, Result.assignment_id.in_([a.id for a, _ in rows])
            )
        ).tuples().all()
    )
    return [
        DueItem(
            assignment_id=a.id,
            pupil_id=pupil_id,
            kind=a.kind,
            subject_code=a.subject_code,
            title=a.title,
            description=a.description,
            due=clock.local(a.due_at),
            group_name=group_name,
            done=statuses.get(a.id) in DONE,
        )
        for a, group_name in rows
    ]


def upcoming_tests(
    session: Session, asker: Person, pupil_id: int, clock: Clock, days: int = 28,
    subject_code: str | None = None,
) -> list[DueItem]:
    """Tests from today on, within ``days`` days, soonest first."""
    today = clock.today()
    items = due_items(
        session, asker, pupil_id, today, today + timedelta(days=days), clock,
        kinds={AssignmentKind.TEST}, subject_code=subject_code,
    )
    return [i for i in items if i.due >= clock.now() or i.due.date() == today]
