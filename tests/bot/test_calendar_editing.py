"""A school admin edits the school calendar; the chat and the reminders read what they wrote."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.access import AccessDenied
from bot.models import EventKind
from bot.services import calendar, facts
from tests.builders import build_school


@pytest.fixture
def school(session):
    s = build_school(session)
    session.commit()
    return s


def test_a_break_added_is_no_school_and_removing_it_brings_the_days_back(session, school, clock) -> None:
    assert calendar.day_info(session, school.school.id, date(2027, 2, 24), clock.zone).teaching
    added = calendar.add_break(session, school.rektor, school.school.id, "winter", date(2027, 2, 22), date(2027, 2, 26))
    assert calendar.day_info(session, school.school.id, date(2027, 2, 24), clock.zone).reason == "break"
    assert [b.name_key for b in calendar.breaks_of(session, school.school.id, date(2027, 1, 2))] == ["winter"]
    calendar.remove_break(session, school.rektor, school.school.id, added.id)
    assert calendar.day_info(session, school.school.id, date(2027, 2, 24), clock.zone).teaching


def test_bad_input_names_the_field_and_changes_nothing(session, school, clock) -> None:
    before = calendar.breaks_of(session, school.school.id, date(2026, 1, 1))
    with pytest.raises(calendar.CalendarError) as bad:
        calendar.add_break(session, school.rektor, school.school.id, "winter", date(2027, 2, 26), date(2027, 2, 22))
    assert (bad.value.code, bad.value.field) == ("dates", "last_day")
    with pytest.raises(calendar.CalendarError) as bad:
        calendar.add_break(session, school.rektor, school.school.id, "halloween", date(2027, 2, 22), date(2027, 2, 26))
    assert bad.value.code == "break"
    other_group = school.groups["nordby_5"].id
    with pytest.raises(calendar.CalendarError) as bad:
        calendar.add_event(session, school.rektor, school.school.id, calendar.NewEvent(
            kind="trip", title_nb="Tur", day=date(2026, 12, 9), group_id=other_group), clock.zone)
    assert (bad.value.code, bad.value.field) == ("group", "group")
    assert calendar.breaks_of(session, school.school.id, date(2026, 1, 1)) == before


def test_an_activity_day_with_things_to_bring_is_what_the_reminders_read(session, school, clock) -> None:
    event = calendar.add_event(session, school.rektor, school.school.id, calendar.NewEvent(
        kind="ski_day", title_nb="Skidag", day=date(2026, 12, 9), starts=time(9), ends=time(13),
        group_id=school.groups["9b"].id, bring=("skis", "packed_lunch")), clock.zone)
    found = facts.events_on(session, school.school.id, date(2026, 12, 9), [EventKind.SKI_DAY], clock.zone)
    assert [(e.id, e.bring, e.starts_at.astimezone(clock.zone).time()) for e in found] == [
        (event.id, ["skis", "packed_lunch"], time(9))]
    planning = calendar.add_event(session, school.rektor, school.school.id, calendar.NewEvent(
        kind="planning_day", title_nb="Planleggingsdag", day=date(2026, 12, 10), no_teaching=True), clock.zone)
    assert calendar.day_info(session, school.school.id, date(2026, 12, 10), clock.zone).reason == "no_teaching"
    calendar.remove_event(session, school.rektor, school.school.id, planning.id)
    assert calendar.day_info(session, school.school.id, date(2026, 12, 10), clock.zone).teaching


def test_only_the_schools_admin_may_change_its_calendar(session, school, clock) -> None:
    for who in (school.liv, school.kari, school.kommune):
        with pytest.raises(AccessDenied):
            calendar.add_break(session, who, school.school.id, "winter", date(2027, 2, 22), date(2027, 2, 26))
    with pytest.raises(AccessDenied):
        calendar.add_break(session, school.rektor, school.other_school.id, "winter", date(2027, 2, 22),
                           date(2027, 2, 26))
    mine = calendar.add_break(session, school.rektor, school.school.id, "winter", date(2027, 2, 22), date(2027, 2, 26))
    with pytest.raises(AccessDenied):  # not through another school's address either
        calendar.remove_break(session, school.rektor, school.other_school.id, mine.id)
