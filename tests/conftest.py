"""Shared fixtures. Store tests run twice: on SQLite and on PostgreSQL (127.0.0.1:5432).

A migrated template database is built once per backend and session; each test gets a fresh
copy (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so tests never
see each other's rows and migrations are exercised on both databases.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import db
from bot.clock import Clock
from bot.config import Settings, load_settings

# The real engine + action server + demo school, once per session (see tests/engine_fixtures.py).
pytest_plugins = ["tests.engine_fixtures"]

PG_ADMIN_URL = os.environ.get("RANSEL_TEST_PG", "postgresql://root@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
OSLO_NOW = datetime.fromisoformat("2026-12-01T10:00:00+01:00")  # a Tuesday in week 49


def _pg_execute(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("db-template")
    sqlite_file = tmp / "template.db"
    db.upgrade(f"sqlite:///{sqlite_file}")
    pg_name = f"ransel_tpl_{uuid.uuid4().hex[:10]}"
    _pg_execute(f"CREATE DATABASE {pg_name}")
    db.upgrade(_pg_url(pg_name))
    yield {"sqlite": str(sqlite_file), "postgresql": pg_name}
    _pg_execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")


def fresh_database(backend: str, templates: dict[str, str], tmp_path: Path) -> tuple[str, callable]:
    """A new migrated database; returns its URL and a function that drops it."""
    if backend == "sqlite":
        target = tmp_path / "ransel.db"
        shutil.copyfile(templates["sqlite"], target)
        return f"sqlite:///{target}", lambda: None
    name = f"ransel_t_{uuid.uuid4().hex[:12]}"
    _pg_execute(f"CREATE DATABASE {name} TEMPLATE {templates['postgresql']}")
    return _pg_url(name), lambda: _pg_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, _templates: dict[str, str], tmp_path: Path) -> Iterator[str]:
    url, drop = fresh_database(request.param, _templates, tmp_path)
    yield url
    drop()


@pytest.fixture
def sqlite_url(_templates: dict[str, str], tmp_path: Path) -> str:
    """For tests that are about something other than the database (dialogue, channels)."""
    return fresh_database("sqlite", _templates, tmp_path)[0]


@pytest.fixture
def pg_url(_templates: dict[str, str], tmp_path: Path) -> Iterator[str]:
    url, drop = fresh_database("postgresql", _templates, tmp_path)
    yield url
    drop()


@pytest.fixture
def engine(store_url: str):  # noqa: ANN201
    eng = db.make_engine(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine) -> sessionmaker[Session]:  # noqa: ANN001
    return db.session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


@pytest.fixture
def clock() -> Clock:
    return Clock(zone=ZoneInfo("Europe/Oslo"), fixed=OSLO_NOW)


@pytest.fixture
def settings(store_url: str, tmp_path: Path) -> Settings:
    return load_settings(database_url=store_url, data_dir=tmp_path, now=OSLO_NOW)
