"""The questions the assistant answers, asked of the stores directly (SQLite and PostgreSQL)."""

from datetime import date, time

import pytest

from bot.access import AccessDenied
from bot.models import AssignmentKind
from bot.services.bring import bring_list
from bot.services.calendar import day_info
from bot.services.due import due_items, upcoming_tests
from bot.services.people import find_person, pupils_named
from bot.services.progress import find_assignments, missing_results, progress
from bot.services.timetable import day_schedule
from bot.services.weekplan import week_plan
from tests.builders import build_school

TUE, WED, THU, FRI = date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)


@pytest.fixture
def school(session):  # noqa: ANN001, ANN201
    return build_school(session)


def titles(items) -> list[str]:  # noqa: ANN001
    return [i.title for i in items]


def test_guardian_asks_what_emma_has_for_tomorrow(session, school, clock) -> None:  # noqa: ANN001
    items = due_items(session, school.kari, school.emma.id, WED, WED, clock)
    assert titles(items) == ["Gangetabellen: 6-gangen"]
    assert items[0].description == "Øv på 6-gangen, side 42"
    assert items[0].due.isoformat() == "2026-12-02T08:30:00+01:00"


def test_thursday_for_jonas_holds_homework_and_a_test_in_due_order(session, school, clock) -> None:  # noqa: ANN001
    items = due_items(session, school.kari, school.jonas.id, THU, THU, clock)
    assert titles(items) == ["Read chapter 4", "Vocabulary test: Christmas"]
    tests_only = due_items(session, school.kari, school.jonas.id, THU, THU, clock, kinds={AssignmentKind.TEST})
    assert titles(tests_only) == ["Vocabulary test: Christmas"]


def test_subject_filter_and_subject_teacher_sees_only_their_subject(session, school, clock) -> None:  # noqa: ANN001
    week = (date(2026, 11, 30), date(2026, 12, 11))
    maths = due_items(session, school.kari, school.emma.id, *week, clock, subject_code="MAT01-05")
    assert titles(maths) == ["Gangetabellen: 6-gangen", "Gangeprøve"]
    assert titles(due_items(session, school.sarah, school.jonas.id, *week, clock)) == [
        "Read chapter 4", "Vocabulary test: Christmas",
    ]


def test_someone_elses_child_is_refused(session, school, clock) -> None:  # noqa: ANN001
    with pytest.raises(AccessDenied):
        due_items(session, school.per, school.emma.id, WED, WED, clock)
    with pytest.raises(AccessDenied):
        bring_list(session, school.james, school.emma.id, FRI, clock)


def test_upcoming_tests_skip_past_ones(session, school, clock) -> None:  # noqa: ANN001
    assert titles(upcoming_tests(session, school.jonas, school.jonas.id, clock)) == ["Vocabulary test: Christmas"]
    assert titles(upcoming_tests(session, school.kari, school.emma.id, clock)) == ["Gangeprøve"]


def test_gym_clothes_on_a_pe_day(session, school, clock) -> None:  # noqa: ANN001
    items = bring_list(session, school.kari, school.emma.id, TUE, clock).items
    assert [(i.item_key, i.because, i.subject_code) for i in items] == [("gym_clothes", "lesson", "KRO01-05")]


def test_thursday_brings_gym_clothes_once_and_the_teachers_bring_item(session, school, clock) -> None:  # noqa: ANN001
    items = bring_list(session, school.emma, school.emma.id, THU, clock).items
    assert [(i.item_key, i.text) for i in items] == [
        ("gym_clothes", None), (None, "matpakke"), (None, "drikkeflaske"),
    ]


def test_skates_and_helmet_on_the_skating_day(session, school, clock) -> None:  # noqa: ANN001
    items = bring_list(session, school.kari, school.emma.id, FRI, clock).items
    assert [i.item_key for i in items] == ["skates", "helmet", "packed_lunch"]
    assert items[0].event_titles["nn"] == "Skeisedag"
    # Jonas (9B) has no skating day.
    assert bring_list(session, school.kari, school.jonas.id, FRI, clock).items == []


def test_nothing_to_bring_in_the_christmas_break(session, school, clock) -> None:  # noqa: ANN001
    answer = bring_list(session, school.kari, school.emma.id, date(2026, 12, 22), clock)
    assert answer.items == [] and (answer.info.reason, answer.info.break_key) == ("break", "christmas")


def test_public_holiday_weekend_and_planning_day_are_not_school_days(session, school, clock) -> None:  # noqa: ANN001
    sid = school.school.id
    ascension = day_info(session, sid, date(2027, 5, 6), clock.zone)
    assert (ascension.teaching, ascension.reason, ascension.holiday_name("nb"), ascension.holiday_name("en")) == (
        False, "holiday", "Kristi himmelfartsdag", "Ascension Day",
    )
    assert day_info(session, sid, date(2026, 12, 5), clock.zone).reason == "weekend"
    assert day_info(session, sid, date(2027, 1, 4), clock.zone).reason == "no_teaching"
    assert day_info(session, sid, TUE, clock.zone).teaching


def test_day_schedule_starts_and_what_comes_after_lunch(session, school, clock) -> None:  # noqa: ANN001
    tuesday = day_schedule(session, school.kari, school.emma.id, TUE, clock)
    assert tuesday.starts == time(8, 30)
    assert [(s.subject_code, s.place) for s in tuesday.after("lunch")] == [("KRO01-05", "gymsal")]


def test_week_plan_for_week_49(session, school, clock) -> None:  # noqa: ANN001
    plan = week_plan(session, school.kari, school.emma.id, THU, clock)
    assert (plan.monday, plan.week_number) == (date(2026, 11, 30), 49)
    assert titles(plan.homework) == ["Gangetabellen: 6-gangen"]
    assert plan.tests == []
    assert sorted(plan.bring) == [TUE, THU, FRI]


def test_progress_for_a_pupil_and_what_is_missing(session, school, clock) -> None:  # noqa: ANN001
    jonas = progress(session, school.kari, school.jonas.id, clock)
    assert [(p.subject_code, p.average_percent, p.missing) for p in jonas] == [("MAT01-05", 77.5, [])]
    nora = progress(session, school.per, school.nora.id, clock, subject_code="MAT01-05")
    assert nora[0].missing == ["Tiervenner"] and nora[0].results == []


def test_teacher_finds_the_fractions_test_and_who_lacks_a_result(session, school, clock) -> None:  # noqa: ANN001
    found = find_assignments(session, school.tor, "hvem mangler resultat på brøkprøven?", clock)
    assert found[0].title == "Prøve i brøk og prosent"
    missing = missing_results(session, school.tor, found[0].id, clock)
    assert [p.given_name for p in missing.missing] == ["Mats"] and missing.total == 3
    with pytest.raises(AccessDenied):
        missing_results(session, school.sarah, found[0].id, clock)
    assert find_assignments(session, school.sarah, "brøkprøven", clock) == []


def test_child_names_match_with_typos_but_only_among_the_askers_children(session, school) -> None:  # noqa: ANN001
    assert [p.given_name for p in pupils_named(session, school.kari, "emmma", TUE)] == ["Emma"]
    assert [p.given_name for p in pupils_named(session, school.kari, "JONAS", TUE)] == ["Jonas"]
    assert pupils_named(session, school.kari, "Nora", TUE) == []  # exists, not hers
    assert pupils_named(session, school.kari, "Zed", TUE) == []


def test_find_person_by_username_email_or_sourced_id(session, school) -> None:  # noqa: ANN001
    assert find_person(session, "kari").given_name == "Kari"
    assert find_person(session, "KARI@fjellby.kommune.no").given_name == "Kari"
    assert find_person(session, "u-kari").given_name == "Kari"
    assert find_person(session, "nobody") is None


def test_a_subject_teacher_sees_only_their_subjects_mastery(session, school, clock) -> None:  # noqa: ANN001
    """Gunnar teaches Emma PE only: no maths or Norwegian mastery for him; her contact teacher
    and her guardian see every subject."""
    from bot.models import AimStatus, CompetenceAim, Dimension, GradeBand, Source

    bands = {code: GradeBand(subject_code=code, after_grade=4, label_nb="4. trinn", label_en="year 4")
             for code in ("NOR01-07", "KRO01-05")}
    session.add_all(bands.values())
    session.flush()
    session.add_all([
        CompetenceAim(code="T-NOR", subject_code="NOR01-07", grade_band_id=bands["NOR01-07"].id, after_grade=4,
                      text_nb="lese", text_en="read", core_elements=[]),
        CompetenceAim(code="T-KRO", subject_code="KRO01-05", grade_band_id=bands["KRO01-05"].id, after_grade=4,
                      text_nb="leke", text_en="play", core_elements=[]),
    ])
    session.flush()
    for aim, level in (("KM282", 0.4), ("T-NOR", 0.7), ("T-KRO", 0.9)):
        session.add(AimStatus(pupil_id=school.emma.id, aim_code=aim, dimension=Dimension.KNOWLEDGE, level=level,
                              source=Source.COMPUTED, evidence=3, set_at=clock.utcnow()))
    session.flush()

    def mastery_seen_by(asker) -> dict[str, float]:  # noqa: ANN001
        return {p.subject_code: p.mastery for p in progress(session, asker, school.emma.id, clock)
                if p.mastery is not None}

    assert mastery_seen_by(school.gunnar) == {"KRO01-05": 0.9}
    assert set(mastery_seen_by(school.liv)) == {"MAT01-05", "NOR01-07", "KRO01-05"}  # contact teacher
    assert set(mastery_seen_by(school.kari)) == {"MAT01-05", "NOR01-07", "KRO01-05"}
