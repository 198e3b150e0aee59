"""A person's notification preferences, resolved into the decisions the scheduler makes.

The rules, in one place:

- **Opt-out** stops everything, critical messages included: the school reaches that person
  by other means. An **SMS STOP** (``ContactPoint.stopped_at``) closes that address for
  everything, critical included; a critical message may then go to another of the person's
  addresses, a non-critical one is not rerouted (the person chose that channel).
- **Critical** categories (absence alerts, urgent school messages) skip digests, quiet hours,
  pauses and "off"; everything else is subject to all of them.
- **Pause** until a date: nothing non-critical before that date (it resumes that morning).
  Paused reminders are dropped, not saved up: a pause means "not now", a digest "later".
- **Quiet hours** (default 21:00-07:00, also whole ``quiet_weekdays``): a message due then
  waits for the end of the quiet period.
- **Per category**: instant, daily digest (at the preferred time, default 17:00), weekly
  digest (Sundays at the preferred time, default 18:00) or off.
- **Preferred time** replaces a rule's time of day for that person's scheduled reminders.
- **Language** and **form** (text or voice) choose how a message is rendered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import IN_CHUNK, chunks
from bot.i18n import language_of
from bot.models import (
    CategoryPreference,
    Channel,
    ContactPoint,
    DeliveryMode,
    Form,
    NotificationPreference,
    Person,
)
from bot.services.facts import local_at

DEFAULT_QUIET = (time(21, 0), time(7, 0))
DEFAULT_DAILY_DIGEST = time(17, 0)
DEFAULT_WEEKLY_DIGEST = time(18, 0)
WEEKLY_DIGEST_DAY = 6  # Sunday


@dataclass(frozen=True)
class Address:
    contact_point_id: int
    channel: Channel
    address: str


@dataclass
class Reach:
    """Everything needed to decide whether, when and how one person gets a message."""

    person_id: int
    language: str
    enabled: bool = True
    channel: Channel | None = None
    form: Form = Form.TEXT
    preferred_time: time | None = None
    quiet_start: time = DEFAULT_QUIET[0]
    quiet_end: time = DEFAULT_QUIET[1]
    quiet_weekdays: frozenset[int] = frozenset()
    paused_until: date | None = None
    opted_out: bool = False
    modes: dict[str, DeliveryMode] = field(default_factory=dict)
    addresses: list[Address] = field(default_factory=list)  # open (not STOPped), oldest first

    def mode(self, category: str, critical: bool) -> DeliveryMode:
        if critical:
            return DeliveryMode.INSTANT
        return self.modes.get(category, DeliveryMode.INSTANT)

    def paused_on(self, day: date) -> bool:
        return self.paused_until is not None and day < self.paused_until

    def address(self, critical: bool, only: Channel | None = None) -> Address | None:
        """Where to send: the preferred channel (or the first address); critical falls back.
        ``only``: that channel's address or none (a row written for one channel: e-mail). An
        e-mail address is never chosen otherwise: it carries only what was written as e-mail."""
        if only is not None:
            return next((a for a in self.addresses if a.channel == only), None)
        addresses = [a for a in self.addresses if a.channel is not Channel.EMAIL]
        if not addresses:
            return None
        if self.channel is None:
            return addresses[0]
        for a in addresses:
            if a.channel == self.channel:
                return a
        return addresses[0] if critical else None

    def is_quiet(self, moment: datetime) -> bool:
        if moment.weekday() in self.quiet_weekdays:
            return True
        start, end, now = self.quiet_start, self.quiet_end, moment.timetz().replace(tzinfo=None)
        if start == end:
            return False
        if start < end:
            return start <= now < end
        return now >= start or now < end

    def after_quiet(self, moment: datetime) -> datetime:
        """The first moment at or after ``moment`` (aware, local) outside quiet hours."""
        zone = moment.tzinfo
        for _ in range(10):  # at most a week of quiet days plus one night
            if not self.is_quiet(moment):
                return moment
            day = moment.date()
            clock = moment.timetz().replace(tzinfo=None)
            if moment.weekday() in self.quiet_weekdays or (
                self.quiet_start > self.quiet_end and clock >= self.quiet_start
            ):
                day += timedelta(days=1)
            moment = _at(day, self.quiet_end, zone)  # type: ignore[arg-type]
        return moment

    def digest_time(self, mode: DeliveryMode) -> time:
        if self.preferred_time is not None:
            return self.preferred_time
        return DEFAULT_WEEKLY_DIGEST if mode is DeliveryMode.WEEKLY else DEFAULT_DAILY_DIGEST

    def digest_slot(self, mode: DeliveryMode, day: date, zone: ZoneInfo) -> datetime:
        """The digest (daily: that day's; weekly: that week's Sunday) covering ``day``."""
        if mode is DeliveryMode.WEEKLY:
            day = day + timedelta(days=(WEEKLY_DIGEST_DAY - day.weekday()) % 7)
        return self.after_quiet(_at(day, self.digest_time(mode), zone))

    def next_digest_slot(self, mode: DeliveryMode, slot: datetime, zone: ZoneInfo) -> datetime:
        step = 7 if mode is DeliveryMode.WEEKLY else 1
        return self.digest_slot(mode, slot.date() + timedelta(days=step), zone)


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:

    return local_at(day, wall, zone)


def load(session: Session, person_ids: Iterable[int], default_language: str = "nb") -> dict[int, Reach]:
    """Preferences, category modes and open addresses for many people: three queries."""
    ids = sorted(set(person_ids))
    out: dict[int, Reach] = {}
    if not ids:
        return out
    for chunk in chunks(ids, IN_CHUNK):
        for pid, language, enabled in session.execute(
            select(Person.id, Person.language, Person.enabled).where(Person.id.in_(chunk))
        ):
            out[pid] = Reach(person_id=pid, language=language_of(language or default_language), enabled=enabled)
        for pref in session.scalars(select(NotificationPreference).where(NotificationPreference.person_id.in_(chunk))):
            reach = out.get(pref.person_id)
            if reach is None:
                continue
            reach.channel = pref.channel
            reach.form = pref.form or Form.TEXT
            if pref.language:
                reach.language = language_of(pref.language)
            reach.preferred_time = pref.preferred_time
            reach.quiet_start = pref.quiet_start if pref.quiet_start is not None else DEFAULT_QUIET[0]
            reach.quiet_end = pref.quiet_end if pref.quiet_end is not None else DEFAULT_QUIET[1]
            reach.quiet_weekdays = frozenset(pref.quiet_weekdays or ())
            reach.paused_until = pref.paused_until
            reach.opted_out = bool(pref.opted_out)
        modes: dict[int, dict[str, DeliveryMode]] = defaultdict(dict)
        for pid, category, mode in session.execute(
            select(CategoryPreference.person_id, CategoryPreference.category, CategoryPreference.mode).where(
                CategoryPreference.person_id.in_(chunk)
            )
        ):
            modes[pid][category] = mode
        for pid, m in modes.items():
            if pid in out:
                out[pid].modes = m
        for cp_id, pid, channel, address in session.execute(
            select(ContactPoint.id, ContactPoint.person_id, ContactPoint.channel, ContactPoint.address)
            .where(ContactPoint.person_id.in_(chunk), ContactPoint.stopped_at.is_(None))
            .order_by(ContactPoint.id)
        ):
            if pid in out:
                out[pid].addresses.append(Address(cp_id, channel, address))
    return out
