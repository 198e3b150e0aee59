"""Top learning resources for one pupil, each with a reason a teacher can read.

:func:`recommend` answers "hva bør jeg øve på i matte?" (a pupil), "finn noe for Jonas i
brøk" (a teacher) and a guardian asking for their child. The asker must be allowed to see
the pupil (:mod:`bot.access`); a refusal and an unknown pupil raise the same
:class:`bot.access.AccessDenied`.

Which aims: the one asked for; else those a free-text topic is about; else the subject's aims around the pupil's grade (the band
they work in and the one before) plus those of their current plan; else the aims of their
plan and assignments (due from a week ago to three weeks ahead); else every subject's
current band (in every subject). Candidates are the active resources on those aims that the owner's
purchasing profile allows and, for those the owner uses only with consent, that the pupil has
the consent for (:mod:`bot.services.consent`). Each candidate gets a score, a weighted sum of factors:

==============  ================================================================  ========
factor          value                                                             range
==============  ================================================================  ========
plan            an aim of the resource is in an assignment due soon               0..1
mastery_fit     expected success near the target (zone of proximal development),  0..1
                times how much is left to learn on its aims
adaptation      needs served (read-aloud -> audio, hearing -> captions ...)        -1..1
language        the pupil reads the resource's language                          -1..1
equipment       the pupil has what the resource requires                          -1..0
method, group   preferred learning method / group setting offered                 0..1
effectiveness   improved-rate for similar pupils (same needs, else same mastery    -1..1
                band), shrunk towards all pupils' and then towards neutral
review          teachers' average, shrunk while reviews are few                   -1..1
cost            an unpaid pay-per-use resource (policy "penalise")                -1..0
open_licence    openly licensed                                                    0..1
focus           the owner's subject focus                                          0..1
==============  ================================================================  ========

The weights are the owner's (:class:`bot.learning.policy.Weights`). Resources far too
hard (expected success below ``MIN_SUCCESS``) or far too easy (above ``MAX_SUCCESS`` on
aims already mastered) are left out, not just ranked low.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from operator import mul
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from bot.access import AccessDenied, can_see_pupil
from bot.clock import Clock
from bot.i18n import render
from bot.models import Assignment, CompetenceAim, GradeBand, LearningResource, Person, assignment_aims, resource_aims
from bot.services.consent import granted_keys
from bot.services.progress import visible_subjects

from .difficulty import ability, observed_level, p_success, zpd_fit
from .mastery import Mastery, aim_facts, mastery_of
from .policy import Policy, is_open
from .pupil import NEED_ADAPTATIONS, PupilProfile, load_pupil
from .resource_profile import ALL, Effect, OutcomeCache, effects, mastery_band, shrunk, shrunk_rate, watermark_now
from .reviews import ReviewSummary, review_summaries
from .search import topic_aims

MIN_SUCCESS = 0.12  # below: far too hard, never recommended
MAX_SUCCESS = 0.97  # above, on aims already mastered: far too easy
MASTERED = 0.85
PLAN_BEHIND = timedelta(days=7)
PLAN_AHEAD = timedelta(days=21)
MIN_EVIDENCE_TO_CITE = 5  # followed-up uses before "82 % of similar pupils improved" is said
MAX_REASON_PARTS = 4
RANKING_COUNTERS = ("scored", "success_sum", "expected_sum", "followed", "improved")


@dataclass(frozen=True)
class Recommendation:
    resource: LearningResource
    score: float
    reason: str  # one line in the asker's language
    parts: tuple[dict[str, Any], ...] = field(repr=False)  # the facts behind the reason
    factors: dict[str, float] = field(default_factory=dict, repr=False)
    aims: tuple[str, ...] = ()
    expected_success: float = 0.0

    def reason_in(self, language: str) -> str:
        return render_reason(self.parts, language)


def render_reason(parts: Iterable[dict[str, Any]], language: str) -> str:
    # The template keeps one part per source line for translators; the reason is one line.
    return "".join(render("learning_reason", language, parts=list(parts)).splitlines())


@dataclass
class _Candidate:
    # The first thirteen fields are a catalogue row as _static gives it (_StaticRow).
    id: int
    external_id: str
    publisher: str | None
    subject_code: str | None
    level: float
    didactics: tuple[str, ...]
    requirements: tuple[str, ...]
    adaptations: tuple[str, ...]
    suitability: tuple[str, ...]
    methods: tuple[str, ...]
    languages: tuple[str, ...]
    licence: str
    cost: float
    aims: set[str] = field(default_factory=set)


def recommend(
    session: Session,
    asker: Person,
    pupil_id: int,
    *,
    subject_code: str | None = None,
    aim_code: str | None = None,
    text: str | None = None,
    limit: int = 10,
    clock: Clock,
    language: str | None = None,
    cache: CatalogueCache | None = None,
) -> list[Recommendation]:
    """The ``limit`` best resources for the pupil, best first (reasons in the asker's language).

    ``text`` is a topic in the asker's words ("brøk", "lesestrategier"): the aims it is
    about (:func:`bot.learning.search.topic_aims`), within ``subject_code`` if given.
    """
    if not can_see_pupil(session, asker, pupil_id, clock.today()):
        raise AccessDenied()

    pupil = session.get_one(Person, pupil_id)
    profile = load_pupil(session, pupil)
    allowed = visible_subjects(session, asker, pupil_id, clock.today())
    if allowed is None:
        subjects: Sequence[str | None] = [subject_code]
    elif subject_code is not None:  # a subject teacher asking about another subject
        subjects = [subject_code] if subject_code in allowed else []
    else:  # a subject teacher without a subject: only what they teach
        subjects = sorted(allowed)
    best: dict[int, Scored] = {}
    for code in subjects:
        for scored in rank(session, profile, subject_code=code, aim_code=aim_code, text=text, clock=clock,
                           cache=cache, explain=limit):
            if scored.id not in best or scored.score > best[scored.id].score:
                best[scored.id] = scored
    ranked = sorted(best.values(), key=lambda scored: -scored.score)[:limit]
    if not ranked:
        return []
    rows = {r.id: r for r in session.scalars(select(LearningResource).where(LearningResource.id.in_([s.id for s in ranked])))}
    lang = language or asker.language
    return [
        Recommendation(
            resource=rows[s.id],
            score=round(s.score, 4),
            reason=render_reason(s.parts, lang),
            parts=tuple(s.parts),
            factors=s.factors,
            aims=tuple(sorted(s.aims)),
            expected_success=s.expected_success,
        )
        for s in ranked
    ]


@dataclass
class Scored:
    id: int
    score: float
    factors: dict[str, float]
    parts: list[dict[str, Any]]
    aims: set[str]
    expected_success: float


def rank(
    session: Session,
    profile: PupilProfile,
    *,
    subject_code: str | None = None,
    aim_code: str | None = None,
    text: str | None = None,
    clock: Clock,
    cache: CatalogueCache | None = None,
    explain: int | None = None,
) -> list[Scored]:
    """Every allowed candidate scored, best first. No access check: callers do it.

    ``explain``: how many of the best get the parts of their reason (all if None).
    """
    policy = profile.policy
    now = clock.utcnow()
    plan = _plan(session, profile, now)
    curriculum = None
    if cache is not None:
        cache.refresh(session)
        curriculum = cache.curriculum
    if text and not aim_code:
        targets = topic_aims(session, text, subject_code)
    else:
        targets = _target_aims(session, profile, plan, subject_code=subject_code, aim_code=aim_code, curriculum=curriculum)
    if not targets:
        return []
    candidates = _candidates(session, targets, cache)
    candidates = [c for c in candidates if policy.licence_available(c.licence, c.publisher, c.external_id)]
    if policy.consent_publishers or policy.consent_resources:  # only what the pupil has consent for
        given = granted_keys(session, profile.id)
        candidates = [c for c in candidates if policy.consent_key(c.publisher, c.external_id) in (None, *given)]
    if not candidates:
        return []
    facts = curriculum.facts(targets) if curriculum is not None else aim_facts(session, targets)
    masteries = mastery_of(session, profile.id, targets, policy=policy, pupil_grade=profile.grade, facts=facts)
    # "Similar pupils": those with the same needs, else those in the same mastery band.
    similar = list(profile.segments) or [mastery_band(sum(m.level for m in masteries.values()) / len(masteries))]
    ids, segments = [c.id for c in candidates], [ALL, *similar]
    if cache is not None:  # refreshed above
        found = cache.outcomes.summed(ids, segments, targets)
    else:
        found = effects(session, ids, segments, targets, RANKING_COUNTERS)
    reviews = review_summaries(session, [c.id for c in candidates])
    weights = policy.weights.model_dump()

    def score(c: _Candidate, explain: bool) -> Scored | None:
        return _score(c, profile, policy, masteries, facts, plan, found, reviews.get(c.id), now, clock.zone, similar,
                      weights, explain=explain)

    scored = [s for s in (score(c, False) for c in candidates) if s is not None]
    scored.sort(key=lambda s: (-s.score, s.id))
    # The reasons of the ones shown (the same arithmetic again, with the parts kept).
    by_id = {c.id: c for c in candidates}
    explained = min(len(scored), len(scored) if explain is None else explain)
    scored[:explained] = [s for s in (score(by_id[s.id], True) for s in scored[:explained]) if s is not None]
    return scored


def _plan(session: Session, profile: PupilProfile, now: datetime) -> dict[str, tuple[datetime, str]]:
    """Aims of the pupil's assignments due from a week ago to three weeks ahead: aim -> (due, title)."""
    if not profile.group_ids:
        return {}
    rows = session.execute(
        select(assignment_aims.c.aim_code, Assignment.due_at, Assignment.title)
        .join(Assignment, Assignment.id == assignment_aims.c.assignment_id)
        .where(
            Assignment.group_id.in_(profile.group_ids),
            Assignment.due_at >= now - PLAN_BEHIND,
            Assignment.due_at <= now + PLAN_AHEAD,
        )
        .order_by(Assignment.due_at)
    ).all()
    plan: dict[str, tuple[datetime, str]] = {}
    for aim, due, title in rows:
        # The next one due counts; one already past only if nothing is coming.
        if aim not in plan or (plan[aim][0] < now <= due):
            plan[aim] = (due, title)
    return plan


def _target_aims(
    session: Session,
    profile: PupilProfile,
    plan: dict[str, tuple[datetime, str]],
    *,
    subject_code: str | None,
    aim_code: str | None,
    curriculum: Curriculum | None = None,
) -> set[str]:
    if aim_code:
        return {aim_code}
    if subject_code:
        aims = _aims_around_grade(session, profile.grade, subject_code, curriculum=curriculum)
        if curriculum is not None:
            return aims | {a for a in plan if curriculum.subject_of.get(a) == subject_code}
        plan_in_subject = set(
            session.scalars(
                select(CompetenceAim.code).where(CompetenceAim.code.in_(list(plan)), CompetenceAim.subject_code == subject_code)
            )
        )
        return aims | plan_in_subject
    if plan:
        return set(plan)
    return _aims_around_grade(session, profile.grade, None, previous_band=False, curriculum=curriculum)


def _aims_around_grade(session: Session, grade: int | None, subject_code: str | None, *, previous_band: bool = True,
                       curriculum: Curriculum | None = None) -> set[str]:
    """Aims of the band the pupil works in and (if asked) the band before it; all bands if no grade."""
    if curriculum is not None:
        rows = [r for r in curriculum.aims if not subject_code or r[0] == subject_code]
    else:
        query = select(CompetenceAim.subject_code, CompetenceAim.after_grade, CompetenceAim.code)
        if subject_code:
            query = query.where(CompetenceAim.subject_code == subject_code)
        rows = list(session.execute(query).tuples())
    if grade is None:
        return {r[2] for r in rows}
    bands: dict[str, set[int]] = defaultdict(set)
    for subject, after_grade, _ in rows:
        bands[subject].add(after_grade)
    keep: dict[str, set[int]] = {}
    for subject, grades in bands.items():
        current = min((g for g in grades if g >= grade), default=max(grades))
        before = max((g for g in grades if g < current), default=current) if previous_band else current
        keep[subject] = {current, before}
    return {code for subject, after_grade, code in rows if after_grade in keep[subject]}


class Curriculum:
    """The competence aims' static facts (subject, grade, the subject's bands), as kept by a
    :class:`CatalogueCache`: what :func:`_aims_around_grade` and :func:`aim_facts` read."""

    def __init__(self, aims: list[tuple[str, int, str]], bands: dict[str, tuple[int, ...]]) -> None:
        self.aims = aims  # (subject code, after grade, aim code)
        self.subject_of = {code: subject for subject, _, code in aims}
        self._facts = {code: (grade, bands.get(subject, ())) for subject, grade, code in aims}

    def facts(self, codes: Iterable[str]) -> dict[str, tuple[int, tuple[int, ...]]]:
        """As :func:`bot.learning.mastery.aim_facts`."""
        return {code: self._facts[code] for code in codes if code in self._facts}

    @classmethod
    def load(cls, session: Session) -> Curriculum:
        aims = [tuple(r) for r in session.execute(select(CompetenceAim.subject_code, CompetenceAim.after_grade, CompetenceAim.code))]
        bands: dict[str, set[int]] = defaultdict(set)
        for subject, grade in session.execute(select(GradeBand.subject_code, GradeBand.after_grade).distinct()):
            bands[subject].add(grade)
        return cls(aims, {subject: tuple(sorted(grades)) for subject, grades in bands.items()})


class CatalogueCache:
    """The catalogue's static facts, kept between calls by a long-running process.

    Optional and explicit: pass one to :func:`recommend` / :func:`rank` from a process that
    answers many questions (the action server, a benchmark). Each question starts with
    :meth:`refresh`: one statement reads cheap version stamps (resources: count, newest id,
    newest ``updated_at``; resource-aim links: count; competence aims: count, grade sum,
    first and last code; grade bands: count) and the outcome counters' watermark; what moved
    is reloaded, so an import in another process is seen on the next question.

    It also keeps the resources' outcome counters (:class:`OutcomeCache`), read
    incrementally: each question reads only the counters changed since the last one.
    """

    def __init__(self) -> None:
        self.outcomes = OutcomeCache()
        self.curriculum: Curriculum | None = None
        self._stamps: tuple | None = None
        self._by_aim: dict[str, list[int]] = {}
        self._rows: dict[int, _StaticRow] = {}

    def refresh(self, session: Session) -> None:
        r, a = LearningResource, CompetenceAim

        def scalar(*columns):
            return select(*columns).scalar_subquery()

        url = str(session.get_bind().engine.url)
        row = session.execute(select(
            select(func.count()).select_from(r).scalar_subquery(),
            scalar(func.max(r.id)),
            scalar(func.max(r.updated_at)),
            select(func.count()).select_from(resource_aims).scalar_subquery(),
            scalar(func.count(a.code)),
            scalar(func.sum(a.after_grade)),
            scalar(func.max(a.code)),
            scalar(func.min(a.code)),
            select(func.count()).select_from(GradeBand).scalar_subquery(),
            watermark_now(session),
        )).one()
        catalogue, curriculum, watermark = (url, *row[:4]), (url, *row[4:9]), row[9]
        old = self._stamps or (None, None)
        if curriculum != old[1] or self.curriculum is None:
            self.curriculum = Curriculum.load(session)
        if catalogue != old[0]:
            self._load_catalogue(session)
        self._stamps = (catalogue, curriculum)
        self.outcomes.refresh(session, watermark)

    def _load_catalogue(self, session: Session) -> None:
        r = LearningResource
        self._by_aim, self._rows = defaultdict(list), {}
        for rid, aim in session.execute(
            select(resource_aims.c.resource_id, resource_aims.c.aim_code)
            .join(r, r.id == resource_aims.c.resource_id)
            .where(r.active.is_(True))
        ):
            self._by_aim[aim].append(rid)
        self._rows = {row[0]: _static(row) for row in session.execute(_attributes())}

    def candidates(self, targets: set[str]) -> list[_Candidate]:
        """The active resources on any of ``targets`` (as of the last :meth:`refresh`)."""
        aims_of: dict[int, set[str]] = defaultdict(set)
        for aim in targets:
            for rid in self._by_aim.get(aim, ()):
                aims_of[rid].add(aim)
        rows = self._rows
        return [_Candidate(*rows[rid], aims) for rid, aims in aims_of.items() if rid in rows]


def _attributes():
    r = LearningResource
    # The list columns come back raw and are decoded once per distinct value: catalogues
    # repeat the same few lists (["nb", "nn"], ["pc"]) thousands of times.
    lists = [type_coerce(c, String) for c in (r.didactics, r.technical_requirements, r.adaptations, r.suitability, r.methods, r.languages)]
    return select(r.id, r.external_id, r.publisher, r.subject_code, r.level, *lists, r.licence, r.cost_per_use).where(
        r.active.is_(True)
    )


_StaticRow = tuple[
    int, str, str | None, str | None, float,
    tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...],
    str, float,
]


def _static(row: Sequence[Any]) -> _StaticRow:
    """A catalogue row with its list columns decoded, in :class:`_Candidate` field order."""
    d = _decoded
    return (row[0], row[1], row[2], row[3], row[4], d(row[5]), d(row[6]), d(row[7]), d(row[8]), d(row[9]), d(row[10]),
            row[11], row[12])


def _candidate(row: Sequence[Any], aims: set[str]) -> _Candidate:
    return _Candidate(*_static(row), aims)


def _candidates(session: Session, targets: set[str], cache: CatalogueCache | None = None) -> list[_Candidate]:
    if cache is not None:
        return cache.candidates(targets)
    aims_of: dict[int, set[str]] = defaultdict(set)
    for rid, aim in session.execute(
        select(resource_aims.c.resource_id, resource_aims.c.aim_code)
        .join(LearningResource, LearningResource.id == resource_aims.c.resource_id)
        .where(resource_aims.c.aim_code.in_(targets), LearningResource.active.is_(True))
    ):
        aims_of[rid].add(aim)
    if not aims_of:
        return []
    rows = session.execute(_attributes().where(LearningResource.id.in_(list(aims_of))))
    return [_candidate(row, aims_of[row[0]]) for row in rows]


@lru_cache(maxsize=4096)
def _decoded_text(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text) or ())


def _decoded(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):  # SQLite hands back the JSON text
        return _decoded_text(value)
    return tuple(value)  # psycopg decodes JSON itself


def _score(
    c: _Candidate,
    profile: PupilProfile,
    policy: Policy,
    masteries: dict[str, Mastery],
    facts: dict[str, tuple[int, tuple[int, ...]]],
    plan: dict[str, tuple[datetime, str]],
    found: dict[tuple[int, str], Effect],
    review: ReviewSummary | None,
    now: datetime,
    zone: tzinfo,
    similar_segments: list[str],
    weights: dict[str, float],
    *,
    explain: bool = False,
) -> Scored | None:
    """The candidate's score and factors; with ``explain``, also the parts of its reason.

    Ranking scores hundreds of candidates and shows ten: only those are explained.
    """
    w = policy.weights
    aims: Sequence[str] | set[str] = sorted(c.aims) if explain else c.aims
    levels = [masteries[a].level for a in aims]
    mean_mastery = sum(levels) / len(levels)
    everyone = found.get((c.id, ALL), _NO_EFFECT)
    level = observed_level(c.level, everyone.scored, everyone.success_sum, everyone.expected_sum)
    theta = sum(ability(facts[a][0] if a in facts else level, masteries[a].level) for a in aims) / len(aims)
    expected = p_success(theta, level)
    if expected < MIN_SUCCESS or (expected > MAX_SUCCESS and mean_mastery >= MASTERED):
        return None
    factors: dict[str, float] = {}
    extra: list[tuple[float, dict[str, Any]]] = []  # (weight of evidence, part) for the reason line

    # plan: due soon counts most; due today or tomorrow ~1, three weeks out ~0.2
    due = [plan[a] for a in aims if a in plan] if plan else ()
    if due:
        when, title = min(due, key=lambda d: abs((d[0] - now).total_seconds()))
        days = (when - now).total_seconds() / 86400
        factors["plan"] = 0.5 if days < 0 else max(0.2, 1.0 - days / 21.0)
        if explain:
            extra.append((w.plan * factors["plan"] + 0.5, {"kind": "due", "title": title, "due": when.astimezone(zone).date()}))
    else:
        factors["plan"] = 0.0

    left_to_learn = 1.0 - mean_mastery
    factors["mastery_fit"] = zpd_fit(expected) * (0.35 + 0.65 * left_to_learn)
    if explain and factors["mastery_fit"] > 0.6:
        extra.append((w.mastery_fit * factors["mastery_fit"] * 0.5, {"kind": "fit", "percent": round(expected * 100)}))

    if profile.needs:
        served = []
        for need in profile.needs:
            options = NEED_ADAPTATIONS.get(need, ())
            hit = next((a for a in options if a in c.adaptations), None)
            if hit is None and need in c.suitability:
                hit = need
            served.append(hit)
            if explain and hit:
                extra.append((w.adaptation * 1.2, {"kind": "adaptation", "adaptation": hit, "need": need}))
        factors["adaptation"] = sum(1.0 if s else -1.0 for s in served) / len(served)
    else:
        factors["adaptation"] = 0.0

    factors["language"] = _language_fit(c, profile)
    missing = [req for req in c.requirements if req not in profile.equipment]
    factors["equipment"] = -1.0 if missing else 0.0
    if explain and missing:
        extra.append((w.equipment, {"kind": "equipment", "missing": missing}))
    liked = [m for m in c.methods if m in profile.methods]
    factors["method"] = 1.0 if liked else 0.0
    if explain and liked:
        extra.append((w.method, {"kind": "method", "method": liked[0]}))
    factors["group"] = 1.0 if profile.group_preference and profile.group_preference in c.didactics else 0.0

    base = shrunk_rate(everyone)
    followed = improved = 0
    for seg in similar_segments:
        e = found.get((c.id, seg))
        if e is not None:
            followed, improved = followed + e.followed, improved + e.improved
    rate = shrunk(improved, followed, base)
    factors["effectiveness"] = 2.0 * (rate - 0.5)
    if explain and followed >= MIN_EVIDENCE_TO_CITE:
        observed_rate = improved / followed
        extra.append((w.effectiveness * abs(factors["effectiveness"]) + 0.3, {"kind": "effective", "percent": round(observed_rate * 100)}))

    if review is not None:
        factors["review"] = ((review.average - 3.0) / 2.0) * review.count / (review.count + 2.0)
        if explain and review.average >= 4.0:
            extra.append((w.review * factors["review"] + 0.2, {"kind": "review", "average": round(review.average, 1), "count": review.count}))
    else:
        factors["review"] = 0.0

    if policy.unpaid(c.licence, c.external_id):
        factors["cost"] = -1.0 if policy.pay_per_use == "penalise" else 0.0
        if explain:
            extra.append((w.cost + 0.5, {"kind": "cost", "nok": c.cost}))
    else:
        factors["cost"] = 0.0
    factors["open_licence"] = 1.0 if is_open(c.licence) else 0.0
    if explain and w.open_licence > 0 and factors["open_licence"]:
        extra.append((w.open_licence, {"kind": "open"}))
    factors["focus"] = policy.subject_focus.get(c.subject_code or "", 0.0)

    score = sum(map(mul, map(weights.__getitem__, factors), factors.values()))
    parts: list[dict[str, Any]] = []
    if explain:
        parts.append({"kind": "aims", "codes": list(aims)[:2], "more": max(0, len(aims) - 2)})
        extra.sort(key=lambda e: -e[0])
        parts.extend(p for _, p in extra[: MAX_REASON_PARTS - 1])
    return Scored(id=c.id, score=score, factors=factors, parts=parts, aims=c.aims, expected_success=expected)


_NO_EFFECT = Effect()


def _language_fit(c: _Candidate, profile: PupilProfile) -> float:
    langs = c.languages  # a few codes: a tuple's membership test beats building a set
    if not langs:
        return 0.0
    if c.subject_code and c.subject_code.startswith("ENG") and "en" in langs:
        return 1.0  # English resources are the point in English
    if profile.language in langs:
        return 1.0
    if any(lang in profile.languages for lang in langs):
        return 0.7
    if profile.language in ("nb", "nn") and ("nb" in langs or "nn" in langs):
        return 0.6  # the other written Norwegian: readable, not preferred
    return -1.0
