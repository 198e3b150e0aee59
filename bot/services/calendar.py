"""School days: weekends, Norwegian public holidays, school breaks and pupil-free days; a
school's breaks and terms for reading "før jul" or "i vår" (:class:`bot.dates.SchoolCalendar`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import AccessDenied, admin_school_ids, children_of, roles_of
from bot.dates import Period, SchoolCalendar
from bot.memo import memo
from bot.models import (
    AcademicSession,
    CalendarEvent,
    EventKind,
    Group,
    Person,
    PersonRole,
    Role,
    SchoolBreak,
    SessionKind,
)
from bot.services.facts import local_at
from bot.services.pupils import school_of


@dataclass(frozen=True)
class DayInfo:
    day: date
    teaching: bool
    reason: str | None = None  # weekend, holiday, break, no_teaching
    holiday_nb: str | None = None
    holiday_en: str | None = None
    break_key: str | None = None  # catalog key under `breaks`
    event_id: int | None = None  # the pupil-free event, if that is why

    def holiday_name(self, language: str) -> str | None:
        return self.holiday_en if language == "en" else self.holiday_nb


@lru_cache(maxsize=64)
def _holidays(year: int, language: str) -> dict[date, str]:
    return dict(holidays.Norway(years=year, include_sundays=False, language=language).items())


def public_holiday(day: date) -> tuple[str, str] | None:
    """(bokmål name, English name) if ``day`` is a Norwegian public holiday."""
    nb = _holidays(day.year, "no").get(day)
    return None if nb is None else (nb, _holidays(day.year, "en_US")[day])


def local_bounds(zone: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    """[start of ``first``, start of the day after ``last``) in school time, DST-correct."""
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


@dataclass
class SchoolDays:
    """Which days a school teaches, and which of its groups do not on a day of their own,
    over a range of dates: the one answer to "is this a teaching day (for these groups)?",
    for a chat answer (one day) and for a night's reminders (weeks at once) alike."""

    school_id: int
    breaks: list[tuple[date, date, str]] = field(default_factory=list)
    # Days without teaching from calendar events, with the event: None = the whole school.
    no_teaching: dict[int | None, dict[date, int]] = field(default_factory=lambda: defaultdict(dict))

    def info(self, day: date, group_ids: Iterable[int] = ()) -> DayInfo:
        """The day for the school, or for pupils of ``group_ids`` (an event for one of their
        groups without teaching takes the day off for them, not for the rest of the school)."""
        if day.weekday() >= 5:
            return DayInfo(day, False, "weekend")
        holiday = public_holiday(day)
        if holiday:
            return DayInfo(day, False, "holiday", holiday_nb=holiday[0], holiday_en=holiday[1])
        for first, last, key in self.breaks:
            if first <= day <= last:
                return DayInfo(day, False, "break", break_key=key)
        for group in (None, *group_ids):
            event_id = self.no_teaching.get(group, {}).get(day)
            if event_id is not None:
                return DayInfo(day, False, "no_teaching", event_id=event_id)
        return DayInfo(day, True)

    def is_school_day(self, day: date, group_ids: Iterable[int] = ()) -> bool:
        return self.info(day, group_ids).teaching

    def is_quiet_day(self, day: date) -> bool:
        """A public holiday or a day in a school break: no school reminders are sent on it."""
        return public_holiday(day) is not None or any(first <= day <= last for first, last, _ in self.breaks)


def school_days(session: Session, school_id: int, first: date, last: date, zone: ZoneInfo) -> SchoolDays:
    """The school's :class:`SchoolDays` from ``first`` to ``last``, in two queries."""
    days = SchoolDays(school_id)
    days.breaks = [
        (b.first_day, b.last_day, b.name_key)
        for b in session.scalars(
            select(SchoolBreak).where(
                SchoolBreak.school_id == school_id, SchoolBreak.last_day >= first, SchoolBreak.first_day <= last
            ).order_by(SchoolBreak.first_day, SchoolBreak.id)
        )
    ]
    start, end = local_bounds(zone, first, last)
    events = session.execute(
        select(CalendarEvent.id, CalendarEvent.group_id, CalendarEvent.starts_at, CalendarEvent.ends_at).where(
            CalendarEvent.school_id == school_id,
            CalendarEvent.no_teaching.is_(True),
            CalendarEvent.starts_at < end,
            CalendarEvent.ends_at > start,
        ).order_by(CalendarEvent.starts_at, CalendarEvent.id)
    )
    for event_id, group_id, starts_at, ends_at in events:
        day = starts_at.astimezone(zone).date()
        # An event ending at midnight does not cover the next day.
        until = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
        while day <= until:
            days.no_teaching[group_id].setdefault(day, event_id)
            day += timedelta(days=1)
    return days


def day_info(session: Session, school_id: int, day: date, zone: ZoneInfo, group_ids: Iterable[int] = ()) -> DayInfo:
    """One day of :class:`SchoolDays` (for the school, or for pupils of ``group_ids``)."""
    return school_days(session, school_id, day, day, zone).info(day, group_ids)


def next_school_day(session: Session, school_id: int, after: date, zone: ZoneInfo) -> date:
    day = after + timedelta(days=1)
    for _ in range(120):  # the longest break (summer) is shorter than this
        if day_info(session, school_id, day, zone).teaching:
            return day
        day += timedelta(days=1)
    return day


def school_calendar(session: Session, school_id: int) -> SchoolCalendar:
    """The school's stored breaks and terms, in two queries. What it lacks (a OneRoster-only
    school has no breaks, maybe no terms) ``bot.dates`` fills in from Norwegian conventions.

    OneRoster academic sessions belong to no school; a school's are those its classes refer
    to (a class keeps its first term), their school years and those years' other terms. When
    no class refers to any, every session counts: one export usually serves one municipality
    with one school calendar.
    """
    breaks = tuple(
        Period(key, first, last)
        for key, first, last in session.execute(
            select(SchoolBreak.name_key, SchoolBreak.first_day, SchoolBreak.last_day)
            .where(SchoolBreak.school_id == school_id)
            .order_by(SchoolBreak.first_day)
        )
    )
    used = select(Group.session_id).where(Group.school_id == school_id, Group.session_id.is_not(None))
    rows = session.execute(
        select(AcademicSession.id, AcademicSession.parent_id, AcademicSession.kind, AcademicSession.start_date,
               AcademicSession.end_date, AcademicSession.id.in_(used))
        .where(AcademicSession.kind != SessionKind.GRADING_PERIOD)
    ).all()
    ours = {row[0] for row in rows if row[5]}
    if ours:
        ours |= {row[1] for row in rows if row[0] in ours and row[1] is not None}  # their school years
        ours |= {row[0] for row in rows if row[1] in ours}  # and those years' terms
    terms = tuple(sorted(
        Period(_term_key(kind, start), start, end)
        for sid, _parent, kind, start, end, _used in rows
        if (not ours or sid in ours) and start <= end
    ))
    return SchoolCalendar(breaks=breaks, terms=terms)


def _term_key(kind: SessionKind, start: date) -> str:
    if kind == SessionKind.SCHOOL_YEAR:
        return "year"
    return "autumn" if start.month >= 7 else "spring"


def asker_calendar(session: Session, person: Person, on: date) -> SchoolCalendar:
    """The calendar of the asker's school: a pupil's own, a guardian's children's (the first
    child's that has one), a teacher's or school admin's role school; else conventions only."""
    roles = roles_of(session, person)
    school_id = school_of(session, person.id) if Role.PUPIL in roles else None
    if school_id is None and Role.GUARDIAN in roles:
        school_id = next((s for s in (school_of(session, c.id) for c in children_of(session, person, on))
                          if s is not None), None)
    if school_id is None:
        school_id = session.scalar(
            select(PersonRole.school_id)
            .where(PersonRole.person_id == person.id, PersonRole.school_id.is_not(None))
            .order_by(PersonRole.id)
            .limit(1)
        )
    if school_id is None:
        return SchoolCalendar()
    return memo(session, ("school_calendar", school_id), lambda: school_calendar(session, school_id))


# --- the school admin edits the calendar: breaks and dated events -------------------------------

BREAK_KEYS = ("autumn", "christmas", "winter", "easter", "summer")


class CalendarError(ValueError):
    """A calendar change that cannot be made; ``code`` names the problem for the reader's
    language (dates, break, kind, title, group, items), ``field`` the field it is about."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code, self.field = code, field


def _admin_of(session: Session, admin: Person, school_id: int) -> None:
    if school_id not in admin_school_ids(session, admin) or not admin.enabled:
        raise AccessDenied()


def breaks_of(session: Session, school_id: int, since: date) -> list[SchoolBreak]:
    """The school's breaks that end on or after ``since``, in date order."""
    return list(session.scalars(select(SchoolBreak).where(
        SchoolBreak.school_id == school_id, SchoolBreak.last_day >= since).order_by(SchoolBreak.first_day)))


def events_of(session: Session, school_id: int, since: date, zone: ZoneInfo) -> list[CalendarEvent]:
    """The school's calendar events that end on or after ``since``, in time order."""
    start = local_bounds(zone, since, since)[0]
    return list(session.scalars(select(CalendarEvent).where(
        CalendarEvent.school_id == school_id, CalendarEvent.ends_at > start).order_by(CalendarEvent.starts_at)))


def add_break(session: Session, admin: Person, school_id: int, name_key: str, first: date, last: date) -> SchoolBreak:
    """A school break from ``first`` to ``last`` (both included): no school and no reminders."""
    _admin_of(session, admin, school_id)
    if name_key not in BREAK_KEYS:
        raise CalendarError("break", "name")
    if last < first:
        raise CalendarError("dates", "last_day")
    found = SchoolBreak(school_id=school_id, name_key=name_key, first_day=first, last_day=last)
    session.add(found)
    session.flush()
    return found


def remove_break(session: Session, admin: Person, school_id: int, break_id: int) -> SchoolBreak:
    """Remove one of the school's breaks; returns it (detached) so it can be added again."""
    _admin_of(session, admin, school_id)
    found = session.get(SchoolBreak, break_id)
    if found is None or found.school_id != school_id:
        raise AccessDenied()
    session.delete(found)
    session.flush()
    return found


@dataclass(frozen=True)
class NewEvent:
    kind: str
    title_nb: str
    day: date
    last_day: date | None = None
    starts: time | None = None  # None: the whole day
    ends: time | None = None
    title_nn: str = ""
    title_en: str = ""
    group_id: int | None = None  # None: the whole school
    place: str = ""
    bring: tuple[str, ...] = ()
    no_teaching: bool = False
    description: str = ""


def add_event(session: Session, admin: Person, school_id: int, event: NewEvent, zone: ZoneInfo) -> CalendarEvent:
    """A dated event (skating day, trip, planning day ...) for the school or one of its groups,
    with what to bring (catalog item keys or the school's own words)."""
    _admin_of(session, admin, school_id)
    if event.kind not in {k.value for k in EventKind}:
        raise CalendarError("kind", "kind")
    if not event.title_nb.strip():
        raise CalendarError("title", "title_nb")
    if event.group_id is not None and session.scalar(
            select(Group.school_id).where(Group.id == event.group_id)) != school_id:
        raise CalendarError("group", "group")
    last_day = event.last_day or event.day
    if last_day < event.day:
        raise CalendarError("dates", "last_day")
    if event.starts is None:
        starts_at, ends_at = local_bounds(zone, event.day, last_day)
    else:
        starts_at = local_at(event.day, event.starts, zone)
        ends_at = local_at(last_day, event.ends or event.starts, zone)
        if ends_at <= starts_at:
            raise CalendarError("dates", "ends")
    found = CalendarEvent(
        school_id=school_id, group_id=event.group_id, kind=EventKind(event.kind), title_nb=event.title_nb.strip(),
        title_nn=event.title_nn.strip() or None, title_en=event.title_en.strip() or None,
        description=event.description.strip() or None, starts_at=starts_at, ends_at=ends_at,
        place=event.place.strip() or None, bring=[b for b in event.bring if b.strip()], no_teaching=event.no_teaching)
    session.add(found)
    session.flush()
    return found


def remove_event(session: Session, admin: Person, school_id: int, event_id: int) -> CalendarEvent:
    """Remove one of the school's events; returns it (detached) so it can be added again."""
    _admin_of(session, admin, school_id)
    found = session.get(CalendarEvent, event_id)
    if found is None or found.school_id != school_id:
        raise AccessDenied()
    session.delete(found)
    session.flush()
    return found
