"""One scale for pupils and resources: the grade scale (1-10).

A resource declares its level on the grade scale (``LearningResource.level``: 4.0 = the
content of grade 4 as the year starts, 4.5 = mid-year). A pupil's ability on an aim is
placed on the same scale from their mastery of it: ``ability = aim grade + 2 * mastery``.
With no mastery of a grade-4 aim a pupil succeeds half the time with grade-4 content (4.0);
with the mastery presumed mid-year (0.3) they are in the target zone for it; full mastery
makes grade-4 content easy (~97 %). The chance that a pupil succeeds with a resource then follows the Rasch/Elo
logistic form used for adaptive practice (Pelánek, R. (2016). Applications of the Elo
rating system in adaptive educational systems. *Computers & Education* 98, 169-179):

    P(success) = 1 / (1 + exp(-SLOPE * (ability - level)))

The recommender targets a success chance near ``TARGET_SUCCESS`` (Pelánek and others
report ~0.7-0.75 as the motivating zone for practice: the zone of proximal development),
the "too hard" warning and the resource's observed difficulty use the same model.
"""

from __future__ import annotations

import math
from functools import lru_cache

SLOPE = 1.7
TARGET_SUCCESS = 0.72
MAX_LEVEL_SHIFT = 2.0


def ability(aim_grade: float, mastery: float) -> float:
    return aim_grade + 2.0 * mastery


def p_success(ability_: float, level: float) -> float:
    z = SLOPE * (ability_ - level)
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def zpd_fit(p: float) -> float:
    """1.0 at the target success chance, falling off towards too easy (1) and too hard (0)."""
    width = 0.22 if p < TARGET_SUCCESS else 0.16  # being bored is penalised sooner than struggling
    return math.exp(-(((p - TARGET_SUCCESS) / width) ** 2))


@lru_cache(maxsize=65536)  # ranking asks it for the same resources' counters question after question
def observed_level(declared: float, scored: int, success_sum: float, expected_sum: float, *, k: float = 10.0) -> float:
    """The resource's level as outcomes show it: shifted from the declared level by how much
    better or worse pupils did than the model expected, shrunk towards the declared level
    while evidence is thin (cold start: exactly the declared level)."""
    if scored <= 0:
        return declared
    observed = (success_sum + 0.5) / (scored + 1.0)
    expected = (expected_sum + 0.5) / (scored + 1.0)
    shift = (_logit(expected) - _logit(observed)) / SLOPE
    weight = scored / (scored + k)
    return declared + max(-MAX_LEVEL_SHIFT, min(MAX_LEVEL_SHIFT, weight * shift))


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))
