"""``ransel scheduler``, ``ransel broadcast`` and ``ransel calendar``: reminders from the
command line, for operators and teachers."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import select

from bot.i18n import SUPPORTED, Formatter, language_of
from bot.models import Audience, Broadcast, BroadcastScope, Person, School
from bot.runtime import Runtime
from bot.services.people import find_person
from ransel.cli._root import AppContext, pass_app


def _person(session, ref: str) -> Person:
    person = find_person(session, ref)
    if person is None:
        raise click.ClickException(f"no person {ref!r} (use sourcedId, username or email)")
    return person


def _school(session, ref: str | None) -> School:
    schools = session.scalars(select(School).order_by(School.id)).all()
    if ref is None and len(schools) == 1:
        return schools[0]
    for school in schools:
        if ref in (school.sourced_id, school.name, str(school.id)):
            return school
    names = ", ".join(f"{s.sourced_id} ({s.name})" for s in schools) or "none"
    raise click.ClickException(f"name the school with --school; schools: {names}")


def _recording_path(runtime: Runtime, record_to: Path | None) -> Path:
    return record_to or runtime.settings.data_dir / "outbox-recording.jsonl"


def _adapters(runtime: Runtime, record_to: Path | None, record_all: bool = False):
    from ransel.delivery import adapters_for, provider_names

    path = _recording_path(runtime, record_to)
    adapters = adapters_for(runtime, record_to=path, record_all=record_all)
    if record_all:
        click.echo(f"recording every message to {path} instead of sending", err=True)
        return adapters
    recorded = sorted(c.value for c, a in adapters.items() if type(a).__name__ == "RecordingAdapter")
    if recorded:
        click.echo(f"no delivery adapter for {', '.join(recorded)}: recording those messages to {path}"
                   f" (adapter providers: {', '.join(provider_names()) or 'none'})", err=True)
    return adapters


# --- ransel scheduler -------------------------------------------------------------------------


@click.group("scheduler")
def scheduler_group() -> None:
    """Reminders: plan them, deliver them, and the schools' rules."""


@scheduler_group.command("serve")
@click.option("--plan-every", type=int, default=5, show_default=True, help="Minutes between planning passes.")
@click.option("--processes", type=int, default=1, show_default=True,
              help="Dispatch processes sharing the channel accounts (each takes its share of the rate limits).")
@click.option("--record-to", type=click.Path(path_type=Path), default=None,
              help="Where channels without an adapter are recorded (default: DATA_DIR/outbox-recording.jsonl).")
@pass_app
def serve(app: AppContext, plan_every: int, processes: int, record_to: Path | None) -> None:
    """Plan and deliver reminders in the foreground until Ctrl-C (used by ``ransel up``)."""
    from scheduler.service import SchedulerService
    from scheduler.service import serve as run

    runtime = Runtime(app.settings)
    service = SchedulerService(runtime, _adapters(runtime, record_to), plan_every=timedelta(minutes=plan_every),
                               processes=processes)
    click.echo(f"scheduler: planning every {plan_every} min, dispatching (Ctrl-C stops)", err=True)
    run(service)


@scheduler_group.command("plan")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The local day the reminders fire on (default: today).")
@click.option("--write", is_flag=True, help="Add the planned rows to the outbox (default: only show them).")
@pass_app
def plan_cmd(app: AppContext, day: datetime | None, write: bool) -> None:
    """Show (or write) the reminders that fire on a day: time, recipient, rule, how."""
    from scheduler.planner import plan

    runtime = Runtime(app.settings)
    fire_day = day.date() if day else runtime.clock.today()
    with runtime.transaction() as session:
        result = plan(session, runtime.clock, first_day=fire_day, last_day=fire_day, write=write)
        people = dict(session.execute(select(Person.id, Person.username).where(
            Person.id.in_({m.recipient_id for m in result.messages} or {-1}))).tuples().all())
    for m in sorted(result.messages, key=lambda m: (m.due_at, m.recipient_id, m.key)):
        how = f"digest {m.digest[0].value} {m.digest[1]:%Y-%m-%d %H:%M}" if m.digest else "instant"
        click.echo(f"{m.due_at:%Y-%m-%d %H:%M %Z}  p{m.recipient_id:<6} {people.get(m.recipient_id) or '':<22} "
                   f"{m.rule_id:<12} {m.template:<20} {how}")
    dropped = ", ".join(f"{k} {v}" for k, v in sorted(result.dropped.items())) or "none"
    click.echo(f"{fire_day}: {len(result.occurrences)} occurrences, {len(result.messages)} messages"
               f" ({'written ' + str(result.written) if write else 'not written'}; not for: {dropped})")


@scheduler_group.command("run-once")
@click.option("--record-to", type=click.Path(path_type=Path), default=None,
              help="Record every message to this JSON-lines file instead of sending it (a dry run).")
@pass_app
def run_once(app: AppContext, record_to: Path | None) -> None:
    """Plan, then deliver everything due now, and exit."""
    from scheduler.dispatch import Dispatcher
    from scheduler.planner import plan
    from scheduler.ratelimit import Limits, RateLimiter

    runtime = Runtime(app.settings)
    with runtime.transaction() as session:
        planned = plan(session, runtime.clock)
    # A dry run to a file needs no channel's rate limits.
    limits = Limits() if record_to is not None else Limits.from_settings(runtime.settings)
    dispatcher = Dispatcher(runtime.sessions, runtime.clock, _adapters(runtime, record_to, record_all=record_to is not None),
                            limiter=RateLimiter(limits))
    stats = asyncio.run(dispatcher.drain())
    done = ", ".join(f"{k} {v}" for k, v in sorted(stats.items()) if k != "claimed") or "nothing due"
    click.echo(f"planned {planned.written} new rows; dispatched {stats.get('claimed', 0)}: {done}")
    if stats.get("deferred"):
        click.echo(f"{stats['deferred']} waited for a channel's rate limit: they go out on the next run", err=True)


@scheduler_group.command("retention")
@pass_app
def retention(app: AppContext) -> None:
    """Delete conversation history older than each school's retention now (what the nightly
    job ``ransel.retention`` does)."""
    from scheduler.service import SchedulerService

    runtime = Runtime(app.settings)
    try:
        deleted = SchedulerService(runtime, {}).purge_conversations()
    finally:
        runtime.close()
    click.echo(f"deleted {deleted} conversation event(s) older than the schools' retention")


@scheduler_group.group("rules")
def rules_group() -> None:
    """A school's reminder rules (YAML)."""


@rules_group.command("show")
@click.option("--school", "school_ref", default=None, help="sourcedId, name or id (default: the only school).")
@pass_app
def rules_show(app: AppContext, school_ref: str | None) -> None:
    """Print the school's rules as stored."""
    from bot import reminder_rules as rules

    with Runtime(app.settings).sessions() as session:
        click.echo(rules.source_for(session, _school(session, school_ref).id) or "# no rules", nl=False)


@rules_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "school_ref", default=None,
              help="sourcedId, name or id (default: the school the file names, else the only school).")
@pass_app
def rules_load(app: AppContext, path: Path, school_ref: str | None) -> None:
    """Validate a rules file and make it the school's rules."""
    from bot import reminder_rules as rules

    runtime = Runtime(app.settings)
    lang = app.settings.default_language
    with runtime.transaction() as session:
        try:
            if school_ref is None and rules.parse(path.read_text(encoding="utf-8"), source=path.name, language=lang,
                                                  known_templates=set()).rules.school:
                school, checked = rules.load_file(session, path, now=runtime.clock.now(), language=lang)
            else:
                school = _school(session, school_ref)
                checked = rules.store(session, school, path.read_text(encoding="utf-8"), now=runtime.clock.now(),
                                      source=path.name, language=lang)
        except rules.RuleError as exc:
            raise click.ClickException(str(exc)) from None
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    for warning in checked.warnings:
        click.echo(warning.format(path.name, lang), err=True)
    click.echo(f"{school.name}: {len(checked.rules.rules)} rules")


@rules_group.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(SUPPORTED), default=None)
@pass_app
def rules_check(app: AppContext, path: Path, language: str | None) -> None:
    """Validate a rules file without storing it."""
    from bot import reminder_rules as rules

    lang = language or app.settings.default_language
    try:
        checked = rules.parse(path.read_text(encoding="utf-8"), source=path.name, language=lang)
    except rules.RuleError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in checked.warnings:
        click.echo(warning.format(path.name, lang), err=True)
    click.echo(f"{path.name}: {len(checked.rules.rules)} rules, valid")


@scheduler_group.command("token")
@click.option("--for", "for_user", required=True, help="A school admin or teacher (sourcedId, username or email).")
@pass_app
def staff_token(app: AppContext, for_user: str) -> None:
    """Issue a staff API token (rules and broadcasts API). Shown once."""
    from bot import api_tokens

    runtime = Runtime(app.settings)
    with runtime.transaction() as session:
        secret = api_tokens.issue(session, _person(session, for_user), "admin", runtime.clock)
    click.echo(secret)


# --- ransel broadcast ---------------------------------------------------------------------------


@click.group("broadcast")
def broadcast_group() -> None:
    """Teacher broadcasts to a group, a grade or the school."""


@broadcast_group.command("send")
@click.option("--as", "as_user", required=True, help="The teacher (sourcedId, username or email).")
@click.option("--group", default=None, help="A group name, e.g. 4A.")
@click.option("--grade", type=int, default=None, help="A grade (trinn), e.g. 4.")
@click.option("--school", "whole_school", is_flag=True, help="The whole school.")
@click.option("--to", "audience", type=click.Choice([a.value for a in Audience]), default="guardians", show_default=True)
@click.option("--at", "at", default=None, help="Local time to send, e.g. 2026-12-02T07:30 (default: now).")
@click.option("--urgent", is_flag=True, help="Critical: no digest, no quiet hours.")
@click.argument("text")
@pass_app
def broadcast_send(app: AppContext, as_user: str, group: str | None, grade: int | None, whole_school: bool,
                   audience: str, at: str | None, urgent: bool, text: str) -> None:
    """Send TEXT to the chosen people, each in their language with a header."""
    from bot.services.broadcasts import BroadcastError, send_broadcast, summary

    if sum(x is not None and x is not False for x in (group, grade, whole_school or None)) != 1:
        raise click.UsageError("choose one of --group, --grade or --school")
    scope = BroadcastScope.GROUP if group else BroadcastScope.GRADE if grade is not None else BroadcastScope.SCHOOL
    runtime = Runtime(app.settings)
    try:
        send_at = datetime.fromisoformat(at) if at else None
    except ValueError:
        raise click.UsageError(f"--at: not a time: {at!r}") from None
    if send_at is not None and send_at.tzinfo is None:
        send_at = send_at.replace(tzinfo=runtime.clock.zone)
    with runtime.transaction() as session:
        author = _person(session, as_user)
        try:
            broadcast = send_broadcast(session, author, text=text, clock=runtime.clock, scope=scope,
                                       audience=Audience(audience), group=group, grade=grade, send_at=send_at,
                                       urgent=urgent)
        except BroadcastError as exc:
            raise click.ClickException(str(exc)) from None
        _echo_summary(summary(session, broadcast, author, runtime.clock.today()), author.language, broadcast.id)


@broadcast_group.command("status")
@click.argument("broadcast_id", type=int)
@click.option("--as", "as_user", required=True, help="The author or a school admin.")
@pass_app
def broadcast_status(app: AppContext, broadcast_id: int, as_user: str) -> None:
    """Delivery per recipient and the totals."""
    from bot.services.broadcasts import summary

    runtime = Runtime(app.settings)
    with runtime.sessions() as session:
        reader = _person(session, as_user)
        broadcast = _readable(session, reader, broadcast_id)
        s = summary(session, broadcast, reader, runtime.clock.today())
        fmt = Formatter(language_of(reader.language))
        for r in s.recipients:
            if r.name is None:
                continue  # counted in the totals, not named to this reader
            when = f"{runtime.clock.local(r.sent_at):%Y-%m-%d %H:%M}" if r.sent_at else ""
            click.echo(f"{r.name:<28} {fmt.t('broadcast_status.' + r.status):<24} {r.channel or '':<9} {when}"
                       f"{'  (' + r.reason + ')' if r.reason else ''}")
        _echo_summary(s, reader.language, broadcast.id)


@broadcast_group.command("cancel")
@click.argument("broadcast_id", type=int)
@click.option("--as", "as_user", required=True, help="The author or a school admin.")
@pass_app
def broadcast_cancel(app: AppContext, broadcast_id: int, as_user: str) -> None:
    """Stop what has not gone out yet."""
    from bot.services.broadcasts import cancel_broadcast

    runtime = Runtime(app.settings)
    with runtime.transaction() as session:
        broadcast = _readable(session, _person(session, as_user), broadcast_id)
        cancel_broadcast(session, broadcast, clock=runtime.clock)
    click.echo(f"broadcast {broadcast_id} cancelled")


def _readable(session, reader: Person, broadcast_id: int) -> Broadcast:
    from bot.access import admin_school_ids

    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None or (broadcast.author_id != reader.id and broadcast.school_id not in admin_school_ids(session, reader)):
        raise click.ClickException(f"no broadcast {broadcast_id} of yours")
    return broadcast


def _echo_summary(s, language: str, broadcast_id: int) -> None:
    fmt = Formatter(language_of(language))
    totals = ", ".join(f"{fmt.t('broadcast_status.' + k)} {v}" for k, v in sorted(s.totals.items()))
    click.echo(f"broadcast {broadcast_id}: {len(s.recipients)} recipients ({totals or '-'})")


# --- ransel calendar ----------------------------------------------------------------------------


@click.group("calendar")
def calendar_group() -> None:
    """Private calendar feeds (iCalendar) for pupils and guardians."""


@calendar_group.command("issue")
@click.option("--for", "for_user", required=True, help="A pupil or guardian (sourcedId, username or email).")
@pass_app
def calendar_issue(app: AppContext, for_user: str) -> None:
    """Print a new private feed URL (shown once; keep it secret)."""
    from scheduler import ical

    runtime = Runtime(app.settings)
    with runtime.transaction() as session:
        secret = ical.issue(session, _person(session, for_user), runtime.clock)
    click.echo(ical.feed_url(app.settings.public_base_url, secret))


@calendar_group.command("revoke")
@click.option("--for", "for_user", default=None, help="Revoke every feed of this person.")
@click.option("--url", "url", default=None, help="Revoke one feed by its URL (or its token).")
@pass_app
def calendar_revoke(app: AppContext, for_user: str | None, url: str | None) -> None:
    """Revoke feeds: the URL stops working at once."""
    from bot import api_tokens
    from scheduler import ical

    if (for_user is None) == (url is None):
        raise click.UsageError("give --for or --url")
    runtime = Runtime(app.settings)
    with runtime.transaction() as session:
        if for_user is not None:
            count = ical.revoke_all(session, _person(session, for_user), runtime.clock)
        else:
            assert url is not None  # one of --for and --url, checked above
            secret = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".ics")
            count = int(api_tokens.revoke(session, secret, runtime.clock))
    click.echo(f"revoked {count} feed(s)")


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [scheduler_group, broadcast_group, calendar_group]
