"""The timetable of a day and the week plan (ukeplan) for a pupil."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import visible_groups_of_pupil
from bot.clock import Clock
from bot.models import CalendarEvent, Group, Lesson, Person
from bot.services.calendar import DayInfo, day_info, local_bounds
from bot.services.pupils import school_of


@dataclass(frozen=True)
class Slot:
    starts: time
    ends: time
    subject_code: str | None
    slot_key: str | None  # lunch, break, class_hour
    place: str | None
    room: str | None
    group_name: str


@dataclass(frozen=True)
class EventView:
    event_id: int
    kind: str
    titles: dict[str, str]
    starts: datetime  # school time
    ends: datetime
    place: str | None
    bring: list[str]
    no_teaching: bool

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles["nb"]


@dataclass
class DaySchedule:
    day: date
    info: DayInfo
    slots: list[Slot] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)

    @property
    def starts(self) -> time | None:
        lessons = [s for s in self.slots if s.slot_key is None]
        return min((s.starts for s in lessons), default=None)

    @property
    def ends(self) -> time | None:
        return max((s.ends for s in self.slots), default=None)

    def after(self, slot_key: str) -> list[Slot]:
        """Lessons after the first slot of a kind ("hva har vi etter lunsj?")."""
        marker = next((s for s in self.slots if s.slot_key == slot_key), None)
        if marker is None:
            return []
        return [s for s in self.slots if s.starts >= marker.ends and s.slot_key is None]


def _school_zone_checks(session: Session, pupil_id: int, day: date, clock: Clock, group_ids: set[int]) -> DayInfo:
    school_id = school_of(session, pupil_id)
    if school_id is None:
        return DayInfo(day, False, "no_teaching")
    return day_info(session, school_id, day, clock.zone, group_ids)


def events_on(session: Session, group_ids: set[int], school_id: int | None, day: date, clock: Clock) -> list[EventView]:
    if school_id is None:
        return []
    start, end = local_bounds(clock.zone, day, day)
    rows = session.scalars(
        select(CalendarEvent)
        .where(
            CalendarEvent.school_id == school_id,
            (CalendarEvent.group_id.is_(None)) | (CalendarEvent.group_id.in_(group_ids or {-1})),
            CalendarEvent.starts_at < end,
            CalendarEvent.ends_at > start,
        )
        .order_by(CalendarEvent.starts_at, CalendarEvent.id)
    )
    return [
        EventView(
            event_id=e.id,
            kind=e.kind.value,
            titles={"nb": e.title_nb, "nn": e.title_nn or e.title_nb, "en": e.title_en or e.title_nb},
            starts=clock.local(e.starts_at),
            ends=clock.local(e.ends_at),
            place=e.place,
            bring=list(e.bring or []),
            no_teaching=e.no_teaching,
        )
        for e in rows
    ]


def day_schedule(session: Session, asker: Person, pupil_id: int, day: date, clock: Clock) -> DaySchedule:
    groups = visible_groups_of_pupil(session, asker, pupil_id, clock.today())
    info = _school_zone_checks(session, pupil_id, day, clock, groups)
    schedule = DaySchedule(day, info, events=events_on(session, groups, school_of(session, pupil_id), day, clock))
    if not info.teaching or not groups:
        return schedule
    rows = session.execute(
        select(Lesson, Group.name)
        .join(Group, Group.id == Lesson.group_id)
        .where(
            Lesson.group_id.in_(groups),
            Lesson.weekday == day.weekday(),
            (Lesson.valid_from.is_(None)) | (Lesson.valid_from <= day),
            (Lesson.valid_to.is_(None)) | (Lesson.valid_to >= day),
        )
        .order_by(Lesson.starts, Lesson.id)
    ).all()
    schedule.slots = [
        Slot(lesson.starts, lesson.ends, lesson.subject_code, lesson.slot_key, lesson.place, lesson.room, group_name)
        for lesson, group_name in rows
    ]
    return schedule
