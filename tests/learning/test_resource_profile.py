"""A resource's profile learns from outcomes: effectiveness, observed difficulty, for whom."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.learning import activity
from bot.learning.activity import Observation
from bot.learning.resource_profile import NEUTRAL_RATE, profile_of

from .conftest import T0, resource


def use(session, pupil, resource_id, aim, score, at, clock, n):  # noqa: ANN001, ANN201
    return activity.record(session, [Observation(f"u{n}", pupil.id, resource_id, [aim], "answered", score, at, "api")],
                           clock=clock)


def test_a_new_resource_has_its_declared_profile(session, world) -> None:  # noqa: ANN001
    r = resource(session, "ny", ["KM270"], level=4.0)
    p = profile_of(session, r)
    assert (p.observed_level, p.uses, p.improved_rate, p.for_whom) == (4.0, 0, NEUTRAL_RATE, {})


def test_pupils_who_improve_after_using_it_make_it_effective_for_them(session, world, clock) -> None:  # noqa: ANN001
    audio = resource(session, "lyd", ["KM270"], level=4.0, adaptations=["audio"])
    other = resource(session, "annen", ["KM270"], level=4.0)
    n = 0
    for i, pupil in enumerate([world.emma, world.jonas]):
        for k in range(3):  # use the audio resource, then show what was learned on the next task
            at = T0 + timedelta(days=10 * i + 2 * k)
            use(session, pupil, audio.id, "KM270", 1.0 if pupil is world.emma else 0.0, at, clock, n := n + 1)
            use(session, pupil, other.id, "KM270", 1.0 if pupil is world.emma else 0.0, at + timedelta(hours=1), clock, n := n + 1)
    p = profile_of(session, audio)
    assert p.uses == 6 and p.by_aim["KM270"].uses == 6
    # Emma (read-aloud) improved after each use; Jonas did not: it worked for read-aloud pupils.
    assert p.for_whom["read_aloud"] > p.improved_rate > NEUTRAL_RATE - 0.2
    assert p.success_rate == pytest.approx(0.5)


def test_a_resource_pupils_find_easier_than_declared_gets_a_lower_observed_level(session, world, clock) -> None:  # noqa: ANN001
    r = resource(session, "lett", ["KM270"], level=6.0)
    for n in range(12):
        pupil = [world.jonas, world.emma][n % 2]
        use(session, pupil, r.id, "KM270", 1.0, T0 + timedelta(hours=n), clock, n)
    p = profile_of(session, r)
    assert p.declared_level == 6.0 and p.observed_level < 5.5
