from datetime import date

import pytest

from bot.access import AccessDenied
from bot.models import AssignmentKind
from bot.services.due import due_items
from bot.services.teaching import InvalidAssignment, add_assignment, pupils_behind
from tests.builders import build_school, local


@pytest.fixture
def school(session):  # noqa: ANN001, ANN201
    return build_school(session)


def test_teacher_adds_homework_and_the_guardian_sees_it_for_that_day(session, school, clock) -> None:  # noqa: ANN001
    added = add_assignment(
        session, school.liv, group_id=school.groups["4a_mat"].id, kind=AssignmentKind.HOMEWORK,
        title="  Regnestykker side 44 ", description="Gjør oppgave 1-5", due=local(date(2026, 12, 7), 8, 30),
        clock=clock,
    )
    session.commit()
    assert added.assignment.subject_code == "MAT01-05" and added.assignment.created_by_id == school.liv.id
    items = due_items(session, school.kari, school.emma.id, date(2026, 12, 7), date(2026, 12, 7), clock)
    assert [(i.title, i.description) for i in items] == [("Regnestykker side 44", "Gjør oppgave 1-5")]


def test_a_teacher_cannot_add_to_a_group_they_do_not_teach(session, school, clock) -> None:  # noqa: ANN001
    with pytest.raises(AccessDenied):
        add_assignment(session, school.sarah, group_id=school.groups["9b_mat"].id, kind=AssignmentKind.TEST,
                       title="Prøve", due=local(date(2026, 12, 8), 9), clock=clock)


@pytest.mark.parametrize(
    ("title", "due", "aims", "code"),
    [
        ("", local(date(2026, 12, 8), 9), None, "title"),
        ("Lekse", local(date(2026, 11, 30), 9), None, "due_past"),
        ("Lekse", local(date(2026, 12, 8), 9), ["KM9999"], "aims"),
    ],
)
def test_bad_assignment_input_is_refused_with_a_reason(session, school, clock, title, due, aims, code) -> None:  # noqa: ANN001
    with pytest.raises(InvalidAssignment) as info:
        add_assignment(session, school.tor, group_id=school.groups["9b_mat"].id, kind=AssignmentKind.HOMEWORK,
                       title=title, due=due, aims=aims, clock=clock)
    assert info.value.code == code


def test_who_is_behind_in_9b_maths(session, school, clock) -> None:  # noqa: ANN001
    behind = pupils_behind(session, school.tor, school.groups["9b_mat"].id, clock)
    assert [(b.pupil.given_name, b.missing) for b in behind] == [("Mats", ["Prøve i brøk og prosent"])]
    with pytest.raises(AccessDenied):
        pupils_behind(session, school.liv, school.groups["9b_mat"].id, clock)
