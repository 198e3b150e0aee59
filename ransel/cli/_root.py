"""The ``ransel`` command group and what every command gets (:class:`AppContext`)."""

from __future__ import annotations

import logging

import click

from bot import logs
from bot.config import ConfigError, Settings, load_settings


class AppContext:
    """What every command gets: validated settings, built lazily so ``--help`` never fails."""

    def __init__(self) -> None:
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._settings

    def reset(self) -> None:
        """Read settings again (after a command changed the environment for its children)."""
        self._settings = None


pass_app = click.make_pass_decorator(AppContext, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Ransel: the school assistant for guardians, pupils and teachers."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logs.install()  # exception text without bound SQL parameters or quoted message text
    ctx.ensure_object(AppContext)
