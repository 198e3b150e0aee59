"""Bayesian Knowledge Tracing: the probability that a pupil has mastered one skill.

Standard BKT (Corbett, A. T. & Anderson, J. R. (1995). Knowledge tracing: Modeling the
acquisition of procedural knowledge. *User Modeling and User-Adapted Interaction* 4(4),
253-278). A hidden binary state per pupil and skill (here: a competence aim) — learned or
not — observed through answers that can be guessed or slipped:

    P(correct)          = P(L)(1 - S) + (1 - P(L)) G
    P(L | correct)      = P(L)(1 - S) / P(correct)
    P(L | incorrect)    = P(L) S / (1 - P(correct))
    P(L) next           = P(L | obs)(1 - F) + (1 - P(L | obs)) T

with prior P(L0), learning (transit) T, guess G, slip S and forgetting F (0 in the classic
model). A fractional score s in [0, 1] (a partly right task, a test result) is treated as
a soft observation: the posterior is the mixture s * P(L | correct) + (1 - s) * P(L | incorrect).

Why not pyBKT: pyBKT 1.4.3 (PyPI) pulls numpy, pandas, scipy and scikit-learn (~260 MB),
fits in batch over DataFrames, and does not even import with the current scikit-learn
(checked 2026-11-29). Ransel needs one cheap online update per activity statement
(<= 5 ms), which is the few lines below.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Params:
    """BKT parameters for one skill. Defaults are common literature values for school maths."""

    prior: float = 0.3  # P(L0); the mastery module replaces it with a grade-aware prior
    learn: float = 0.1  # T: chance to learn the skill at one practice opportunity
    guess: float = 0.2  # G: right answer without mastery
    slip: float = 0.1  # S: wrong answer despite mastery
    forget: float = 0.0  # F

    def __post_init__(self) -> None:
        for name in ("prior", "learn", "guess", "slip", "forget"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"BKT {name} must be in [0, 1], got {value}")
        if self.guess + self.slip >= 1.0:
            # Otherwise a right answer would count as evidence *against* mastery.
            raise ValueError("BKT guess + slip must be below 1")


DEFAULT = Params()


def posterior(mastery: float, correct: bool, params: Params = DEFAULT) -> float:
    """P(L | observation), before the learning transition."""
    if correct:
        num = mastery * (1.0 - params.slip)
        den = num + (1.0 - mastery) * params.guess
    else:
        num = mastery * params.slip
        den = num + (1.0 - mastery) * (1.0 - params.guess)
    return num / den if den > 0.0 else mastery


def update(mastery: float, score: float, params: Params = DEFAULT) -> float:
    """Mastery after one observed outcome; ``score`` 1.0 = right, 0.0 = wrong, between = partial."""
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"score must be in [0, 1], got {score}")
    conditioned = score * posterior(mastery, True, params) + (1.0 - score) * posterior(
        mastery, False, params
    )
    return conditioned * (1.0 - params.forget) + (1.0 - conditioned) * params.learn


def trace(scores: list[float], params: Params = DEFAULT) -> list[float]:
    """Mastery after each outcome of a sequence, starting from ``params.prior``."""
    out, mastery = [], params.prior
    for score in scores:
        mastery = update(mastery, score, params)
        out.append(mastery)
    return out
