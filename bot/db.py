"""Database engines and sessions. One session per request, action or job."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Engine, Executable, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Insert

T = TypeVar("T")
# Ids per IN list in bulk reads.
IN_CHUNK = 5000

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs) -> Engine:
    # Errors and SQL logs never repeat bound parameters (message text, numbers): bot/logs.py.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the HTTP app, action server and scheduler read while one of them writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (IN lists and executemany batches stay within
    what both databases take in one statement)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_or_ignore(dialect: str, target: Any, conflict_columns: list[str]) -> Insert:
    """``INSERT`` into ``target`` (a model or table) that skips rows whose ``conflict_columns``
    exist already (``ON CONFLICT DO NOTHING`` on both databases we support)."""
    if dialect == "postgresql":
        return postgresql.insert(target).on_conflict_do_nothing(index_elements=conflict_columns)
    if dialect == "sqlite":
        return sqlite.insert(target).on_conflict_do_nothing(index_elements=conflict_columns)
    raise NotImplementedError(f"insert-or-ignore on {dialect}")  # SQLite and PostgreSQL only


def changed_rows(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed."""
    result = session.execute(statement)
    return cast(CursorResult[Any], result).rowcount or 0


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (``ransel db upgrade``)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
