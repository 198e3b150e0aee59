"""Access rules: each rule proven, on SQLite and PostgreSQL."""

from datetime import date

import pytest

from bot.access import (
    AccessDenied,
    can_see_group,
    children_of,
    require_pupil,
    require_teacher_of,
    turns_adult_on,
    visible_groups_of_pupil,
    visible_pupil_ids,
)
from bot.models import MemberRole, Membership, PersonRole, Role
from tests.builders import build_school

TODAY = date(2026, 12, 1)


@pytest.fixture
def school(session):  # noqa: ANN001, ANN201
    return build_school(session)


def names(school, ids) -> set[str]:  # noqa: ANN001
    return {p.given_name for p in school.people.values() if p.id in ids}


def test_pupil_sees_only_themself(session, school) -> None:  # noqa: ANN001
    assert names(school, visible_pupil_ids(session, school.emma, TODAY)) == {"Emma"}
    with pytest.raises(AccessDenied):
        require_pupil(session, school.emma, school.nora.id, TODAY)


def test_guardian_with_two_children_sees_both_and_no_one_else(session, school) -> None:  # noqa: ANN001
    assert names(school, visible_pupil_ids(session, school.kari, TODAY)) == {"Emma", "Jonas"}
    with pytest.raises(AccessDenied):
        require_pupil(session, school.kari, school.nora.id, TODAY)


def test_relative_without_parental_responsibility_sees_nothing(session, school) -> None:  # noqa: ANN001
    assert visible_pupil_ids(session, school.bestemor, TODAY) == set()
    with pytest.raises(AccessDenied):
        require_pupil(session, school.bestemor, school.emma.id, TODAY)


def test_guardian_loses_access_on_the_day_the_child_turns_18(session, school) -> None:  # noqa: ANN001
    mats = school.mats
    assert turns_adult_on(mats.birth_date) == date(2026, 12, 1)
    assert require_pupil(session, school.dahl, mats.id, date(2026, 11, 30)) is mats
    with pytest.raises(AccessDenied):
        require_pupil(session, school.dahl, mats.id, date(2026, 12, 1))
    assert children_of(session, school.dahl, date(2026, 12, 1)) == []
    # The pupil still sees themself, and their teacher still sees them.
    assert require_pupil(session, mats, mats.id, date(2026, 12, 1)) is mats
    assert require_pupil(session, school.tor, mats.id, date(2026, 12, 1)) is mats


def test_born_on_29_february_turns_18_on_28_february_in_a_common_year() -> None:
    assert turns_adult_on(date(2008, 2, 29)) == date(2026, 2, 28)


def test_teacher_sees_pupils_of_the_groups_they_teach_only(session, school) -> None:  # noqa: ANN001
    assert names(school, visible_pupil_ids(session, school.gunnar, TODAY)) == {"Emma", "Nora"}
    assert names(school, visible_pupil_ids(session, school.sarah, TODAY)) == {"Jonas", "Olivia", "Mats"}
    with pytest.raises(AccessDenied):
        require_pupil(session, school.sarah, school.emma.id, TODAY)


def test_subject_teacher_sees_their_subject_contact_teacher_sees_all_groups(session, school) -> None:  # noqa: ANN001
    g = school.groups
    assert visible_groups_of_pupil(session, school.sarah, school.jonas.id, TODAY) == {g["9b_eng"].id}
    assert visible_groups_of_pupil(session, school.tor, school.jonas.id, TODAY) == {
        g["9b"].id, g["9b_mat"].id, g["9b_eng"].id,
    }
    assert visible_groups_of_pupil(session, school.kari, school.jonas.id, TODAY) == {
        g["9b"].id, g["9b_mat"].id, g["9b_eng"].id,
    }


def test_teacher_sees_only_groups_they_teach(session, school) -> None:  # noqa: ANN001
    g = school.groups
    assert can_see_group(session, school.sarah, g["9b_eng"].id, TODAY)
    assert not can_see_group(session, school.sarah, g["9b_mat"].id, TODAY)
    assert require_teacher_of(session, school.tor, g["9b_mat"].id, TODAY).name == "9B matematikk"
    with pytest.raises(AccessDenied):
        require_teacher_of(session, school.sarah, g["9b_mat"].id, TODAY)


def test_guardian_sees_their_childrens_groups_not_others(session, school) -> None:  # noqa: ANN001
    g = school.groups
    assert can_see_group(session, school.kari, g["4a_kro"].id, TODAY)
    assert can_see_group(session, school.kari, g["9b_eng"].id, TODAY)
    assert not can_see_group(session, school.per, g["9b_eng"].id, TODAY)


def test_school_admin_sees_own_school_owner_admin_sees_no_single_pupil(session, school) -> None:  # noqa: ANN001
    seen = names(school, visible_pupil_ids(session, school.rektor, TODAY))
    assert seen == {"Emma", "Nora", "Jonas", "Olivia", "Mats"}  # not Ida at Nordby skole
    assert visible_pupil_ids(session, school.kommune, TODAY) == set()


def test_disabled_account_sees_nothing(session, school) -> None:  # noqa: ANN001
    school.kari.enabled = False
    session.flush()
    assert visible_pupil_ids(session, school.kari, TODAY) == set()


def test_a_role_granted_in_the_same_session_counts_at_once(session, school) -> None:  # noqa: ANN001
    assert visible_pupil_ids(session, school.james, TODAY) == {school.olivia.id}
    session.add(PersonRole(person_id=school.james.id, role=Role.TEACHER, school_id=school.school.id))
    session.add(Membership(group_id=school.groups["4a_kro"].id, person_id=school.james.id,
                           role=MemberRole.TEACHER))
    session.flush()
    assert visible_pupil_ids(session, school.james, TODAY) == {school.olivia.id, school.emma.id, school.nora.id}


def _leave(session, pupil, group, last_day: date) -> None:  # noqa: ANN001
    for membership in session.query(Membership).filter_by(person_id=pupil.id, group_id=group.id):
        membership.end_date = last_day
    session.flush()


def test_a_pupil_who_left_the_class_is_invisible_to_its_teachers(session, school) -> None:  # noqa: ANN001
    """Emma left 4A (and its subject groups) on Friday; from today Liv and Gunnar no longer
    see her, the guardian still does, and a day when she was still there shows her."""
    for key in ("4a", "4a_mat", "4a_kro"):
        _leave(session, school.emma, school.groups[key], date(2026, 11, 27))
    assert "Emma" not in names(school, visible_pupil_ids(session, school.liv, TODAY))
    assert "Emma" not in names(school, visible_pupil_ids(session, school.gunnar, TODAY))
    with pytest.raises(AccessDenied):
        require_pupil(session, school.liv, school.emma.id, TODAY)
    assert "Emma" in names(school, visible_pupil_ids(session, school.kari, TODAY))
    assert "Emma" in names(school, visible_pupil_ids(session, school.liv, date(2026, 11, 27)))


def test_a_pupil_who_moved_class_reaches_the_new_contact_teacher_only(session, school, clock) -> None:  # noqa: ANN001
    from bot.services.absence import contact_teachers
    from bot.services.relay import teacher_for

    _leave(session, school.jonas, school.groups["9b"], date(2026, 11, 27))
    school.group("9c", "9C", school.groups["9b"].kind, 9)
    school.member(school.sarah, "9c", role=MemberRole.TEACHER, contact=True)
    session.add(Membership(group_id=school.groups["9c"].id, person_id=school.jonas.id, role=MemberRole.PUPIL,
                           begin_date=date(2026, 11, 30)))
    session.flush()
    assert [t.given_name for t in contact_teachers(session, school.jonas.id, TODAY)] == ["Sarah"]
    assert teacher_for(session, school.kari, school.jonas.id, clock).given_name == "Sarah"
    # Tor (9B's contact teacher) no longer sees all of Jonas's groups as his contact teacher.
    assert school.groups["9c"].id not in visible_groups_of_pupil(session, school.tor, school.jonas.id, TODAY)
