"""``ransel emulators``: local Telegram Bot API, Twilio and OpenID providers (Feide and
ID-porten, marked DEMO), so the demo needs no accounts."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

import click
import httpx

from ransel.cli._root import AppContext, pass_app


@click.group("emulators")
def emulators_group() -> None:
    """The local Telegram, Twilio and OpenID (DEMO Feide, ID-porten) emulators."""


@emulators_group.command("serve")
@click.option("--quiet", is_flag=True, help="Do not print what the emulated phones receive.")
@pass_app
def serve(app: AppContext, quiet: bool) -> None:
    """Serve the emulators on RANSEL_TELEGRAM_API_URL, RANSEL_TWILIO_API_URL and
    RANSEL_OIDC_EMULATOR_URL, wired to the HTTP app at RANSEL_PUBLIC_BASE_URL (Telegram webhook
    with its secret, SMS and voice URLs, the portal's sign-in callbacks). The OpenID providers
    offer the people of the register (the database) with a Feide id or a national identity
    number, as they are when this starts.

    Unless --quiet, prints what each emulated phone receives: that is the demo's screen of
    fake phones with demo data, not a service log (service logs carry no message text)."""
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from bot import keys
    from bot.clock import Clock
    from bot.config import with_emulated_sign_in
    from bot.runtime import Runtime
    from channels.emulators.oidc import app_for, emulators_for
    from channels.emulators.telegram import TelegramEmulator
    from channels.emulators.twilio import TwilioEmulator
    from channels.telegram import WEBHOOK_PATH

    settings = app.settings
    if not settings.emulators:  # standalone: the emulators still need this installation's credentials
        settings = keys.complete(settings.model_copy(update={"emulators": True}))
    settings = with_emulated_sign_in(settings)
    public = settings.public_base_url.rstrip("/")
    def show_telegram(sent) -> None:
        kind = "voice note" if sent.voice else "message"
        buttons = f" [{' | '.join(sent.button_titles)}]" if sent.buttons else ""
        click.echo(f"telegram {kind} to chat {sent.chat_id}: {sent.text or sent.caption or ''}{buttons}")

    def show_sms(message) -> None:
        click.echo(f"sms to {message.to} ({message.num_segments} segment(s)): {message.body}")

    telegram = TelegramEmulator(settings.telegram_bot_token, settings.telegram_bot_username, open_chats=True,
                                on_sent=None if quiet else show_telegram)
    telegram.webhook_url, telegram.webhook_secret = public + WEBHOOK_PATH, settings.telegram_webhook_secret
    twilio = TwilioEmulator(settings.twilio_account_sid, settings.twilio_auth_token,
                            on_sent=None if quiet else show_sms)
    twilio.configure_number(settings.twilio_from_number, sms_url=public + "/sms/inbound",
                            voice_url=public + "/voice/inbound")

    def server(asgi, url: str) -> uvicorn.Server:
        parsed = urlparse(url)
        if parsed.hostname is None or parsed.port is None:
            raise click.UsageError(f"{url} needs a host and a port")
        return uvicorn.Server(uvicorn.Config(asgi, host=parsed.hostname, port=parsed.port,
                                             log_level="warning", access_log=False))

    runtime = Runtime(settings)
    try:
        with runtime.transaction() as session:
            providers = emulators_for(settings, session, clock=Clock.from_settings(settings).utcnow)
    except SQLAlchemyError:
        raise click.ClickException(f"the database at {settings.store_url} is not set up: "
                                   "run `ransel db upgrade` or `ransel demo load` first") from None
    finally:
        runtime.close()
    oidc = app_for(providers)

    click.echo(f"Telegram Bot API emulator on {settings.telegram_api_url}, Twilio on {settings.twilio_api_url}, "
               f"OpenID providers (DEMO {', '.join(p.title for p in providers.values()) or 'none'}) on "
               f"{settings.oidc_emulator_url}")

    async def all_of_them() -> None:
        await asyncio.gather(server(telegram.app, settings.telegram_api_url).serve(),
                             server(twilio.app, settings.twilio_api_url).serve(),
                             server(oidc, settings.oidc_emulator_url).serve())

    asyncio.run(all_of_them())


@emulators_group.command("sms")
@click.option("--from", "sender", required=True, help="The phone texting Ransel (E.164).")
@click.argument("text")
@pass_app
def sms(app: AppContext, sender: str, text: str) -> None:
    """Text Ransel from a phone, through the Twilio emulator; prints the replies."""
    response = _post(f"{app.settings.twilio_api_url}/_emulator/sms", {"from": sender, "body": text})
    for reply in response.json()["replies"]:
        click.echo(reply)


@emulators_group.command("telegram")
@click.option("--chat", "chat_id", type=int, required=True, help="The Telegram chat (user) id.")
@click.argument("text")
@pass_app
def telegram(app: AppContext, chat_id: int, text: str) -> None:
    """Write to the bot from a Telegram chat, through the emulator; prints the answers."""
    response = _post(f"{app.settings.telegram_api_url}/_emulator/send", {"chat_id": chat_id, "text": text})
    for answer in response.json()["answers"]:
        buttons = f"  [{' | '.join(answer['buttons'])}]" if answer["buttons"] else ""
        click.echo(("(voice) " if answer["voice"] else "") + (answer["text"] or "") + buttons)



def _post(url: str, body: dict) -> httpx.Response:
    try:
        response = httpx.post(url, json=body, timeout=120)
    except httpx.ConnectError:
        raise click.ClickException(f"no emulator at {url.rsplit('/_emulator', 1)[0]}: "
                                   "start it with `ransel emulators serve` (or `ransel up --emulators`)") from None
    if response.status_code != 200:
        raise click.ClickException(f"the emulator answered {response.status_code}; is the HTTP app running?")
    return response


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [emulators_group]
