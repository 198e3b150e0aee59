"""The engine's domain and the action server agree: every action the domain names exists,
and every action the server registers is in the domain."""

import actions.children  # noqa: F401 - imports every feature module
import actions.fallback  # noqa: F401
import actions.reminders  # noqa: F401
import actions.smalltalk  # noqa: F401
import actions.teacher  # noqa: F401
from tests.actions.conftest import DOMAIN
from rasa_sdk.executor import ActionExecutor


def test_every_domain_action_is_served_and_every_served_action_is_in_the_domain() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    served = set(executor.actions)
    assert set(DOMAIN["actions"]) == served


def test_every_intent_has_a_rule_or_form(tmp_path) -> None:  # noqa: ANN001
    import yaml

    from bot.config import PROJECT_ROOT

    ruled = set()
    for path in (PROJECT_ROOT / "nlu").rglob("rules.yml"):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            ruled |= {step["intent"] for step in rule["steps"] if "intent" in step}
    assert set(DOMAIN["intents"]) <= ruled | {"nlu_fallback"}
