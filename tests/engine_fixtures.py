"""The real dialogue stack for tests: trained engine + action server + the demo school.

A pytest plugin (listed in ``tests/conftest.py``). The session-scoped ``ransel_stack``
fixture trains the model if needed (cached by fingerprint under ``~/.cache/ransel``),
loads the demo school into a fresh SQLite database, starts the action server and the
engine on free ports and waits until both answer, once per test session; at the end of
the session both are stopped. Starting takes about a minute, so only tests that need the
real engine should use it (mark them ``@pytest.mark.engine``).

    @pytest.mark.engine
    def test_guardian_hears_about_the_skating_day(ransel_stack):
        ransel_stack.restart("kari.hansen")
        [reply] = ransel_stack.ask("kari.hansen", "hva må Emma ha med på fredag?")
        assert "skøyter" in reply.text

``ransel_stack.settings`` points at the stack's database, engine and action server;
``ransel_stack.runtime`` opens sessions on that database (to check what a turn stored).

``ask`` goes through :class:`bot.gateway.Gateway` exactly like every channel. The
conversation of a person on a channel carries over between calls (and tests): call
``restart(username, channel)`` first when a test needs a fresh conversation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from bot import engine as engine_mod
from bot.config import Settings, load_settings
from bot.gateway import Asker, Gateway, Reply
from bot.i18n import language_of
from bot.identity import conversation_id
from bot.models import Channel
from bot.runtime import Runtime
from bot.services.people import find_person

STACK_NOW = datetime.fromisoformat("2026-12-01T10:00:00+01:00")  # Tuesday, week 49


def load_school(settings: Settings) -> None:
    """The demo school (data/demo/README.md lists the facts tests may rely on)."""
    from bot.demo.load import load_demo

    runtime = Runtime(settings)
    try:
        load_demo(runtime)
    finally:
        runtime.close()


@dataclass
class RanselStack:
    settings: Settings
    runtime: Runtime
    stack: engine_mod.Stack
    _askers: dict[str, Asker] = field(default_factory=dict)

    def asker(self, username: str) -> Asker:
        if username not in self._askers:
            with self.runtime.sessions() as session:
                person = find_person(session, username)
                if person is None:
                    raise LookupError(f"no person {username!r} in the test school")
                self._askers[username] = Asker(person.id, language_of(person.language))
        return self._askers[username]

    def ask(self, username: str, text: str, channel: Channel = Channel.WEB) -> list[Reply]:
        """The replies to one message from ``username``, through the gateway."""

        async def call() -> list[Reply]:
            gateway = Gateway(self.settings)
            try:
                return await gateway.ask(self.asker(username), channel, text)
            finally:
                await gateway.aclose()

        return asyncio.run(call())

    def restart(self, username: str, channel: Channel = Channel.WEB) -> None:
        """Forget this person's conversation on this channel (slots, pending questions)."""
        sender = conversation_id(self.settings.sender_secret, self.asker(username).person_id, channel)
        response = httpx.post(
            f"{self.settings.engine_url}/conversations/{sender}/tracker/events",
            params={"token": engine_mod.api_token(self.settings)},
            json={"event": "restart"},
            timeout=10.0,
        )
        response.raise_for_status()


@pytest.fixture(scope="session")
def ransel_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RanselStack]:
    data_dir: Path = tmp_path_factory.mktemp("ransel-stack")
    url = f"sqlite:///{data_dir / 'ransel.db'}"
    settings = engine_mod.with_free_ports(load_settings(database_url=url, data_dir=data_dir, now=STACK_NOW))
    load_school(settings)
    runtime = Runtime(settings)
    try:
        stack = engine_mod.start_stack(settings, run_dir=data_dir)
    except engine_mod.EngineError as exc:
        runtime.close()
        pytest.fail(f"could not start the dialogue stack: {exc}")
    try:
        yield RanselStack(settings, runtime, stack)
    finally:
        stack.stop()
        runtime.close()
