"""How a person wants reminders, changed by conversation ("send meg påminnelser som tale
klokka 18", "ikke send noe i helgene", "bare ukentlig oppsummering", "pause i en uke").

One :class:`NotificationPreference` row per person (created on first change, with the
model's defaults) plus :class:`CategoryPreference` rows for instant/digest/off per category.
The scheduler reads both at send time; nothing here sends anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import CategoryPreference, Channel, DeliveryMode, Form, NotificationPreference, Person
from bot.phrases import PreferenceRequest
from bot.services import changes

# Reminder categories a digest or "stop" without a named category applies to. Messages a
# person is waiting for (absence confirmations, teachers' answers) are not reminders.
REMINDER_CATEGORIES = ("homework", "test", "bring", "weekplan", "broadcast")
WEEKEND = [5, 6]
DEFAULT_QUIET = (time(21, 0), time(7, 0))


@dataclass(frozen=True)
class PreferenceView:
    """A person's reminder settings as they stand, for a reply."""

    channel: Channel | None
    form: Form
    preferred_time: time | None
    quiet_start: time
    quiet_end: time
    quiet_weekends: bool
    paused_until: date | None
    opted_out: bool
    modes: dict[str, DeliveryMode] = field(default_factory=dict)


def _row(session: Session, person: Person, clock: Clock) -> NotificationPreference:
    row = session.scalar(select(NotificationPreference).where(NotificationPreference.person_id == person.id))
    if row is None:
        row = NotificationPreference(
            person_id=person.id, form=Form.TEXT, quiet_start=DEFAULT_QUIET[0], quiet_end=DEFAULT_QUIET[1],
            quiet_weekdays=[], opted_out=False, updated_at=clock.utcnow(),
        )
        session.add(row)
    return row


def view(session: Session, person: Person) -> PreferenceView:
    row = session.scalar(select(NotificationPreference).where(NotificationPreference.person_id == person.id))
    modes = {
        c.category: c.mode
        for c in session.scalars(select(CategoryPreference).where(CategoryPreference.person_id == person.id))
    }
    if row is None:
        return PreferenceView(None, Form.TEXT, None, DEFAULT_QUIET[0], DEFAULT_QUIET[1], False, None, False, modes)
    return PreferenceView(
        channel=row.channel,
        form=row.form,
        preferred_time=row.preferred_time,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        quiet_weekends=set(WEEKEND) <= set(row.quiet_weekdays or []),
        paused_until=row.paused_until,
        opted_out=row.opted_out,
        modes=modes,
    )


def _set_mode(session: Session, person: Person, category: str, mode: DeliveryMode) -> None:
    row = session.scalar(
        select(CategoryPreference).where(
            CategoryPreference.person_id == person.id, CategoryPreference.category == category
        )
    )
    if row is None:
        session.add(CategoryPreference(person_id=person.id, category=category, mode=mode))
    else:
        row.mode = mode


_FIELDS = ("channel", "form", "preferred_time", "quiet_start", "quiet_end", "quiet_weekdays", "paused_until",
           "opted_out")


def _snapshot(session: Session, person: Person) -> dict[str, Any]:
    """The person's settings as JSON-safe values, to put back on undo."""
    row = session.scalar(select(NotificationPreference).where(NotificationPreference.person_id == person.id))
    modes = {c.category: c.mode.value for c in
             session.scalars(select(CategoryPreference).where(CategoryPreference.person_id == person.id))}
    if row is None:
        return {"row": None, "modes": modes}
    values: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(row, name)
        if isinstance(value, (time, date)):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        values[name] = value
    return {"row": values, "modes": modes}


def restore(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> PreferenceView:
    """Put the settings back as they were before a change (``payload["before"]``)."""
    before = payload.get("before") or {}
    row = session.scalar(select(NotificationPreference).where(NotificationPreference.person_id == person.id))
    values = before.get("row")
    if values is None:
        if row is not None:
            session.delete(row)
    else:
        row = row or _row(session, person, clock)
        row.channel = Channel(values["channel"]) if values["channel"] else None
        row.form = Form(values["form"])
        row.preferred_time = time.fromisoformat(values["preferred_time"]) if values["preferred_time"] else None
        row.quiet_start = time.fromisoformat(values["quiet_start"])
        row.quiet_end = time.fromisoformat(values["quiet_end"])
        row.quiet_weekdays = list(values["quiet_weekdays"] or [])
        row.paused_until = date.fromisoformat(values["paused_until"]) if values["paused_until"] else None
        row.opted_out = bool(values["opted_out"])
        row.updated_at = clock.utcnow()
    modes = before.get("modes") or {}
    for pref in session.scalars(select(CategoryPreference).where(CategoryPreference.person_id == person.id)):
        if pref.category in modes:
            pref.mode = DeliveryMode(modes[pref.category])
        else:
            session.delete(pref)
    session.flush()
    return view(session, person)


def update(session: Session, person: Person, request: PreferenceRequest, clock: Clock) -> PreferenceView:
    """Apply what the person asked for, keeping a :class:`~bot.models.Change` so it can be
    undone; returns the settings as they now stand."""
    if request.changes_anything:
        changes.record(session, person, changes.REMINDERS, {"before": _snapshot(session, person)}, clock)
        row = _row(session, person, clock)
        if request.form is not None:
            row.form = request.form
        if request.channel is not None:
            row.channel = request.channel
        if request.preferred_time is not None:
            row.preferred_time = request.preferred_time
        if request.quiet_start is not None:
            row.quiet_start = request.quiet_start
        if request.quiet_end is not None:
            row.quiet_end = request.quiet_end
        if request.quiet_weekends is not None:
            days = set(row.quiet_weekdays or [])
            days = days | set(WEEKEND) if request.quiet_weekends else days - set(WEEKEND)
            row.quiet_weekdays = sorted(days)
        if request.paused_until is not None:
            row.paused_until = request.paused_until
        if request.stop:
            row.opted_out = True
        if request.resume:
            row.opted_out, row.paused_until = False, None
        if request.mode is not None:
            for category in request.categories or REMINDER_CATEGORIES:
                _set_mode(session, person, category, request.mode)
        row.updated_at = clock.utcnow()
        session.flush()
    return view(session, person)


def choose_language(session: Session, person: Person, language: str, clock: Clock) -> None:
    """The person chose the language Ransel answers and reminds them in (undoable)."""
    changes.record(session, person, changes.LANGUAGE,
                   {"language": person.language, "chosen": person.language_chosen}, clock)
    person.language = language
    person.language_chosen = True
    session.flush()


def remember_language(person: Person, language: str) -> None:
    """The language the person last wrote in, kept for reminders until they choose one.
    Not a change they made, so not undoable and not recorded."""
    if not person.language_chosen and person.language != language:
        person.language = language
