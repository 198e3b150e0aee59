"""Phone calls through Twilio Voice: questions asked by phone, reminders read out.

Inbound (``POST /voice/inbound``, Twilio's "A call comes in" webhook, signature checked):
the caller's number finds the person. Caller ID can be forged, so a caller gets personal
answers only after keying the PIN they set in a chat (:mod:`channels.pins`; ``/voice/pin``);
without one the call explains how to make one and ends. Every later URL carries a proof
bound to the call, and a replayed signed request (same CallSid and step) is answered once
with a hang-up. TwiML greets them with ``<Say language="nb-NO">``
(``en-GB`` for English; Twilio has no nynorsk voice, so nynorsk is read as ``nb-NO``) inside
a ``<Gather input="speech">`` in their language. Twilio's own recogniser understands
Norwegian on calls, so the ``SpeechResult`` posted to ``/voice/answer`` is text: it goes to
the engine and the answer is spoken back, followed by another gather ("anything else?").
Silence twice ends the call politely.

Outbound reminder calls are made by :class:`channels.delivery_adapters.VoiceCallAdapter` with
:func:`reminder_twiml`; their StatusCallback is ``/voice/status``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from twilio.twiml.voice_response import Gather, VoiceResponse

from bot.gateway import Asker, Reply
from bot.i18n import render
from bot.models import Channel, OutboxStatus
from bot.phones import e164
from bot.runtime import Runtime
from channels import contacts, inbound, pins
from channels.choices import ChoiceMemory
from channels.contacts import Contact
from channels.sms import status_callback
from channels.twilio_client import verified_form

log = logging.getLogger(__name__)

INBOUND_PATH = "/voice/inbound"
ANSWER_PATH = "/voice/answer"
PIN_PATH = "/voice/pin"
MAX_PIN_TRIES_PER_CALL = 3
STATUS_PATH = "/voice/status"
TWIML = "application/xml"
# Twilio <Say>/<Gather> language per language we answer in.
TWILIO_LANGUAGE = {"nb": "nb-NO", "nn": "nb-NO", "en": "en-GB"}
MAX_SILENCES = 2


def twilio_language(language: str) -> str:
    return TWILIO_LANGUAGE.get(language, "nb-NO")


def _gather(language: str, action: str) -> Gather:
    return Gather(input="speech", language=twilio_language(language), action=action, method="POST",
                  speech_timeout="auto", action_on_empty_result=True)


def reminder_twiml(text: str, language: str) -> str:
    """A reminder call: an introduction, the reminder, then the reminder once more."""
    lang = twilio_language(language)
    response = VoiceResponse()
    response.say(render("voice_reminder_intro", language), language=lang)
    response.say(text, language=lang)
    response.pause(length=1)
    response.say(render("voice_reminder_repeat", language), language=lang)
    response.say(text, language=lang)
    response.say(render("voice_goodbye", language), language=lang)
    response.hangup()
    return str(response)


def spoken(replies: list[Reply], language: str) -> list[str]:
    lines = []
    for reply in replies:
        if reply.text:
            lines.append(reply.text)
        if reply.choices:
            lines.append(render("voice_choices", language, titles=[c.title for c in reply.choices]))
    return lines


class VoiceCalls:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.choices = ChoiceMemory()

    def _contact(self, number: str | None) -> Contact | None:
        if not number:
            return None
        with self.runtime.transaction() as session:
            # A phone number is one contact point whether it texts or calls.
            return (contacts.person_at(session, Channel.VOICE, number)
                    or contacts.person_at(session, Channel.SMS, number))

    async def _verified(self, request: Request) -> tuple[Mapping[str, str], Contact | None] | None:
        params = await verified_form(self.runtime.settings, request)
        if params is None:
            return None
        number = e164(params.get("From", ""))
        return params, await asyncio.to_thread(self._contact, number)

    def _first_time(self, params: Mapping[str, str], step: str) -> bool:
        """True the first time this call's ``step`` arrives: a replayed signed request (same
        CallSid and step) is answered once."""
        key = f"{params.get('CallSid', '')}:{step}"
        with self.runtime.transaction() as session:
            return inbound.claim(session, Channel.VOICE.value, key, self.runtime.clock.utcnow())

    async def _once(self, params: Mapping[str, str], step: str) -> bool:
        if not params.get("CallSid"):
            return False
        if await asyncio.to_thread(self._first_time, params, step):
            return True
        log.warning("voice webhook replayed step=%s", step)
        return False

    def _proof(self, params: Mapping[str, str], contact: Contact) -> str:
        return pins.call_proof(self.runtime.settings.sender_secret, params.get("CallSid", ""), contact.person_id)

    def _answer_url(self, proof: str, step: int, silences: int) -> str:
        return f"{ANSWER_PATH}?{urlencode({'proof': proof, 'step': step, 'silences': silences})}"

    async def incoming(self, request: Request) -> Response:
        verified = await self._verified(request)
        if verified is None:
            log.warning("voice webhook refused: bad signature")
            return Response(status_code=403)
        params, contact = verified
        response = VoiceResponse()
        if not await self._once(params, "inbound"):
            response.hangup()
            return _twiml(response)
        if contact is None:
            for language in ("nb", "en"):
                response.say(render("voice_unknown_caller", language), language=twilio_language(language))
            response.hangup()
            return _twiml(response)
        lang = twilio_language(contact.language)
        # Caller ID can be forged: personal answers only after the PIN the person set in a chat.
        if not await asyncio.to_thread(pins.has_pin, self.runtime, contact.person_id):
            response.say(render("voice_pin_needed", contact.language), language=lang)
            response.hangup()
            return _twiml(response)
        response.append(self._pin_gather(contact, tries=0))
        return _twiml(response)

    @staticmethod
    def _pin_gather(contact: Contact, tries: int) -> Gather:
        gather = Gather(input="dtmf", finish_on_key="#", timeout=10, action=f"{PIN_PATH}?tries={tries}",
                        method="POST", action_on_empty_result=True)
        if tries == 0:
            gather.say(render("voice_pin_prompt", contact.language, given_name=contact.given_name),
                       language=twilio_language(contact.language))
        return gather

    async def pin(self, request: Request) -> Response:
        verified = await self._verified(request)
        if verified is None:
            return Response(status_code=403)
        params, contact = verified
        tries = _int(request.query_params.get("tries"))
        response = VoiceResponse()
        if contact is None or not await self._once(params, f"pin{tries}"):
            response.hangup()
            return _twiml(response)
        lang = twilio_language(contact.language)
        digits = "".join(ch for ch in params.get("Digits", "") if ch.isdigit())
        result = await asyncio.to_thread(pins.check, self.runtime, contact.person_id, digits)
        if result is pins.PinCheck.OK:
            gather = _gather(contact.language, self._answer_url(self._proof(params, contact), 1, 0))
            gather.say(render("voice_pin_ok", contact.language), language=lang)
            response.append(gather)
            return _twiml(response)
        if result is pins.PinCheck.WRONG and tries + 1 < MAX_PIN_TRIES_PER_CALL:
            log.info("voice pin wrong person=%s", contact.person_id)
            response.say(render("voice_pin_wrong", contact.language), language=lang)
            response.append(self._pin_gather(contact, tries + 1))
            return _twiml(response)
        log.warning("voice pin refused person=%s result=%s", contact.person_id, result.value)
        template = "voice_pin_needed" if result is pins.PinCheck.NONE else "voice_pin_locked"
        if result is pins.PinCheck.WRONG:
            response.say(render("voice_pin_wrong", contact.language), language=lang)
            template = "voice_goodbye"
        response.say(render(template, contact.language), language=lang)
        response.hangup()
        return _twiml(response)

    async def answer(self, request: Request) -> Response:
        verified = await self._verified(request)
        if verified is None:
            return Response(status_code=403)
        params, contact = verified
        response = VoiceResponse()
        step = _int(request.query_params.get("step"))
        if contact is None or not await self._once(params, f"answer{step}"):
            response.hangup()
            return _twiml(response)
        lang = twilio_language(contact.language)
        proof = request.query_params.get("proof", "")
        if not pins.proven(self.runtime.settings.sender_secret, params.get("CallSid", ""), contact.person_id, proof):
            log.warning("voice answer without a PIN proof person=%s", contact.person_id)
            response.say(render("voice_pin_needed", contact.language), language=lang)
            response.hangup()
            return _twiml(response)
        speech = (params.get("SpeechResult") or "").strip()
        silences = _int(request.query_params.get("silences"))
        if not speech:
            silences += 1
            response.say(render("voice_not_heard", contact.language), language=lang)
            if silences >= MAX_SILENCES:
                response.say(render("voice_goodbye", contact.language), language=lang)
                response.hangup()
                return _twiml(response)
        else:
            silences = 0
            caller = params.get("CallSid", "")
            text = self.choices.resolve(caller, speech)
            gateway = request.app.state.gateway
            replies = await gateway.ask(Asker(contact.person_id, contact.language), Channel.VOICE, text)
            self.choices.remember(caller, [c for r in replies for c in r.choices])
            for line in spoken(replies, contact.language):
                response.say(line, language=lang)
        gather = _gather(contact.language, self._answer_url(proof, step + 1, silences))
        gather.say(render("voice_anything_else", contact.language), language=lang)
        response.append(gather)
        return _twiml(response)


def _int(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 10_000))
    except ValueError:
        return 0


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), media_type=TWIML)


# Twilio's CallStatus values that settle a reminder call.
_CALL_STATUS = {"completed": OutboxStatus.DELIVERED, "busy": OutboxStatus.FAILED,
                "no-answer": OutboxStatus.FAILED, "failed": OutboxStatus.FAILED,
                "canceled": OutboxStatus.FAILED}


def routes(runtime: Runtime) -> list[BaseRoute]:
    if not runtime.settings.twilio_configured:
        return []  # no Twilio account: no voice webhooks to knock on
    calls = VoiceCalls(runtime)
    return [
        Route(INBOUND_PATH, calls.incoming, methods=["POST"]),
        Route(PIN_PATH, calls.pin, methods=["POST"]),
        Route(ANSWER_PATH, calls.answer, methods=["POST"]),
        Route(STATUS_PATH, status_callback(runtime, _CALL_STATUS, "CallSid", "CallStatus"), methods=["POST"]),
    ]
