"""The reminder-rule form generated from the rules' schema: what it shows and sends back."""

from __future__ import annotations

from starlette.datastructures import FormData

from portal import rule_form


def test_the_form_sends_back_what_the_yaml_holds_and_only_what_changed() -> None:
    absence = {"id": "fravaer", "kind": "absence", "when": {"at_once": True},
               "audience": {"to": "contact_teacher"}, "category": "absence", "template": "absence_alert",
               "critical": True}
    shown = rule_form.values(absence)
    posted = FormData([(rule_form.PREFIX + name, "true" if value is True else value)
                       for name, value in shown.items() if value not in (False, "", [])])
    assert rule_form.from_form(posted, absence)[0] == absence  # unchanged: the same YAML
    without = FormData([(k, v) for k, v in posted.multi_items() if k != "f.when.at_once"])
    raw, _ = rule_form.from_form(without, absence)
    assert "at_once" not in raw.get("when", {})  # unticked: absent, so the rule's own check speaks
    assert rule_form.field_of("rules[5].audience.grades[1]", 5) == "audience.grades"
    assert rule_form.field_of("rules[5].when", 5) == "when"
    assert rule_form.field_of("rules[5]", 5) == ""
    assert rule_form.field_of("rules[4].id", 5) is None
