"""A school's breaks and terms from the stores, and whose calendar a question is read with."""

from __future__ import annotations

from datetime import date

from bot.dates import Period, SchoolCalendar, find_span
from bot.models import AcademicSession, Guardianship, Person, PersonRole, Role, SchoolBreak, SessionKind
from bot.services.calendar import asker_calendar, school_calendar
from tests.builders import build_school

D = date


def _session(session, sid: str, kind: SessionKind, first: date, last: date,  # noqa: ANN001
             parent: AcademicSession | None = None) -> AcademicSession:
    row = AcademicSession(sourced_id=sid, title=sid, kind=kind, start_date=first, end_date=last, school_year=2027,
                          parent_id=parent.id if parent else None)
    session.add(row)
    session.flush()
    return row


def _two_calendars(session):  # noqa: ANN001, ANN202
    """Solbakken (Oslo-like: terms from the export, Christmas from 21 Dec) and Nordby (a school
    on another calendar: its own school year and autumn term, winter break in week 9)."""
    s = build_school(session)
    year = _session(session, "sy-2026", SessionKind.SCHOOL_YEAR, D(2026, 8, 17), D(2027, 6, 18))
    autumn = _session(session, "h-2026", SessionKind.TERM, D(2026, 8, 17), D(2026, 12, 20), year)
    _session(session, "v-2027", SessionKind.TERM, D(2027, 1, 4), D(2027, 6, 18), year)
    _session(session, "karakter-1", SessionKind.GRADING_PERIOD, D(2026, 8, 17), D(2026, 10, 31), autumn)
    nordby_year = _session(session, "sy-2026-n", SessionKind.SCHOOL_YEAR, D(2026, 8, 19), D(2027, 6, 22))
    nordby_autumn = _session(session, "h-2026-n", SessionKind.TERM, D(2026, 8, 19), D(2026, 12, 18), nordby_year)
    s.groups["4a"].session_id = autumn.id
    s.groups["nordby_5"].session_id = nordby_autumn.id
    session.add(SchoolBreak(school_id=s.other_school.id, name_key="winter", first_day=D(2027, 3, 1),
                            last_day=D(2027, 3, 5)))
    session.commit()
    return s


def test_a_school_reads_its_own_breaks_terms_and_school_year(session) -> None:  # noqa: ANN001
    s = _two_calendars(session)
    solbakken = school_calendar(session, s.school.id)
    assert solbakken.breaks == (Period("christmas", D(2026, 12, 21), D(2027, 1, 1)),)
    # The class refers to the autumn term; its school year and the spring term come with it,
    # the grading period and the other school's sessions do not.
    assert solbakken.terms == (
        Period("autumn", D(2026, 8, 17), D(2026, 12, 20)),
        Period("spring", D(2027, 1, 4), D(2027, 6, 18)),
        Period("year", D(2026, 8, 17), D(2027, 6, 18)),
    )
    nordby = school_calendar(session, s.other_school.id)
    assert nordby.breaks == (Period("winter", D(2027, 3, 1), D(2027, 3, 5)),)
    assert nordby.terms == (
        Period("autumn", D(2026, 8, 19), D(2026, 12, 18)),
        Period("year", D(2026, 8, 19), D(2027, 6, 22)),
    )


def test_each_school_answers_before_christmas_and_after_the_winter_break_by_its_own_calendar(
        session, clock) -> None:  # noqa: ANN001
    s = _two_calendars(session)
    solbakken = school_calendar(session, s.school.id)
    nordby = school_calendar(session, s.other_school.id)
    before = "hvilke prøver har vi før jul?"
    assert (find_span(before, clock, solbakken).start, find_span(before, clock, solbakken).end) == (
        D(2026, 12, 1), D(2026, 12, 20))
    # Nordby stores no Christmas break: the convention ends the term on Friday 18 December.
    assert find_span(before, clock, nordby).end == D(2026, 12, 18)
    after = "hva skjer etter vinterferien?"
    assert find_span(after, clock, solbakken).start == D(2027, 2, 27)  # week 8 by convention
    assert find_span(after, clock, nordby).start == D(2027, 3, 6)
    assert find_span("hva skjer i høst?", clock, nordby).end == D(2026, 12, 18)
    assert find_span("hva skjer i vår?", clock, solbakken).end == D(2027, 6, 18)


def test_sessions_no_class_refers_to_are_the_whole_municipalitys(session) -> None:  # noqa: ANN001
    s = build_school(session)
    year = _session(session, "sy-2026", SessionKind.SCHOOL_YEAR, D(2026, 8, 17), D(2027, 6, 18))
    _session(session, "v-2027", SessionKind.SEMESTER, D(2027, 1, 4), D(2027, 6, 18), year)
    session.commit()
    assert school_calendar(session, s.school.id).terms == (
        Period("spring", D(2027, 1, 4), D(2027, 6, 18)),
        Period("year", D(2026, 8, 17), D(2027, 6, 18)),
    )


def test_a_question_is_read_with_the_calendar_of_the_askers_school(session, clock) -> None:  # noqa: ANN001
    s = _two_calendars(session)
    # A guardian with no school of their own, whose child goes to Nordby.
    mother = Person(sourced_id="u-mor", given_name="Mona", family_name="Nordby", language="nb")
    mother.roles = [PersonRole(role=Role.GUARDIAN, school_id=None)]
    session.add(mother)
    session.flush()
    session.add(Guardianship(guardian_id=mother.id, pupil_id=s.ida.id, relation="parent",
                             parental_responsibility=True))
    nobody = Person(sourced_id="u-x", given_name="X", family_name="Y", language="nb")
    session.add(nobody)
    session.commit()

    def christmas_of(person: Person) -> tuple[Period, ...]:
        return tuple(p for p in asker_calendar(session, person, clock.today()).breaks if p.key == "christmas")

    stored_christmas = (Period("christmas", D(2026, 12, 21), D(2027, 1, 1)),)
    assert christmas_of(s.emma) == stored_christmas  # a pupil: their own school
    assert christmas_of(s.kari) == stored_christmas  # a guardian: the children's school
    assert christmas_of(s.liv) == stored_christmas  # a teacher: the school of the role
    assert asker_calendar(session, s.ida, clock.today()).breaks[0].key == "winter"
    assert asker_calendar(session, mother, clock.today()).breaks[0].key == "winter"
    assert asker_calendar(session, nobody, clock.today()) == SchoolCalendar()
