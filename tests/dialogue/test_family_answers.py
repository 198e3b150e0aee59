"""Guardians and pupils on a school that exports only OneRoster (no timetable), through the
real engine, action server and database: what happens on a day, an absence said as a
statement, reminders asked for by topic. Expected facts come from the generated school
(bot/evaluation/school.py), not from Ransel's answers.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.evaluation.school import EvalSchool
from bot.models import Absence, CategoryPreference, DeliveryMode, Person

pytestmark = pytest.mark.engine

SEED = 15
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_NN = ("måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "sundag")


def _families(s: EvalSchool) -> list[tuple[str, object]]:
    """(guardian username, child) for guardians with one child."""
    out = []
    for guardian in (p for p in s.people.values() if p.role == "parent"):
        children = [p for p in s.people.values() if guardian.sid in p.agents]
        if len(children) == 1:
            out.append((guardian.username, children[0]))
    return out


def _items_on(s: EvalSchool, child, day) -> list:  # noqa: ANN001
    groups = {g.title for g in s.groups if child in g.pupils}
    return [i for i in s.items if i.group in groups and i.due.date() == day]


def test_what_happens_on_a_day_without_a_timetable_lists_that_days_items(school, ask) -> None:
    s, _ = school
    today = s.now.date()
    for guardian, child in _families(s):
        for offset in range(1, 7):
            day = today + timedelta(days=offset)
            items = _items_on(s, child, day)
            if day.weekday() < 5 and items:  # "on Thursday" is the coming one
                break
        else:
            continue
        break
    else:
        raise AssertionError("no child with items on a coming weekday")
    reply = ask(guardian, f"What's happening in {child.given}'s class on {WEEKDAYS_EN[day.weekday()]}?")
    for item in items:
        assert item.title in reply, reply
    assert "can't find a timetable" not in reply


def test_an_absence_said_as_a_statement_is_asked_about_then_recorded(school, stack, ask) -> None:
    s, _ = school
    guardian, child = _families(s)[0]
    day = s.now.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    reply = ask(guardian, f"{child.given} må vere heime {WEEKDAYS_NN[day.weekday()]}, ho er med på ein turnering")
    assert child.given in reply and ("ja eller nei" in reply or "Svar ja" in reply), reply
    with stack.runtime.sessions() as session:
        assert session.scalars(select(Absence)).all() == []
    ask(guardian, "ja")
    with stack.runtime.sessions() as session:
        pupil = session.scalars(select(Person).where(Person.given_name == child.given,
                                                     Person.family_name == child.family)).one()
        recorded = session.scalars(select(Absence).where(Absence.pupil_id == pupil.id)).all()
    assert [(a.first_day, a.last_day) for a in recorded] == [(day, day)]


def test_reminders_asked_for_by_topic_are_turned_on_and_can_be_undone(school, stack, ask) -> None:
    s, _ = school
    guardian, child = _families(s)[1]
    reply = ask(guardian, f"I'd like reminders about {child.given}'s tests, please")
    if "yes or no" in reply:
        reply = ask(guardian, "yes")
    assert "test" in reply.casefold()

    def modes() -> dict[str, DeliveryMode]:
        with stack.runtime.sessions() as session:
            person = session.scalars(select(Person).where(Person.username == guardian)).one()
            return {c.category: c.mode for c in session.scalars(
                select(CategoryPreference).where(CategoryPreference.person_id == person.id))}

    assert modes() == {"test": DeliveryMode.INSTANT}
    ask(guardian, "undo")
    assert modes() == {}
