"""The ``ransel`` command line. Each command group lives in its own module here and lists the
commands it has in ``COMMANDS``; they are put on the root group of :mod:`ransel.cli._root`
here, in one place (``learning``'s ``import resources`` goes under ``importers``' group).
Importing a command module adds nothing anywhere."""

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


for _module in COMMAND_MODULES:
    for _command in _module.COMMANDS:
        cli.add_command(_command)
for _command in learning.IMPORT_COMMANDS:
    importers.import_group.add_command(_command)


def _register() -> None:
    """Every command is on the group once this package is imported (kept for callers)."""


def main() -> None:
    cli(prog_name="ransel")


if __name__ == "__main__":  # pragma: no cover
    main()
