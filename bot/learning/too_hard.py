""""Too hard" warnings when a teacher assigns a resource.

A resource is too hard for a pupil when its level (as observed, see
:func:`bot.learning.difficulty.observed_level`) lies beyond what the pupil's mastery of its
prerequisite aims (:mod:`bot.learning.prerequisites`) makes them ready for:

    ready = band + 1                                if prerequisite mastery >= READY_MASTERY
    ready = band + 1 - 2 * (READY_MASTERY - mastery)  otherwise

where ``band`` is the grade of the band the prerequisites come from (mastering a band
readies a pupil for the next grade) and mastery is the mean of the values that count
(policy) over the prerequisites somebody knows something about — a teacher's judgement or
traced evidence. The teacher is warned when ``level > ready + TOLERANCE``. With no known
prerequisite mastery there is no warning: Ransel does not warn on guesses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.access import can_see_pupil, pupil_ids_in
from bot.clock import Clock
from bot.i18n import render
from bot.models import LearningResource, Person

from .difficulty import observed_level
from .mastery import mastery_of
from .policy import policy_for_pupil
from .prerequisites import prerequisites
from .pupil import load_pupil
from .resource_profile import ALL, Effect, effects

READY_MASTERY = 0.6
TOLERANCE = 0.5


@dataclass(frozen=True)
class TooHardWarning:
    pupil_id: int
    resource_id: int
    level: float
    ready_for: float
    prerequisite_mastery: float
    band_grade: int
    prerequisites: tuple[str, ...]  # the known ones the mastery is the mean of
    message: str  # in the teacher's language


def check_assignment(
    session: Session, teacher: Person, resource: LearningResource, pupil_ids: Iterable[int], *, clock: Clock
) -> list[TooHardWarning]:
    """Warnings for the pupils the teacher may see (others are skipped silently)."""
    aims = [a.code for a in resource.aims]
    prereqs = prerequisites(session, aims)
    by_band: dict[int, set[str]] = {}
    for p in prereqs.values():
        if p.band_grade is not None and p.codes:
            by_band.setdefault(p.band_grade, set()).update(p.codes)
    if not by_band:
        return []
    everyone = effects(session, [resource.id], [ALL]).get((resource.id, ALL), Effect())
    level = observed_level(resource.level, everyone.scored, everyone.success_sum, everyone.expected_sum)
    warnings = []
    today = clock.today()
    for pupil_id in dict.fromkeys(pupil_ids):
        if not can_see_pupil(session, teacher, pupil_id, today):
            continue
        pupil = session.get_one(Person, pupil_id)
        profile = load_pupil(session, pupil, policy_for_pupil(session, pupil_id))
        # The band closest below the resource's aims speaks for readiness.
        band = max(by_band)
        codes = by_band[band]
        masteries = mastery_of(session, pupil_id, codes, policy=profile.policy, pupil_grade=profile.grade)
        known = sorted(code for code, m in masteries.items() if m.known)
        if not known:
            continue
        mean = sum(masteries[c].level for c in known) / len(known)
        ready = band + 1 - (2 * (READY_MASTERY - mean) if mean < READY_MASTERY else 0.0)
        if level <= ready + TOLERANCE:
            continue
        message = render(
            "learning_too_hard",
            teacher.language,
            pupil=pupil.name,
            given=pupil.given_name,
            title=resource.title,
            level=level,
            band=band,
            percent=round(mean * 100),
            codes=known[:4],
        )
        warnings.append(TooHardWarning(pupil_id, resource.id, round(level, 2), round(ready, 2), round(mean, 3), band, tuple(known), message))
    return warnings


def check_group_assignment(
    session: Session, teacher: Person, resource: LearningResource, group_id: int, *, clock: Clock
) -> list[TooHardWarning]:
    """The same for every pupil of a group (assigning homework to a class)."""
    pupils = pupil_ids_in(session, group_id, clock.today())
    return check_assignment(session, teacher, resource, pupils, clock=clock)
