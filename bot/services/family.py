"""The family's week in one view: today and the coming days for every pupil a person
follows (a guardian's children with parental responsibility, under 18; a pupil themself),
from the same services the chat answers with (timetable, due items, bring lists, progress).
The family page (``portal/family.py``) shows it; nothing here reads or writes anything the
chat does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bot.access import family_of
from bot.clock import Clock
from bot.models import AssignmentKind, Person
from bot.services.bring import BringItem, bring_list
from bot.services.due import DueItem, due_items
from bot.services.progress import SubjectProgress, progress
from bot.services.pupils import basis_group
from bot.services.timetable import DaySchedule, day_schedule

DAYS = 7  # today and the six days after: "the coming week"


@dataclass
class FamilyDay:
    schedule: DaySchedule
    homework: list[DueItem] = field(default_factory=list)
    tests: list[DueItem] = field(default_factory=list)
    other: list[DueItem] = field(default_factory=list)  # projects, events with a lineItem
    bring: list[BringItem] = field(default_factory=list)

    @property
    def day(self) -> date:
        return self.schedule.day

    @property
    def empty(self) -> bool:
        return not (self.schedule.slots or self.schedule.events or self.homework or self.tests or self.other
                    or self.bring)


@dataclass
class ChildWeek:
    pupil: Person
    class_name: str | None
    days: list[FamilyDay]
    progress: list[SubjectProgress]


def family_week(session: Session, asker: Person, clock: Clock, days: int = DAYS) -> list[ChildWeek]:
    """Every pupil the asker follows, with today and the next ``days - 1`` days."""
    today = clock.today()
    return [_child_week(session, asker, pupil.id, clock, days) for pupil in family_of(session, asker, today)]


def _child_week(session: Session, asker: Person, pupil_id: int, clock: Clock, days: int = DAYS) -> ChildWeek:
    """One pupil's coming days; :class:`~bot.access.AccessDenied` for a pupil not the asker's."""
    today = clock.today()
    last = today + timedelta(days=days - 1)
    due = due_items(session, asker, pupil_id, today, last, clock)
    out: list[FamilyDay] = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        entry = FamilyDay(day_schedule(session, asker, pupil_id, day, clock))
        for item in (i for i in due if i.due.date() == day):
            if item.kind is AssignmentKind.TEST:
                entry.tests.append(item)
            elif item.kind in (AssignmentKind.HOMEWORK, AssignmentKind.PROJECT):
                entry.homework.append(item)
            elif item.kind is not AssignmentKind.BRING:  # bring items are in the bring list
                entry.other.append(item)
        entry.bring = bring_list(session, asker, pupil_id, day, clock).items
        out.append(entry)
    group = basis_group(session, pupil_id, today)
    pupil = session.get_one(Person, pupil_id)
    return ChildWeek(pupil, group.name if group else None, out, progress(session, asker, pupil_id, clock))
