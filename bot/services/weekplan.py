"""The week plan (ukeplan): a pupil's week of lessons, homework, tests and things to bring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import AssignmentKind, Person
from bot.services.bring import BringItem, bring_list
from bot.services.due import DueItem, due_items
from bot.services.timetable import DaySchedule, day_schedule


@dataclass
class WeekPlan:
    monday: date
    week_number: int
    days: list[DaySchedule]
    homework: list[DueItem]
    tests: list[DueItem]
    bring: dict[date, list[BringItem]]


def week_plan(session: Session, asker: Person, pupil_id: int, any_day: date, clock: Clock) -> WeekPlan:
    monday = any_day - timedelta(days=any_day.weekday())
    friday = monday + timedelta(days=4)
    days = [day_schedule(session, asker, pupil_id, monday + timedelta(days=i), clock) for i in range(5)]
    due = due_items(session, asker, pupil_id, monday, friday, clock)
    bring = {d.day: bring_list(session, asker, pupil_id, d.day, clock).items for d in days}
    return WeekPlan(
        monday=monday,
        week_number=monday.isocalendar().week,
        days=days,
        homework=[i for i in due if i.kind in (AssignmentKind.HOMEWORK, AssignmentKind.PROJECT)],
        tests=[i for i in due if i.kind is AssignmentKind.TEST],
        bring={d: items for d, items in bring.items() if items},
    )
