from datetime import date

import pytest

from bot.access import AccessDenied
from bot.models import Role
from bot.services.statistics import delivery_summary, homework_completion
from bot.outbox import enqueue
from tests.builders import build_school

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def school(session):  # noqa: ANN001, ANN201
    s = build_school(session)
    # Three more pupils in 9B make it large enough to report; 4A (two pupils) stays suppressed.
    for i, handed_in in enumerate([True, True, False]):
        pupil = s.person(f"extra{i}", f"Elev{i}", "Ekstra", Role.PUPIL, birth=date(2011, 6, 1))
        s.member(pupil, "9b", "9b_mat")
        if handed_in:
            s.result("brok", pupil, 20)
    session.commit()
    return s


def test_owner_sees_each_school_and_grade_with_small_groups_suppressed(session, school, clock) -> None:  # noqa: ANN001
    cells = homework_completion(session, school.kommune, *NOVEMBER, clock)
    by_grade = {(c.school, c.grade): (c.pupils, c.completion_percent) for c in cells}
    # 9B: six pupils, four handed in the fractions test (Mats and one more did not).
    assert by_grade[("Solbakken skole", 9)] == (6, 66.7)
    assert by_grade[("Solbakken skole", 4)] == (None, None)
    assert by_grade[("Nordby skole", 5)] == (None, None)


def test_school_admin_sees_only_their_school_and_a_teacher_sees_no_statistics(session, school, clock) -> None:  # noqa: ANN001
    assert {c.school for c in homework_completion(session, school.rektor, *NOVEMBER, clock)} == {"Solbakken skole"}
    with pytest.raises(AccessDenied):
        homework_completion(session, school.tor, *NOVEMBER, clock)


def test_delivery_summary_counts_by_channel_and_status(session, school, clock) -> None:  # noqa: ANN001
    for person in (school.kari, school.per):
        enqueue(session, key=f"t:{person.id}", recipient_id=person.id, category="homework",
                template="homework_digest", payload={}, due_at=clock.now(), now=clock.now())
    session.commit()
    assert delivery_summary(session, school.rektor, date(2026, 12, 1), date(2026, 12, 1), clock) == {
        "unrouted": {"pending": 2},
    }
