import pytest

from bot.access import AccessDenied
from bot.models import ProfileHistory, Source
from bot.profile import InvalidProfileValue, effective_profile, set_computed
from bot.services.profile import set_field, view
from tests.builders import build_school


@pytest.fixture
def school(session):
    return build_school(session)


def test_teacher_setting_beats_computed_and_both_are_kept(session, school, clock) -> None:
    set_computed(session, school.emma.id, "speaking_rate", 150, clock)
    set_field(session, school.liv, school.emma.id, "speaking_rate", 120, clock)
    session.commit()
    chosen = effective_profile(session, school.emma.id)["speaking_rate"]
    assert (chosen.value, chosen.source, chosen.by_hand) == (120, Source.TEACHER, True)
    computed_only = effective_profile(session, school.emma.id, precedence=(Source.COMPUTED,))
    assert computed_only["speaking_rate"].value == 150


def test_guardian_and_pupil_set_by_hand_with_their_own_source(session, school, clock) -> None:
    assert set_field(session, school.kari, school.emma.id, "read_aloud", True, clock).entry.source is Source.GUARDIAN
    assert set_field(session, school.emma, school.emma.id, "font_size", "large", clock).entry.source is Source.SELF
    session.commit()
    profile = {f.key: f for f in view(session, school.emma, school.emma.id, clock, "nb").fields}
    assert profile["read_aloud"].counted.value is True and profile["font_size"].counted.value == "large"


def test_computed_never_overwrites_a_hand_set_value(session, school, clock) -> None:
    set_field(session, school.kari, school.emma.id, "situation", "ill", clock)
    set_computed(session, school.emma.id, "situation", "at_school", clock)
    session.commit()
    assert effective_profile(session, school.emma.id)["situation"].value == "ill"


def test_a_computed_value_is_written_to_the_history_only_when_it_changes(session, school, clock) -> None:
    set_computed(session, school.emma.id, "pace", 0.2, clock)
    set_computed(session, school.emma.id, "pace", 0.2, clock)
    set_computed(session, school.emma.id, "pace", 0.3, clock)
    rows = session.query(ProfileHistory).filter_by(pupil_id=school.emma.id, key="pace").order_by(ProfileHistory.id).all()
    assert [(r.previous, r.value, r.source, r.set_by_id) for r in rows] == [
        (None, 0.2, Source.COMPUTED, None), (0.2, 0.3, Source.COMPUTED, None)]


def test_bad_values_and_unknown_fields_are_refused_with_the_field_named(session, school, clock) -> None:
    with pytest.raises(InvalidProfileValue, match="speaking_rate"):
        set_field(session, school.kari, school.emma.id, "speaking_rate", 1000, clock)
    with pytest.raises(InvalidProfileValue, match="special_needs"):
        set_field(session, school.kari, school.emma.id, "special_needs", ["telepathy"], clock)
    with pytest.raises(InvalidProfileValue, match="shoe_size"):
        set_field(session, school.kari, school.emma.id, "shoe_size", 32, clock)


def test_nobody_sets_or_reads_the_profile_of_a_pupil_not_theirs(session, school, clock) -> None:
    with pytest.raises(AccessDenied):
        set_field(session, school.per, school.emma.id, "read_aloud", True, clock)
    with pytest.raises(AccessDenied):
        view(session, school.sarah, school.emma.id, clock, "en")
