"""Absence alerts follow the school's absence rule: who is told, when, in which words.

Kari reports Emma (4A) sick early on Wednesday 2 December 2026, at 06:45, inside everyone's
default quiet hours (21:00-07:00); the world dispatches every quarter of an hour, as
``ransel scheduler serve`` would. Liv Andersen is 4A's contact teacher.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select

from bot.models import AbsenceReason, DeliveryMode, OutboxMessage, OutboxStatus, Person, ReminderRuleSet, School
from bot.services.absence import report_absence
from bot import reminder_rules as rules
from scheduler_helpers import DEMO_RULES, category, oslo, texts

WEDNESDAY = date(2026, 12, 2)
DEMO = DEMO_RULES.read_text(encoding="utf-8")
# The demo school's absence rule, made a short, non-critical message in its own category.
SHORT_AND_NOT_CRITICAL = DEMO.replace("    category: absence\n    template: absence_alert\n    critical: true\n",
                                      "    category: fravaer\n    template: absence_alert_short\n    critical: false\n")
WITHOUT_ABSENCE_RULE = DEMO[: DEMO.index("  # Fravær meldes straks")]


def emma_is_sick(session, school, clock) -> None:  # noqa: ANN001
    clock.set(oslo(clock, "2026-12-02T06:45"))
    report_absence(session, session.get(Person, school.kari), school.emma, WEDNESDAY, WEDNESDAY,
                   AbsenceReason.ILL, clock)
    session.commit()


def store(session, school, clock, text: str) -> None:  # noqa: ANN001
    with session.begin():
        rules.store(session, session.get(School, school.school), text, now=clock.now())


def run(world, clock):  # noqa: ANN001, ANN201
    return texts(world.run_until(oslo(clock, "2026-12-02T08:00"), timedelta(minutes=15)), clock)


def alerts(session, school):  # noqa: ANN001, ANN201
    """The teachers' outbox rows (the pupils' and guardians' reminders are planned too)."""
    return session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id.in_([school.liv, school.ola]))).all()


def test_the_demo_schools_rule_tells_the_contact_teacher_at_once_even_in_quiet_hours(world, school, session, clock) -> None:  # noqa: ANN001
    category(session, school.liv, "absence", DeliveryMode.DAILY)  # critical: no digest either

    emma_is_sick(session, school, clock)

    assert run(world, clock) == [
        ("2026-12-02 06:45", school.liv, "Fravær: Emma Hansen (4A) er borte onsdag 2. desember (syk). Meldt av Kari Hansen."),
    ]
    [row] = alerts(session, school)
    assert row.idempotency_key == f"rule:{school.school}:fravaer:absence-{row.payload['absence_id']}:p{school.liv}"


def test_a_rule_that_is_not_critical_waits_for_quiet_hours_and_uses_its_template(world, school, session, clock) -> None:  # noqa: ANN001
    store(session, school, clock, SHORT_AND_NOT_CRITICAL)

    emma_is_sick(session, school, clock)

    assert run(world, clock) == [("2026-12-02 07:00", school.liv, "Fravær 4A: Emma Hansen, onsdag 2. desember, syk.")]


def test_a_teacher_who_switched_off_a_non_critical_absence_category_gets_nothing(world, school, session, clock) -> None:  # noqa: ANN001
    store(session, school, clock, SHORT_AND_NOT_CRITICAL)
    category(session, school.liv, "fravaer", DeliveryMode.OFF)

    emma_is_sick(session, school, clock)

    assert run(world, clock) == []
    assert [(r.status, r.last_error) for r in alerts(session, school)] == [(OutboxStatus.SKIPPED, "category_off")]


def test_a_school_without_an_absence_rule_sends_no_alert(world, school, session, clock) -> None:  # noqa: ANN001
    store(session, school, clock, WITHOUT_ABSENCE_RULE)

    emma_is_sick(session, school, clock)

    assert run(world, clock) == []
    assert alerts(session, school) == []


def test_a_school_that_has_stored_no_rules_gets_the_default_alert(world, school, session, clock) -> None:  # noqa: ANN001
    with session.begin():
        session.execute(delete(ReminderRuleSet))

    emma_is_sick(session, school, clock)

    assert run(world, clock) == [
        ("2026-12-02 06:45", school.liv, "Fravær: Emma Hansen (4A) er borte onsdag 2. desember (syk). Meldt av Kari Hansen."),
    ]
    [row] = alerts(session, school)
    assert (row.idempotency_key, row.category, row.critical) == (
        f"absence:{row.payload['absence_id']}:{school.liv}", "absence", True)
