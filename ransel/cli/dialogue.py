"""The dialogue commands: ``ransel train``, ``engine serve``, ``actions serve``, ``ask``,
``chat``, ``token issue`` and ``nlu-eval``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator

import click

from bot import engine as engine_mod
from bot.config import PROJECT_ROOT, Settings
from ransel.cli._root import AppContext, pass_app


def _progress(message: str) -> None:
    click.echo(f"[ransel] {message}", err=True)


@click.command("train")
@click.option("--force", is_flag=True, help="Train even if a model for this data exists.")
@pass_app
def train(app: AppContext, force: bool) -> None:
    """Train the dialogue model, unless one for the current data and config exists."""
    try:
        result = engine_mod.train(app.settings, force=force, progress=_progress)
    except engine_mod.EngineError as exc:
        raise click.ClickException(str(exc)) from None
    if result.reused:
        click.echo(f"model up to date, reused {result.model}")
    else:
        click.echo(f"trained {result.model} in {result.seconds:.0f} s")


@click.group("engine")
def engine_group() -> None:
    """The dialogue engine (Rasa, in the engine env)."""


@engine_group.command("serve")
@pass_app
def engine_serve(app: AppContext) -> None:
    """Run the engine in the foreground on the port of RANSEL_ENGINE_URL (trains if needed)."""
    settings = app.settings
    try:
        model = engine_mod.train(settings, progress=_progress).model
        argv, env, cwd = engine_mod.engine_command(settings, model)
    except engine_mod.EngineError as exc:
        raise click.ClickException(str(exc)) from None
    _progress(f"engine on {settings.engine_url}, actions at {settings.action_server_url}")
    os.chdir(cwd)
    # Become the engine: signals from `ransel up` or a terminal reach Rasa directly.
    os.execve(argv[0], argv, env)


@click.group("actions")
def actions_group() -> None:
    """The action server (rasa-sdk, in the app env)."""


@actions_group.command("serve")
@pass_app
def actions_serve(app: AppContext) -> None:
    """Run the action server in the foreground on the port of RANSEL_ACTION_SERVER_URL."""
    argv, env = engine_mod.actions_command(app.settings)
    _progress(f"action server on {app.settings.action_server_url}")
    os.chdir(PROJECT_ROOT)
    os.execve(argv[0], argv, env)


@contextlib.contextmanager
def _engine_for(settings: Settings) -> Iterator[Settings]:
    """The configured engine if it answers; otherwise a private one for this command."""
    if engine_mod.engine_ready(settings):
        yield settings
        return
    _progress(f"no engine answers at {settings.engine_url}; starting one for this command")
    private = engine_mod.with_free_ports(settings)
    try:
        with engine_mod.running_stack(private, progress=_progress):
            yield private
    except engine_mod.EngineError as exc:
        raise click.ClickException(str(exc)) from None


def _asker(settings: Settings, who: str):
    from bot.gateway import Asker
    from bot.i18n import language_of
    from bot.runtime import Runtime
    from bot.services.people import find_person

    runtime = Runtime(settings)
    try:
        with runtime.sessions() as session:
            person = find_person(session, who)
            if person is None or not person.enabled:
                raise click.ClickException(f"no such person: {who} (use a sourcedId, username or email)")
            return Asker(person.id, language_of(person.language))
    finally:
        runtime.close()


def _print_replies(replies) -> None:
    for reply in replies:
        click.echo(reply.text)
        for number, choice in enumerate(reply.choices, start=1):
            click.echo(f"  [{number}] {choice.title}")


async def _ask(settings: Settings, asker, channel, text: str):
    from bot.gateway import Gateway

    gateway = Gateway(settings)
    try:
        return await gateway.ask(asker, channel, text)
    finally:
        await gateway.aclose()


@click.command("ask")
@click.option("--as", "who", required=True, metavar="USER", help="sourcedId, username or email of the person.")
@click.argument("text")
@pass_app
def ask(app: AppContext, who: str, text: str) -> None:
    """Print the assistant's reply to one message from USER (through the same gateway as
    every channel). Starts an engine for the call if none is running."""
    from bot.models import Channel

    asker = _asker(app.settings, who)
    with _engine_for(app.settings) as settings:
        _print_replies(asyncio.run(_ask(settings, asker, Channel.WEB, text)))


@click.command("chat")
@click.option("--as", "who", required=True, metavar="USER", help="sourcedId, username or email of the person.")
@pass_app
def chat(app: AppContext, who: str) -> None:
    """Talk to the assistant as USER. A number picks one of the offered choices; an empty
    line or Ctrl-D ends."""
    from bot.models import Channel

    asker = _asker(app.settings, who)
    with _engine_for(app.settings) as settings:
        choices: list = []
        while True:
            try:
                line = input("> ").strip()
            except (EOFError, KeyboardInterrupt):
                click.echo()
                break
            if not line:
                break
            if line.isdigit() and 0 < int(line) <= len(choices):
                line = choices[int(line) - 1].payload
            replies = asyncio.run(_ask(settings, asker, Channel.WEB, line))
            _print_replies(replies)
            choices = [c for r in replies for c in r.choices]


@click.group("token")
def token_group() -> None:
    """Bearer tokens: issue, list (expiry, last use), revoke."""


@token_group.command("issue")
@click.option("--as", "who", required=True, metavar="USER", help="sourcedId, username or email of the person.")
@click.option("--purpose", default="rest", show_default=True, type=click.Choice(["rest", "web", "calendar"]))
@pass_app
def token_issue(app: AppContext, who: str, purpose: str) -> None:
    """Mint a token for USER and print it once (only its hash is stored)."""
    from bot import api_tokens
    from bot.runtime import Runtime
    from bot.services.people import find_person

    runtime = Runtime(app.settings)
    try:
        with runtime.transaction() as session:
            person = find_person(session, who)
            if person is None or not person.enabled:
                raise click.ClickException(f"no such person: {who}")
            secret = api_tokens.issue(session, person, purpose, runtime.clock)
    finally:
        runtime.close()
    click.echo(secret)


@token_group.command("list")
@click.option("--as", "who", default=None, metavar="USER", help="Only this person's tokens.")
@click.option("--all", "show_all", is_flag=True, help="Also revoked and expired tokens.")
@pass_app
def token_list(app: AppContext, who: str | None, show_all: bool) -> None:
    """Tokens with their holder, purpose, expiry and last use (never the token itself)."""
    from sqlalchemy import select

    from bot.models import ApiToken, Person, School
    from bot.runtime import Runtime
    from bot.services.people import find_person

    runtime = Runtime(app.settings)
    now = runtime.clock.utcnow()
    try:
        with runtime.sessions() as session:
            query = select(ApiToken).order_by(ApiToken.id)
            if who:
                person = find_person(session, who)
                if person is None:
                    raise click.ClickException(f"no such person: {who}")
                query = query.where(ApiToken.person_id == person.id)
            for token in session.scalars(query):
                ended = token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now)
                if ended and not show_all:
                    continue
                holder = (session.get_one(Person, token.person_id).username if token.person_id
                          else f"school {session.get_one(School, token.school_id).sourced_id}")
                state = "revoked" if token.revoked_at else ("expired" if ended else "live")

                def when(value) -> str:
                    return f"{runtime.clock.local(value):%Y-%m-%d %H:%M}" if value else "-"

                click.echo(f"{token.id:>5}  {holder:<28} {token.purpose:<9} {state:<8} "
                           f"expires {when(token.expires_at)}  last used {when(token.last_used_at)}")
    finally:
        runtime.close()


@token_group.command("revoke")
@click.argument("token_id", type=int)
@pass_app
def token_revoke(app: AppContext, token_id: int) -> None:
    """End token TOKEN_ID (its number in `ransel token list`) now."""
    from bot import api_tokens
    from bot.models import ApiToken
    from bot.runtime import Runtime

    runtime = Runtime(app.settings)
    try:
        with runtime.transaction() as session:
            if session.get(ApiToken, token_id) is None:
                raise click.ClickException(f"no token {token_id}")
            api_tokens.revoke_where(session, runtime.clock, ApiToken.id == token_id)
    finally:
        runtime.close()
    click.echo(f"token {token_id} revoked")


@click.command("nlu-eval")
@click.option("--folds", default=3, show_default=True, help="Cross-validation folds (0 skips it).")
@pass_app
def nlu_eval(app: AppContext, folds: int) -> None:
    """Intent accuracy and macro-F1 per language: held-out files and cross-validation."""
    from bot import nlu_eval as evaluation

    try:
        report = evaluation.run(app.settings, folds=folds, progress=_progress)
    except engine_mod.EngineError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.table())
    if not report.meets_target():
        sys.exit(1)


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [train, engine_group, actions_group, ask, chat, token_group, nlu_eval]
