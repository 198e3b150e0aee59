"""Rendering an outbox row at send time: the builder registry.

An outbox row names a ``template`` and carries a ``payload`` of references. At send time the
dispatcher looks up the template's **builder**, which reads current data and returns the
facts the template needs (or ``None`` when there is nothing to say any more: the homework was
removed, the broadcast cancelled). The template then renders them in the recipient's
language (``bot/templates/{nb,nn,en}/<template>.j2``).

Plugging in a message type (absence alerts, teacher relays ...):

1. write ``build_<template>(session, recipient, payload, clock) -> dict | None`` in your
   module (``recipient`` is the :class:`~bot.models.Person`; return plain facts, no text);
2. add the module's dotted name to :data:`BUILDER_MODULES` (or call :func:`register`);
3. add ``<template>.j2`` in nb, nn and en.

A variant wording of an existing message (a school's rule naming ``absence_alert_short``)
needs only the templates: the row's payload names the builder (``"builder": "absence_alert"``).

Every template also gets ``fmt``/``t`` (see :mod:`bot.i18n`), ``lang``, and two helpers:
``items(keys)`` and ``subjects(codes)``, which join catalog terms in the language.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from jinja2 import TemplateNotFound
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.i18n import Formatter, render
from bot.models import OutboxMessage, Person

log = logging.getLogger(__name__)

Builder = Callable[[Session, Person, dict[str, Any], Clock], dict[str, Any] | None]

# Modules whose ``build_<template>`` functions are builders, imported on first use. A module
# not (yet) in the code base is skipped: its templates' rows wait as dead letters, named.
BUILDER_MODULES: list[str] = [
    "scheduler.builders",
    "bot.services.absence",  # absence_alert (dialogue)
    "bot.services.relay",  # teacher_question, teacher_answer (dialogue)
]

_registry: dict[str, Builder] = {}
_loaded: set[str] = set()


class NoBuilder(LookupError):
    """No builder for this template: a deployment error, the row is dead-lettered."""


def register(template: str, builder: Builder) -> None:
    _registry[template] = builder


def _load() -> None:
    for module_name in BUILDER_MODULES:
        if module_name in _loaded:
            continue
        # A listed module that is missing is a packaging bug: fail loudly, never skip messages.
        module = importlib.import_module(module_name)
        for name in dir(module):
            if name.startswith("build_") and callable(getattr(module, name)):
                _registry.setdefault(name.removeprefix("build_"), getattr(module, name))
        _loaded.add(module_name)


def builder_for(template: str) -> Builder:
    _load()
    try:
        return _registry[template]
    except KeyError:
        raise NoBuilder(template) from None


def builder_names() -> set[str]:
    _load()
    return set(_registry)


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


__all__ = [
    "BUILDER_MODULES",
    "Builder",
    "NoBuilder",
    "TemplateNotFound",
    "builder_for",
    "builder_names",
    "register",
    "render_row",
    "render_template",
]
