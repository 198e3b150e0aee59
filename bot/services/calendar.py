"""School days: weekends, Norwegian public holidays, school breaks and pupil-free days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import CalendarEvent, SchoolBreak


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


def day_info(session: Session, school_id: int, day: date, zone: ZoneInfo) -> DayInfo:
    if day.weekday() >= 5:
        return DayInfo(day, False, "weekend")
    holiday = public_holiday(day)
    if holiday:
        return DayInfo(day, False, "holiday", holiday_nb=holiday[0], holiday_en=holiday[1])
    school_break = session.scalar(
        select(SchoolBreak).where(
            SchoolBreak.school_id == school_id, SchoolBreak.first_day <= day, SchoolBreak.last_day >= day
        )
    )
    if school_break is not None:
        return DayInfo(day, False, "break", break_key=school_break.name_key)
    start, end = local_bounds(zone, day, day)
    pupil_free = session.scalar(
        select(CalendarEvent.id).where(
            CalendarEvent.school_id == school_id,
            CalendarEvent.group_id.is_(None),
            CalendarEvent.no_teaching.is_(True),
            CalendarEvent.starts_at < end,
            CalendarEvent.ends_at > start,
        )
    )
    if pupil_free is not None:
        return DayInfo(day, False, "no_teaching", event_id=pupil_free)
    return DayInfo(day, True)


def next_school_day(session: Session, school_id: int, after: date, zone: ZoneInfo) -> date:
    day = after + timedelta(days=1)
    for _ in range(120):  # the longest break (summer) is shorter than this
        if day_info(session, school_id, day, zone).teaching:
            return day
        day += timedelta(days=1)
    return day
