"""Wiring for one process: settings, clock, database engine and sessions, built once.

The CLI, the HTTP app, the action server and the scheduler each build one Runtime at start
and pass it (or its parts) down; nothing below reaches for globals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import db
from bot.clock import Clock
from bot.config import Settings, load_settings


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = Clock.from_settings(self.settings)

    @cached_property
    def engine(self) -> Engine:
        return db.make_engine(self.settings.store_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return db.session_factory(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with db.transaction(self.sessions) as session:
            yield session

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    @classmethod
    def from_env(cls, **overrides) -> "Runtime":  # noqa: ANN003
        return cls(load_settings(**overrides))
