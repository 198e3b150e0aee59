"""The pupil profile as the pupil, the guardians and the teachers keep it together.

Who may see whose profile is :func:`bot.access.acting_as` (the pupil themself, a guardian
with parental responsibility while the child is under 18, a teacher of the pupil, an admin
of the school); the owner's learning policy (:mod:`bot.learning.policy`) says which fields
each of them may set (``setting_roles``), whose value counts (``setting_precedence``,
``mastery_precedence``) and which status dimensions teachers record (``status_dimensions``).

Every change goes through :func:`bot.profile.write`, which keeps what it replaced in the
history; each is also recorded for "angre"/"undo" (:mod:`bot.services.changes`), and the
person's latest change can be undone by chat or on the page (:func:`undo_change`) as long as
nobody has changed the same value since. The chat (``actions/profile.py``) and the profile
page (``portal/profile.py``) call these functions; neither holds a rule of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import AccessDenied, acting_as, pupil_group_ids, require_pupil
from bot.clock import Clock
from bot.learning.mastery import mastery_of
from bot.learning.policy import Policy, policy_for_pupil
from bot.learning.pupil import load_pupil
from bot.models import (
    Activity,
    AimStatus,
    Assignment,
    Change,
    CompetenceAim,
    Dimension,
    Group,
    LearningResource,
    Person,
    ProfileHistory,
    ProfileSetting,
    Result,
    Source,
    Subject,
    SubjectStatus,
    assignment_aims,
)
from bot.profile import AIM, FIELDS, SETTING, SUBJECT, InvalidProfileValue, stored, validate, write
from bot.services import changes
from bot.services.progress import visible_subjects

# The words a pupil reads for a mastery level (lowest level of each band), best first; a
# teacher's hand-set status is chosen from the same words and stored as the level beside it.
LEVEL_WORDS: tuple[tuple[str, float], ...] = (("mastered", 0.85), ("well", 0.6), ("practising", 0.3), ("new", 0.0))
STATUS_LEVELS: dict[str, float] = {"mastered": 0.9, "well": 0.7, "practising": 0.45, "new": 0.15}
HISTORY_SHOWN = 50


class NotYours(Exception):
    """The person may see the pupil but may not change this (their role does not set the
    field under the school's policy, or only teachers record status)."""


@dataclass(frozen=True)
class Entry:
    """One source's value of a field or a status, with who set it and when."""

    source: Source
    value: Any
    set_by: str | None  # a name; None when Ransel computed it
    set_at: datetime
    counts: bool = False  # the value that counts under the policy

    @property
    def computed(self) -> bool:
        return self.source is Source.COMPUTED


@dataclass(frozen=True)
class FieldView:
    key: str
    values: tuple[Entry, ...]  # every source's, in the policy's order: the first counts
    editable: bool
    mine: Entry | None  # the value of the viewer's own source, if any

    @property
    def counted(self) -> Entry | None:
        return next((v for v in self.values if v.counts), None)


@dataclass(frozen=True)
class Latest:
    """The newest activity behind a computed mastery."""

    at: datetime
    score: float | None  # 0..1
    title: str | None  # the resource's or the assignment's, when known


@dataclass(frozen=True)
class AimView:
    code: str
    subject_code: str
    text: str
    level: float
    words: str  # a key of LEVEL_WORDS, or "unknown"
    source: Source | None  # whose value counts; None: nothing known yet
    computed: Entry | None
    evidence: int
    hand_set: dict[Dimension, Entry]
    latest: Latest | None


@dataclass(frozen=True)
class SubjectView:
    code: str
    name: str
    hand_set: dict[Dimension, Entry]


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    scope: str
    key: str
    dimension: Dimension | None
    source: Source
    value: Any
    previous: Any
    set_by: str | None
    set_at: datetime
    undone: bool
    undoes: bool

    @property
    def computed(self) -> bool:
        return self.source is Source.COMPUTED


@dataclass(frozen=True)
class ProfileView:
    pupil: Person
    acting_as: Source
    fields: tuple[FieldView, ...]
    aims: tuple[AimView, ...]
    subjects: tuple[SubjectView, ...]
    dimensions: tuple[Dimension, ...]
    may_set_status: bool
    status_aims: tuple[tuple[str, str], ...]  # (code, text) a teacher may set status on
    history: tuple[HistoryEntry, ...]  # newest first
    undoable: HistoryEntry | None  # the viewer's latest change of this profile, if it can be undone
    subject_names: dict[str, str] = field(default_factory=dict)
    aim_texts: dict[str, str] = field(default_factory=dict)

    @property
    def own(self) -> bool:
        return self.acting_as is Source.SELF


@dataclass(frozen=True)
class Saved:
    """What a change did: the history row (None when the value was already so)."""

    pupil: Person
    entry: HistoryEntry | None

    @property
    def changed(self) -> bool:
        return self.entry is not None


def words_for(level: float | None) -> str:
    """The key of the words a pupil reads for a mastery level ("unknown" when none)."""
    if level is None:
        return "unknown"
    return next(words for words, lowest in LEVEL_WORDS if level >= lowest)


# -- reading -----------------------------------------------------------------------------------

def view(session: Session, asker: Person, pupil_id: int, clock: Clock, language: str) -> ProfileView:
    """The profile as the asker may see and change it. AccessDenied for anyone else."""
    as_source = acting_as(session, asker, pupil_id, clock.today())
    pupil = require_pupil(session, asker, pupil_id, clock.today())
    policy = policy_for_pupil(session, pupil_id)
    names = _names(session, pupil_id)
    fields = tuple(_fields(session, pupil_id, policy, as_source, names))
    allowed = visible_subjects(session, asker, pupil_id, clock.today())
    aims, aim_texts = _aims(session, pupil, policy, allowed, names, language)
    subjects, subject_names = _subjects(session, pupil_id, allowed, names, language)
    may_set_status = as_source is Source.TEACHER and bool(policy.status_dimensions)
    history = tuple(_history(session, pupil_id, names))
    latest = _latest_change(session, asker, clock)
    undoable = next((h for h in history if latest is not None and h.id == latest[1]), None)
    return ProfileView(
        pupil=pupil, acting_as=as_source, fields=fields, aims=aims, subjects=subjects,
        dimensions=policy.status_dimensions, may_set_status=may_set_status,
        status_aims=tuple(sorted(aim_texts.items())) if may_set_status else (),
        history=history, undoable=undoable, subject_names=subject_names, aim_texts=aim_texts)


def _names(session: Session, pupil_id: int) -> dict[int, str]:
    """The names of everyone who ever set a value in this profile."""
    ids: set[int] = set()
    for model in (ProfileSetting, AimStatus, SubjectStatus):
        ids |= {i for i in session.scalars(select(model.set_by_id).where(model.pupil_id == pupil_id)) if i}
    ids |= {i for i in session.scalars(select(ProfileHistory.set_by_id).where(ProfileHistory.pupil_id == pupil_id)) if i}
    if not ids:
        return {}
    return {p.id: p.name for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


def _fields(session: Session, pupil_id: int, policy: Policy, as_source: Source,
            names: dict[int, str]) -> Iterable[FieldView]:
    rank = {source: i for i, source in enumerate(policy.setting_precedence)}
    rows: dict[str, list[ProfileSetting]] = defaultdict(list)
    for row in session.scalars(select(ProfileSetting).where(ProfileSetting.pupil_id == pupil_id)):
        rows[row.key].append(row)
    for key in FIELDS:
        ordered = sorted(rows.get(key, []), key=lambda r: rank.get(r.source, len(rank)))
        counting = next((r for r in ordered if r.source in rank), None)
        values = tuple(Entry(r.source, r.value, names.get(r.set_by_id or 0), r.set_at, counts=r is counting)
                       for r in ordered)
        mine = next((v for v in values if v.source is as_source), None)
        yield FieldView(key, values, policy.may_set(as_source, key), mine)


def _aims(session: Session, pupil: Person, policy: Policy, allowed: set[str] | None, names: dict[int, str],
          language: str) -> tuple[tuple[AimView, ...], dict[str, str]]:
    """Every aim with a status or in the pupil's assignments (of the subjects the asker sees)."""
    groups = pupil_group_ids(session, pupil.id)
    codes = set(session.scalars(select(AimStatus.aim_code).where(AimStatus.pupil_id == pupil.id)))
    if groups:
        codes |= set(session.scalars(
            select(assignment_aims.c.aim_code).join(Assignment, Assignment.id == assignment_aims.c.assignment_id)
            .where(Assignment.group_id.in_(groups))))
    aims = {a.code: a for a in session.scalars(select(CompetenceAim).where(CompetenceAim.code.in_(codes or {""})))}
    if allowed is not None:
        aims = {code: a for code, a in aims.items() if a.subject_code in allowed}
    if not aims:
        return (), {}
    grade = load_pupil(session, pupil, policy).grade
    masteries = mastery_of(session, pupil.id, aims, policy=policy, pupil_grade=grade)
    hand: dict[str, dict[Dimension, Entry]] = defaultdict(dict)
    computed: dict[str, Entry] = {}
    for row in session.scalars(select(AimStatus).where(AimStatus.pupil_id == pupil.id,
                                                       AimStatus.aim_code.in_(list(aims)))):
        entry = Entry(row.source, row.level, names.get(row.set_by_id or 0), row.set_at)
        if row.source is Source.COMPUTED:
            computed[row.aim_code] = entry
        elif row.source is Source.TEACHER:
            hand[row.aim_code][row.dimension] = entry
    latest = _latest_activities(session, pupil.id, list(aims))
    views = []
    for code, aim in aims.items():
        m = masteries[code]
        views.append(AimView(
            code=code, subject_code=aim.subject_code, text=aim.text(language), level=m.level,
            words=words_for(m.level if m.known else None), source=m.source, computed=computed.get(code),
            evidence=m.evidence, hand_set=dict(hand.get(code, {})), latest=latest.get(code)))
    views.sort(key=lambda v: (v.subject_code, v.latest is None, -(v.latest.at.timestamp() if v.latest else 0), v.code))
    return tuple(views), {code: aim.text(language) for code, aim in aims.items()}


def _latest_activities(session: Session, pupil_id: int, codes: list[str]) -> dict[str, Latest]:
    out: dict[str, Activity] = {}
    for activity in session.scalars(select(Activity).where(Activity.pupil_id == pupil_id, Activity.aim_code.in_(codes))
                                    .order_by(Activity.occurred_at.desc(), Activity.id.desc())):
        out.setdefault(activity.aim_code or "", activity)
    resources = {r.id: r.title for r in session.scalars(select(LearningResource).where(
        LearningResource.id.in_({a.resource_id for a in out.values() if a.resource_id})))}
    # Imported results are statements "…oneroster:<result sourcedId>[#aim]".
    result_ids = {a.statement_id.split("oneroster:", 1)[1].split("#", 1)[0]
                  for a in out.values() if "oneroster:" in a.statement_id}
    titles = dict(session.execute(
        select(Result.sourced_id, Assignment.title).join(Assignment, Assignment.id == Result.assignment_id)
        .where(Result.sourced_id.in_(result_ids or {""}))).tuples().all())
    latest: dict[str, Latest] = {}
    for code, a in out.items():
        title = resources.get(a.resource_id or 0)
        if title is None and "oneroster:" in a.statement_id:
            title = titles.get(a.statement_id.split("oneroster:", 1)[1].split("#", 1)[0])
        latest[code] = Latest(a.occurred_at, a.score, title)
    return latest


def _subjects(session: Session, pupil_id: int, allowed: set[str] | None, names: dict[int, str],
              language: str) -> tuple[tuple[SubjectView, ...], dict[str, str]]:
    """The subjects of the pupil's groups (those the asker sees), with teachers' status."""
    groups = pupil_group_ids(session, pupil_id)
    codes = {c for c in session.scalars(select(Group.subject_code).where(Group.id.in_(groups or {-1}))) if c}
    hand: dict[str, dict[Dimension, Entry]] = defaultdict(dict)
    for row in session.scalars(select(SubjectStatus).where(SubjectStatus.pupil_id == pupil_id)):
        codes.add(row.subject_code)
        hand[row.subject_code][row.dimension] = Entry(row.source, row.level, names.get(row.set_by_id or 0),
                                                      row.set_at)
    if allowed is not None:
        codes &= allowed
    subjects = {s.code: s.name(language) for s in session.scalars(select(Subject).where(Subject.code.in_(codes or {""})))}
    views = tuple(SubjectView(code, subjects[code], dict(hand.get(code, {})))
                  for code in sorted(subjects, key=lambda c: subjects[c]))
    return views, subjects


def _history(session: Session, pupil_id: int, names: dict[int, str]) -> Iterable[HistoryEntry]:
    rows = session.scalars(select(ProfileHistory).where(ProfileHistory.pupil_id == pupil_id)
                           .order_by(ProfileHistory.set_at.desc(), ProfileHistory.id.desc()).limit(HISTORY_SHOWN))
    for row in rows:
        yield _entry(row, names)


def _entry(row: ProfileHistory, names: dict[int, str]) -> HistoryEntry:
    return HistoryEntry(id=row.id, scope=row.scope, key=row.key, dimension=row.dimension, source=row.source,
                        value=row.value, previous=row.previous, set_by=names.get(row.set_by_id or 0),
                        set_at=row.set_at, undone=row.undone_at is not None, undoes=row.undoes_id is not None)


# -- changing ----------------------------------------------------------------------------------

def set_field(session: Session, asker: Person, pupil_id: int, key: str, value: Any, clock: Clock) -> Saved:
    """The asker sets their own source's value of a field (``value`` None removes it).

    AccessDenied if they may not see the pupil; NotYours if their role does not set this
    field; InvalidProfileValue (naming the field) for a value the field does not take."""
    as_source = acting_as(session, asker, pupil_id, clock.today())
    if key not in FIELDS:
        raise InvalidProfileValue(f"unknown profile field {key!r}")
    if not policy_for_pupil(session, pupil_id).may_set(as_source, key):
        raise NotYours()
    clean = None if value is None else validate(key, value)
    row = write(session, SETTING, pupil_id, key, clean, as_source, set_by_id=asker.id, now=clock.utcnow())
    return _saved(session, asker, pupil_id, row, clock)


@dataclass(frozen=True)
class FieldPlan:
    """What a change of one field would meet, for a question before it is made."""

    pupil: Person
    allowed: bool  # the asker's role sets this field under the school's policy
    counted: Any  # the value that counts now (for equipment: the school's default if none)
    mine: Any  # the asker's own source's value, None if they have none


def plan_field(session: Session, asker: Person, pupil_id: int, key: str, clock: Clock) -> FieldPlan:
    """Before asking "Skal jeg notere at …?": may the asker set ``key``, and what counts now.
    AccessDenied if they may not see the pupil."""
    as_source = acting_as(session, asker, pupil_id, clock.today())
    if key not in FIELDS:
        raise InvalidProfileValue(f"unknown profile field {key!r}")
    policy = policy_for_pupil(session, pupil_id)
    shown = {f.key: f for f in _fields(session, pupil_id, policy, as_source, {})}[key]
    counted = shown.counted.value if shown.counted is not None else None
    if counted is None and key == "equipment":
        counted = sorted(policy.default_equipment)
    return FieldPlan(session.get_one(Person, pupil_id), policy.may_set(as_source, key), counted,
                     shown.mine.value if shown.mine is not None else None)


def set_status(session: Session, asker: Person, pupil_id: int, *, scope: str, code: str, dimension: Dimension,
               level: float | None, clock: Clock) -> Saved:
    """A teacher's status of the pupil on an aim (``scope`` "aim") or a whole subject
    ("subject") in one of the school's dimensions (``level`` 0..1; None removes it)."""
    as_source = acting_as(session, asker, pupil_id, clock.today())
    policy = policy_for_pupil(session, pupil_id)
    if as_source is not Source.TEACHER or dimension not in policy.status_dimensions:
        raise NotYours()
    if scope not in (AIM, SUBJECT) or (level is not None and not 0.0 <= level <= 1.0):
        raise InvalidProfileValue(f"status: {scope} {level}")
    subject = code
    if scope == AIM:
        aim = session.get(CompetenceAim, code)
        if aim is None:
            raise InvalidProfileValue(f"status: no aim {code!r}")
        subject = aim.subject_code
    elif session.get(Subject, code) is None:
        raise InvalidProfileValue(f"status: no subject {code!r}")
    allowed = visible_subjects(session, asker, pupil_id, clock.today())
    if allowed is not None and subject not in allowed:
        raise NotYours()  # a subject teacher records status in the subjects they teach the pupil
    row = write(session, scope, pupil_id, code, level, as_source, dimension=dimension, set_by_id=asker.id,
                now=clock.utcnow())
    return _saved(session, asker, pupil_id, row, clock)


def _saved(session: Session, asker: Person, pupil_id: int, row: ProfileHistory | None, clock: Clock) -> Saved:
    pupil = session.get_one(Person, pupil_id)
    if row is None:
        return Saved(pupil, None)
    changes.record(session, asker, changes.PROFILE, {"history_id": row.id, "pupil_id": pupil_id}, clock)
    return Saved(pupil, _entry(row, {asker.id: asker.name}))


# -- undoing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reverted:
    pupil: Person
    entry: HistoryEntry  # the change that was undone
    restored: Any  # the value in force again for that source (None: it has none)


def revert(session: Session, asker: Person, history_id: int, clock: Clock) -> Reverted | None:
    """Put back what the asker's change ``history_id`` replaced, as the undo of
    :mod:`bot.services.undo`. None when it is not theirs, already undone, or someone changed
    the same value since (their change is not overwritten)."""
    row = session.get(ProfileHistory, history_id)
    if row is None or row.set_by_id != asker.id or row.undone_at is not None or row.undoes_id is not None:
        return None
    try:
        acting_as(session, asker, row.pupil_id, clock.today())  # they may still see the pupil
    except AccessDenied:
        return None
    now_stored = stored(session, row.scope, row.pupil_id, row.key, row.source, row.dimension)
    expected = None if row.value is None else (row.value, asker.id)
    if now_stored != expected:
        return None
    write(session, row.scope, row.pupil_id, row.key, row.previous, row.source, dimension=row.dimension,
          set_by_id=asker.id, now=clock.utcnow(), row_set_by_id=row.previous_set_by_id,
          row_set_at=row.previous_set_at, undoes=row)
    row.undone_at = clock.utcnow()
    session.flush()
    pupil = session.get_one(Person, row.pupil_id)
    return Reverted(pupil, _entry(row, {asker.id: asker.name}), row.previous)


def undo_change(session: Session, asker: Person, history_id: int, clock: Clock) -> Reverted | None:
    """The page's undo button: reverse ``history_id`` if it is still the asker's latest change
    (of anything they changed, by chat or on a page) and within the undo window."""
    latest = _latest_change(session, asker, clock)
    if latest is None or latest[1] != history_id:
        return None
    reverted = revert(session, asker, history_id, clock)
    if reverted is not None:
        latest[0].undone_at = clock.utcnow()
        session.flush()
    return reverted


def _latest_change(session: Session, asker: Person, clock: Clock) -> tuple[Change, int] | None:
    change = changes.latest_undoable(session, asker, clock)
    if change is None or change.kind != changes.PROFILE:
        return None
    history_id = (change.payload or {}).get("history_id")
    return (change, int(history_id)) if history_id is not None else None
