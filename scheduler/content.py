"""What a batch of reminders says, answered in bulk.

The builders' reference path asks ``bot.services`` once per recipient and child (about ten
queries each: access checks, groups, due items, results), which costs several milliseconds
a message. A dispatch batch instead builds one :class:`BatchContent` for all its rows: a
handful of queries for every recipient, pupil and day in the batch, then dictionary lookups.
It answers exactly the questions the builders ask, by the same rules:

- who a recipient may see: ``bot.access.family_pupil_ids``, the access rule for pupils and
  guardians (the only people reminders are planned for) asked for the whole batch at once;
- a pupil's groups today, and what is due in them on a day (as ``bot.services.due``:
  ordered by due time, title and id; ``done`` by the pupil's result status);
- the lessons a pupil has on a day, and none on a day without teaching (as
  ``bot.services.timetable.day_schedule``: ``bot.services.calendar.school_days`` for the pupil's groups);
- the school's gear for a place (as ``bot.services.bring``).

``tests/scheduler/test_content.py`` renders every reminder both ways on the test school and
requires the same text, so the two paths cannot drift apart unnoticed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.access import family_pupil_ids, groups_of_pupils, pupil_group_ids, school_of, visible_pupil_ids
from bot.clock import Clock
from bot.models import (
    Assignment,
    AssignmentKind,
    CalendarEvent,
    GearRule,
    Lesson,
    OutboxMessage,
    Person,
    Result,
)
from bot.services.calendar import SchoolDays, local_bounds, school_days
from bot.services.due import DONE, due_items
from bot.services.timetable import day_schedule

SESSION_KEY = "scheduler.batch_content"


@dataclass(frozen=True)
class Due:
    assignment_id: int
    kind: AssignmentKind
    subject_code: str | None
    title: str
    done: bool


@dataclass(frozen=True)
class LessonSlot:
    subject_code: str | None
    place: str | None


def current(session: Session) -> BatchContent | None:
    return session.info.get(SESSION_KEY)


def for_recipient(session: Session, recipient: Person, clock: Clock) -> BatchContent | LiveContent:
    """Where a builder reads its facts: the dispatch batch's bulk answers when it runs inside
    one, else the same questions asked of ``bot/services`` for this one recipient. Builders
    ask either through the same methods, so there is one code path per reminder."""
    batch = current(session)
    return batch if batch is not None else LiveContent(session, recipient, clock)


class LiveContent:
    """:class:`BatchContent`'s answers for one recipient, read per question from ``bot/services``
    (a builder called outside a dispatch batch: previews, the CLI, tests)."""

    def __init__(self, session: Session, recipient: Person, clock: Clock) -> None:
        self.session, self.recipient, self.clock = session, recipient, clock
        self.today = clock.today()

    def visible(self, recipient_id: int) -> set[int]:
        return visible_pupil_ids(self.session, self.recipient, self.today)

    def people(self, ids: Iterable[int]) -> dict[int, Person]:
        return {p.id: p for p in self.session.scalars(select(Person).where(Person.id.in_(list(ids))))}

    def groups(self, pupil_id: int) -> set[int]:
        return pupil_group_ids(self.session, pupil_id, self.today)

    def due(self, pupil_id: int, day: date, kinds: Iterable[AssignmentKind]) -> list[Due]:
        return [Due(i.assignment_id, i.kind, i.subject_code, i.title, i.done)
                for i in due_items(self.session, self.recipient, pupil_id, day, day, self.clock, kinds=set(kinds))]

    def lessons(self, pupil_id: int, day: date) -> list[LessonSlot]:
        schedule = day_schedule(self.session, self.recipient, pupil_id, day, self.clock)
        return [LessonSlot(s.subject_code, s.place) for s in schedule.slots] if schedule.info.teaching else []

    def gear_of(self, pupil_id: int) -> dict[str, list[str]]:
        return gear_rules(self.session, school_of(self.session, pupil_id))

    def digest_members(self, key: str) -> Sequence[OutboxMessage]:
        """The rows folded into the digest with this idempotency key, in due order."""
        return digest_members(self.session, key)

    def language_of(self, recipient_id: int) -> str | None:
        """The language a recipient is reminded in (None: read it from the person)."""
        return None


def digest_members(session: Session, key: str) -> Sequence[OutboxMessage]:
    digest_id = session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.digest_id == digest_id).order_by(OutboxMessage.due_at, OutboxMessage.id)
    ).all()


def gear_rules(session: Session, school_id: int | None) -> dict[str, list[str]]:
    """The school's gear per place (gymsal → gym clothes), as bot.services.bring reads it."""
    places: dict[str, list[str]] = defaultdict(list)
    for place, key in session.execute(
        select(GearRule.place, GearRule.item_key).where(GearRule.school_id == school_id).order_by(GearRule.id)
    ):
        places[place].append(key)
    return places


class BatchContent:
    """Bulk-loaded facts for the rows of one batch (and the rows folded into its digests)."""

    def __init__(self, session: Session, clock: Clock, rows: Iterable[OutboxMessage]) -> None:
        self.session, self.clock = session, clock
        self.today = clock.today()
        rows = list(rows)
        digests = {r.id: r.idempotency_key for r in rows if r.template == "digest"}
        # Rows folded into the batch's digests, by the digest's key (what its builder knows).
        self.members_by_key: dict[str, list[OutboxMessage]] = {key: [] for key in digests.values()}
        if digests:
            for member in session.scalars(
                select(OutboxMessage).where(OutboxMessage.digest_id.in_(list(digests)))
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
            ):
                self.members_by_key[digests[member.digest_id]].append(member)  # type: ignore[index]
        self.languages: dict[int, str] = {}  # the recipients' languages, set by the dispatcher
        everything = rows + [m for ms in self.members_by_key.values() for m in ms]
        recipients = {r.recipient_id for r in everything}
        pupils = {p for r in everything for p in (r.payload or {}).get("pupils", [])}
        self.days: set[str] = {day for r in everything if (day := (r.payload or {}).get("day")) is not None}
        self._visible = self._load_visible(recipients)
        self._groups = self._load_groups(pupils)
        self._due: dict[tuple[int, str], list[Due]] = {}
        self._lessons: dict[tuple[int, str], list[LessonSlot]] = {}
        self._gear: dict[int, dict[str, list[str]]] = {}
        self._school_days: dict[int, SchoolDays] = {}
        self.persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(recipients | pupils or {-1})))}
        # The tests and events reminders name: loaded once, so builders' session.get hits memory.
        self._keep = list(session.scalars(select(Assignment).where(
            Assignment.id.in_({(r.payload or {}).get("assignment") for r in everything} - {None} or {-1}))))
        self._keep += list(session.scalars(select(CalendarEvent).where(
            CalendarEvent.id.in_({(r.payload or {}).get("event") for r in everything} - {None} or {-1}))))
        if pupils:
            self._load_due(pupils)
            self._load_lessons(pupils)

    # -- who sees whom

    def _load_visible(self, recipients: set[int]) -> dict[int, set[int]]:
        return family_pupil_ids(self.session, recipients, self.today)

    def visible(self, recipient_id: int) -> set[int]:
        return self._visible.get(recipient_id, set())

    # -- groups, due items, lessons

    def _load_groups(self, pupils: set[int]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        self.school_of: dict[int, int] = {}
        today = self.today
        for pid, gid, school_id in groups_of_pupils(self.session, pupils, today):
            out[pid].add(gid)
            self.school_of[pid] = min(self.school_of.get(pid, school_id), school_id)
        return out

    def groups(self, pupil_id: int) -> set[int]:
        return self._groups.get(pupil_id, set())

    def _load_due(self, pupils: set[int]) -> None:
        groups = {g for p in pupils for g in self.groups(p)}
        days = sorted(self.days)
        if not groups or not days:
            return
        windows = [local_bounds(self.clock.zone, date.fromisoformat(d), date.fromisoformat(d)) for d in days]
        assignments = self.session.execute(
            select(Assignment.id, Assignment.group_id, Assignment.kind, Assignment.subject_code, Assignment.title,
                   Assignment.due_at)
            .where(Assignment.group_id.in_(groups), or_(*(and_(Assignment.due_at >= a, Assignment.due_at < b)
                                                          for a, b in windows)))
            .order_by(Assignment.due_at, Assignment.title, Assignment.id)
        ).all()
        status = {
            (pid, aid): s
            for pid, aid, s in self.session.execute(
                select(Result.pupil_id, Result.assignment_id, Result.status).where(
                    Result.pupil_id.in_(pupils), Result.assignment_id.in_({a.id for a in assignments} or {-1})
                )
            )
        }
        by_group: dict[int, list[Any]] = defaultdict(list)
        for a in assignments:
            by_group[a.group_id].append(a)
        for pupil in pupils:
            for a in sorted((a for g in self.groups(pupil) for a in by_group.get(g, ())),
                            key=lambda a: (a.due_at, a.title, a.id)):
                day = self.clock.local(a.due_at).date().isoformat()
                self._due.setdefault((pupil, day), []).append(
                    Due(a.id, a.kind, a.subject_code, a.title, status.get((pupil, a.id)) in DONE)
                )

    def due(self, pupil_id: int, day: date, kinds: Iterable[AssignmentKind]) -> list[Due]:
        wanted = set(kinds)
        return [d for d in self._due.get((pupil_id, day.isoformat()), []) if d.kind in wanted]

    def _load_lessons(self, pupils: set[int]) -> None:
        groups = {g for p in pupils for g in self.groups(p)}
        days = [date.fromisoformat(d) for d in sorted(self.days)]
        if not groups or not days:
            return
        rows = self.session.execute(
            select(Lesson.group_id, Lesson.weekday, Lesson.starts, Lesson.id, Lesson.subject_code, Lesson.place,
                   Lesson.valid_from, Lesson.valid_to)
            .where(Lesson.group_id.in_(groups), Lesson.weekday.in_({d.weekday() for d in days}))
            .order_by(Lesson.starts, Lesson.id)
        ).all()
        for pupil in pupils:
            mine = self.groups(pupil)
            school = self.school_of.get(pupil)
            for day in days:
                if school is None or not self.school_day(school, day, mine):
                    continue
                self._lessons[(pupil, day.isoformat())] = [
                    LessonSlot(r.subject_code, r.place) for r in rows
                    if r.group_id in mine and r.weekday == day.weekday()
                    and (r.valid_from is None or r.valid_from <= day) and (r.valid_to is None or r.valid_to >= day)
                ]

    def lessons(self, pupil_id: int, day: date) -> list[LessonSlot]:
        return self._lessons.get((pupil_id, day.isoformat()), [])

    def school_day(self, school_id: int, day: date, group_ids: Iterable[int] = ()) -> bool:
        """As :func:`bot.services.calendar.day_info` says for pupils of ``group_ids``."""
        if school_id not in self._school_days:
            days = sorted(self.days)
            self._school_days[school_id] = school_days(self.session, school_id, date.fromisoformat(days[0]),
                                                       date.fromisoformat(days[-1]), self.clock.zone)
        return self._school_days[school_id].is_school_day(day, group_ids)

    def gear(self, school_id: int) -> dict[str, list[str]]:
        if school_id not in self._gear:
            self._gear[school_id] = gear_rules(self.session, school_id)
        return self._gear[school_id]

    def gear_of(self, pupil_id: int) -> dict[str, list[str]]:
        return self.gear(self.school_of.get(pupil_id, -1))

    def people(self, ids: Iterable[int]) -> dict[int, Person]:
        return self.persons

    def digest_members(self, key: str) -> Sequence[OutboxMessage]:
        if key in self.members_by_key:
            return self.members_by_key[key]
        return digest_members(self.session, key)

    def language_of(self, recipient_id: int) -> str | None:
        return self.languages.get(recipient_id)
