"""A pupil's mastery per competence aim: learned from outcomes, kept beside hand-set values.

Each ``AimStatus`` row has a source. Ransel writes only ``source=computed`` rows (dimension
``skills``: what practice outcomes show), updated by Bayesian Knowledge Tracing
(:mod:`bot.learning.bkt`) with the evidence count and the time of the newest observation.
Teachers, guardians and pupils set their own rows; :func:`mastery_of` returns, per aim, the
value the owner's policy says counts (``Policy.mastery_precedence``), the source it came
from, and every source's value so a reader can show both.

Where knowledge tracing starts: from the hand-set value that counts if there is one (a
teacher's judgement is the best prior we have), else from a grade-aware prior (aims of
earlier grade bands are presumed mostly mastered, aims of later bands mostly not).
Statements are applied in the order they arrive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import Activity, AimStatus, CompetenceAim, Dimension, GradeBand, Source
from bot.profile import set_computed

from . import bkt
from .policy import Policy

COMPUTED_DIMENSION = Dimension.SKILLS
PRIOR_EARLIER_BAND = 0.7
PRIOR_CURRENT_BAND = 0.3
PRIOR_LATER_BAND = 0.1
PACE_WINDOW_WEEKS = 6


@dataclass(frozen=True)
class Pace:
    per_week: float  # mean mastery growth per aim per week (may be negative)
    by_subject: dict[str, float]
    aims: int


@dataclass(frozen=True)
class Mastery:
    aim_code: str
    level: float  # 0..1, the value that counts under the policy
    source: Source | None  # None: nobody knows yet; ``level`` is the grade prior
    evidence: int  # observations behind the computed value (0 if none)
    set_at: datetime | None
    by_source: dict[Source, float]

    @property
    def known(self) -> bool:
        return self.source is not None


def prior(aim_grade: int, pupil_grade: int | None, bands: Iterable[int] = ()) -> float:
    """Mastery presumed before any evidence, from the aim's grade band and the pupil's grade.

    LK20 bands end after a grade (2, 4, 7, 10 in Norwegian; every grade in maths). The band
    a pupil works in is the first of the subject's bands ending at or after their grade;
    aims of bands before it are presumed mostly mastered, of bands after it mostly not.
    """
    if pupil_grade is None:
        return bkt.DEFAULT.prior
    if aim_grade < pupil_grade:
        return PRIOR_EARLIER_BAND
    current = min((g for g in bands if g >= pupil_grade), default=pupil_grade)
    return PRIOR_CURRENT_BAND if aim_grade <= current else PRIOR_LATER_BAND


def aim_facts(session: Session, codes: Iterable[str]) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Per aim code: its grade and the grades of its subject's bands."""
    codes = set(codes)
    if not codes:
        return {}
    rows = session.execute(
        select(CompetenceAim.code, CompetenceAim.after_grade, CompetenceAim.subject_code).where(CompetenceAim.code.in_(codes))
    ).all()
    subjects = {r.subject_code for r in rows}
    bands: dict[str, list[int]] = defaultdict(list)
    for subject, grade in session.execute(
        select(GradeBand.subject_code, GradeBand.after_grade).where(GradeBand.subject_code.in_(subjects)).distinct()
    ):
        bands[subject].append(grade)
    return {r.code: (r.after_grade, tuple(sorted(bands[r.subject_code]))) for r in rows}


def resolve(
    values: dict[Source, tuple[float, int, datetime]], policy: Policy
) -> tuple[Source | None, float | None]:
    """Which source counts: the first in the policy's order, except that a computed value
    with less evidence than ``computed_min_evidence`` yields to any hand-set value."""
    hand_set = any(s.by_hand for s in values)
    for source in policy.mastery_precedence:
        if source not in values:
            continue
        level, evidence, _ = values[source]
        if source is Source.COMPUTED and hand_set and evidence < policy.computed_min_evidence:
            continue
        return source, level
    return None, None


MANY_AIMS = 40


def mastery_of(
    session: Session,
    pupil_id: int,
    aim_codes: Iterable[str],
    *,
    policy: Policy,
    pupil_grade: int | None,
    facts: dict[str, tuple[int, tuple[int, ...]]] | None = None,
) -> dict[str, Mastery]:
    """The mastery that counts for each aim (grade prior where nothing is known).

    ``facts`` (from :func:`aim_facts`) saves two queries when the caller has them.
    """
    codes = set(aim_codes)
    if not codes:
        return {}
    if facts is None or not codes <= facts.keys():
        facts = aim_facts(session, codes)
    query = select(AimStatus.aim_code, AimStatus.source, AimStatus.level, AimStatus.evidence, AimStatus.set_at).where(
        AimStatus.pupil_id == pupil_id
    )
    if len(codes) <= MANY_AIMS:
        query = query.where(AimStatus.aim_code.in_(codes))
    # else: all of the pupil's rows (tens) and keep those asked for; binding a hundred-odd
    # aim codes cost more than the few extra rows.
    per_aim: dict[str, dict[Source, list]] = defaultdict(dict)
    for code, source, level, evidence, set_at in session.execute(query):
        if code not in codes:
            continue
        # Hand-set values may exist per dimension: a source's value is their mean.
        slot = per_aim[code].setdefault(source, [0.0, 0, 0, set_at])
        slot[0] += level
        slot[1] += 1
        slot[2] = max(slot[2], evidence)
        slot[3] = max(slot[3], set_at)
    out: dict[str, Mastery] = {}
    for code in codes:
        values = {s: (v[0] / v[1], v[2], v[3]) for s, v in per_aim.get(code, {}).items()}
        source, level = resolve(values, policy)
        if source is None:
            grade, bands = facts.get(code, (pupil_grade or 1, ()))
            level = prior(grade, pupil_grade, bands)
        computed = values.get(Source.COMPUTED)
        out[code] = Mastery(
            aim_code=code,
            level=level,
            source=source,
            evidence=computed[1] if computed else 0,
            set_at=values[source][2] if source else None,
            by_source={s: v[0] for s, v in values.items()},
        )
    return out


def observe(
    session: Session,
    pupil_id: int,
    aim_code: str,
    score: float,
    at: datetime,
    *,
    start: Callable[[], float],
    params: bkt.Params = bkt.DEFAULT,
) -> tuple[float, float]:
    """Apply one outcome to the pupil's computed mastery of an aim; returns (before, after).

    ``start()`` gives where tracing begins if the pupil has no computed value yet (called
    only then: it costs a query).
    """
    row = session.scalar(
        select(AimStatus).where(
            AimStatus.pupil_id == pupil_id,
            AimStatus.aim_code == aim_code,
            AimStatus.dimension == COMPUTED_DIMENSION,
            AimStatus.source == Source.COMPUTED,
        )
    )
    if row is None:
        row = AimStatus(
            pupil_id=pupil_id,
            aim_code=aim_code,
            dimension=COMPUTED_DIMENSION,
            source=Source.COMPUTED,
            level=start(),
            evidence=0,
            set_at=at,
        )
        session.add(row)
    before = row.level
    after = bkt.update(before, score, params)
    row.level = after
    row.evidence = (row.evidence or 0) + 1
    row.set_at = max(row.set_at, at) if row.set_at else at
    return before, after


def starting_point(
    session: Session, pupil_id: int, aim_code: str, *, policy: Policy, pupil_grade: int | None
) -> float:
    """Where knowledge tracing of a new aim begins: the hand-set value that counts, else the prior."""
    rows = session.execute(
        select(AimStatus.source, AimStatus.level, AimStatus.set_at).where(
            AimStatus.pupil_id == pupil_id, AimStatus.aim_code == aim_code, AimStatus.source != Source.COMPUTED
        )
    ).all()
    if rows:
        sums: dict[Source, list] = {}
        for source, level, set_at in rows:
            slot = sums.setdefault(source, [0.0, 0, set_at])
            slot[0] += level
            slot[1] += 1
        source, level = resolve({s: (v[0] / v[1], 0, v[2]) for s, v in sums.items()}, policy)
        if level is not None:
            return level
    grade, bands = aim_facts(session, [aim_code]).get(aim_code, (pupil_grade or 1, ()))
    return prior(grade, pupil_grade, bands)


def update_pace(session: Session, pupil_id: int, *, clock: Clock, weeks: int = PACE_WINDOW_WEEKS) -> Pace | None:
    """Compute and store the pupil's pace: mean growth of computed mastery per aim per week.

    Over the last ``weeks`` weeks, per aim practised: mastery after the newest observation
    minus mastery before the oldest, divided by the weeks from that oldest observation to
    now (at least one). The mean over aims is stored as the computed ``pace`` profile field
    (:func:`bot.profile.set_computed`; the field holds 0..10, so a falling mastery counts
    as 0); the per-subject means are returned. None if there is no traced activity.
    """
    now = clock.utcnow()
    since = now - timedelta(weeks=weeks)
    rows = session.execute(
        select(
            Activity.aim_code,
            Activity.occurred_at,
            Activity.mastery_before,
            Activity.mastery_after,
            CompetenceAim.subject_code,
        )
        .join(CompetenceAim, CompetenceAim.code == Activity.aim_code)
        .where(
            Activity.pupil_id == pupil_id,
            Activity.occurred_at >= since,
            Activity.mastery_after.is_not(None),
        )
        .order_by(Activity.occurred_at, Activity.id)
    ).all()
    if not rows:
        return None
    first: dict[str, tuple[datetime, float, str]] = {}
    last: dict[str, float] = {}
    for aim, at, before, after, subject in rows:
        first.setdefault(aim, (at, before, subject))
        last[aim] = after
    growth: dict[str, float] = {}
    by_subject: dict[str, list[float]] = defaultdict(list)
    for aim, (at, before, subject) in first.items():
        span_weeks = max(1.0, (now - at).total_seconds() / (7 * 24 * 3600))
        growth[aim] = (last[aim] - before) / span_weeks
        by_subject[subject].append(growth[aim])
    pace = Pace(
        per_week=round(sum(growth.values()) / len(growth), 4),
        by_subject={s: round(sum(v) / len(v), 4) for s, v in sorted(by_subject.items())},
        aims=len(growth),
    )
    set_computed(session, pupil_id, "pace", max(0.0, pace.per_week), clock)
    return pace
