"""One message from one known person (:class:`Turn`), and opening it.

An action learns who is asking only from the conversation id the gateway signed
(:func:`bot.identity.verify`); an unsigned or unknown sender gets a refusal and a log line
with the conversation id. :func:`open_turn` then opens one transaction around the action's
``respond`` and turns an :class:`~bot.access.AccessDenied` into the one refusal that reveals
nothing.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import _runtime
from bot.access import AccessDenied, children_of, roles_of
from bot.clock import Clock
from bot.dates import Span, asking_clause, find_spans, question_sentence
from bot.i18n import render
from bot.identity import UnknownSender, verify
from bot.language import reply_language
from bot.models import Channel, Person, Role
from bot.services.calendar import asker_calendar
from bot.services.preferences import remember_language

log = logging.getLogger("actions")


@dataclass
class Turn:
    """One message from one known person, with what an action needs to answer it."""

    session: Session
    person: Person
    language: str
    clock: Clock
    tracker: Tracker
    dispatcher: CollectingDispatcher
    text: str
    roles: set[Role]
    channel: Channel = Channel.WEB
    # The intent the message was understood as, and the model's confidence in the intent the message was understood as (0 when resumed
    # from an earlier question without one).
    intent: str | None = None
    confidence: float = 0.0
    entities: list[dict[str, Any]] = field(default_factory=list)
    events: list[EventType] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.clock.today()

    def entity_values(self, name: str) -> list[str]:
        return [str(e["value"]) for e in self.entities if e.get("entity") == name]

    @property
    def subject_code(self) -> str | None:
        codes = [v for v in self.entity_values("subject") if re.fullmatch(r"[A-Z]{3}\d{2}-\d{2}", v)]
        return codes[0] if codes else None

    def span(self) -> Span | None:
        """The period the message asks about: in a message with a statement and a question
        ("Theodor is home today. What homework does he have next week?") the question's;
        "denne uka og neste uke" as one period."""
        spans = self.spans()
        if len(spans) > 1:
            asked = question_sentence(self.text) or asking_clause(self.text)
            if asked is not None:
                in_question = find_spans(asked, self.clock,
                                         lambda: asker_calendar(self.session, self.person, self.today))
                spans = in_question or spans
        if len(spans) > 1:
            ordered = sorted(spans, key=lambda s: s.start)
            if all(b.start <= a.end + timedelta(days=1) for a, b in pairwise(ordered)):
                return Span(ordered[0].start, max(s.end for s in ordered))
        return spans[0] if spans else None

    def spans(self) -> list[Span]:
        # The asker's school's breaks and terms, read only if the message names one ("før jul").
        return find_spans(self.text, self.clock, lambda: asker_calendar(self.session, self.person, self.today))

    def say(self, template: str, *, buttons: list[dict[str, str]] | None = None, **context: Any) -> None:
        self.dispatcher.utter_message(text=render(template, self.language, **context), buttons=buttons or [])

    def set(self, slot: str, value: Any) -> None:
        self.events.append(SlotSet(slot, value))


@contextlib.contextmanager
def open_turn(tracker: Tracker, dispatcher: CollectingDispatcher, action: str) -> Iterator[Turn | None]:
    """The verified person's turn inside one transaction; None (after a refusal) otherwise.

    AccessDenied inside becomes the one refusal that reveals nothing; any other error a
    short apology with an incident id that is also logged (ids only, never text).
    """
    runtime = _runtime.get()
    fallback_language = runtime.settings.default_language
    try:
        sender = verify(runtime.settings.sender_secret, tracker.sender_id)
    except UnknownSender:
        log.warning("refused unsigned conversation=%s action=%s", tracker.sender_id[:64], action)
        dispatcher.utter_message(text=render("unknown_sender", fallback_language))
        yield None
        return
    turn: Turn | None = None
    session = runtime.sessions()
    try:
        person = session.get(Person, sender.person_id)
        if person is None or not person.enabled:
            log.warning("refused unknown person=%s action=%s", sender.person_id, action)
            dispatcher.utter_message(text=render("unknown_sender", fallback_language))
            yield None
            return
        text = tracker.latest_message.get("text") or ""
        language = reply_language(text, person.language, person.language_chosen)
        remember_language(person, language)
        turn = Turn(
            session=session,
            person=person,
            language=language,
            clock=runtime.clock,
            tracker=tracker,
            dispatcher=dispatcher,
            text=text,
            roles=roles_of(session, person),
            channel=sender.channel,
            intent=(tracker.latest_message.get("intent") or {}).get("name"),
            confidence=float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0),
            entities=list(tracker.latest_message.get("entities") or []),
        )
        try:
            yield turn
            session.commit()
        except AccessDenied:
            # Nothing a refused question started is kept, except the language it was asked in.
            session.rollback()
            remember_language(person, language)
            session.commit()
            log.info("access denied person=%s action=%s", sender.person_id, action)
            turn.events.clear()
            turn.say("access_denied")
    except Exception:
        session.rollback()
        incident = uuid.uuid4().hex[:8]
        log.exception("action failed incident=%s person=%s action=%s", incident, sender.person_id, action)
        language = turn.language if turn is not None else fallback_language
        dispatcher.utter_message(text=render("action_error", language, incident=incident))
        if turn is not None:
            turn.events.clear()
    finally:
        session.close()


def family_children(turn: Turn) -> list[Person]:
    return children_of(turn.session, turn.person, turn.today) if Role.GUARDIAN in turn.roles else []
