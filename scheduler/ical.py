"""Private calendar feeds (iCalendar, RFC 5545) for a pupil or a guardian.

A feed lives at ``/calendar/<token>.ics``. The token is a 256-bit secret of purpose
``calendar`` (:mod:`bot.api_tokens`: stored only as a hash), so the URL cannot be guessed; it
can be revoked, after which the URL answers 404 like any unknown one. A guardian's feed
covers all the children they may see (``bot.access``), a pupil's feed themself.

What is in it: assignments (homework, tests, projects, things to bring) as all-day events on
their due date, calendar events (skating day, trips, pupil-free days) at their times, and
for the next two weeks one all-day "bring" event per child and school day (gym clothes for
PE ...). Times are UTC (``Z``), dates are floating dates, so no VTIMEZONE is needed. UIDs
are stable (``assignment-<id>-p<pupil>@ransel`` ...), so calendar apps update entries in
place; DTSTAMP is the time the feed was made. Summaries are in the holder's language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import api_tokens
from bot.access import AccessDenied, family_of, visible_groups_of_pupil
from bot.clock import Clock
from bot.i18n import language_of
from bot.models import ApiToken, CalendarEvent, Person
from bot.services import calendar_feed
from bot.services.bring import bring_list
from bot.services.due import due_items
from bot.services.pupils import school_of
from scheduler.render import render_template

PURPOSE = calendar_feed.PURPOSE
PAST = timedelta(days=14)
AHEAD = timedelta(days=90)
BRING_AHEAD = 14  # days
DOMAIN = "ransel"


def issue(session: Session, person: Person, clock: Clock) -> str:
    """A new feed token for ``person``; returned once in clear."""
    return api_tokens.issue(session, person, PURPOSE, clock)


def revoke_all(session: Session, person: Person, clock: Clock) -> int:
    """Revoke every live feed token of ``person``; returns how many."""
    return api_tokens.revoke_where(session, clock, ApiToken.person_id == person.id, ApiToken.purpose == PURPOSE)


feed_url = calendar_feed.feed_url


def feed(session: Session, holder: Person, clock: Clock, language: str | None = None) -> bytes:
    """The holder's calendar as iCalendar bytes."""
    lang = language_of(language or holder.language)
    today = clock.today()
    stamp = clock.utcnow()
    pupils = family_of(session, holder, today)
    several = len(pupils) > 1 or (pupils and pupils[0].id != holder.id)

    cal = Calendar()
    cal.add("prodid", "-//Ransel//Ransel school calendar//NO")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", render_template("calendar_name", lang, {"names": [p.given_name for p in pupils]}))
    cal.add("x-published-ttl", "PT1H")

    for pupil in pupils:
        name = pupil.given_name if several else None
        try:
            groups = visible_groups_of_pupil(session, holder, pupil.id, today)
        except AccessDenied:  # pragma: no cover - family_of lists only visible pupils
            continue
        for item in due_items(session, holder, pupil.id, today - PAST, today + AHEAD, clock):
            day = item.due.date()
            cal.add_component(_all_day(
                f"assignment-{item.assignment_id}-p{pupil.id}", day, stamp,
                render_template("calendar_assignment", lang, {
                    "name": name, "kind": item.kind.value, "subject": item.subject_code, "title": item.title}),
                item.description,
            ))
        for event in _events(session, pupil.id, groups, clock, today - PAST, today + AHEAD):
            vevent = Event()
            vevent.add("uid", f"event-{event.id}-p{pupil.id}@{DOMAIN}")
            vevent.add("dtstamp", stamp)
            vevent.add("dtstart", event.starts_at.astimezone(UTC))
            vevent.add("dtend", event.ends_at.astimezone(UTC))
            vevent.add("summary", render_template("calendar_event", lang, {"name": name, "title": event.title(lang)}))
            if event.bring:
                vevent.add("description", render_template("calendar_bring", lang, {"name": None, "things": list(event.bring)}))
            if event.place:
                vevent.add("location", event.place)
            cal.add_component(vevent)
        for offset in range(BRING_AHEAD):
            day = today + timedelta(days=offset)
            things = [b.item_key or b.text for b in bring_list(session, holder, pupil.id, day, clock).items]
            if things:
                cal.add_component(_all_day(
                    f"bring-{day.isoformat()}-p{pupil.id}", day, stamp,
                    render_template("calendar_bring", lang, {"name": name, "things": things}),
                ))
    return cal.to_ical()


def _all_day(uid: str, day: date, stamp: datetime, summary: str, description: str | None = None) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    if description:
        event.add("description", description)
    return event


def _events(session: Session, pupil_id: int, groups: set[int], clock: Clock, first: date, last: date) -> list[CalendarEvent]:
    """The school's events for the whole school or for one of the pupil's groups."""
    school_id = school_of(session, pupil_id)
    if school_id is None:
        return []
    start = datetime.combine(first, datetime.min.time(), tzinfo=clock.zone)
    end = datetime.combine(last, datetime.min.time(), tzinfo=clock.zone)
    return list(
        session.scalars(
            select(CalendarEvent)
            .where(
                CalendarEvent.school_id == school_id,
                (CalendarEvent.group_id.is_(None)) | (CalendarEvent.group_id.in_(groups or {-1})),
                CalendarEvent.starts_at < end,
                CalendarEvent.ends_at > start,
            )
            .order_by(CalendarEvent.starts_at, CalendarEvent.id)
        )
    )
