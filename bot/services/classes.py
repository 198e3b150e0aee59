"""What a teacher (or school admin) asks about their own classes from the chat: what a class
has due, who is in it, how a test went, who is behind.

A teacher names a class the way the school does ("7B", "9b", "3C Matematikk") or a grade
("7. trinn", "grade 7"). :func:`named_scope` turns that into the groups the asker may see as
staff (:func:`bot.access.staff_group_ids`); a name that is not theirs, or not a class at all,
raises :class:`AccessDenied` — the same refusal either way, revealing nothing.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import (
    AccessDenied,
    contact_group_ids,
    contact_teachers_of,
    members,
    pupil_ids_in,
    staff_group_ids,
    taught_group_ids,
)
from bot.clock import Clock
from bot.dates import find_span, without_dates
from bot.memo import memo
from bot.models import Assignment, AssignmentKind, Group, GroupKind, MemberRole, Person, Result, ScoreStatus
from bot.services.calendar import local_bounds
from bot.services.items import Candidate, rank

DAYS_BACK = 120  # results of a test asked about by name: this term
DAYS_AHEAD = 200

# "7B", "9b", "10A" — a class name is a grade and a letter (the Norwegian convention).
_CLASS = re.compile(r"(?<![\w.,/-])(\d{1,2})\s?([A-Za-zÆØÅæøå])(?![\w])")
_GRADE = re.compile(
    r"(?<![\w.])(?:(\d{1,2})\.\s*(?:trinn|klasse|klassetrinn|steg|trinnet|klassetrinnet)"
    r"|(?:grade|year)\s+(\d{1,2})|(\d{1,2})(?:st|nd|rd|th)\s+grade)(?![\w])",
    re.IGNORECASE,
)
# Letters that follow a number without naming a class: "3 h" (hours), "2 x", units.
_NOT_CLASS_LETTER = set("hxkmgl")


@dataclass(frozen=True)
class Scope:
    """The groups a question is about: a class (all its groups the asker may see), a
    subject group, a grade, or — nothing named — every group the asker teaches."""

    label: str
    group_ids: frozenset[int]  # results and progress: the groups the asker may see as staff
    basis: Group | None = None
    grade: int | None = None
    named: bool = True
    plan_ids: frozenset[int] = frozenset()  # what is planned: all the class's groups

    @property
    def planned(self) -> frozenset[int]:
        return self.plan_ids or self.group_ids


@dataclass(frozen=True)
class ClassItem:
    assignment_id: int
    group_id: int
    kind: AssignmentKind
    subject_code: str | None
    title: str
    description: str | None
    due: datetime  # school time
    group_name: str


def class_names_in(text: str) -> list[str]:
    """Class names written in a message ("7B", "9 b"), normalised ("7B")."""
    out = []
    for m in _CLASS.finditer(text):
        number, letter = m.group(1), m.group(2)
        if letter.islower() and letter in _NOT_CLASS_LETTER and " " in m.group(0):
            continue
        out.append(f"{int(number)}{letter.upper()}")
    return out


def grades_in(text: str) -> list[int]:
    return [int(next(g for g in m.groups() if g)) for m in _GRADE.finditer(text)]


def _school_groups(session: Session, asker: Person, on: date) -> list[Group]:
    ids = staff_group_ids(session, asker, on)
    if not ids:
        return []
    return list(memo(session, ("staff_groups", asker.id, on), lambda: tuple(
        session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.name)))))


def _same_school_groups(session: Session, asker: Person, on: date) -> list[Group]:
    """Every group of the schools the asker works at (to tell "not yours" from "not a class"
    only in the log; the answer is the same refusal)."""
    mine = _school_groups(session, asker, on)
    schools = {g.school_id for g in mine}
    if not schools:
        return []
    return list(session.scalars(select(Group).where(Group.school_id.in_(schools))))


def class_of(name: str) -> str | None:
    """The class a group's name belongs to ("7B Matematikk" -> "7B")."""
    m = _CLASS.match(name.strip())
    return f"{int(m.group(1))}{m.group(2).upper()}" if m else None


def named_scope(session: Session, asker: Person, text: str, on: date, subject_code: str | None = None) -> Scope | None:
    """The class or grade the message names, as groups the asker may see; None when it names
    none. Raises AccessDenied for a class or grade the asker has no group in (or not a class).

    Results and pupils' progress are read only from the groups the asker may see as staff
    (``group_ids``); what the class has planned (homework, tests, events, things to bring) from
    all its groups (``plan_ids``): the plan of a class is shared by everyone who teaches it."""
    groups = _school_groups(session, asker, on)
    classes = class_names_in(text)
    grades = grades_in(text)
    if not classes and not grades:
        return None
    everything = _same_school_groups(session, asker, on)
    if classes:
        label = classes[0]
        visible = [g for g in groups if class_of(g.name) == label]
        planned = [g for g in everything if class_of(g.name) == label]
        grade = visible[0].grade if visible else None
    else:
        grade = grades[0]
        label = str(grade)
        visible = [g for g in groups if g.grade == grade]
        planned = [g for g in everything if g.grade == grade]
    if not visible:
        raise AccessDenied()
    basis = next((g for g in planned if g.kind == GroupKind.BASIS), None) if classes else None
    if subject_code is not None:
        visible = [g for g in visible if g.subject_code == subject_code]
        planned = [g for g in planned if g.subject_code == subject_code]
    return Scope(label, frozenset(g.id for g in visible), basis, grade,
                 plan_ids=frozenset(g.id for g in planned))


def own_scope(session: Session, asker: Person, on: date, subject_code: str | None = None) -> Scope | None:
    """Nothing named: every group the asker teaches (in the subject, if one is named)."""
    groups = [g for g in _school_groups(session, asker, on) if _teaches(session, asker, g, on)]
    if subject_code is not None:
        groups = [g for g in groups if g.subject_code == subject_code]
    if not groups:
        return None
    bases = [g for g in groups if g.kind == GroupKind.BASIS]
    return Scope("", frozenset(g.id for g in groups), bases[0] if len(bases) == 1 else None, named=False)


def contact_class(session: Session, asker: Person, on: date) -> Scope | None:
    """"Klassen min": the one class the asker is contact teacher of."""
    bases = [g for g in _school_groups(session, asker, on)
             if g.kind == GroupKind.BASIS and _is_contact(session, asker, g, on)]
    if len(bases) != 1:
        return None
    basis = bases[0]
    wanted = class_of(basis.name)
    ids = [g.id for g in _school_groups(session, asker, on) if wanted and class_of(g.name) == wanted] or [basis.id]
    return Scope(basis.name, frozenset(ids), basis, basis.grade)


def _teaches(session: Session, asker: Person, group: Group, on: date) -> bool:
    return group.id in taught_group_ids(session, asker, on)


def _is_contact(session: Session, asker: Person, group: Group, on: date) -> bool:
    return group.id in contact_group_ids(session, asker, on)


def _contact_of(session: Session, group: Group, on: date) -> list[Person]:
    return list(session.scalars(contact_teachers_of(group.id, on).order_by(Person.family_name)))


# --------------------------------------------------------------------------- items


def class_items(session: Session, scope: Scope, start: date, end: date, clock: Clock,
                kinds: set[AssignmentKind] | None = None, subject_code: str | None = None) -> list[ClassItem]:
    """What the scope's groups have due from ``start`` to ``end``, soonest first; an item
    given to several groups of the scope once."""
    first, after_last = local_bounds(clock.zone, start, end)
    stmt = (select(Assignment, Group.name).join(Group, Group.id == Assignment.group_id)
            .where(Assignment.group_id.in_(scope.planned), Assignment.due_at >= first,
                   Assignment.due_at < after_last)
            .order_by(Assignment.due_at, Assignment.title, Assignment.id))
    if kinds:
        stmt = stmt.where(Assignment.kind.in_(kinds))
    if subject_code:
        stmt = stmt.where(Assignment.subject_code == subject_code)
    seen: set[tuple[str, datetime]] = set()
    out = []
    for a, group_name in session.execute(stmt).all():
        if (a.title, a.due_at) in seen:
            continue
        seen.add((a.title, a.due_at))
        out.append(ClassItem(a.id, a.group_id, a.kind, a.subject_code, a.title, a.description, clock.local(a.due_at), group_name))
    return out


def names_other_item(session: Session, asker: Person, scope: Scope, text: str, clock: Clock, *,
                      ignore: frozenset[str] = frozenset()) -> bool:
    """Whether the message names an item of the asker's school outside the scope (a test in
    a group the teacher does not teach): such a question gets the refusal, not an answer
    about something else."""
    schools = set(session.scalars(select(Group.school_id).where(Group.id.in_(scope.planned))))
    others = frozenset(session.scalars(select(Group.id).where(Group.school_id.in_(schools))))
    return bool(items_named_in_scope(session, Scope("", others), text, clock, ignore=ignore, limit=3))


def items_named_in_scope(session: Session, scope: Scope, text: str, clock: Clock, *,
                         ignore: frozenset[str] = frozenset(), kinds: set[AssignmentKind] | None = None,
                         limit: int = 3, listing: bool = False) -> list[ClassItem]:
    """The scope's items the message names ("brøkprøven", "the ski day"), best first."""
    today = clock.today()
    first, after_last = local_bounds(clock.zone, today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD))
    stmt = (select(Assignment, Group.name).join(Group, Group.id == Assignment.group_id)
            .where(Assignment.group_id.in_(scope.planned), Assignment.due_at >= first,
                   Assignment.due_at < after_last))
    if kinds:
        stmt = stmt.where(Assignment.kind.in_(kinds))
    rows = {a.id: (a, g) for a, g in session.execute(stmt).all()}
    candidates = [Candidate(a.id, a.title, a.kind, a.subject_code, a.due_at, a.description) for a, _ in rows.values()]
    # Class names are not item names ("7B" is not part of "Prøve i brøk").
    ignore = ignore | {c.casefold() for c in class_names_in(text)}
    found = rank(without_dates(text, clock), candidates, clock.utcnow(), ignore=ignore, limit=limit)
    if found and all(score <= 0.5 for _, score in found) and listing:
        return []  # "what maths homework does 10B have coming up": a list, not one item
    if found and all(score <= 0.5 for _, score in found):
        # Named only by kind and subject ("the maths homework this week"): a day or span in
        # the question must hold the item, else the question is about that span.
        span = find_span(text, clock)
        if span is not None and not any(span.start <= clock.local(c.due_at).date() <= span.end for c, _ in found):
            return []
    out = []
    for candidate, _score in found:
        a, group_name = rows[candidate.key]
        out.append(ClassItem(a.id, a.group_id, a.kind, a.subject_code, a.title, a.description, clock.local(a.due_at), group_name))
    return out


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Roster:
    label: str
    pupils: list[Person]
    contact_teachers: list[Person]
    teachers: list[tuple[str, Person]]  # (group name, teacher) of the subject groups


def roster(session: Session, scope: Scope, on: date) -> Roster:
    """Who is in the scope: its pupils (a class's pupils are its basisgruppe's when there is
    one), its contact teacher(s), and its subject groups' teachers."""
    pupil_groups = [scope.basis.id] if scope.basis is not None else list(scope.group_ids)
    pupils = list(session.scalars(
        members(pupil_groups, MemberRole.PUPIL, on).distinct().order_by(Person.given_name, Person.family_name)))
    groups = list(session.scalars(select(Group).where(Group.id.in_(scope.planned)).order_by(Group.name)))
    contacts: list[Person] = []
    if scope.basis is None and scope.label:
        # A subject teacher asking about a class: its contact teacher is no secret to staff.
        schools = {g.school_id for g in groups}
        for basis in session.scalars(select(Group).where(Group.school_id.in_(schools), Group.kind == GroupKind.BASIS)):
            if class_of(basis.name) == scope.label:
                contacts.extend(p for p in _contact_of(session, basis, on) if p not in contacts)
    teachers: list[tuple[str, Person]] = []
    for g in groups:
        if g.kind == GroupKind.BASIS:
            contacts.extend(p for p in _contact_of(session, g, on) if p not in contacts)
        else:
            for t in session.scalars(members(g.id, MemberRole.TEACHER, on)):
                teachers.append((g.name, t))
    return Roster(scope.label or (scope.basis.name if scope.basis else ""), pupils, contacts, teachers)


@dataclass(frozen=True)
class TaughtGroup:
    name: str
    contact: bool
    pupils: int
    group_id: int


def groups_taught(session: Session, asker: Person, on: date) -> list[TaughtGroup]:
    """The groups the asker teaches, with the class they are contact teacher of marked."""
    out = []
    for g in _school_groups(session, asker, on):
        if not _teaches(session, asker, g, on):
            continue
        count = len(pupil_ids_in(session, g.id, on))
        out.append(TaughtGroup(g.name, _is_contact(session, asker, g, on), count, g.id))
    return out


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Scored:
    pupil: Person
    score: float
    comment: str | None


@dataclass
class TestReport:
    title: str
    group_name: str
    due: datetime
    past: bool
    max_score: float | None
    scored: list[Scored]  # best first
    missing: list[Person]  # no result yet, only once the item is due
    total: int
    average: float | None = None
    median: float | None = None
    bands: list[tuple[float, float, int]] = field(default_factory=list)  # (from, to, how many)
    below: list[Scored] | None = None  # when the question names a limit below
    limit: float | None = None
    above: list[Scored] | None = None  # when the question names a limit above ("over 15", "minst 15")
    at_least: bool = False  # "minst 15", "at least 15": the limit itself counts


# "under 15", "below 60 %", "lavere enn 12", "færre enn 10 poeng"
_LIMIT = re.compile(
    r"(?:under|below|less than|lower than|lavere enn|lågare enn|mindre enn|færre enn|færre enn|below|<)\s*"
    r"(\d+(?:[.,]\d+)?)\s*(%|prosent|per cent|percent)?", re.IGNORECASE)


# "under halvparten", "less than half", "under en tredjedel", "below two thirds": shares in words.
_SHARE_WORDS = {"halvparten": 50, "halvdelen": 50, "halvparta": 50, "halve": 50, "half": 50, "halv": 50,
                "en tredjedel": 100 / 3, "ein tredjedel": 100 / 3, "a third": 100 / 3, "one third": 100 / 3,
                "to tredjedeler": 200 / 3, "to tredjedelar": 200 / 3, "two thirds": 200 / 3,
                "en fjerdedel": 25, "ein fjerdedel": 25, "a quarter": 25, "one quarter": 25,
                "tre fjerdedeler": 75, "tre fjerdedelar": 75, "three quarters": 75}
_LIMIT_SHARE = re.compile(
    r"(?:under|below|less than|lower than|lavere enn|lågare enn|mindre enn|<)\s+(?:the\s+|av\s+)?("
    + "|".join(sorted((re.escape(k).replace(r"\ ", r"\s+") for k in _SHARE_WORDS), key=len, reverse=True))
    + r")(?![\wæøå])", re.IGNORECASE)


# "over 15", "more than 80 %", "minst 12", "at least 20 points": a limit from above.
_ABOVE = re.compile(
    r"(?:(over|above|more than|higher than|høyere enn|høgare enn|mer enn|meir enn|>)|(minst|at least|>=))\s*"
    r"(\d+(?:[.,]\d+)?)\s*(%|prosent|per cent|percent)?", re.IGNORECASE)


def limit_above(text: str) -> tuple[float, bool, bool] | None:
    """(number, is a share, counts itself) of a limit from above the question names."""
    m = _ABOVE.search(text)
    if not m:
        return None
    return float(m.group(3).replace(",", ".")), bool(m.group(4)), bool(m.group(2))


def limit_in(text: str) -> tuple[float, bool] | None:
    """(number, is a share) of a limit the question names ("under 15 poeng", "below 50 %",
    "under halvparten")."""
    m = _LIMIT.search(text)
    if m:
        return float(m.group(1).replace(",", ".")), bool(m.group(2))
    m = _LIMIT_SHARE.search(text)
    if m:
        return _SHARE_WORDS[re.sub(r"\s+", " ", m.group(1).casefold())], True
    return None


def test_report(session: Session, scope: Scope, assignment_id: int, text: str, clock: Clock, on: date) -> TestReport:
    """Results of one of the scope's items: every score, average and median, the spread in
    bands, who has none yet (only once it is due), who is below a limit the question names."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.group_id not in scope.group_ids:
        raise AccessDenied()
    group = session.get(Group, assignment.group_id)
    pupils = list(session.scalars(
        members(assignment.group_id, MemberRole.PUPIL, on).order_by(Person.given_name, Person.family_name)))
    results = {r.pupil_id: r for r in session.scalars(select(Result).where(Result.assignment_id == assignment.id))}
    scored = [Scored(p, score, results[p.id].comment) for p in pupils
              if p.id in results and (score := results[p.id].score) is not None]
    scored.sort(key=lambda s: (-s.score, s.pupil.given_name))
    due = clock.local(assignment.due_at)
    past = assignment.due_at <= clock.utcnow()
    missing = [p for p in pupils if past and (p.id not in results or (
        results[p.id].score is None and results[p.id].status not in (ScoreStatus.EXEMPT,)))]
    report = TestReport(assignment.title, group.name if group else "", due, past, assignment.max_score,
                        scored, missing, len(pupils))
    values = [s.score for s in scored]
    if values:
        report.average = sum(values) / len(values)
        report.median = statistics.median(values)
        report.bands = _bands(values, assignment.max_score)
    limit = limit_in(text)
    if limit is not None and values:
        number, share = limit
        if share and assignment.max_score:
            number = number * assignment.max_score / 100
        report.limit = number
        report.below = [s for s in reversed(scored) if s.score < number]
    above = limit_above(text) if limit is None else None
    if above is not None and values:
        number, share, counts = above
        if share and assignment.max_score:
            number = number * assignment.max_score / 100
        report.limit, report.at_least = number, counts
        report.above = [s for s in scored if s.score > number or (counts and s.score == number)]
    return report


def _bands(values: list[float], max_score: float | None) -> list[tuple[float, float, int]]:
    """How many scored in each fifth of the maximum (0–6, 6–12, ... of 30), lowest first."""
    if not max_score:
        return []
    step = max_score / 5
    counts = [0] * 5
    for v in values:
        counts[min(4, int(v // step))] += 1
    return [(i * step, (i + 1) * step, counts[i]) for i in range(5)]
