"""The reminder rules file: the demo file is valid; mistakes are named by line, in the
reader's language."""

from __future__ import annotations

from datetime import time

import pytest

from bot.models import EventKind, ReminderRuleSet, School
from bot import reminder_rules as rules
from bot.reminder_rules import AudienceTo, RuleError, RuleKind
from scheduler_helpers import DEMO_RULES

GOOD = """\
version: 1
rules:
  - id: lekser
    kind: homework
    when: {at: "17:00"}
    audience: {to: both, grades: [1, 2, 3, 4]}
    category: homework
    template: reminder_homework
"""


def test_the_demo_schools_file_is_valid_and_says_what_the_school_wants() -> None:
    checked = rules.parse(DEMO_RULES.read_text(encoding="utf-8"))
    by_id = {r.id: r for r in checked.rules.rules}

    assert set(by_id) == {"lekser", "gymtoy", "skoytedag", "prove", "ukeplan", "fravaer"}
    assert (by_id["lekser"].kind, by_id["lekser"].at, by_id["lekser"].days_before) == (RuleKind.HOMEWORK, time(17), (1,))
    assert by_id["gymtoy"].subjects == ("KRO",) and by_id["gymtoy"].items == ("gym_clothes",)
    assert by_id["skoytedag"].events == (EventKind.SKATING_DAY,)
    assert by_id["prove"].days_before == (3, 1)
    assert (by_id["ukeplan"].weekday, by_id["ukeplan"].at, by_id["ukeplan"].to) == (6, time(18), AudienceTo.GUARDIANS)
    assert by_id["fravaer"].critical and by_id["fravaer"].at_once and by_id["fravaer"].to is AudienceTo.CONTACT_TEACHER
    # absence_alert comes from the dialogue package; until it is there it is only a warning.
    assert [w.path for w in checked.warnings] in ([], ["rules[5].template"])


def problems(text: str, language: str = "nb", **kwargs) -> list[str]:  # noqa: ANN003
    with pytest.raises(RuleError) as info:
        rules.parse(text, language=language, **kwargs)
    return str(info.value).splitlines()


def test_a_time_that_is_not_a_time_is_named_with_its_line() -> None:
    assert problems(GOOD.replace('"17:00"', '"25:00"')) == [
        "reminders.yaml, linje 5: rules[0].when.at: «25:00» er ikke et klokkeslett (TT:MM, for eksempel 17:00)"
    ]


def test_errors_are_in_the_readers_language() -> None:
    assert problems(GOOD.replace("kind: homework", "kind: lekser"), language="en") == [
        "reminders.yaml, line 4: rules[0].kind: «lekser» must be one of: homework, gear, event, test, weekplan, absence"
    ]


def test_unknown_and_missing_fields_are_named() -> None:
    text = GOOD.replace("    category: homework\n", "    kategori: homework\n")
    assert problems(text) == [
        "reminders.yaml, linje 3: rules[0]: mangler «category»",
        "reminders.yaml, linje 7: rules[0].kategori: ukjent felt «kategori»",
    ]


def test_several_mistakes_are_all_reported_at_once() -> None:
    text = GOOD + """\
  - id: lekser
    kind: weekplan
    when: {at: "18:00"}
    audience: {to: guardians, grades: [11]}
    category: weekplan
    template: reminder_weekplan
"""
    assert problems(text) == ["reminders.yaml, linje 12: rules[1].audience.grades[0]: «11» er utenfor det tillatte (1–10)"]
    fixed = text.replace("[11]", "[9]")
    assert problems(fixed) == [
        "reminders.yaml, linje 9: rules[1].id: id-en «lekser» er allerede brukt på linje 3",
        "reminders.yaml, linje 11: rules[1].when: ukeplanen trenger en ukedag i «when.weekday»",
    ]


def test_broken_yaml_names_the_line() -> None:
    assert problems(GOOD.replace("    kind: homework\n", "    kind: [homework\n")) == [
        "reminders.yaml, linje 5: ikke gyldig YAML: did not find expected ',' or ']'"
    ]


def test_the_absence_rule_must_go_at_once_to_the_contact_teacher() -> None:
    text = """\
version: 1
rules:
  - id: fravaer
    kind: absence
    when: {at: "08:00"}
    audience: {to: guardians}
    category: absence
    template: absence_alert
"""
    assert problems(text, language="en") == [
        "reminders.yaml, line 3: rules[0]: absence is reported to the contact teacher at once: "
        "use «when: {at_once: true}» and «audience: {to: contact_teacher}»"
    ]


def test_groups_must_exist_at_the_school(session, school, clock) -> None:  # noqa: ANN001
    text = GOOD.replace("grades: [1, 2, 3, 4]", "groups: [4A, 5C]")
    school_row = session.get(School, school.school)

    with pytest.raises(RuleError) as info:
        rules.store(session, school_row, text, now=clock.now())

    assert str(info.value) == "reminders.yaml, linje 6: rules[0].audience.groups: skolen har ingen gruppe «5C»"
    # The school's rules are unchanged.
    assert "ukeplan" in session.get(ReminderRuleSet, 1).source


def test_storing_keeps_the_schools_text_with_its_comments(session, school, clock) -> None:  # noqa: ANN001
    text = "# Våre regler\n" + GOOD.replace("grades: [1, 2, 3, 4]", "groups: [4A]")
    rules.store(session, session.get(School, school.school), text, now=clock.now())
    session.commit()

    assert rules.source_for(session, school.school) == text
    assert [r.groups for r in rules.rules_for(session, school.school).rules] == [frozenset({"4A"})]
