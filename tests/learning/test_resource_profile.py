"""A resource's profile learns from outcomes: effectiveness, observed difficulty, for whom."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.learning import activity
from bot.learning.activity import Observation
from bot.learning.resource_profile import NEUTRAL_RATE, OutcomeCache, effects, profile_of

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


def _read(cache: OutcomeCache, session, ids: list[int], segments: list[str], aims=None) -> dict:  # noqa: ANN001
    """What a question reads: the changed rows first, then the sums from memory."""
    cache.refresh(session)
    return cache.summed(ids, segments, aims)


def _same(found: dict, expected: dict) -> None:
    assert set(found) == set(expected)
    for key, effect in expected.items():
        assert list(found[key]) == pytest.approx(list(effect))


def test_a_kept_outcome_cache_sums_exactly_as_the_database_does(session, world, clock) -> None:  # noqa: ANN001
    a = resource(session, "a", ["KM270", "KM281"], level=4.0)
    b = resource(session, "b", ["KM270"], level=5.0, adaptations=["audio"])
    n = 0
    for k in range(4):
        for pupil, score in ((world.emma, 1.0), (world.jonas, 0.0)):
            for r, aim in ((a, "KM270"), (b, "KM270"), (a, "KM281")):
                use(session, pupil, r.id, aim, score, T0 + timedelta(days=k, minutes=n), clock, n := n + 1)
    session.commit()
    cache = OutcomeCache()
    for segments in (["all"], ["all", "need:read_aloud", "mastery:low", "mastery:mid"]):
        for aims in (None, ["KM270"], ["KM281"], ["KM270", "KM281"]):
            expected = effects(session, [a.id, b.id], segments, aims)
            assert expected, "the uses above must have left counters"
            _same(_read(cache, session, [a.id, b.id], segments, aims), expected)


def test_a_kept_outcome_cache_counts_outcomes_committed_elsewhere_reading_only_those(
    session, sessions, world, clock  # noqa: ANN001
) -> None:
    r = resource(session, "r", ["KM270"], level=4.0)
    for n in range(6):
        use(session, world.emma, r.id, "KM270", 1.0, T0 + timedelta(hours=n), clock, n)
    session.commit()
    cache = OutcomeCache()
    first = _read(cache, session, [r.id], ["all"])[(r.id, "all")]
    assert first.uses == 6
    session.commit()
    assert cache.refresh(session) == 0  # nothing changed: nothing read
    session.commit()

    with sessions() as other:  # another process's statement (the activity API, say)
        use(other, world.jonas, r.id, "KM270", 0.0, T0 + timedelta(days=1), clock, 100)
        other.commit()
    later = _read(cache, session, [r.id], ["all"])[(r.id, "all")]
    assert later.uses == 7 and later.scored == first.scored + 1
    _same(_read(cache, session, [r.id], ["all", "mastery:low", "mastery:mid", "mastery:high"]),
          effects(session, [r.id], ["all", "mastery:low", "mastery:mid", "mastery:high"]))


def test_an_outcome_still_being_written_during_a_read_is_counted_by_the_next(session, sessions, world, clock) -> None:  # noqa: ANN001
    r = resource(session, "r", ["KM270", "KM281"], level=4.0)
    use(session, world.emma, r.id, "KM270", 1.0, T0, clock, 1)
    session.commit()
    cache = OutcomeCache()
    cache.refresh(session)
    session.commit()
    concurrent = session.get_bind().dialect.name == "postgresql"  # SQLite has one writer at a time
    with sessions() as slow, sessions() as quick:
        use(slow, world.jonas, r.id, "KM270", 0.0, T0 + timedelta(days=1), clock, 2)
        slow.flush()  # written, not committed: no reader sees it yet
        if concurrent:  # a later transaction commits first, with a higher transaction id
            use(quick, world.emma, r.id, "KM281", 1.0, T0 + timedelta(days=2), clock, 3)
            quick.commit()
        assert _read(cache, session, [r.id], ["all"])[(r.id, "all")].uses == (2 if concurrent else 1)
        session.commit()
        slow.commit()
    # The reads above set their watermark while the slow write was open: it is counted now.
    assert _read(cache, session, [r.id], ["all"])[(r.id, "all")].uses == (3 if concurrent else 2)
