"""The ``ransel`` command line. Each command group lives in its own module here."""

from __future__ import annotations

import logging

import click

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
    from bot import logs

    logs.install()  # exception text without bound SQL parameters or quoted message text
    ctx.ensure_object(AppContext)


def _register() -> None:
    # Imported here so each module can import `cli` and `pass_app` from this package.
    from bot.cli import db as _db  # noqa: F401
    from bot.cli import demo as _demo  # noqa: F401
    from bot.cli import dialogue as _dialogue  # noqa: F401
    from bot.cli import emulators as _emulators  # noqa: F401
    from bot.cli import evaluate as _evaluate  # noqa: F401
    from bot.cli import importers as _importers  # noqa: F401
    from bot.cli import learning as _learning  # noqa: F401  (after importers: adds to `import`)
    from bot.cli import link as _link  # noqa: F401
    from bot.cli import scheduler as _scheduler  # noqa: F401
    from bot.cli import speech as _speech  # noqa: F401
    from bot.cli import teach as _teach  # noqa: F401
    from bot.cli import telegram as _telegram  # noqa: F401
    from bot.cli import up as _up  # noqa: F401
    from bot.cli import web as _web  # noqa: F401


def main() -> None:
    _register()
    cli(prog_name="ransel")


if __name__ == "__main__":  # pragma: no cover
    main()
