"""The profile service: who sees whose profile, who sets which field, whose value counts,
the history and undo, and teachers' status in the school's dimensions."""

from datetime import timedelta

import pytest

from bot.access import AccessDenied
from bot.clock import Clock
from bot.learning.policy import set_policy
from bot.models import AimStatus, Dimension, Role, Source
from bot.profile import InvalidProfileValue
from bot.services import undo
from bot.services.profile import NotYours, set_field, set_status, undo_change, view
from tests.builders import build_school


@pytest.fixture
def school(session):
    return build_school(session)


def owner_id(school) -> int:
    return school.school.owner_id


def fields(session, asker, pupil, clock) -> dict:
    return {f.key: f for f in view(session, asker, pupil.id, clock, "nb").fields}


def later(clock: Clock, minutes: int) -> Clock:
    return Clock(zone=clock.zone, fixed=clock.now() + timedelta(minutes=minutes))


def test_the_pupil_the_guardian_and_the_pupils_teachers_see_the_profile(session, school, clock) -> None:
    assert view(session, school.emma, school.emma.id, clock, "nb").acting_as is Source.SELF
    assert view(session, school.kari, school.emma.id, clock, "nb").acting_as is Source.GUARDIAN
    assert view(session, school.liv, school.emma.id, clock, "nb").acting_as is Source.TEACHER
    assert view(session, school.gunnar, school.emma.id, clock, "nn").acting_as is Source.TEACHER  # PE in 4A


@pytest.mark.parametrize("who", ["nora", "per", "bestemor", "tor", "sarah", "kommune"])
def test_no_one_else_sees_emmas_profile(session, school, clock, who) -> None:
    with pytest.raises(AccessDenied):
        view(session, getattr(school, who), school.emma.id, clock, "nb")
    with pytest.raises(AccessDenied):
        set_field(session, getattr(school, who), school.emma.id, "read_aloud", True, clock)


def test_a_guardian_sees_nothing_from_the_day_the_child_turns_18(session, school, clock) -> None:
    with pytest.raises(AccessDenied):  # Mats turns 18 on the test clock's day
        view(session, school.dahl, school.mats.id, clock, "nb")
    assert view(session, school.mats, school.mats.id, clock, "nb").acting_as is Source.SELF
    yesterday = Clock(zone=clock.zone, fixed=clock.now() - timedelta(days=1))
    assert view(session, school.dahl, school.mats.id, yesterday, "nb").acting_as is Source.GUARDIAN


def test_each_role_sets_what_the_policy_lets_it(session, school, clock) -> None:
    mine = fields(session, school.emma, school.emma, clock)
    assert mine["font_size"].editable and not mine["special_needs"].editable and not mine["pace"].editable
    with pytest.raises(NotYours):
        set_field(session, school.emma, school.emma.id, "special_needs", ["reading_writing"], clock)
    set_field(session, school.kari, school.emma.id, "special_needs", ["reading_writing"], clock)
    with pytest.raises(NotYours):
        set_field(session, school.liv, school.emma.id, "pace", 1.0, clock)
    set_policy(session, owner_id(school), {"setting_roles": {"special_needs": ["teacher", "guardian", "self"],
                                                              "font_size": ["teacher"]}}, by=None, clock=clock)
    set_field(session, school.emma, school.emma.id, "special_needs", ["reading_writing", "adhd"], clock)
    with pytest.raises(NotYours):
        set_field(session, school.emma, school.emma.id, "font_size", "large", clock)


def test_whose_value_counts_follows_the_policy_and_every_value_says_who_and_when(session, school, clock) -> None:
    set_field(session, school.emma, school.emma.id, "learning_methods", ["video"], clock)
    set_field(session, school.kari, school.emma.id, "learning_methods", ["text"], later(clock, 5))
    shown = fields(session, school.liv, school.emma, clock)["learning_methods"]
    assert [(v.source, v.value, v.set_by, v.counts) for v in shown.values] == [
        (Source.GUARDIAN, ["text"], "Kari Hansen", True), (Source.SELF, ["video"], "Emma Hansen", False)]
    assert shown.values[0].set_at == later(clock, 5).utcnow() and shown.mine is None
    set_policy(session, owner_id(school), {"setting_precedence": ["self", "teacher", "guardian", "computed"]},
               by=None, clock=clock)
    assert fields(session, school.liv, school.emma, clock)["learning_methods"].counted.value == ["video"]


def test_the_history_keeps_every_change_and_undo_puts_the_last_one_back(session, school, clock) -> None:
    first = set_field(session, school.kari, school.emma.id, "read_aloud", True, clock)
    second = set_field(session, school.kari, school.emma.id, "read_aloud", False, later(clock, 1))
    assert set_field(session, school.kari, school.emma.id, "read_aloud", False, later(clock, 2)).changed is False
    assert undo_change(session, school.kari, first.entry.id, later(clock, 2)) is None  # not the latest
    reverted = undo_change(session, school.kari, second.entry.id, later(clock, 2))
    assert reverted is not None and reverted.restored is True
    shown = view(session, school.kari, school.emma.id, later(clock, 3), "nb")
    read_aloud = {f.key: f for f in shown.fields}["read_aloud"]
    assert read_aloud.counted.value is True and read_aloud.counted.set_at == clock.utcnow()  # as it was
    history = [(h.previous, h.value, h.undone, h.undoes) for h in shown.history if h.key == "read_aloud"]
    assert history == [(False, True, False, True), (True, False, True, False), (None, True, False, False)]
    assert shown.undoable is None  # an undo is not undone again
    assert undo_change(session, school.kari, second.entry.id, later(clock, 3)) is None


def test_undo_never_overwrites_what_someone_changed_since(session, school, clock) -> None:
    anne = school.person("anne", "Anne", "Hansen", Role.GUARDIAN)
    school.guardian_of(anne, school.emma)
    session.flush()
    kari_change = set_field(session, school.kari, school.emma.id, "equipment", ["tablet"], clock)
    set_field(session, anne, school.emma.id, "equipment", ["tablet", "pc"], later(clock, 1))
    assert undo_change(session, school.kari, kari_change.entry.id, later(clock, 2)) is None
    assert fields(session, school.kari, school.emma, clock)["equipment"].counted.value == ["tablet", "pc"]


def test_angre_undoes_a_profile_change_made_by_chat_or_on_the_page(session, school, clock) -> None:
    set_field(session, school.kari, school.emma.id, "read_aloud", True, clock)
    undone = undo.undo_last(session, school.kari, later(clock, 1))
    assert undone is not None and undone.kind == "profile"
    assert undone.facts == {"name": "Emma", "own": False, "key": "read_aloud", "scope": "setting", "value": True,
                            "restored": None}
    assert "read_aloud" not in {f.key for f in view(session, school.kari, school.emma.id, clock, "nb").fields
                                if f.counted}
    set_field(session, school.kari, school.emma.id, "read_aloud", True, clock)
    assert undo.undo_last(session, school.kari, later(clock, 11)) is None  # after the undo window


def test_bad_values_change_nothing(session, school, clock) -> None:
    with pytest.raises(InvalidProfileValue):
        set_field(session, school.kari, school.emma.id, "font_size", "huge", clock)
    assert view(session, school.kari, school.emma.id, clock, "nb").history == ()


def teacher_status_on_fractions(session, school, clock) -> None:
    """Jonas: computed mastery of KM282 from one result, and Tor's judgement beside it."""
    session.add(AimStatus(pupil_id=school.jonas.id, aim_code="KM282", dimension=Dimension.SKILLS, level=0.4,
                          source=Source.COMPUTED, evidence=1, set_at=clock.utcnow()))
    session.flush()
    set_status(session, school.tor, school.jonas.id, scope="aim", code="KM282", dimension=Dimension.KNOWLEDGE,
               level=0.9, clock=clock)


def test_a_teachers_status_counts_where_the_policy_puts_teachers_first(session, school, clock) -> None:
    teacher_status_on_fractions(session, school, clock)
    [aim] = view(session, school.jonas, school.jonas.id, clock, "nb").aims
    assert (aim.code, aim.source, aim.level, aim.words) == ("KM282", Source.TEACHER, 0.9, "mastered")
    assert aim.computed.value == 0.4 and aim.hand_set[Dimension.KNOWLEDGE].set_by == "Tor Haugen"


def test_the_computed_status_counts_where_the_policy_puts_it_first(session, school, clock) -> None:
    set_policy(session, owner_id(school), {"mastery_precedence": ["computed", "teacher", "self", "guardian"],
                                           "computed_min_evidence": 1}, by=None, clock=clock)
    teacher_status_on_fractions(session, school, clock)
    [aim] = view(session, school.kari, school.jonas.id, clock, "nb").aims
    assert (aim.source, aim.level, aim.words) == (Source.COMPUTED, 0.4, "practising")
    assert aim.hand_set[Dimension.KNOWLEDGE].value == 0.9  # still shown beside it


def test_only_teachers_of_the_subject_set_status_in_the_schools_dimensions(session, school, clock) -> None:
    for who in (school.kari, school.jonas, school.sarah):  # sarah teaches Jonas English, not maths
        with pytest.raises(NotYours):
            set_status(session, who, school.jonas.id, scope="aim", code="KM282", dimension=Dimension.SKILLS,
                       level=0.5, clock=clock)
    with pytest.raises(NotYours):
        set_status(session, school.tor, school.jonas.id, scope="subject", code="MAT01-05",
                   dimension=Dimension.ATTITUDES, level=0.7, clock=clock)
    set_policy(session, owner_id(school), {"status_dimensions": ["knowledge", "skills", "attitudes"]},
               by=None, clock=clock)
    set_status(session, school.tor, school.jonas.id, scope="subject", code="MAT01-05",
               dimension=Dimension.ATTITUDES, level=0.7, clock=clock)
    shown = view(session, school.tor, school.jonas.id, clock, "nb")
    assert shown.dimensions == (Dimension.KNOWLEDGE, Dimension.SKILLS, Dimension.ATTITUDES)
    maths = {s.code: s for s in shown.subjects}["MAT01-05"]
    assert maths.hand_set[Dimension.ATTITUDES].value == 0.7
    sarah_sees = {s.code for s in view(session, school.sarah, school.jonas.id, clock, "en").subjects}
    assert sarah_sees == {"ENG01-05"}
