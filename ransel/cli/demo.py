"""``ransel demo``: the demo school (Solbakken skole, Fjellby kommune)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.importers import ImportFailed
from bot.runtime import Runtime
from ransel.cli._root import AppContext, pass_app

DEMO_NOW = "2026-12-01T10:00:00+01:00"  # Tuesday of week 49, as in data/demo/README.md


@click.group("demo", invoke_without_command=True)
@click.pass_context
def demo_group(ctx: click.Context) -> None:
    """The demo school. Without a subcommand: load it, then start everything (`ransel up
    --emulators`), which is what `make demo` runs."""
    if ctx.invoked_subcommand is None:
        from ransel.cli.up import up

        if "RANSEL_NOW" not in os.environ:
            # The demo data lives around this moment; time runs on from it so reminders fire.
            os.environ["RANSEL_NOW"] = DEMO_NOW
            os.environ["RANSEL_CLOCK_RUNS"] = "true"
            os.environ["RANSEL_CLOCK_ANCHOR"] = datetime.now(UTC).isoformat()
            ctx.ensure_object(AppContext).reset()
        ctx.invoke(load)
        app = ctx.ensure_object(AppContext)
        ctx.invoke(up, emulators=True, on_ready=lambda: click.echo(try_this(app)))


# Who to be in the demo (data/demo/README.md): a pupil in each language and a guardian of two.
TRY_AS = (
    ("emma.hansen", "pupil 4A, bokmål"),
    ("sindre.berg", "pupil 4A, nynorsk"),
    ("olivia.smith", "pupil 9B, English"),
    ("kari.hansen", "guardian of Emma (4A) and Jonas (9B)"),
    ("tor.haugen", "teacher, contact teacher of 9B"),
)


def try_this(app: AppContext) -> str:
    """What to open once the demo is up: a fresh web chat sign-in link per demo person."""
    from datetime import timedelta

    from bot.models import Channel
    from bot.services.people import find_person
    from channels import contacts

    settings = app.settings
    runtime = Runtime(settings)
    base = settings.public_base_url.rstrip("/")
    lines = ["", "Try the demo school (Solbakken skole; its clock starts at Tuesday 1 December 2026 10:00):"]
    try:
        with runtime.transaction() as session:
            phone = _address(session, "kari.hansen", Channel.SMS)
            chat = _address(session, "james.smith", Channel.TELEGRAM)
            for username, who in TRY_AS:
                person = find_person(session, username)
                if person is None:
                    raise LookupError(f"the demo school has no {username}")
                code = contacts.issue_code(session, settings.sender_secret, person.id, now=runtime.clock.utcnow(),
                                          ttl=timedelta(hours=settings.link_code_ttl_hours))
                name = f"{person.given_name} {person.family_name}"
                lines.append(f"  {name + ', ' + who:<52} {base}/chat?code={code}")
    finally:
        runtime.close()
    lines += [
        f"  the staff and family pages: {base}/sign-in with the DEMO Feide (staff, pupils: e.g. Liv Andersen)",
        "    or the DEMO ID-porten (guardians with a registered national identity number: e.g. Kari Hansen)",
        "  or, in another terminal, by SMS and Telegram through the emulators, or straight to the engine:",
        f'    .venv/bin/ransel emulators sms --from {phone} "hva må Emma ha med på fredag?"',
        f'    .venv/bin/ransel emulators telegram --chat {chat} "when is Olivia\'s next test?"',
        f'    RANSEL_NOW={DEMO_NOW} .venv/bin/ransel ask --as tor.haugen "hvem mangler resultat på brøkprøven?"',
        "  who is who and what the school has: data/demo/README.md",
        "",
    ]
    return "\n".join(lines)


def _address(session, username: str, channel) -> str:
    from sqlalchemy import select

    from bot.models import ContactPoint, Person

    return session.scalar(select(ContactPoint.address).join(Person, Person.id == ContactPoint.person_id)
                          .where(Person.username == username, ContactPoint.channel == channel))


@demo_group.command("load")
@pass_app
def load(app: AppContext) -> None:
    """Migrate the configured database and load the demo school into it (idempotent)."""
    from bot.demo.load import load_demo

    runtime = Runtime(app.settings)
    try:
        loaded = load_demo(runtime, progress=sys.stderr.isatty())
    except ImportFailed as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        runtime.close()
    click.echo(f"LK20: {loaded.lk20.stats.summary()}")
    click.echo(f"OneRoster: {loaded.oneroster.stats.summary()}")
    click.echo(f"extras: {loaded.extras.stats.summary()}")
    r = loaded.resources
    click.echo(f"learning resources: {len(r.created)} created, {len(r.updated)} updated, {len(r.unchanged)} unchanged; "
               f"results traced: {len(loaded.traced.stored)} new")
    click.echo(f"demo school loaded into {app.settings.store_url}")


@demo_group.command("generate")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory to write (default: the shipped data/demo).")
def generate(out: Path | None) -> None:
    """Rewrite the demo's OneRoster export and extras file (deterministic)."""
    from bot.demo.generate import DEMO_DIR, write_demo

    write_demo(out or DEMO_DIR)
    click.echo(f"demo school written to {out or DEMO_DIR}")


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [demo_group]
