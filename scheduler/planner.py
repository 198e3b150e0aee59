"""Planning: reminder rules and people's preferences become dated outbox rows.

For each school with rules and each local *fire day* in a window, the planner finds the
rule's **occurrences** (the homework digest for Wednesday 2 December, the test reminder three
days before test 45, the week plan of week 50 ...), the pupils each is about (only those
with something to be reminded of), and the recipients: the pupils themselves and/or their
guardians, one message per guardian covering all their children in the occurrence.

Each (recipient, rule, occurrence) is one outbox row with the idempotency key
``rule:<school>:<rule>:<occurrence>:p<recipient>``, so planning again (every few minutes, or
after a crash, or by hand) adds only what is new: homework entered after the last pass gets
its reminder, nothing is planned twice. The rows of one pass are written in one transaction.

Times are wall-clock times in the school's zone: a rule "at 17:00" is 17:00 local on every
day, on both sides of a DST change (see :func:`bot.services.facts.local_at` for the times that
do not exist or exist twice on the change nights). A row planned after its time (the
scheduler was down) is due at once, unless the occurrence has expired: nothing is planned
for a day that has already begun.

School reminders are about school days. A target day that is not a school day (weekend,
public holiday, school break, pupil-free day) gets no reminder. Reminders more than a day
ahead are not sent on a public holiday or in a break either; the evening-before reminder is,
because school starts the next morning (the last Sunday of juleferie brings Monday's homework).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import access
from bot.clock import Clock
from bot.models import AssignmentKind, Channel, DeliveryMode, Lesson, OutboxStatus, ReminderRuleSet
from bot.outbox import enqueue_many, lock_pending
from bot.reminder_rules import Rule, RuleSet, rules_for
from bot.services import facts
from bot.services import reach as preferences
from bot.services.calendar import school_days
from bot.services.reach import Reach

log = logging.getLogger(__name__)

DIGEST_TEMPLATE = "digest"
DIGEST_CATEGORY = "digest"
# How far ahead a scheduled pass plans: today and tomorrow (local fire days).
DEFAULT_HORIZON_DAYS = 1


@dataclass(frozen=True)
class Occurrence:
    """One dated happening of a rule at a school, and the pupils it is about."""

    school_id: int
    rule: Rule
    key: str  # e.g. "2026-12-02/1", "test-45/3", "week-2026-W50"
    fire_day: date
    target_day: date
    pupils: frozenset[int]
    payload: dict[str, Any]

    def expires(self, zone: ZoneInfo) -> datetime:
        """Nothing is planned once the day after the fire day has begun."""
        return facts.day_bounds(self.fire_day + timedelta(days=1), zone)[0]


@dataclass(frozen=True)
class PlannedMessage:
    key: str
    recipient_id: int
    rule_id: str
    category: str
    template: str
    payload: dict[str, Any]
    due_at: datetime  # local
    digest: tuple[DeliveryMode, datetime] | None = None  # (mode, slot) when folded into a digest


@dataclass
class Plan:
    occurrences: list[Occurrence] = field(default_factory=list)
    messages: list[PlannedMessage] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    written: int = 0


def plan(
    session: Session,
    clock: Clock,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
    school_ids: Iterable[int] | None = None,
    write: bool = True,
) -> Plan:
    """Plan the rows of every occurrence firing on local days ``first_day``..``last_day``.

    Defaults to today and tomorrow. With ``write`` the rows are added (idempotently) to the
    outbox in the caller's transaction; without, the plan is only computed (``plan --dry-run``).
    """
    now = clock.now()
    first_day = first_day or now.date()
    last_day = last_day or first_day + timedelta(days=DEFAULT_HORIZON_DAYS)
    query = select(ReminderRuleSet.school_id)
    if school_ids is not None:
        query = query.where(ReminderRuleSet.school_id.in_(list(school_ids)))
    result = Plan()
    for school_id in session.scalars(query.order_by(ReminderRuleSet.school_id)):
        rules = rules_for(session, school_id)
        if not rules.active():
            continue
        occurrences = SchoolPlanner(session, clock, school_id, rules, first_day, last_day).occurrences()
        result.occurrences.extend(o for o in occurrences if now < o.expires(clock.zone))
    _recipients(session, clock, result)
    if write:
        result.written = write_plan(session, clock, result)
    log.info(
        "planned days=%s..%s occurrences=%d messages=%d written=%d dropped=%s",
        first_day, last_day, len(result.occurrences), len(result.messages), result.written, dict(result.dropped),
    )
    return result


class SchoolPlanner:
    """Finds one school's occurrences over a range of fire days, a few queries per rule."""

    def __init__(
        self, session: Session, clock: Clock, school_id: int, rules: RuleSet, first_day: date, last_day: date
    ) -> None:
        self.session, self.clock, self.school_id, self.rules = session, clock, school_id, rules
        self.zone = clock.zone
        self.fire_days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        self.calendar = school_days(session, school_id, first_day, last_day + timedelta(days=21), self.zone)
        self.groups = facts.groups_of_school(session, school_id)
        self.members = access.pupil_groups(session, self.groups, first_day)  # pupil → groups
        self.by_group: dict[int, set[int]] = defaultdict(set)
        for pupil, groups in self.members.items():
            for g in groups:
                self.by_group[g].add(pupil)

    def occurrences(self) -> list[Occurrence]:
        out: list[Occurrence] = []
        for rule in self.rules.active():
            finder = getattr(self, f"_{rule.kind.value}", None)
            if finder is None:  # absence: triggered by the report, not planned
                continue
            for fire_day in self.fire_days:
                out.extend(finder(rule, fire_day))
        return out

    # -- helpers

    def _targets(self, rule: Rule, fire_day: date) -> Iterable[tuple[int, date]]:
        for n in rule.days_before:
            target = fire_day + timedelta(days=n)
            if n > 1 and self.calendar.is_quiet_day(fire_day):
                continue
            yield n, target

    def _audience(self, rule: Rule, pupils: Iterable[int], day: date | None = None) -> frozenset[int]:
        out = set()
        for pupil in pupils:
            groups = self.members.get(pupil, set())
            if day is not None and not self.calendar.is_school_day(day, groups):
                continue
            if (rule.grades or rule.groups) and not rule.reaches(self.groups[g] for g in groups):
                continue
            out.add(pupil)
        return frozenset(out)

    def _pupils_of(self, group_ids: Iterable[int]) -> set[int]:
        out: set[int] = set()
        for g in group_ids:
            out |= self.by_group.get(g, set())
        return out

    def _occurrence(self, rule: Rule, key: str, fire_day: date, target: date, pupils: frozenset[int], **payload: Any) -> Occurrence:
        body = {"school": self.school_id, "rule": rule.id, "day": target.isoformat(), **payload}
        return Occurrence(self.school_id, rule, key, fire_day, target, pupils, body)

    # -- one finder per kind of rule

    def _homework(self, rule: Rule, fire_day: date) -> Iterable[Occurrence]:
        for n, target in self._targets(rule, fire_day):
            if not self.calendar.is_school_day(target):
                continue
            start, end = facts.day_bounds(target, self.zone)
            due = facts.groups_with_assignments(
                self.session, self.school_id, start, end, (AssignmentKind.HOMEWORK, AssignmentKind.PROJECT)
            )
            pupils = self._audience(rule, self._pupils_of(due), target)
            if pupils:
                yield self._occurrence(rule, f"{target.isoformat()}/{n}", fire_day, target, pupils)

    def _gear(self, rule: Rule, fire_day: date) -> Iterable[Occurrence]:
        for n, target in self._targets(rule, fire_day):
            if not self.calendar.is_school_day(target):
                continue
            lessons = self.session.scalars(
                select(Lesson).where(Lesson.group_id.in_(list(self.groups)), Lesson.weekday == target.weekday())
            )
            groups = {
                lesson.group_id
                for lesson in lessons
                if facts.lesson_matches(lesson.subject_code, lesson.place, rule.subjects, rule.places)
                and (lesson.valid_from is None or lesson.valid_from <= target)
                and (lesson.valid_to is None or lesson.valid_to >= target)
            }
            pupils = self._audience(rule, self._pupils_of(groups), target)
            if pupils:
                yield self._occurrence(rule, f"{target.isoformat()}/{n}", fire_day, target, pupils)

    def _event(self, rule: Rule, fire_day: date) -> Iterable[Occurrence]:
        for n, target in self._targets(rule, fire_day):
            if self.calendar.is_quiet_day(target):
                continue
            for event in facts.events_on(self.session, self.school_id, target, rule.events, self.zone):
                if not (event.bring or rule.items):
                    continue
                base = self._pupils_of([event.group_id]) if event.group_id else set(self.members)
                pupils = self._audience(rule, base)
                if pupils:
                    # The date is part of the key: a moved event gets a new reminder.
                    yield self._occurrence(
                        rule, f"event-{event.id}-{target.isoformat()}/{n}", fire_day, target, pupils, event=event.id
                    )

    def _test(self, rule: Rule, fire_day: date) -> Iterable[Occurrence]:
        for n, target in self._targets(rule, fire_day):
            if not self.calendar.is_school_day(target):
                continue
            start, end = facts.day_bounds(target, self.zone)
            tests = facts.groups_with_assignments(self.session, self.school_id, start, end, (AssignmentKind.TEST,))
            for group_id, assignments in tests.items():
                pupils = self._audience(rule, self._pupils_of([group_id]), target)
                for a in assignments:
                    if pupils:
                        yield self._occurrence(
                            rule, f"test-{a.id}-{target.isoformat()}/{n}", fire_day, target, pupils,
                            assignment=a.id, days_before=n,
                        )

    def _weekplan(self, rule: Rule, fire_day: date) -> Iterable[Occurrence]:
        if fire_day.weekday() != rule.weekday:
            return
        monday = fire_day + timedelta(days=7 - fire_day.weekday())
        week = [monday + timedelta(days=i) for i in range(5)]
        if not any(self.calendar.is_school_day(d) for d in week):
            return
        pupils = self._audience(rule, self.members)
        if pupils:
            year, number, _ = monday.isocalendar()
            yield self._occurrence(rule, f"week-{year}-W{number:02d}", fire_day, monday, pupils)


# --- from occurrences to recipients ----------------------------------------------------------


def _recipients(session: Session, clock: Clock, result: Plan) -> None:
    now = clock.now()
    all_pupils = {p for o in result.occurrences for p in o.pupils}
    guardians = access.guardians_of(session, all_pupils, now.date()) if all_pupils else {}
    wanted: list[tuple[Occurrence, dict[int, list[int]]]] = []
    people: set[int] = set()
    for occ in result.occurrences:
        per_recipient: dict[int, list[int]] = defaultdict(list)
        for pupil in sorted(occ.pupils):
            if occ.rule.to.pupils:
                per_recipient[pupil].append(pupil)
            if occ.rule.to.guardians:
                for g in guardians.get(pupil, ()):
                    per_recipient[g].append(pupil)
        wanted.append((occ, per_recipient))
        people |= set(per_recipient)
    reach = preferences.load(session, people)
    timing = _Timing(clock)
    for occ, per_recipient in wanted:
        for recipient_id, pupils in per_recipient.items():
            message = _message(occ, recipient_id, pupils, reach.get(recipient_id), timing, result.dropped)
            if message is not None:
                result.messages.append(message)


class _Timing:
    """"Now" once per pass, and each (day, wall time) turned into an instant once: tens of
    thousands of recipients share a handful of them."""

    def __init__(self, clock: Clock) -> None:
        self.zone = clock.zone
        self.now = clock.now()
        self.now_utc = self.now.astimezone(UTC)
        self._instants: dict[tuple[date, time], datetime] = {}

    def at(self, day: date, wall: time) -> datetime:
        key = (day, wall)
        if key not in self._instants:
            self._instants[key] = facts.local_at(day, wall, self.zone)
        return self._instants[key]


def _message(
    occ: Occurrence, recipient_id: int, pupils: list[int], reach: Reach | None, timing: _Timing, dropped: Counter[str]
) -> PlannedMessage | None:
    rule, zone = occ.rule, timing.zone
    reason = decline(reach, rule.category, rule.critical, timing.now.date())
    if reason is not None:
        dropped[reason] += 1
        return None
    assert reach is not None and rule.at is not None
    wall = reach.preferred_time if (reach.preferred_time and not rule.critical) else rule.at
    due = timing.at(occ.fire_day, wall)
    # Compare instants in UTC: same-zone comparisons in Python ignore the DST fold.
    if due.astimezone(UTC) < timing.now_utc:
        due = timing.now
    if not rule.critical and reach.paused_on(due.date()):
        dropped["paused"] += 1
        return None
    mode = reach.mode(rule.category, rule.critical)
    digest = None
    if mode in (DeliveryMode.DAILY, DeliveryMode.WEEKLY):
        slot = reach.digest_slot(mode, occ.fire_day, zone)
        while slot.astimezone(UTC) < timing.now_utc:
            slot = reach.next_digest_slot(mode, slot, zone)
        digest = (mode, slot)
    elif not rule.critical and reach.is_quiet(due):
        due = reach.after_quiet(due)
    return PlannedMessage(
        key=f"rule:{occ.school_id}:{rule.id}:{occ.key}:p{recipient_id}",
        recipient_id=recipient_id,
        rule_id=rule.id,
        category=rule.category,
        template=rule.template,
        payload={**occ.payload, "pupils": pupils},
        due_at=due,
        digest=digest,
    )


def decline(reach: Reach | None, category: str, critical: bool, today: date) -> str | None:
    """Why a person gets nothing in this category at all, or None. (Pause and digests depend
    on the time and are decided with it.)"""
    if reach is None or not reach.enabled:
        return "no_person"
    if reach.opted_out:
        return "opted_out"
    if reach.mode(category, critical) is DeliveryMode.OFF:
        return "category_off"
    if reach.address(critical) is None:
        return "no_address"
    return None


# --- a preview for the school admin's page ---------------------------------------------------


@dataclass(frozen=True)
class PreviewMessage:
    """One message a pass would plan, and where it would go (None: the person has no open
    address for it; the mode when it would be folded into a digest)."""

    message: PlannedMessage
    channel: Channel | None
    digest: DeliveryMode | None


def preview(session: Session, clock: Clock, school_id: int, day: date) -> list[PreviewMessage]:
    """What the school's rules would send on ``day`` (fire day), computed by :func:`plan` itself
    without writing a row, each message with the channel the person's preferences pick."""
    result = plan(session, clock, first_day=day, last_day=day, school_ids=[school_id], write=False)
    rules = rules_for(session, school_id)
    reach = preferences.load(session, {m.recipient_id for m in result.messages})
    out = []
    for m in result.messages:
        rule = rules.get(m.rule_id)
        address = reach[m.recipient_id].address(bool(rule and rule.critical)) if m.recipient_id in reach else None
        out.append(PreviewMessage(m, address.channel if address else None, m.digest[0] if m.digest else None))
    return out


# --- writing --------------------------------------------------------------------------------


def digest_key(recipient_id: int, mode: DeliveryMode, slot: datetime) -> str:
    return f"digest:{mode.value}:{slot.date().isoformat()}:p{recipient_id}"


def digest_row(recipient_id: int, mode: DeliveryMode, slot: datetime) -> dict[str, Any]:
    return {
        "idempotency_key": digest_key(recipient_id, mode, slot),
        "recipient_id": recipient_id,
        "category": DIGEST_CATEGORY,
        "template": DIGEST_TEMPLATE,
        "payload": {"mode": mode.value, "slot": slot.isoformat()},
        "due_at": slot,
    }


def open_digests(
    session: Session, wanted: dict[str, tuple[int, DeliveryMode, datetime]], reach: dict[int, Reach], clock: Clock,
    *, now: datetime,
) -> dict[str, int]:
    """For each wanted digest (key → recipient, mode, slot) the id of a digest row that is
    still pending and locked: the wanted one, or the next slot's if that one has gone out."""
    resolved: dict[str, int] = {}
    pending = dict(wanted)
    for _ in range(8):
        if not pending:
            break
        enqueue_many(session, [digest_row(r, m, s) for r, m, s in pending.values()], now=now)
        locked = lock_pending(session, [digest_key(r, m, s) for r, m, s in pending.values()])
        later: dict[str, tuple[int, DeliveryMode, datetime]] = {}
        for original, (r, m, s) in pending.items():
            key = digest_key(r, m, s)
            if key in locked:
                resolved[original] = locked[key]
            else:
                later[original] = (r, m, reach[r].next_digest_slot(m, s, clock.zone))
        pending = later
    return resolved


def write_plan(session: Session, clock: Clock, result: Plan) -> int:
    """Add the plan's rows (and the digest rows they fold into) in the caller's transaction."""
    now = clock.now()
    messages = result.messages
    wanted = {
        digest_key(m.recipient_id, *m.digest): (m.recipient_id, *m.digest) for m in messages if m.digest
    }
    digest_ids: dict[str, int] = {}
    if wanted:
        reach = preferences.load(session, {r for r, _, _ in wanted.values()})
        digest_ids = open_digests(session, wanted, reach, clock, now=now)
    rows = []
    for m in messages:
        row = {
            "idempotency_key": m.key,
            "recipient_id": m.recipient_id,
            "category": m.category,
            "template": m.template,
            "payload": m.payload,
            "due_at": m.due_at,
        }
        if m.digest:
            row["status"] = OutboxStatus.DIGESTED
            row["digest_id"] = digest_ids[digest_key(m.recipient_id, *m.digest)]
        rows.append(row)
    return enqueue_many(session, rows, now=now)
