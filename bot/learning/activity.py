"""Learning activity in: statements from learning platforms and results from OneRoster.

Every observation is stored once (idempotent on its statement id), moves the pupil's
computed mastery of each aim it concerns (:mod:`bot.learning.mastery`), adds to the
resource's learned profile (:mod:`bot.learning.resource_profile`) — crediting also the
resource the pupil used before on that aim — and finally refreshes the pupil's pace.

- :func:`ingest` — a school's platform posted statements (``POST /api/activity``).
- :func:`activity_from_results` — the OneRoster import calls this with the results it
  stored: an assignment with competence aims and a scored result become one outcome per aim.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from functools import partial

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bot.access import pupils_of_school
from bot.clock import Clock
from bot.models import (
    Activity,
    Assignment,
    CompetenceAim,
    LearningResource,
    Person,
    PersonRole,
    Result,
    Role,
    ScoreStatus,
    resource_aims,
)

from . import mastery, resource_profile
from .difficulty import ability, p_success
from .pupil import PupilProfile, load_pupil
from .statements import Statement, StatementErrors, digest, parse

log = logging.getLogger(__name__)


@dataclass
class Observation:
    """One thing a pupil did, in the shape every source is turned into."""

    statement_id: str
    pupil_id: int
    resource_id: int | None
    aim_codes: list[str]  # empty: nothing to trace (e.g. a resource without aims)
    verb: str
    score: float | None  # 0..1 outcome, None if the statement carries none
    occurred_at: datetime
    source: str
    digest: str | None = None
    duration_s: float | None = None
    completed: bool = False
    abandoned: bool = False
    # The school whose platform sent it: statement ids are unique per school, so one
    # school's ids never collide with (or reveal) another's.
    school_id: int | None = None

    @property
    def key(self) -> str:
        """The id as stored (``activities.statement_id``)."""
        return f"school{self.school_id}:{self.statement_id}" if self.school_id is not None else self.statement_id


@dataclass
class Ingested:
    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


class _Cache:
    """Per-call lookups shared by the observations of one batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pupils: dict[int, PupilProfile] = {}
        self.aim_grades: dict[str, int] = {}
        self.levels: dict[int, float] = {}

    def pupil(self, pupil_id: int) -> PupilProfile:
        if pupil_id not in self.pupils:
            self.pupils[pupil_id] = load_pupil(self.session, self.session.get_one(Person, pupil_id))
        return self.pupils[pupil_id]

    def aim_grade(self, code: str) -> int:
        if code not in self.aim_grades:
            self.aim_grades[code] = self.session.execute(
                select(CompetenceAim.after_grade).where(CompetenceAim.code == code)).scalar_one()
        return self.aim_grades[code]

    def level(self, resource_id: int) -> float:
        if resource_id not in self.levels:
            self.levels[resource_id] = self.session.execute(
                select(LearningResource.level).where(LearningResource.id == resource_id)).scalar_one()
        return self.levels[resource_id]


def record(session: Session, observations: Sequence[Observation], *, clock: Clock) -> Ingested:
    """Store new observations (in time order) and learn from them; skip ids already stored.

    The caller owns the transaction. An id stored before with a different digest is a
    conflict (:class:`StatementErrors` 409).
    """
    result = Ingested()
    ids = [o.key for o in observations]
    existing = dict(session.execute(select(Activity.statement_id, Activity.digest).where(Activity.statement_id.in_(ids))).tuples().all()) if ids else {}
    conflicts = [
        {"path": o.statement_id, "message": f"statement id {o.statement_id!r} was stored before with other content"}
        for o in observations
        if o.key in existing and o.digest and existing[o.key] and existing[o.key] != o.digest
    ]
    if conflicts:
        raise StatementErrors(409, "conflicting_statement", conflicts)
    cache = _Cache(session)
    touched: set[int] = set()
    now = clock.utcnow()
    for obs in sorted(observations, key=lambda o: o.occurred_at):
        if obs.key in existing:
            result.duplicates.append(obs.statement_id)
            continue
        _apply(session, obs, cache, now)
        existing[obs.key] = obs.digest
        result.stored.append(obs.statement_id)
        touched.add(obs.pupil_id)
    session.flush()
    for pupil_id in touched:
        mastery.update_pace(session, pupil_id, clock=clock)
    return result


def _apply(session: Session, obs: Observation, cache: _Cache, now: datetime) -> None:
    pupil = cache.pupil(obs.pupil_id)
    aims: list[str | None] = list(obs.aim_codes) or [None]
    for index, aim in enumerate(aims):
        before = after = None
        if aim is not None:
            previous = _previous(session, obs.pupil_id, aim)
            if obs.score is not None:
                before, after = mastery.observe(
                    session,
                    obs.pupil_id,
                    aim,
                    obs.score,
                    obs.occurred_at,
                    start=partial(
                        mastery.starting_point,
                        session, obs.pupil_id, aim, policy=pupil.policy, pupil_grade=pupil.grade,
                    ),
                )
            if previous is not None and previous.resource_id is not None and previous.mastery_before is not None and after is not None:
                # The resource used before on this aim is credited with what this observation shows.
                resource_profile.add(
                    session,
                    previous.resource_id,
                    aim,
                    resource_profile.segments_for(pupil.segments, previous.mastery_before),
                    now,
                    followed=1,
                    improved=1 if after > previous.mastery_before + 1e-9 else 0,
                    next_gain_sum=after - previous.mastery_before,
                )
            if obs.resource_id is not None:
                counters: dict[str, float] = {
                    "uses": 1,
                    "completions": 1 if obs.completed else 0,
                    "abandons": 1 if obs.abandoned else 0,
                }
                if obs.score is not None and before is not None and after is not None:
                    counters.update(
                        scored=1,
                        success_sum=obs.score,
                        expected_sum=p_success(ability(cache.aim_grade(aim), before), cache.level(obs.resource_id)),
                        gain_sum=after - before,
                    )
                resource_profile.add(
                    session, obs.resource_id, aim, resource_profile.segments_for(pupil.segments, before), now, **counters
                )
        session.add(
            Activity(
                statement_id=obs.key if index == 0 else f"{obs.key}#{aim}",
                pupil_id=obs.pupil_id,
                resource_id=obs.resource_id,
                aim_code=aim,
                verb=obs.verb,
                score=obs.score,
                correct=None if obs.score is None else obs.score >= 0.5,
                duration_s=obs.duration_s,
                occurred_at=obs.occurred_at,
                source=obs.source,
                mastery_before=before,
                mastery_after=after,
                digest=obs.digest,
                recorded_at=now,
            )
        )
        session.flush()


def _previous(session: Session, pupil_id: int, aim_code: str) -> Activity | None:
    return session.scalar(
        select(Activity)
        .where(Activity.pupil_id == pupil_id, Activity.aim_code == aim_code, Activity.mastery_after.is_not(None))
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(1)
    )


def ingest(session: Session, school_id: int, payload: object, *, clock: Clock) -> Ingested:
    """Validate, resolve and record statements posted for one school (all or nothing)."""
    parsed = parse(payload)
    is_batch = isinstance(payload, list)
    statements = [s for s, _ in parsed]
    pupils = _pupils_of_school(session, school_id, statements)
    resources = _resources(session, [s.object.resource for s in statements if s.object.resource])
    aims = set(
        session.scalars(select(CompetenceAim.code).where(CompetenceAim.code.in_({s.object.aim for s in statements if s.object.aim})))
    )
    errors: list[dict[str, str]] = []
    observations: list[Observation] = []
    horizon = clock.utcnow().timestamp() + 24 * 3600
    for index, (statement, d) in enumerate(parsed):
        prefix = f"[{index}]" if is_batch else ""
        errors_before = len(errors)
        actor = statement.actor
        pupil_id = (pupils.get(("sourcedId", actor.sourced_id)) if actor.sourced_id
                    else pupils.get(("username", actor.username or "")))
        if pupil_id is None:
            who = f"sourcedId {actor.sourced_id!r}" if actor.sourced_id else f"username {actor.username!r}"
            errors.append({"path": f"{prefix}.actor".lstrip("."), "message": f"no pupil with {who} at this school"})
        resource = resources.get(statement.object.resource) if statement.object.resource else None
        if statement.object.resource and resource is None:
            errors.append({"path": f"{prefix}.object.resource".lstrip("."), "message": f"unknown resource {statement.object.resource!r}"})
        if statement.object.aim and statement.object.aim not in aims:
            errors.append({"path": f"{prefix}.object.aim".lstrip("."), "message": f"unknown competence aim {statement.object.aim!r}"})
        if statement.timestamp.timestamp() > horizon:
            errors.append({"path": f"{prefix}.timestamp".lstrip("."), "message": "lies more than a day in the future"})
        if len(errors) > errors_before or pupil_id is None:
            continue
        aim_codes = [statement.object.aim] if statement.object.aim else (sorted(resource[1]) if resource else [])
        observations.append(
            Observation(
                statement_id=statement.id,
                pupil_id=pupil_id,
                resource_id=resource[0] if resource else None,
                aim_codes=aim_codes,
                verb=statement.verb,
                score=statement.outcome,
                occurred_at=statement.timestamp.astimezone(UTC),
                source="api",
                school_id=school_id,
                digest=d,
                duration_s=statement.duration_s,
                completed=statement.completed,
                abandoned=statement.abandoned,
            )
        )
    if errors:
        raise StatementErrors(422, "unresolved_reference", errors)
    return record(session, observations, clock=clock)


def _pupils_of_school(session: Session, school_id: int, statements: list[Statement]) -> dict[tuple[str, str], int]:
    sourced = {s.actor.sourced_id for s in statements if s.actor.sourced_id}
    usernames = {s.actor.username for s in statements if s.actor.username and not s.actor.sourced_id}
    if not sourced and not usernames:
        return {}
    in_school = or_(
        Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == Role.PUPIL, PersonRole.school_id == school_id)),
        Person.id.in_(pupils_of_school(school_id)),
    )
    rows = session.execute(
        select(Person.id, Person.sourced_id, Person.username).where(
            or_(Person.sourced_id.in_(sourced), Person.username.in_(usernames)), in_school, Person.enabled.is_(True)
        )
    ).all()
    out: dict[tuple[str, str], int] = {}
    for pid, sid, uname in rows:
        out[("sourcedId", sid)] = pid
        if uname:
            out[("username", uname)] = pid
    return out


def _resources(session: Session, external_ids: Iterable[str]) -> dict[str, tuple[int, set[str]]]:
    ids = set(external_ids)
    if not ids:
        return {}
    out: dict[str, tuple[int, set[str]]] = {}
    for rid, ext, aim in session.execute(
        select(LearningResource.id, LearningResource.external_id, resource_aims.c.aim_code)
        .outerjoin(resource_aims, resource_aims.c.resource_id == LearningResource.id)
        .where(LearningResource.external_id.in_(ids))
    ):
        entry = out.setdefault(ext, (rid, set()))
        if aim:
            entry[1].add(aim)
    return out


GRADED = (ScoreStatus.FULLY_GRADED, ScoreStatus.PARTIALLY_GRADED)


def activity_from_results(session: Session, results: Iterable[Result], *, clock: Clock) -> Ingested:
    """Outcomes from imported OneRoster results: score / max score, one per aim of the assignment.

    Results without a score, without a max score or of an assignment without aims teach
    nothing and are skipped. Idempotent: a result is recorded once (``oneroster:<id>``);
    a later change of its score is not replayed (knowledge tracing is sequential).
    """
    observations: list[Observation] = []
    results = list(results)
    if not results:
        return Ingested()
    assignments = {
        a.id: a
        for a in session.scalars(
            select(Assignment).options(selectinload(Assignment.aims)).where(Assignment.id.in_({r.assignment_id for r in results}))
        )
    }
    for res in results:
        assignment = assignments[res.assignment_id]
        if res.score is None or res.status not in GRADED or not assignment.max_score or not assignment.aims:
            continue
        scaled = min(1.0, max(0.0, res.score / assignment.max_score))
        if res.scored_on is not None:
            at = datetime.combine(res.scored_on, time(12, 0), tzinfo=clock.zone).astimezone(UTC)
        else:
            at = assignment.due_at
        key = f"oneroster:{res.sourced_id or res.id}"
        observations.append(
            Observation(
                statement_id=key,
                pupil_id=res.pupil_id,
                resource_id=assignment.resource_id,
                aim_codes=sorted(a.code for a in assignment.aims),
                verb="scored",
                score=scaled,
                occurred_at=at,
                source="oneroster",
                digest=digest({"id": key, "score": scaled}),
                completed=True,
            )
        )
    try:
        return record(session, observations, clock=clock)
    except StatementErrors:
        # A re-imported result whose score changed: keep the first, say so by id only.
        log.warning("oneroster results changed after they were traced; kept the first values")
        existing = set(session.scalars(select(Activity.statement_id).where(Activity.statement_id.in_([o.statement_id for o in observations]))))
        return record(session, [o for o in observations if o.statement_id not in existing], clock=clock)


def trace_imported_results(session: Session, *, clock: Clock) -> Ingested:
    """What every imported result teaches about mastery (after a OneRoster import).

    Safe to run after every import: each result is traced once, by its statement id."""
    return activity_from_results(session, session.scalars(select(Result).order_by(Result.id)), clock=clock)
