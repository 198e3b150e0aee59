import pytest

from bot.access import AccessDenied
from bot.models import Source
from bot.profile import InvalidProfileValue, effective_profile, profile_for, set_by_hand, set_computed
from tests.builders import build_school


@pytest.fixture
def school(session):  # noqa: ANN001, ANN201
    return build_school(session)


def test_teacher_setting_beats_computed_and_both_are_kept(session, school, clock) -> None:  # noqa: ANN001
    set_computed(session, school.emma.id, "speaking_rate", 150, clock)
    set_by_hand(session, school.liv, school.emma.id, "speaking_rate", 120, clock)
    session.commit()
    chosen = effective_profile(session, school.emma.id)["speaking_rate"]
    assert (chosen.value, chosen.source, chosen.by_hand) == (120, Source.TEACHER, True)
    computed_only = effective_profile(session, school.emma.id, precedence=(Source.COMPUTED,))
    assert computed_only["speaking_rate"].value == 150


def test_guardian_and_pupil_set_by_hand_with_their_own_source(session, school, clock) -> None:  # noqa: ANN001
    assert set_by_hand(session, school.kari, school.emma.id, "read_aloud", True, clock).source is Source.GUARDIAN
    assert set_by_hand(session, school.emma, school.emma.id, "font_size", "large", clock).source is Source.SELF
    session.commit()
    profile = profile_for(session, school.emma, school.emma.id, clock)
    assert profile["read_aloud"].value is True and profile["font_size"].value == "large"


def test_computed_never_overwrites_a_hand_set_value(session, school, clock) -> None:  # noqa: ANN001
    set_by_hand(session, school.kari, school.emma.id, "situation", "ill", clock)
    set_computed(session, school.emma.id, "situation", "at_school", clock)
    session.commit()
    assert effective_profile(session, school.emma.id)["situation"].value == "ill"


def test_bad_values_and_unknown_fields_are_refused_with_the_field_named(session, school, clock) -> None:  # noqa: ANN001
    with pytest.raises(InvalidProfileValue, match="speaking_rate"):
        set_by_hand(session, school.kari, school.emma.id, "speaking_rate", 1000, clock)
    with pytest.raises(InvalidProfileValue, match="special_needs"):
        set_by_hand(session, school.kari, school.emma.id, "special_needs", ["telepathy"], clock)
    with pytest.raises(InvalidProfileValue, match="shoe_size"):
        set_by_hand(session, school.kari, school.emma.id, "shoe_size", 32, clock)


def test_nobody_sets_or_reads_the_profile_of_a_pupil_not_theirs(session, school, clock) -> None:  # noqa: ANN001
    with pytest.raises(AccessDenied):
        set_by_hand(session, school.per, school.emma.id, "read_aloud", True, clock)
    with pytest.raises(AccessDenied):
        profile_for(session, school.sarah, school.emma.id, clock)
