"""``ransel web``: the HTTP app (channel webhooks, REST endpoint, web chat, APIs)."""

from __future__ import annotations

import click

from ransel.cli._root import AppContext, pass_app


@click.group("web")
def web_group() -> None:
    """The HTTP app."""


@web_group.command("serve")
@click.option("--host", default=None, help="Listen address (default: RANSEL_HTTP_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: RANSEL_HTTP_PORT).")
@pass_app
def serve(app: AppContext, host: str | None, port: int | None) -> None:
    """Serve the HTTP app in the foreground."""
    import uvicorn

    from bot.runtime import Runtime
    from ransel.app import create_app

    settings = app.settings
    uvicorn.run(
        create_app(Runtime(settings)),
        host=host or settings.http_host,
        port=port or settings.http_port,
        log_level="warning",
        access_log=False,  # access logs would carry phone numbers and tokens in URLs
    )


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [web_group]
