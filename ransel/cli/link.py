"""``ransel link``: one-time codes that link a Telegram chat or a browser to a person."""

from __future__ import annotations

from datetime import timedelta

import click

from ransel.cli._root import AppContext, pass_app


@click.group("link")
def link_group() -> None:
    """Codes that link a chat or the web chat page to a person."""


@link_group.command("issue")
@click.option("--as", "user", required=True, help="The person the code links to (sourcedId, username or email).")
@click.option("--by", "issuer", default=None, help="Who issues it (recorded), e.g. a school admin.")
@click.option("--hours", type=int, default=None, help="Valid for this long (default: RANSEL_LINK_CODE_TTL_HOURS).")
@pass_app
def issue(app: AppContext, user: str, issuer: str | None, hours: int | None) -> None:
    """Issue a single-use code for USER and print how to use it."""
    from bot.runtime import Runtime
    from bot.services.people import find_person
    from channels import contacts

    settings = app.settings
    runtime = Runtime(settings)
    with runtime.transaction() as session:
        person = find_person(session, user)
        if person is None:
            raise click.ClickException(f"no person {user!r}")
        by = find_person(session, issuer) if issuer else None
        if issuer and by is None:
            raise click.ClickException(f"no person {issuer!r}")
        ttl = timedelta(hours=hours or settings.link_code_ttl_hours)
        code = contacts.issue_code(session, settings.sender_secret, person.id, now=runtime.clock.utcnow(),
                                  ttl=ttl, issued_by_id=by.id if by else None)
        expires = runtime.clock.local(runtime.clock.utcnow() + ttl)
    runtime.close()
    click.echo(f"code:      {contacts.display(code)}  (single use, until {expires:%Y-%m-%d %H:%M})")
    click.echo(f"telegram:  https://t.me/{settings.telegram_bot_username}?start={code}")
    click.echo(f"web chat:  {settings.public_base_url.rstrip('/')}/chat?code={code}")


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [link_group]
