"""Wiring for one process: settings, clock, database engine and sessions, built once.

The CLI, the HTTP app, the action server and the scheduler each build one Runtime at start
and pass it (or its parts) down; nothing below reaches for globals.
"""

from __future__ import annotations

import gc
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
    def from_env(cls, **overrides) -> Runtime:
        return cls(load_settings(**overrides))


def settle_heap() -> None:
    """Take what a long-running process holds from start-up out of the garbage collector's scans.

    Call once, when start-up is done (modules imported, templates compiled, first caches
    filled). CPython's oldest-generation collection walks every tracked object; in an action
    server that is the ~100,000 objects of rasa-sdk, SQLAlchemy, Jinja2 and our modules, and
    each such collection stalled the request it fell in by 60-85 ms (bench/recommend.py, p95).
    ``gc.freeze()`` moves them to a permanent generation that is never scanned; objects made
    later are collected as usual. Idempotent and cheap to call again.
    """
    gc.collect()
    gc.freeze()
