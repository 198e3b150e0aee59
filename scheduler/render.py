"""Rendering an outbox row at send time: the builder registry.

An outbox row names a ``template`` and carries a ``payload`` of references. At send time the
dispatcher looks up the template's **builder**, which reads current data and returns the
facts the template needs (or ``None`` when there is nothing to say any more: the homework was
removed, the broadcast cancelled). The template then renders them in the recipient's
language (``bot/templates/{nb,nn,en}/<template>.j2``).

Plugging in a message type (absence alerts, teacher relays ...):

1. write ``build_<template>(session, recipient, payload, clock) -> dict | None`` in your
   module (``recipient`` is the :class:`~bot.models.Person`; return plain facts, no text);
2. add it to :data:`BUILDERS` under its template's name (tests may :func:`register` one);
3. add ``<template>.j2`` in nb, nn and en.

A variant wording of an existing message (a school's rule naming ``absence_alert_short``)
needs only the templates: the row's payload names the builder (``"builder": "absence_alert"``).

Every template also gets ``fmt``/``t`` (see :mod:`bot.i18n`), ``lang``, and two helpers:
``items(keys)`` and ``subjects(codes)``, which join catalog terms in the language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from jinja2 import TemplateNotFound
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.i18n import Formatter, render
from bot.models import DeliveryMode, OutboxMessage, OutboxStatus, Person
from bot.services import absence, relay
from bot.services.reach import load
from scheduler import builders, content
from scheduler.planner import digest_key

log = logging.getLogger(__name__)

Builder = Callable[[Session, Person, dict[str, Any], Clock], dict[str, Any] | None]

class NoBuilder(LookupError):
    """No builder for this template: a deployment error, the row is dead-lettered."""


def render_row(session: Session, row: OutboxMessage, recipient: Person, language: str, clock: Clock) -> str | None:
    """The text of one outbox row for its recipient, or ``None`` if there is nothing to say.

    Raises :class:`NoBuilder` or :class:`jinja2.TemplateNotFound` for deployment errors.
    """
    payload = dict(row.payload or {})
    # A row whose template is a variant (a school's rule may name one) names its builder.
    context = builder_for(payload.get("builder") or row.template)(session, recipient, payload, clock)
    if context is None:
        return None
    return render_template(row.template, language, context)


def render_template(template: str, language: str, context: dict[str, Any]) -> str:
    fmt = Formatter(language)
    helpers = {
        "items": lambda keys: fmt.join(fmt.item(k) for k in keys),
        "subjects": lambda codes: fmt.join(fmt.subject(c) for c in codes),
    }
    return render(template, language, **helpers, **context)


def build_digest(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """All the reminders folded into this digest, each rendered now from current data."""
    slot = datetime.fromisoformat(payload["slot"])
    key = digest_key(recipient.id, DeliveryMode(payload["mode"]), slot)
    facts = content.for_recipient(session, recipient, clock)
    members = [m for m in facts.digest_members(key) if m.status is OutboxStatus.DIGESTED]
    language = facts.language_of(recipient.id) or load(session, [recipient.id])[recipient.id].language
    parts = [text for m in members if (text := render_row(session, m, recipient, language, clock))]
    if not parts:
        return None
    return {"mode": payload["mode"], "slot": slot.astimezone(clock.zone), "parts": parts}


# Template name -> builder. A template without one is a deployment error: its rows are
# dead-lettered, named (never skipped in silence).
BUILDERS: dict[str, Builder] = {
    "reminder_homework": builders.build_reminder_homework,
    "reminder_gear": builders.build_reminder_gear,
    "reminder_event": builders.build_reminder_event,
    "reminder_test": builders.build_reminder_test,
    "reminder_weekplan": builders.build_reminder_weekplan,
    "digest": build_digest,
    "broadcast": builders.build_broadcast,
    "assignment_changed": builders.build_assignment_changed,
    "absence_alert": absence.build_absence_alert,
    "absence_withdrawn": absence.build_absence_withdrawn,
    "teacher_question": relay.build_teacher_question,
    "teacher_question_withdrawn": relay.build_teacher_question_withdrawn,
    "teacher_answer": relay.build_teacher_answer,
    "owner_report": builders.build_owner_report,
}


def register(template: str, builder: Builder) -> None:
    BUILDERS[template] = builder


def builder_for(template: str) -> Builder:
    try:
        return BUILDERS[template]
    except KeyError:
        raise NoBuilder(template) from None


def builder_names() -> set[str]:
    return set(BUILDERS)


__all__ = [
    "BUILDERS",
    "Builder",
    "NoBuilder",
    "TemplateNotFound",
    "builder_for",
    "builder_names",
    "register",
    "render_row",
    "render_template",
]
