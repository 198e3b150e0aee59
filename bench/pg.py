"""A fresh PostgreSQL database for one benchmark run, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable


def fresh_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    """Create ``ransel_bench_<random>`` through ``admin_url``; return its URL and a drop()."""
    import psycopg

    name = f"ransel_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop
