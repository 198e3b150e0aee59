from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from scheduler_helpers import World, build_school


@pytest.fixture
def school(sessions: sessionmaker[Session], clock: Clock) -> SimpleNamespace:
    with sessions() as session:
        return build_school(session, clock)


@pytest.fixture
def world(sessions: sessionmaker[Session], clock: Clock, school: SimpleNamespace) -> World:
    return World(sessions, clock)
