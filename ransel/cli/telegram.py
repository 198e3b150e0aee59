"""``ransel telegram``: polling for local use, and registering the webhook."""

from __future__ import annotations

import asyncio

import click

from ransel.cli._root import AppContext, pass_app


@click.group("telegram")
def telegram_group() -> None:
    """The Telegram bot."""


@telegram_group.command("poll")
@pass_app
def poll(app: AppContext) -> None:
    """Fetch updates with getUpdates instead of a webhook (removes the webhook); Ctrl-C stops."""
    from telegram import Update

    from bot.gateway import Gateway
    from bot.runtime import Runtime
    from channels.telegram import build_application

    _require_telegram(app)
    runtime = Runtime(app.settings)
    application = build_application(runtime, Gateway(app.settings), polling=True)
    click.echo(f"polling {app.settings.telegram_api_url} for updates")
    application.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY], drop_pending_updates=False)


@telegram_group.command("webhook")
@pass_app
def webhook(app: AppContext) -> None:
    """Register RANSEL_PUBLIC_BASE_URL/telegram/webhook with the secret token."""
    from channels.telegram import register_webhook

    _require_telegram(app)
    click.echo(f"webhook set: {asyncio.run(register_webhook(app.settings))}")


def _require_telegram(app: AppContext) -> None:
    if not app.settings.telegram_configured:
        raise click.ClickException("Telegram is not configured: set RANSEL_TELEGRAM_BOT_TOKEN (from BotFather), "
                                   "or run the local emulators with `ransel up --emulators`")


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [telegram_group]
