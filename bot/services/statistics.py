"""Statistics for school owners and school admins: aggregated, small groups suppressed.

No figure here identifies a pupil: a cell computed from fewer than ``MIN_GROUP`` pupils is
reported as suppressed (None), the usual rule in Norwegian school statistics (Udir
suppresses groups of fewer than 5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.access import AccessDenied, admin_school_ids, basis_pupils, group_pupils
from bot.clock import Clock
from bot.models import (
    Assignment,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Result,
    Role,
    School,
)
from bot.services.calendar import local_bounds
from bot.services.due import DONE

MIN_GROUP = 5


@dataclass(frozen=True)
class CompletionCell:
    school: str
    grade: int
    pupils: int | None  # None when suppressed
    completion_percent: float | None


def schools_for(session: Session, asker: Person) -> dict[int, str]:
    """Schools whose statistics the asker may see: an owner's schools, or an admin's own."""
    owners = set(
        session.scalars(
            select(PersonRole.owner_id).where(
                PersonRole.person_id == asker.id,
                PersonRole.role == Role.OWNER_ADMIN,
                PersonRole.owner_id.is_not(None),
            )
        )
    )
    ids = set(admin_school_ids(session, asker))
    if owners:
        ids.update(session.scalars(select(School.id).where(School.owner_id.in_(owners))))
    if not ids or not asker.enabled:
        raise AccessDenied()
    return dict(session.execute(select(School.id, School.name).where(School.id.in_(ids))).tuples().all())


def homework_completion(session: Session, asker: Person, first: date, last: date, clock: Clock) -> list[CompletionCell]:
    """Share of assignments due in the period that were handed in, per school and grade."""
    schools = schools_for(session, asker)
    start, end = local_bounds(clock.zone, first, last)
    basis = basis_pupils(schools)
    pupils_per_cell = session.execute(
        select(basis.c.school_id, basis.c.grade, func.count(func.distinct(basis.c.pupil_id)))
        .group_by(basis.c.school_id, basis.c.grade)
    ).all()
    members = group_pupils()
    due = session.execute(
        select(basis.c.school_id, basis.c.grade, Result.status, func.count())
        .select_from(Assignment)
        .join(members, members.c.group_id == Assignment.group_id)
        .join(basis, basis.c.pupil_id == members.c.pupil_id)
        .outerjoin(Result, (Result.assignment_id == Assignment.id) & (Result.pupil_id == members.c.pupil_id))
        .where(Assignment.due_at >= start, Assignment.due_at < end, Assignment.max_score.is_not(None))
        .group_by(basis.c.school_id, basis.c.grade, Result.status)
    ).all()
    done: dict[tuple[int, int], int] = defaultdict(int)
    total: dict[tuple[int, int], int] = defaultdict(int)
    for school_id, grade, status, count in due:
        total[(school_id, grade)] += count
        if status in DONE:
            done[(school_id, grade)] += count
    cells = []
    for school_id, grade, pupils in sorted(pupils_per_cell, key=lambda r: (schools[r[0]], r[1] or 0)):
        if pupils < MIN_GROUP:
            cells.append(CompletionCell(schools[school_id], grade, None, None))
            continue
        key = (school_id, grade)
        percent = round(100 * done[key] / total[key], 1) if total[key] else None
        cells.append(CompletionCell(schools[school_id], grade, pupils, percent))
    return cells


def delivery_summary(session: Session, asker: Person, first: date, last: date, clock: Clock) -> dict[str, dict[str, int]]:
    """Outbound messages per channel and status for the asker's schools in the period."""
    schools = schools_for(session, asker)
    start, end = local_bounds(clock.zone, first, last)
    in_school = (
        select(PersonRole.person_id).where(PersonRole.school_id.in_(schools)).scalar_subquery()
    )
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count())
        .where(OutboxMessage.due_at >= start, OutboxMessage.due_at < end, OutboxMessage.recipient_id.in_(in_school))
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    ).all()
    summary: dict[str, dict[str, int]] = defaultdict(dict)
    for channel, status, count in rows:
        summary[channel.value if channel else "unrouted"][OutboxStatus(status).value] = count
    return dict(summary)
