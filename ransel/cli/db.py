"""``ransel db``: schema migrations."""

from __future__ import annotations

import click

from bot import db
from ransel.cli._root import AppContext, pass_app


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@pass_app
def upgrade(app: AppContext, revision: str) -> None:
    """Migrate the configured database to REVISION (default: the newest)."""
    db.upgrade(app.settings.store_url, revision)
    click.echo(f"database at {revision}")


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [db_group]
