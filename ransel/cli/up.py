"""``ransel up``: every service in the foreground, against the configured database."""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urlparse

import click

from bot.config import Settings
from bot.supervisor import Service, Supervisor, ransel_command
from ransel.cli._root import AppContext, pass_app


def services(settings: Settings, emulators: bool) -> list[Service]:
    """The services of one Ransel installation, in start order."""
    action = urlparse(settings.action_server_url)
    action_base = f"{action.scheme}://{action.netloc}"
    listed: list[Service] = []
    if emulators:
        listed.append(Service(
            "emulators", ransel_command("emulators", "serve"),
            listens=f"Telegram {settings.telegram_api_url}, Twilio {settings.twilio_api_url}, "
                    f"OpenID (DEMO Feide, ID-porten) {settings.oidc_emulator_url}",
            health_url=f"{settings.telegram_api_url}/health",
        ))
    listed += [
        Service("action server", ransel_command("actions", "serve"), listens=action_base,
                health_url=f"{action_base}/health"),
        Service("engine", ransel_command("engine", "serve"), listens=settings.engine_url,
                health_url=f"{settings.engine_url}/", ready_timeout=300),
        Service("http app", ransel_command("web", "serve"), listens=settings.public_base_url,
                health_url=f"{settings.public_base_url}/health"),
        Service("scheduler", ransel_command("scheduler", "serve")),
    ]
    return listed


@click.command("up")
@click.option("--emulators/--no-emulators", default=False,
              help="Also run the local Telegram, Twilio and OpenID (Feide, ID-porten) emulators "
                   "(no accounts needed).")
@pass_app
def up(app: AppContext, emulators: bool, on_ready: Callable[[], None] | None = None) -> None:
    """Start the engine, action server, HTTP app and scheduler; Ctrl-C stops them all."""
    settings = app.settings
    if emulators:
        # Every child gives the emulated channels this installation's generated credentials.
        os.environ["RANSEL_EMULATORS"] = "true"
    click.echo(f"Starting Ransel against {_safe_url(settings.store_url)}")
    code = Supervisor(services(settings, emulators), echo=click.echo).run(on_ready)
    raise SystemExit(code)


def _safe_url(url: str) -> str:
    """The database URL without a password, for printing."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [up]
