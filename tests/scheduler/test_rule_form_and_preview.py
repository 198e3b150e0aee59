"""A school admin's edits of one rule (the portal's form) and the preview of tomorrow's
messages: the planner's own answer, written nowhere."""

from __future__ import annotations

from datetime import date

from scheduler_helpers import homework, oslo
from sqlalchemy import func, select

from bot import reminder_rules
from bot.models import Channel, OutboxMessage
from scheduler import planner

RULES = """# The school's own words stay.
version: 1
rules:
  # Homework, the evening before.
  - id: lekser
    kind: homework
    when: {days_before: 1, at: "17:00"}  # five o'clock
    audience: {to: both}
    category: homework
    template: reminder_homework

  # Tests.
  - id: prove
    kind: test
    when: {days_before: [3, 1], at: "17:00"}
    audience: {to: both}
    category: test
    template: reminder_test
"""


def test_replacing_one_rule_keeps_the_comments_and_the_other_rules() -> None:
    raw = reminder_rules.raw_rules(RULES)[0]
    raw["when"] = {"days_before": 1, "at": "18:30"}
    edited = reminder_rules.replace_rule(RULES, 0, raw)
    assert edited == RULES.replace('when: {days_before: 1, at: "17:00"}', "when: {days_before: 1, at: '18:30'}")
    assert reminder_rules.parse(edited, known_templates=set()).rules.get("lekser").at.hour == 18


def test_replacing_the_last_rule_leaves_what_follows_it() -> None:
    raw = reminder_rules.raw_rules(RULES)[1]
    raw["enabled"] = False
    edited = reminder_rules.replace_rule(RULES, 1, raw)
    assert edited == RULES.rstrip("\n") + "\n    enabled: false\n"
    assert reminder_rules.parse(edited, known_templates=set()).rules.get("prove").enabled is False


def test_the_preview_is_the_planners_plan_and_writes_nothing(school, session, clock) -> None:
    homework(session, school.g4a, oslo(clock, "2026-12-03T08:30"), "Side 50")
    school_id = school.school
    tomorrow = date(2026, 12, 2)
    before = session.scalar(select(func.count()).select_from(OutboxMessage))

    shown = planner.preview(session, clock, school_id, tomorrow)

    planned = planner.plan(session, clock, first_day=tomorrow, last_day=tomorrow, school_ids=[school_id], write=False)
    assert [p.message for p in shown] == planned.messages
    homework_to = {p.message.recipient_id: p for p in shown if p.message.rule_id == "lekser"}
    assert set(homework_to) == {school.kari, school.per}  # Emma and Sofie have no address of their own
    assert (homework_to[school.kari].channel, homework_to[school.per].channel) == (Channel.TELEGRAM, Channel.SMS)
    assert homework_to[school.kari].message.due_at.astimezone(clock.zone).date() == tomorrow
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == before

