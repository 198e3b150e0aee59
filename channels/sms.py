"""SMS through Twilio: the inbound webhook, keywords, and status callbacks.

``POST /sms/inbound`` is Twilio's "A message comes in" webhook. Only requests signed with
our auth token (``X-Twilio-Signature``) are read; others get 403. Each MessageSid is handled
once. The sender's number (E.164) finds the person through their SMS contact point.

Keywords, matched on the whole message: STOP / STOPP / AVSLUTT (and Twilio's other opt-out
words) end every SMS to that number (``ContactPoint.stopped_at``: the scheduler's SMS
adapter sends nothing there); START resumes; HJELP / HELP / INFO answer in the person's
language. Twilio itself confirms its own keywords (the request carries ``OptOutType``), so
we add no second confirmation to those.

Anything else goes to the engine; the replies come back as TwiML, with offered choices
listed by number, smart-encoded to GSM-7 where look-alikes allow and cut to
``settings.sms_max_segments``.

``POST /sms/status`` is the StatusCallback for messages we send: it moves the outbox row
to delivered or failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from twilio.twiml.messaging_response import MessagingResponse

from bot import outbox, sms_segments
from bot.gateway import Asker, Gateway, Reply
from bot.i18n import render
from bot.models import Channel, OutboxStatus
from bot.phones import e164
from bot.runtime import Runtime
from channels import contacts, inbound, pins
from channels.choices import ChoiceMemory
from channels.contacts import Contact
from channels.twilio_client import verified_form

log = logging.getLogger(__name__)

INBOUND_PATH = "/sms/inbound"
STATUS_PATH = "/sms/status"
STOP_WORDS = {"STOP", "STOPP", "AVSLUTT", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP"}
HELP_WORDS = {"HJELP", "HELP", "INFO"}
TWIML = "application/xml"


def fit_for_sms(text: str, max_segments: int) -> str:
    return sms_segments.fit(sms_segments.smart_gsm(text), max_segments)


def render_replies(replies: list[Reply], language: str, max_segments: int) -> str:
    parts = []
    for reply in replies:
        parts.append(reply.text)
        if reply.choices:
            parts.append(render("sms_choices", language, titles=[c.title for c in reply.choices]))
    return fit_for_sms("\n".join(p for p in parts if p.strip()), max_segments)


def _twiml(*texts: str, max_segments: int = 10) -> Response:
    response = MessagingResponse()
    for text in texts:
        if text:
            response.message(fit_for_sms(text, max_segments))
    return Response(str(response), media_type=TWIML)


def _both(template: str) -> str:
    """For a number we do not know: bokmål, then English."""
    return render(template, "nb") + "\n" + render(template, "en")


class SmsInbound:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.choices = ChoiceMemory()

    def _claim(self, sid: str) -> bool:
        with self.runtime.transaction() as session:
            return inbound.claim(session, Channel.SMS.value, sid, self.runtime.clock.utcnow())

    def _release(self, sid: str) -> None:
        with self.runtime.transaction() as session:
            inbound.release(session, Channel.SMS.value, sid)

    def _contact(self, number: str) -> Contact | None:
        with self.runtime.transaction() as session:
            return contacts.person_at(session, Channel.SMS, number)

    def _set_stopped(self, number: str, stopped: bool) -> None:
        now = self.runtime.clock.utcnow()
        with self.runtime.transaction() as session:
            contacts.set_stopped(session, Channel.SMS, number, stopped, now)

    async def handle(self, request: Request) -> Response:
        params = await verified_form(self.runtime.settings, request)
        if params is None:
            log.warning("sms webhook refused: bad signature")
            return Response(status_code=403)
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        if not sid or not await asyncio.to_thread(self._claim, sid):
            return _twiml()  # a retry of a message already answered
        try:
            return await self._answer(request.app.state.gateway, params)
        except Exception:
            await asyncio.to_thread(self._release, sid)
            raise

    async def _answer(self, gateway: Gateway, params: Mapping[str, str]) -> Response:
        number = e164(params.get("From", ""))
        body = params.get("Body", "")
        keyword = body.strip().upper()
        twilio_confirmed = params.get("OptOutType") in ("STOP", "START")
        contact = await asyncio.to_thread(self._contact, number) if number else None
        if keyword in STOP_WORDS:
            if number:
                await asyncio.to_thread(self._set_stopped, number, True)
            log.info("sms stop person=%s", contact.person_id if contact else None)
            if twilio_confirmed:
                return _twiml()
            return _twiml(render("sms_stopped", contact.language) if contact else _both("sms_stopped"))
        if keyword in START_WORDS:
            if number:
                await asyncio.to_thread(self._set_stopped, number, False)
            log.info("sms start person=%s", contact.person_id if contact else None)
            if twilio_confirmed:
                return _twiml()
            return _twiml(render("sms_started", contact.language) if contact else _both("sms_started"))
        if keyword in HELP_WORDS:
            return _twiml(render("sms_help", contact.language) if contact else _both("sms_help"))
        if contact is None or number is None:  # a contact is only found by a number
            return _twiml(_both("sms_unknown_number"))
        if contact.stopped:
            return _twiml()  # they asked for no SMS; START turns answers back on
        refused = pins.command(self.runtime, contact.person_id, contact.language, Channel.SMS, body)
        if refused is not None:  # a sender number can be forged: no PIN by SMS, and none to the engine
            return _twiml(refused)
        text = self.choices.resolve(number, body)
        replies = await gateway.ask(Asker(contact.person_id, contact.language), Channel.SMS, text)
        self.choices.remember(number, [c for r in replies for c in r.choices])
        return _twiml(render_replies(replies, contact.language, self.runtime.settings.sms_max_segments),
                      max_segments=self.runtime.settings.sms_max_segments)


# Twilio's MessageStatus values that change what we know about an outbox row.
_MESSAGE_STATUS = {"delivered": OutboxStatus.DELIVERED, "read": OutboxStatus.READ,
                   "undelivered": OutboxStatus.FAILED, "failed": OutboxStatus.FAILED}


def status_callback(runtime: Runtime, mapping: Mapping[str, OutboxStatus], sid_key: str, status_key: str):
    """A StatusCallback endpoint: signed requests only; updates the outbox row by its SID."""

    async def endpoint(request: Request) -> Response:
        params = await verified_form(runtime.settings, request)
        if params is None:
            return Response(status_code=403)
        new = mapping.get(params.get(status_key, ""))
        sid = params.get(sid_key, "")
        if new is not None and sid:
            error = params.get("ErrorCode") or (params.get(status_key) if new is OutboxStatus.FAILED else None)

            def apply() -> None:
                with runtime.transaction() as session:
                    outbox.record_status(session, sid, new, runtime.clock.utcnow(), error)

            await asyncio.to_thread(apply)
        return Response(status_code=204)

    return endpoint


def routes(runtime: Runtime) -> list[BaseRoute]:
    if not runtime.settings.twilio_configured:
        return []  # no Twilio account: no SMS webhooks to knock on
    return [
        Route(INBOUND_PATH, SmsInbound(runtime).handle, methods=["POST"]),
        Route(STATUS_PATH, status_callback(runtime, _MESSAGE_STATUS, "MessageSid", "MessageStatus"),
              methods=["POST"]),
    ]

