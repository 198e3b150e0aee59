"""Knowledge tracing on known sequences, numbers worked by hand (prior .3, T .1, G .2, S .1)."""

import pytest

from bot.learning import bkt


def test_right_wrong_right_moves_mastery_as_worked_by_hand() -> None:
    # right: .3*.9=.27; .7*.2=.14; .27/.41=.658537; + .341463*.1        = .692683
    # wrong: .692683*.1=.0692683; .307317*.8=.2458537; post=.219814;
    #        + .780186*.1                                                 = .297833
    # right: .297833*.9=.268050; .702167*.2=.140433; post=.268050/.408483=.656208;
    #        + .343792*.1                                                 = .690587
    assert bkt.trace([1, 0, 1]) == pytest.approx([0.692683, 0.297833, 0.690587], abs=1e-6)


def test_a_partial_score_lands_between_right_and_wrong() -> None:
    right, wrong, half = bkt.update(0.3, 1.0), bkt.update(0.3, 0.0), bkt.update(0.3, 0.5)
    # .5 * .658537 + .5 * (.3*.1 / (.03 + .7*.8) = .050847) = .354692; + .645308*.1 = .419223
    assert half == pytest.approx(0.419223, abs=1e-6)
    assert wrong < half < right


def test_repeated_right_answers_approach_mastery_and_wrong_ones_do_not() -> None:
    assert bkt.trace([1] * 8)[-1] > 0.99
    assert bkt.trace([0] * 8)[-1] < 0.15  # learning from practice keeps it above zero


def test_parameters_that_make_a_right_answer_count_against_mastery_are_refused() -> None:
    with pytest.raises(ValueError):
        bkt.Params(guess=0.6, slip=0.5)
    with pytest.raises(ValueError):
        bkt.update(0.3, 1.5)
