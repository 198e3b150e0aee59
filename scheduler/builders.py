"""Builders for the scheduler's own messages: reminders, digests and broadcasts.

Each ``build_<template>(session, recipient, payload, clock)`` reads current data and returns
the facts its template renders, or ``None`` when there is nothing to say any more (the
homework was removed, the test moved, the day has passed, the broadcast was cancelled). The
recipient sees only pupils they may see today (:func:`bot.services.facts.visible_pupils`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.access import AccessDenied
from bot.clock import Clock
from bot.models import (
    Assignment,
    AssignmentKind,
    Broadcast,
    CalendarEvent,
    Group,
    Person,
    School,
)
from bot.reminder_rules import Rule, rules_for
from bot.services import statistics
from bot.services.broadcasts import still_in_audience
from bot.services.due import DueItem
from bot.services.facts import lesson_matches
from bot.services.weekplan import week_plan
from scheduler import content

DUE_KINDS = {AssignmentKind.HOMEWORK, AssignmentKind.PROJECT}


@dataclass(frozen=True)
class _Reminder:
    rule: Rule
    day: date
    pupils: list[Person]
    own: bool  # the recipient is the pupil the reminder is about
    days_ahead: int


def _reminder(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> _Reminder | None:
    """What every reminder needs: its rule (still there and on), its day (not passed) and
    the pupils the recipient may still see (bot.access decides)."""
    rule = rules_for(session, payload["school"]).get(payload["rule"])
    if rule is None or not rule.enabled:
        return None
    day = date.fromisoformat(payload["day"])
    today = clock.today()
    if day < today:
        return None
    facts = content.for_recipient(session, recipient, clock)
    visible = facts.visible(recipient.id)
    ids = [p for p in dict.fromkeys(payload.get("pupils", [])) if p in visible]
    if not ids:
        return None
    people = facts.people(ids)
    pupils = [people[i] for i in ids if i in people]
    own = [p.id for p in pupils] == [recipient.id]
    return _Reminder(rule, day, pupils, own, (day - today).days)


def _base(r: _Reminder) -> dict[str, Any]:
    return {"own": r.own, "day": r.day, "days_ahead": r.days_ahead}


def _item(i: DueItem | content.Due) -> dict[str, Any]:
    return {"kind": i.kind.value, "subject": i.subject_code, "title": i.title}


def build_reminder_homework(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """Homework and projects due on the day and not handed in yet, per child."""
    r = _reminder(session, recipient, payload, clock)
    if r is None:
        return None
    facts = content.for_recipient(session, recipient, clock)
    children = []
    for pupil in r.pupils:
        items = [i for i in facts.due(pupil.id, r.day, DUE_KINDS) if not i.done]
        if items:
            children.append({"name": pupil.given_name, "items": [_item(i) for i in items]})
    return {**_base(r), "children": children} if children else None


def build_reminder_gear(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """What to bring for each child's matching lessons on the day (the school's gear for the
    lesson's place, else the rule's items); children with the same needs share a line."""
    r = _reminder(session, recipient, payload, clock)
    if r is None:
        return None
    facts = content.for_recipient(session, recipient, clock)
    lines: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for pupil in r.pupils:
        slots, gear_by_place = facts.lessons(pupil.id, r.day), facts.gear_of(pupil.id)
        lessons = [s for s in slots if lesson_matches(s.subject_code, s.place, r.rule.subjects, r.rule.places)]
        if not lessons:
            continue
        # The school's gear for where the lesson is (gymsal: gym clothes; svømmehall: swimwear
        # and a towel); the rule's own items where the school has none for that place.
        gear = [key for s in lessons for key in (gear_by_place.get(s.place or "") or r.rule.items)]
        items = tuple(dict.fromkeys(gear))
        subjects = tuple(dict.fromkeys(s.subject_code for s in lessons if s.subject_code))
        lines.setdefault((items, subjects), []).append(pupil.given_name)
    if not lines:
        return None
    return {
        **_base(r),
        "lines": [{"names": names, "items": list(i), "subjects": list(s)} for (i, s), names in lines.items()],
    }


def build_reminder_event(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """What to bring to the event, for the children it is for, if it is still on that day."""
    r = _reminder(session, recipient, payload, clock)
    event = session.get(CalendarEvent, payload["event"])
    if r is None or event is None or clock.local(event.starts_at).date() != r.day:
        return None
    if r.rule.events and event.kind not in r.rule.events:
        return None
    names = [p.given_name for p in r.pupils if event.group_id is None or event.group_id in content.for_recipient(session, recipient, clock).groups(p.id)]
    bring = list(event.bring or r.rule.items)
    if not names or not bring:
        return None
    return {**_base(r), "names": names, "bring": bring, "event": event}


def build_reminder_test(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """The test, if it is still a test on that day, for the children who sit it."""
    r = _reminder(session, recipient, payload, clock)
    test = session.get(Assignment, payload["assignment"])
    if r is None or test is None or test.kind is not AssignmentKind.TEST or clock.local(test.due_at).date() != r.day:
        return None
    names = [p.given_name for p in r.pupils if test.group_id in content.for_recipient(session, recipient, clock).groups(p.id)]
    if not names:
        return None
    return {**_base(r), "names": names, "subject": test.subject_code, "title": test.title, "description": test.description}


def build_reminder_weekplan(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """Each child's week (bot.services.weekplan): per school day what is due and happening;
    days without teaching are marked off."""
    r = _reminder(session, recipient, payload, clock)
    if r is None:
        return None
    children = []
    plan = None
    for pupil in r.pupils:
        plan = week_plan(session, recipient, pupil.id, r.day, clock)
        due = plan.homework + plan.tests
        entries = []
        for schedule in plan.days:
            if not schedule.info.teaching:
                entries.append({"day": schedule.day, "off": True, "items": [], "events": []})
                continue
            items = [_item(i) for i in due if i.due.date() == schedule.day]
            if items or schedule.events:
                entries.append({"day": schedule.day, "off": False, "items": items, "events": schedule.events})
        children.append({"name": pupil.given_name, "days": entries})
    assert plan is not None
    return {**_base(r), "week": plan.week_number, "first": plan.monday, "last": plan.days[-1].day, "children": children}


def build_broadcast(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    broadcast = session.get(Broadcast, payload["broadcast"])
    if broadcast is None or broadcast.cancelled_at is not None:
        return None
    if not still_in_audience(session, broadcast, recipient, payload.get("pupils") or [], clock.today()):
        return None  # no longer theirs to receive (left the group, lost responsibility)
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


def build_assignment_changed(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """A short correction to those already reminded of an item the teacher moved or removed."""
    return {
        "title": payload.get("title") or "",
        "group": payload.get("group") or "",
        "old": datetime.fromisoformat(payload["old"]),
        "new": datetime.fromisoformat(payload["new"]) if payload.get("new") else None,
    }


def build_owner_report(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """The school owner's report for the payload's period, from the statistics as they are
    when it is sent (HTML with the charts as images: ``owner_report.j2``). Nothing if the
    recipient no longer oversees any school."""
    try:
        report = statistics.owner_report(session, recipient, date.fromisoformat(payload["first"]),
                                         date.fromisoformat(payload["last"]), clock)
    except AccessDenied:
        return None
    return statistics.report_facts(report, recipient.language)
