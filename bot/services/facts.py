"""What the planner reads from the stores, in bulk: the school's groups, which groups have
something due or a lesson that needs gear, and the day's events (which days are school days
is :func:`bot.services.calendar.school_days`; who is in which group and whose guardian is who,
:func:`bot.access.pupil_groups` and :func:`bot.access.guardians_of`).

The planner asks these questions for a whole school at once (one query per question, not one
per pupil), so planning a municipality's evening stays within seconds. They only decide
*who may have something to be reminded of*; what the reminder says is decided at send time
by the builders through ``bot/services`` (due items, bring lists, week plans) and
``bot/access``, the one place that says who sees what.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    Assignment,
    AssignmentKind,
    CalendarEvent,
    EventKind,
    Group,
)

# --- time helpers --------------------------------------------------------------------------


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where a local day starts and the next one starts (23, 24 or 25 h)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def local_at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant a wall-clock time happens on a local day.

    On the spring-forward night a time in the missing hour (02:00-02:59) does not exist; it
    is read with the offset in force before the change, which lands it one hour later
    (02:30 becomes 03:30). On the fall-back night a time in the repeated hour happens twice;
    we take the first (fold=0, summer time). Either way one wall time gives one instant.
    """
    naive = datetime.combine(day, wall)
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


# --- people and groups ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupInfo:
    id: int
    name: str
    sourced_id: str
    grade: int | None
    subject_code: str | None


def groups_of_school(session: Session, school_id: int) -> dict[int, GroupInfo]:
    rows = session.execute(
        select(Group.id, Group.name, Group.sourced_id, Group.grade, Group.subject_code).where(
            Group.school_id == school_id
        )
    )
    return {r.id: GroupInfo(r.id, r.name, r.sourced_id, r.grade, r.subject_code) for r in rows}


def groups_with_assignments(
    session: Session, school_id: int, start: datetime, end: datetime, kinds: Iterable[AssignmentKind]
) -> dict[int, list[Assignment]]:
    """group id → assignments of ``kinds`` due in [start, end) at one school."""
    out: dict[int, list[Assignment]] = defaultdict(list)
    rows = session.scalars(
        select(Assignment)
        .join(Group, Group.id == Assignment.group_id)
        .where(
            Group.school_id == school_id,
            Assignment.kind.in_(list(kinds)),
            Assignment.due_at >= start,
            Assignment.due_at < end,
        )
        .order_by(Assignment.due_at, Assignment.id)
    )
    for a in rows:
        out[a.group_id].append(a)
    return out


def lesson_matches(subject_code: str | None, place: str | None, subjects: Iterable[str], places: Iterable[str]) -> bool:
    """A lesson a gear rule is about: its subject code starts with one of ``subjects`` (KRO
    matches KRO01-05) or it is at one of ``places``."""
    code = subject_code or ""
    return any(code.startswith(s) for s in subjects) or (place is not None and place in set(places))


def events_on(
    session: Session, school_id: int, day: date, kinds: Iterable[EventKind], zone: ZoneInfo
) -> list[CalendarEvent]:
    start, end = day_bounds(day, zone)
    return list(
        session.scalars(
            select(CalendarEvent)
            .where(
                CalendarEvent.school_id == school_id,
                CalendarEvent.kind.in_(list(kinds)),
                CalendarEvent.starts_at >= start,
                CalendarEvent.starts_at < end,
            )
            .order_by(CalendarEvent.starts_at, CalendarEvent.id)
        )
    )
