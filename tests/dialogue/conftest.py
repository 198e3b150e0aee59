"""A generated evaluation school (OneRoster only) run through the real engine, action server
and database, for the modules that set ``SEED``: ``school`` is its facts and export,
``stack`` the running Ransel on it, ``ask(who, text)`` a turn as a user with a fresh
conversation, the school put back after each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation.run import EvalStack, evaluation_stack
from bot.evaluation.school import EvalSchool, write_school


@pytest.fixture(scope="module")
def school(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[EvalSchool, Path]:
    directory = tmp_path_factory.mktemp("school")
    return write_school(request.module.SEED, directory), directory


@pytest.fixture(scope="module")
def stack(school: tuple[EvalSchool, Path], tmp_path_factory: pytest.TempPathFactory):
    with evaluation_stack(school[1], tmp_path_factory.mktemp("run")) as running:
        yield running


@pytest.fixture
def ask(stack: EvalStack):
    """Ask as a user, conversation fresh; the school is put back after each test."""
    started: set[str] = set()

    def _ask(who: str, text: str) -> str:
        if who not in started:
            stack.restart(who)
            started.add(who)
        return stack.ask(who, text)

    yield _ask
    stack.restore()
