"""A private message to the teacher (the relay form) and the teacher's answer.

relay_form asks, when needed, which child the message is about and what to write; its
slots are filled only by ``validate_relay_form`` so they always get a value and the form
never loops. ``action_send_relay`` stores and queues the message for that teacher only.
A teacher answers with "svar 12 ..." (``action_answer_question``), which reaches the
person who asked and nobody else.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions._base import (
    RanselAction,
    Turn,
    about_school,
    ask_confirm,
    child_buttons,
    example_names,
    open_turn,
    reroute,
    reset,
)
from bot.access import AccessDenied, family_of
from bot.models import Channel, Person, Role
from bot.phrases import is_cancel, relay_content, relay_cue, subject_of_teacher, teacher_answer, yes_or_no
from bot.services import relay
from bot.services.people import words_of

NO_SUBJECT = "-"
# Values of relay_pupil that end the form without a message. NOT_A_MESSAGE: the message
# that started the form asks nothing to be passed on ("hva skrev læreren i kommentaren?").
DENIED, NOT_AVAILABLE, UNCLEAR, CANCELLED, NOT_A_MESSAGE = "denied", "not_available", "unclear", "cancelled", "no"
ENDS_FORM = {DENIED, NOT_AVAILABLE, UNCLEAR, CANCELLED, NOT_A_MESSAGE}
SURE = 0.85
KIND = "message"
ANSWER_KIND = "answer"
SUBJECT_CODE = re.compile(r"[A-Z]{3}\d{2}-\d{2}")


def _match_child(turn: Turn, pupils: list[Person]) -> tuple[Person | None, bool]:
    """(pupil, named): the pupil named in the message, and whether any name was given."""
    names = [n.casefold() for n in turn.entity_values("person")]
    words = words_of(turn.text)
    for pupil in pupils:
        if pupil.given_name.casefold() in names or pupil.given_name.casefold() in words:
            return pupil, True
    if not names:
        return None, False
    # "send a message to Ragnhild Lie": the children's own teacher named is not a child named.
    teachers = {part for pupil in pupils for t in _all_teachers(turn, pupil) for part in t.name.casefold().split()}
    return None, any(not set(n.split()) <= teachers for n in names)


def _all_teachers(turn: Turn, pupil: Person) -> list[Person]:
    found = relay.teachers_of(turn.session, turn.person, pupil.id, turn.clock)
    return [*found.contact, *(teacher for _, teacher in found.by_subject)]


class ValidateRelayForm(FormValidationAction):
    def name(self) -> str:
        return "validate_relay_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: dict[str, Any]) -> list[str]:
        if tracker.slots.get("relay_pupil") in ENDS_FORM:
            return [s for s in domain_slots if s != "relay_text"]
        return domain_slots

    async def extract_relay_subject(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict[str, Any]) -> dict[str, Any]:
        if tracker.get_slot("relay_subject") is not None:
            return {}
        # "norsklæraren til Ingrid": the subject teacher the compound names comes first.
        named = subject_of_teacher(tracker.latest_message.get("text") or "")
        if named is None:
            # "til Erik Bakke": the subject that teacher teaches the child.
            with open_turn(tracker, dispatcher, self.name()) as turn:
                if turn is not None:
                    by_name = relay.named_teacher_subject(turn.session, turn.person, turn.text, turn.clock)
                    if by_name is not None:
                        return {"relay_subject": NO_SUBJECT if by_name == relay.CONTACT else by_name}
        codes = [str(e["value"]) for e in tracker.latest_message.get("entities") or []
                 if e.get("entity") == "subject" and SUBJECT_CODE.fullmatch(str(e["value"]))]
        return {"relay_subject": named or (codes[0] if codes else NO_SUBJECT)}

    async def extract_relay_pupil(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: dict[str, Any]) -> dict[str, Any]:
        if tracker.get_slot("relay_pupil") is not None:
            return {}
        asked = tracker.get_slot("requested_slot") == "relay_pupil"
        value: str | None = None
        with open_turn(tracker, dispatcher, self.name()) as turn:
            if turn is None:
                return {"relay_pupil": NOT_AVAILABLE}
            if tracker.get_slot("requested_slot") is None and not relay_cue(turn.text):
                return {"relay_pupil": NOT_A_MESSAGE}
            pupils = family_of(turn.session, turn.person, turn.today)
            match, named = _match_child(turn, pupils)
            if match is not None:
                value = str(match.id)
            elif named:
                value = DENIED
            elif not pupils:
                value = NOT_AVAILABLE
            elif len(pupils) == 1:
                value = str(pupils[0].id)
            elif asked:
                value = CANCELLED if is_cancel(turn.text) else UNCLEAR
        return {"relay_pupil": value} if value is not None else {}

    async def extract_relay_text(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: dict[str, Any]) -> dict[str, Any]:
        if tracker.get_slot("relay_text") is not None:
            return {}
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") == "relay_text":
            if yes_or_no(text) is True:
                # "Kan du sende en melding om at ...?" asked what to write, answered "ja":
                # the request itself is the message.
                asked = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"][:-1]
                if asked and asked[-1].strip():
                    return {"relay_text": relay_content(asked[-1]) or asked[-1].strip()}
            return {"relay_text": text}
        content = relay_content(text)
        return {"relay_text": content} if content else {}


    # Extraction already decided each value; these only keep rasa-sdk from warning.
    def validate_relay_subject(self, value: Any, *_: Any) -> dict[str, Any]:
        return {"relay_subject": value}

    def validate_relay_pupil(self, value: Any, *_: Any) -> dict[str, Any]:
        return {"relay_pupil": value}

    def validate_relay_text(self, value: Any, *_: Any) -> dict[str, Any]:
        return {"relay_text": value}


class AskRelayPupilAction(RanselAction):
    def name(self) -> str:
        return "action_ask_relay_pupil"

    def respond(self, turn: Turn) -> None:
        pupils = family_of(turn.session, turn.person, turn.today)
        turn.say("relay_which_child", buttons=child_buttons(pupils), names=[p.given_name for p in pupils])

    def closing_events(self, turn: Turn) -> list[EventType]:
        return turn.events


class AskRelayTextAction(RanselAction):
    def name(self) -> str:
        return "action_ask_relay_text"

    def respond(self, turn: Turn) -> None:
        pupil_id = int(turn.tracker.get_slot("relay_pupil"))
        subject = turn.tracker.get_slot("relay_subject")
        teacher = relay.teacher_for(turn.session, turn.person, pupil_id, turn.clock,
                                    subject if subject != NO_SUBJECT else None)
        pupil = turn.session.get_one(Person, pupil_id)
        turn.say("relay_ask_text", teacher=teacher.name, name=pupil.given_name, own=pupil.id == turn.person.id)

    def closing_events(self, turn: Turn) -> list[EventType]:
        return turn.events


class SendRelayAction(RanselAction):
    def name(self) -> str:
        return "action_send_relay"

    def respond(self, turn: Turn) -> None:
        pupil_value = turn.tracker.get_slot("relay_pupil")
        text = (turn.tracker.get_slot("relay_text") or "").strip()
        subject = turn.tracker.get_slot("relay_subject")
        if pupil_value == NOT_A_MESSAGE:
            reroute(turn, about_school=about_school(turn))
            return
        if pupil_value == DENIED:
            raise AccessDenied()
        if pupil_value == NOT_AVAILABLE:
            turn.say("relay_not_available", is_teacher=Role.TEACHER in turn.roles)
            return
        if pupil_value in (UNCLEAR, CANCELLED) or not text or is_cancel(text) or pupil_value is None:
            turn.say("relay_cancelled", unclear=pupil_value == UNCLEAR, **example_names(turn))
            return
        pupil_id = int(pupil_value)
        subject_code = subject if subject != NO_SUBJECT else None
        data = {"pupil_id": pupil_id, "subject": subject_code, "text": text[:relay.MAX_TEXT]}
        # Always asked first: what reaches a teacher cannot be taken back, only withdrawn.
        try:
            teacher = relay.teacher_for(turn.session, turn.person, pupil_id, turn.clock, subject_code)
        except relay.NoTeacher:
            turn.say("relay_no_teacher")
            return
        pupil = turn.session.get_one(Person, pupil_id)
        ask_confirm(turn, KIND, data, "confirm_message", teacher=teacher.name, text=data["text"],
                    name=pupil.given_name, own=pupil.id == turn.person.id)

    async def run(self, dispatcher, tracker, domain):
        events = await super().run(dispatcher, tracker, domain)
        # Whatever happened (sent, refused, failed), the next message starts afresh.
        return events + reset(tracker, "relay_pupil", "relay_text", "relay_subject")


def send(turn: Turn, data: dict[str, Any]) -> None:
    """Send the message (after a yes) and say to whom."""
    try:
        sent = relay.ask_teacher(turn.session, turn.person, int(data["pupil_id"]), data["text"], turn.clock,
                                 subject_code=data.get("subject"))
    except relay.NoTeacher:
        turn.say("relay_no_teacher")
        return
    turn.say("relay_sent", teacher=sent.teacher.name, number=sent.thread.id)


class AnswerQuestionAction(RanselAction):
    def name(self) -> str:
        return "action_answer_question"

    def respond(self, turn: Turn) -> None:
        if Role.TEACHER not in turn.roles:
            raise AccessDenied()
        number, text = teacher_answer(turn.text)
        if not text:
            turn.say("answer_empty", number=number)
            return
        if turn.channel == Channel.SMS:
            # A sender number can be forged: the answer goes after the code sent back.
            ask_confirm(turn, ANSWER_KIND, {"number": number, "text": text}, "confirm_answer", number=number, text=text)
            return
        send_answer(turn, {"number": number, "text": text})


def send_answer(turn: Turn, data: dict[str, Any]) -> None:
    """Send the teacher's answer (confirmed, or not from SMS) and say to whom."""
    try:
        sent = relay.answer(turn.session, turn.person, data["number"], data["text"], turn.clock)
    except relay.AmbiguousThread as exc:
        turn.say("answer_which_thread", open_ids=exc.open_ids)
        return
    asker = turn.session.get_one(Person, sent.thread.asker_id)
    turn.say("answer_sent", asker=asker.name, number=sent.thread.id)


class RelayFromMessageAction(RanselAction):
    """A request to write to a teacher that carries its text ("Jeg vil skrive til
    mattelæreren til Odin: Kan han få ekstra oppgaver?") but that the model read as
    something else: the same yes/no question the relay form ends with."""

    def name(self) -> str:
        return "action_relay_from_message"

    @staticmethod
    def applies(turn: Turn) -> bool:
        return bool({Role.GUARDIAN, Role.PUPIL} & turn.roles) and relay_cue(turn.text) \
            and relay_content(turn.text) is not None

    def respond(self, turn: Turn) -> None:
        pupils = family_of(turn.session, turn.person, turn.today)
        match, named = _match_child(turn, pupils)
        if match is None and named:
            raise AccessDenied()
        if match is None and len(pupils) == 1:
            match = pupils[0]
        if match is None:
            turn.say("relay_which_child", buttons=child_buttons(pupils), names=[p.given_name for p in pupils])
            return
        subject = subject_of_teacher(turn.text)
        if subject is None:
            by_name = relay.named_teacher_subject(turn.session, turn.person, turn.text, turn.clock)
            subject = by_name if by_name not in (None, relay.CONTACT) else None
        data = {"pupil_id": match.id, "subject": subject, "text": (relay_content(turn.text) or "")[:relay.MAX_TEXT]}
        try:
            teacher = relay.teacher_for(turn.session, turn.person, match.id, turn.clock, subject)
        except relay.NoTeacher:
            turn.say("relay_no_teacher")
            return
        ask_confirm(turn, KIND, data, "confirm_message", teacher=teacher.name, text=data["text"],
                    name=match.given_name, own=match.id == turn.person.id)
