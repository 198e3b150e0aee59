"""The ``ransel`` command line. Each command group lives in its own module here and adds its
commands to the group in :mod:`ransel.cli._root`; this list is every one of them (``learning``
after ``importers``: it adds to ``import``)."""

from __future__ import annotations

from ransel.cli import (
    db,
    demo,
    dialogue,
    emulators,
    evaluate,
    importers,
    learning,
    link,
    scheduler,
    speech,
    teach,
    telegram,
    up,
    web,
)
from ransel.cli._root import AppContext, cli, pass_app

COMMAND_MODULES = [db, demo, dialogue, emulators, evaluate, importers, learning, link, scheduler, speech, teach,
                   telegram, up, web]
__all__ = ["COMMAND_MODULES", "AppContext", "cli", "main", "pass_app"]


def _register() -> None:
    """Every command is on the group once this package is imported (kept for callers)."""


def main() -> None:
    cli(prog_name="ransel")


if __name__ == "__main__":  # pragma: no cover
    main()
