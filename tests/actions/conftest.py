"""Action tests: real actions, a real database with the test school, rasa-sdk's own
CollectingDispatcher and Tracker.from_dict; the tracker is what the engine would send."""

from __future__ import annotations

import asyncio
from datetime import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import _runtime
from bot.config import PROJECT_ROOT, load_settings
from bot.identity import conversation_id
from bot.models import Channel
from bot.runtime import Runtime
from tests.builders import TestSchool, build_school
OSLO_NOW = datetime.fromisoformat("2026-12-01T10:00:00+01:00")


def load_domain() -> dict[str, Any]:
    """The engine's domain as the action server receives it (all nlu/*/domain.yml merged)."""
    merged: dict[str, Any] = {"intents": [], "entities": [], "slots": {}, "forms": {}, "actions": []}
    for path in sorted((PROJECT_ROOT / "nlu").rglob("domain.yml")):
        part = yaml.safe_load(path.read_text()) or {}
        for key in ("intents", "entities", "actions"):
            merged[key] += part.get(key) or []
        for key in ("slots", "forms"):
            merged[key].update(part.get(key) or {})
    return merged


DOMAIN = load_domain()


@dataclass
class Said:
    texts: list[str]
    buttons: list[list[dict[str, str]]]
    events: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def slot(self, name: str) -> Any:
        values = [e["value"] for e in self.events if e.get("event") == "slot" and e.get("name") == name]
        return values[-1] if values else None


@dataclass
class World:
    runtime: Runtime
    school: TestSchool
    ids: dict[str, int] = field(default_factory=dict)

    def sender(self, who: str) -> str:
        return conversation_id(self.runtime.settings.sender_secret, self.ids[who], Channel.WEB)

    def tracker(self, who: str | None, text: str, intent: str, *, entities: list[dict] | None = None,
                slots: dict[str, Any] | None = None, ranking: list[dict] | None = None,
                sender: str | None = None, confidence: float = 0.9) -> Tracker:
        message = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
            "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        }
        all_slots = {name: None for name in DOMAIN["slots"]}
        all_slots.update(slots or {})
        return Tracker.from_dict({
            "sender_id": sender or self.sender(who),
            "slots": all_slots,
            "latest_message": message,
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        })

    def run(self, action: Any, who: str | None, text: str, intent: str, **kwargs: Any) -> Said:
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, self.tracker(who, text, intent, **kwargs), DOMAIN))
        return Said([m.get("text") or "" for m in dispatcher.messages],
                    [m.get("buttons") or [] for m in dispatcher.messages], events)

    def confirmed(self, action: Any, who: str | None, text: str, intent: str, **kwargs: Any) -> Said:
        """Ask, see the yes/no question, answer "ja": what the person reads after the yes."""
        from actions.confirm import ConfirmAction

        asked = self.run(action, who, text, intent, **kwargs)
        plan = asked.slot("confirm")
        assert plan, f"expected a yes/no question, got {asked.texts}"
        return self.run(ConfirmAction(), who, "ja", "affirm", slots={"confirm": plan},
                        **{k: v for k, v in kwargs.items() if k == "sender"})


def person(name: str, entity: str = "person") -> dict[str, str]:
    return {"entity": entity, "value": name}


def subject(code: str) -> dict[str, str]:
    return {"entity": "subject", "value": code}


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    runtime = Runtime(load_settings(database_url=sqlite_url, data_dir=tmp_path, now=OSLO_NOW))
    with runtime.sessions() as session:
        school = build_school(session)
        ids = {key: p.id for key, p in school.people.items()}
    _runtime.use(runtime)
    yield World(runtime, school, ids)
    _runtime.use(None)
    runtime.close()
