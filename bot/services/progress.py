"""How a pupil is doing per subject, and which pupils lack a result on an assignment."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import (
    AccessDenied,
    members,
    pupil_group_ids,
    require_teacher_of,
    taught_group_ids,
    visible_groups_of_pupil,
)
from bot.clock import Clock
from bot.models import (
    AimStatus,
    Assignment,
    AssignmentKind,
    CompetenceAim,
    Group,
    MemberRole,
    Person,
    Result,
    ScoreStatus,
)
from bot.services.due import DONE

# A change in the latest result of more than this many percentage points is a trend.
TREND_POINTS = 5.0


@dataclass(frozen=True)
class ResultView:
    assignment_id: int
    title: str
    kind: AssignmentKind
    due: date
    score: float
    max_score: float | None

    @property
    def percent(self) -> float | None:
        return None if not self.max_score else round(100 * self.score / self.max_score, 1)


@dataclass
class SubjectProgress:
    subject_code: str
    results: list[ResultView] = field(default_factory=list)  # newest first
    missing: list[str] = field(default_factory=list)  # titles past due, not handed in
    mastery: float | None = None  # mean level on the subject's aims, 0..1

    @property
    def average_percent(self) -> float | None:
        percents = [r.percent for r in self.results if r.percent is not None]
        return round(sum(percents) / len(percents), 1) if percents else None

    @property
    def trend(self) -> str | None:
        percents = [r.percent for r in self.results if r.percent is not None]
        if len(percents) < 2:
            return None
        latest, earlier = percents[0], sum(percents[1:]) / len(percents[1:])
        if latest - earlier > TREND_POINTS:
            return "up"
        if earlier - latest > TREND_POINTS:
            return "down"
        return "steady"


def progress(
    session: Session, asker: Person, pupil_id: int, clock: Clock, subject_code: str | None = None
) -> list[SubjectProgress]:
    """Per subject: graded results, missing hand-ins and estimated mastery.

    Only the groups the asker may see count (a subject teacher sees their subject)."""
    groups = visible_groups_of_pupil(session, asker, pupil_id, clock.today())
    if not groups:
        return []
    stmt = (
        select(Assignment, Result)
        .outerjoin(Result, (Result.assignment_id == Assignment.id) & (Result.pupil_id == pupil_id))
        .where(
            Assignment.group_id.in_(groups),
            Assignment.subject_code.is_not(None),
            Assignment.kind.not_in((AssignmentKind.BRING, AssignmentKind.EVENT)),
            Assignment.due_at < clock.utcnow(),
        )
        .order_by(Assignment.due_at.desc(), Assignment.id.desc())
    )
    if subject_code:
        stmt = stmt.where(Assignment.subject_code == subject_code)
    by_subject: dict[str, SubjectProgress] = {}
    for assignment, result in session.execute(stmt):
        entry = by_subject.setdefault(assignment.subject_code, SubjectProgress(assignment.subject_code))
        if result is not None and result.score is not None:
            entry.results.append(
                ResultView(assignment.id, assignment.title, assignment.kind,
                           clock.local(assignment.due_at).date(), result.score, assignment.max_score)
            )
        elif result is None or result.status not in DONE:
            entry.missing.append(assignment.title)
    _add_mastery(session, pupil_id, by_subject, subject_code,
                 visible_subjects(session, asker, pupil_id, clock.today()))
    return sorted(by_subject.values(), key=lambda p: p.subject_code)


def visible_subjects(session: Session, asker: Person, pupil_id: int, on: date) -> set[str] | None:
    """The subjects of a pupil the asker may see mastery and recommendations in: None (all)
    for those who see all the pupil's groups (the family, the contact teacher, the school's
    admin) or teach the pupil's class itself; a subject teacher only the subjects of the
    groups they teach the pupil in."""
    groups = visible_groups_of_pupil(session, asker, pupil_id, on)
    if groups >= pupil_group_ids(session, pupil_id, on):
        return None
    if not groups:
        return set()
    codes = set(session.scalars(select(Group.subject_code).where(Group.id.in_(groups))))
    if None in codes:  # they teach the pupil's class itself (not one subject): every subject
        return None
    return {code for code in codes if code is not None}


def _add_mastery(session: Session, pupil_id: int, by_subject: dict[str, SubjectProgress],
                 subject_code: str | None, allowed: set[str] | None) -> None:
    stmt = (
        select(CompetenceAim.subject_code, AimStatus.level)
        .join(CompetenceAim, CompetenceAim.code == AimStatus.aim_code)
        .where(AimStatus.pupil_id == pupil_id)
    )
    if subject_code:
        stmt = stmt.where(CompetenceAim.subject_code == subject_code)
    if allowed is not None:  # a subject teacher: only what they teach
        stmt = stmt.where(CompetenceAim.subject_code.in_(allowed or {""}))
    levels: dict[str, list[float]] = defaultdict(list)
    for code, level in session.execute(stmt):
        levels[code].append(level)
    for code, values in levels.items():
        by_subject.setdefault(code, SubjectProgress(code)).mastery = round(sum(values) / len(values), 2)


@dataclass
class MissingResults:
    assignment_id: int
    title: str
    group_name: str
    due: date
    missing: list[Person]
    total: int


def missing_results(session: Session, asker: Person, assignment_id: int, clock: Clock) -> MissingResults:
    """Pupils in the group without a result (not exempt). Only the group's teachers may ask."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise AccessDenied()
    group = require_teacher_of(session, asker, assignment.group_id, clock.today())
    pupils = session.scalars(
        members(group.id, MemberRole.PUPIL, clock.today()).order_by(Person.given_name, Person.family_name, Person.id)
    ).all()
    have = dict(
        session.execute(
            select(Result.pupil_id, Result.status).where(Result.assignment_id == assignment.id)
        ).tuples().all()
    )
    missing = [p for p in pupils if have.get(p.id) in (None, ScoreStatus.NOT_SUBMITTED)]
    return MissingResults(assignment.id, assignment.title, group.name,
                          clock.local(assignment.due_at).date(), missing, len(pupils))


_SUFFIXES = ("ene", "en", "et", "er", "ar", "a", "e", "s")
_STOP = {"til", "med", "for", "som", "har", "hvem", "kven", "who", "the", "and", "with", "fra", "frå"}


def _stem(word: str) -> str:
    word = unicodedata.normalize("NFC", word.casefold())
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"\w+", text) if len(w) > 2 and w.casefold() not in _STOP}


def _title_score(title: set[str], query: set[str]) -> int:
    """How many of the title's word stems the query holds, whole or inside a compound."""
    return sum(1 for t in title if t in query or (len(t) >= 4 and any(t in q for q in query)))


def find_assignments(
    session: Session, asker: Person, text: str, clock: Clock, kinds: set[AssignmentKind] | None = None
) -> list[Assignment]:
    """Assignments in groups the asker teaches whose title matches words of ``text``.

    "brøkprøven" finds "Prøve i brøk og prosent": a compound in the question matches the
    title words it contains. Best match first, then the most recent.
    """
    groups = taught_group_ids(session, asker, clock.today())
    if not groups:
        return []
    stmt = select(Assignment).where(Assignment.group_id.in_(groups))
    if kinds:
        stmt = stmt.where(Assignment.kind.in_(kinds))
    query = _stems(text)
    scored = [(_title_score(_stems(a.title), query), a) for a in session.scalars(stmt)]
    scored = [(score, a) for score, a in scored if score > 0]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].due_at.timestamp()))
    return [a for _, a in scored]
