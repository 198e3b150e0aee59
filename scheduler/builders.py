"""Builders for the scheduler's own messages: reminders, digests and broadcasts.

Each ``build_<template>(session, recipient, payload, clock)`` reads current data and returns
the facts its template renders, or ``None`` when there is nothing to say any more (the
homework was removed, the test moved, the day has passed, the broadcast was cancelled). The
recipient sees only pupils they may see today (:func:`scheduler.facts.visible_pupils`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import (
    Assignment,
    AssignmentKind,
    Broadcast,
    CalendarEvent,
    EventKind,
    Group,
    OutboxMessage,
    OutboxStatus,
    Person,
    School,
)
from scheduler import facts
from scheduler.rules import Rule, rules_for

DUE_KINDS = (AssignmentKind.HOMEWORK, AssignmentKind.PROJECT)
WEEK_KINDS = (AssignmentKind.HOMEWORK, AssignmentKind.PROJECT, AssignmentKind.TEST, AssignmentKind.BRING)


@dataclass(frozen=True)
class _Reminder:
    rule: Rule
    day: date
    pupils: list[Person]
    own: bool  # the recipient is the pupil the reminder is about
    days_ahead: int


def _reminder(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> _Reminder | None:
    """What every reminder needs: its rule (still there and on), its day (not passed) and
    the pupils the recipient may still see."""
    rule = rules_for(session, payload["school"]).get(payload["rule"])
    if rule is None or not rule.enabled:
        return None
    day = date.fromisoformat(payload["day"])
    today = clock.today()
    if day < today:
        return None
    ids = facts.visible_pupils(session, recipient.id, payload.get("pupils", []), today)
    if not ids:
        return None
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    pupils = [people[i] for i in ids if i in people and people[i].enabled]
    own = [p.id for p in pupils] == [recipient.id]
    return _Reminder(rule, day, pupils, own, (day - today).days)


def _base(r: _Reminder) -> dict[str, Any]:
    return {"own": r.own, "day": r.day, "days_ahead": r.days_ahead}


def _assignment(a: Assignment) -> dict[str, Any]:
    return {"kind": a.kind.value, "subject": a.subject_code, "title": a.title}


def build_reminder_homework(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    r = _reminder(session, recipient, payload, clock)
    if r is None:
        return None
    start, end = facts.day_bounds(r.day, clock.zone)
    children = []
    for pupil in r.pupils:
        items = facts.due_items(session, recipient.id, pupil.id, start, end, kinds=DUE_KINDS)
        if items:
            children.append({"name": pupil.given_name, "items": [_assignment(a) for a in items]})
    return {**_base(r), "children": children} if children else None


def build_reminder_gear(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    r = _reminder(session, recipient, payload, clock)
    if r is None:
        return None
    lines: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for pupil in r.pupils:
        groups = facts.pupil_group_ids(session, pupil.id, clock.today())
        lessons = [
            lesson for lesson in facts.lessons_on(session, groups, r.day)
            if facts.lesson_matches(lesson, r.rule.subjects, r.rule.places)
        ]
        if not lessons:
            continue
        school_id = payload["school"]
        items = list(dict.fromkeys([*r.rule.items, *facts.gear_for_places(session, school_id, [l.place for l in lessons])]))
        subjects = list(dict.fromkeys(l.subject_code for l in lessons if l.subject_code))
        lines.setdefault((tuple(items), tuple(subjects)), []).append(pupil.given_name)
    if not lines:
        return None
    return {
        **_base(r),
        "lines": [{"names": names, "items": list(items), "subjects": list(subjects)} for (items, subjects), names in lines.items()],
    }


def build_reminder_event(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    r = _reminder(session, recipient, payload, clock)
    event = session.get(CalendarEvent, payload["event"])
    if r is None or event is None or event.starts_at.astimezone(clock.zone).date() != r.day:
        return None
    if r.rule.events and event.kind not in r.rule.events:
        return None
    names = [
        p.given_name for p in r.pupils
        if event.group_id is None or event.group_id in facts.pupil_group_ids(session, p.id, clock.today())
    ]
    items = list(event.bring or r.rule.items)
    if not names or not items:
        return None
    return {**_base(r), "names": names, "bring": items, "event": event, "kind": EventKind(event.kind).value}


def build_reminder_test(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    r = _reminder(session, recipient, payload, clock)
    test = session.get(Assignment, payload["assignment"])
    if r is None or test is None or test.kind is not AssignmentKind.TEST:
        return None
    if test.due_at.astimezone(clock.zone).date() != r.day:
        return None
    names = [p.given_name for p in r.pupils if test.group_id in facts.pupil_group_ids(session, p.id, clock.today())]
    if not names:
        return None
    return {**_base(r), "names": names, "subject": test.subject_code, "title": test.title, "description": test.description}


def build_reminder_weekplan(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    r = _reminder(session, recipient, payload, clock)
    if r is None:
        return None
    monday = r.day
    days = [monday + timedelta(days=i) for i in range(5)]
    calendar = facts.school_calendar(session, payload["school"], monday, days[-1], clock.zone)
    start, _ = facts.day_bounds(monday, clock.zone)
    _, end = facts.day_bounds(days[-1], clock.zone)
    children = []
    for pupil in r.pupils:
        groups = facts.pupil_group_ids(session, pupil.id, clock.today())
        items = facts.due_items(session, recipient.id, pupil.id, start, end, kinds=WEEK_KINDS)
        entries = []
        for day in days:
            if not calendar.is_school_day(day, groups):
                entries.append({"day": day, "off": True, "items": [], "events": []})
                continue
            events = [
                e for e in facts.events_on(session, payload["school"], day, list(EventKind), clock.zone)
                if e.group_id is None or e.group_id in groups
            ]
            due = [_assignment(a) for a in items if a.due_at.astimezone(clock.zone).date() == day]
            if due or events:
                entries.append({"day": day, "off": False, "items": due, "events": events})
        children.append({"name": pupil.given_name, "days": entries})
    year, week, _ = monday.isocalendar()
    return {**_base(r), "week": week, "first": monday, "last": days[-1], "children": children}


def build_digest(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """All the reminders folded into this digest, each rendered now from current data."""
    from scheduler.planner import digest_key
    from scheduler.preferences import load
    from scheduler.render import render_row

    from bot.models import DeliveryMode

    slot = datetime.fromisoformat(payload["slot"])
    key = digest_key(recipient.id, DeliveryMode(payload["mode"]), slot)
    digest_id = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key).scalar_subquery()
    members = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.digest_id == digest_id, OutboxMessage.status == OutboxStatus.DIGESTED)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
    ).all()
    language = load(session, [recipient.id])[recipient.id].language
    parts = [text for m in members if (text := render_row(session, m, recipient, language, clock))]
    if not parts:
        return None
    return {"mode": payload["mode"], "slot": slot.astimezone(clock.zone), "parts": parts}


def build_broadcast(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    broadcast = session.get(Broadcast, payload["broadcast"])
    if broadcast is None or broadcast.cancelled_at is not None:
        return None
    author = session.get(Person, broadcast.author_id)
    group = session.get(Group, broadcast.group_id) if broadcast.group_id else None
    school = session.get(School, broadcast.school_id)
    return {
        "author": author.name if author else "",
        "scope": broadcast.scope.value,
        "group": group.name if group else None,
        "grade": broadcast.grade,
        "school": school.name if school else "",
        "text": broadcast.text,
        "urgent": broadcast.urgent,
    }
