"""A local Twilio: the REST API for Messages and Calls, and the phones on the other side.

REST (``{base}/2010-04-01/Accounts/{AccountSid}/...``, HTTP basic auth with the account SID
and auth token, form-encoded parameters, JSON resources as in Twilio's API reference):

- ``Messages.json`` create and ``Messages/{Sid}.json`` fetch. Errors use Twilio's codes:
  21211 invalid 'To', 21606 'From' not ours, 21602 no body, 21617 body over 1600 characters,
  21610 recipient unsubscribed (after STOP), 20003 bad credentials, 20429 rate limited (429
  with ``Retry-After``). Status callbacks (sent, then delivered or undelivered) go to the
  ``StatusCallback`` URL, signed with ``X-Twilio-Signature`` like Twilio's own.
- ``Calls.json`` create (``Twiml`` or ``Url``) and fetch; the called phone "answers", the
  TwiML is read out to it, and ``completed`` (or busy / no-answer) is posted back.

The other side is :class:`Phone`: it texts the configured number (the SMS webhook gets the
same signed form Twilio sends, with Twilio's own STOP/START handling and ``OptOutType``),
receives messages, and calls in: :class:`PhoneCall` follows the TwiML (``<Say>``,
``<Gather input="speech">``, ``<Redirect>``, ``<Hangup>``) and answers a gather with speech.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import math
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from bot import sms_segments
from bot.phones import e164

API_VERSION = "2010-04-01"
MAX_BODY = 1600
OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
OPT_IN = {"START", "YES", "UNSTOP"}
HELP = {"HELP", "INFO"}
STOP_CONFIRMATION = ("You have successfully been unsubscribed. You will not receive any more messages "
                     "from this number. Reply START to resubscribe.")
START_CONFIRMATION = ("You have successfully been re-subscribed to messages from this number. "
                      "Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.")


class TwilioError(Exception):
    def __init__(self, status: int, code: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    return RequestValidator(auth_token).compute_signature(url, params)


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _rfc2822(moment: datetime) -> str:
    return email.utils.format_datetime(moment).replace("-0000", "+0000")


@dataclass
class Message:
    sid: str
    to: str
    from_: str
    body: str
    direction: str  # outbound-api, outbound-reply, inbound
    status: str
    num_segments: int
    status_callback: str | None = None
    error_code: int | None = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Call:
    sid: str
    to: str
    from_: str
    status: str
    twiml: str | None
    url: str | None
    status_callback: str | None
    heard: list[str] = field(default_factory=list)
    duration: int = 0
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


class TwilioEmulator:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        messages_per_second: float = 10.0,
        burst: int = 20,
        clock: Callable[[], float] = time.monotonic,
        opt_out_handling: bool = True,
        on_sent: Callable[[Message], None] | None = None,
    ) -> None:
        self.on_sent = on_sent  # the demo prints what each phone would show
        self.account_sid, self.auth_token = account_sid, auth_token
        # Twilio's default: it answers STOP/START itself and blocks an unsubscribed number.
        self.opt_out_handling = opt_out_handling
        self._rate, self._burst, self._clock = messages_per_second, burst, clock
        self._tokens, self._stamp = float(burst), clock()
        self._lock = threading.RLock()
        self.numbers: dict[str, dict[str, str | None]] = {}  # our numbers: sms_url, voice_url
        self.messages: dict[str, Message] = {}
        self.calls: dict[str, Call] = {}
        self.opted_out: set[str] = set()
        self.unreachable: set[str] = set()  # handsets switched off: undelivered (30003)
        self.busy: set[str] = set()  # phones that do not pick up
        self.callbacks: list[tuple[str, dict[str, str]]] = []  # status callbacks sent
        base = f"/{API_VERSION}/Accounts/{{account}}"
        self.app = Starlette(routes=[
            Route("/health", lambda request: JSONResponse({"status": "ok"})),
            Route(f"{base}/Messages.json", self._create_message, methods=["POST"]),
            Route(f"{base}/Messages/{{sid}}.json", self._fetch_message, methods=["GET"]),
            Route(f"{base}/Calls.json", self._create_call, methods=["POST"]),
            Route(f"{base}/Calls/{{sid}}.json", self._fetch_call, methods=["GET"]),
            Route("/_emulator/sms", self._admin_sms, methods=["POST"]),
            Route("/_emulator/messages", self._admin_messages, methods=["GET"]),
        ])

    def webhook(self, number: str, kind: str) -> str:
        """Where our number ``number`` sends its ``kind`` (sms_url or voice_url) webhooks."""
        url = self.numbers[number][kind]
        if url is None:
            raise LookupError(f"no {kind} configured for {number}")
        return url

    def configure_number(self, number: str, sms_url: str | None = None, voice_url: str | None = None) -> None:
        with self._lock:
            self.numbers[number] = {"sms_url": sms_url, "voice_url": voice_url}

    # -- REST ---------------------------------------------------------------------------

    def _authorize(self, request: Request) -> None:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.path_params["account"] != self.account_sid or request.headers.get("authorization") != expected:
            raise TwilioError(401, 20003, "Authenticate")

    def _take_token(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens < 1:
            raise TwilioError(429, 20429, "Too Many Requests",
                              retry_after=max(1, math.ceil((1 - self._tokens) / self._rate)))
        self._tokens -= 1

    async def _create_message(self, request: Request) -> Response:
        try:
            self._authorize(request)
            form = dict((await request.form()).items())
            with self._lock:
                message = self._accept_message(form)
        except TwilioError as exc:
            return _error(exc)
        return JSONResponse(self._message_json(message), status_code=201,
                            background=BackgroundTask(self._progress_message, message.sid))

    def _accept_message(self, form: dict[str, Any]) -> Message:
        to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body")
        if not to or e164(to) != to:
            raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if from_ not in self.numbers:
            raise TwilioError(400, 21606, "The From phone number is not a valid, SMS-capable inbound phone "
                                          "number or short code for your account.")
        if not body:
            raise TwilioError(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            raise TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if to in self.opted_out:
            raise TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")
        self._take_token()
        message = Message(_sid("SM"), to, from_, body, "outbound-api", "queued",
                          sms_segments.count(body).segments, form.get("StatusCallback"))
        self.messages[message.sid] = message
        if self.on_sent is not None:
            self.on_sent(message)
        return message

    async def _progress_message(self, sid: str) -> None:
        """The carrier's part: queued -> sent -> delivered (or undelivered)."""
        await asyncio.sleep(0.01)
        with self._lock:
            message = self.messages[sid]
            message.status = "sent"
        await self._callback_message(message)
        with self._lock:
            if message.to in self.unreachable:
                message.status, message.error_code = "undelivered", 30003
            else:
                message.status = "delivered"
        await self._callback_message(message)

    async def _callback_message(self, message: Message) -> None:
        if not message.status_callback:
            return
        params = {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "MessageSid": message.sid,
                  "SmsSid": message.sid, "MessageStatus": message.status, "SmsStatus": message.status,
                  "From": message.from_, "To": message.to}
        if message.error_code:
            params["ErrorCode"] = str(message.error_code)
        await self._post_signed(message.status_callback, params)

    async def _post_signed(self, url: str, params: dict[str, str]) -> None:
        headers = {"X-Twilio-Signature": sign(self.auth_token, url, params)}
        with self._lock:
            self.callbacks.append((url, params))
        try:
            async with httpx.AsyncClient(timeout=30) as client:
                await client.post(url, data=params, headers=headers)
        except httpx.HTTPError:
            pass  # Twilio logs a failed callback in its debugger and moves on

    async def _fetch_message(self, request: Request) -> Response:
        try:
            self._authorize(request)
        except TwilioError as exc:
            return _error(exc)
        message = self.messages.get(request.path_params["sid"])
        if message is None:
            return _error(TwilioError(404, 20404, "The requested resource was not found"))
        return JSONResponse(self._message_json(message))

    def _message_json(self, m: Message) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{m.sid}.json"
        return {
            "account_sid": self.account_sid, "api_version": API_VERSION, "body": m.body,
            "date_created": _rfc2822(m.created), "date_updated": _rfc2822(m.created),
            "date_sent": _rfc2822(m.created) if m.status in ("sent", "delivered") else None,
            "direction": m.direction, "error_code": m.error_code, "error_message": None,
            "from": m.from_, "messaging_service_sid": None, "num_media": "0",
            "num_segments": str(m.num_segments), "price": None, "price_unit": "USD", "sid": m.sid,
            "status": m.status, "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": m.to, "uri": uri,
        }

    async def _create_call(self, request: Request) -> Response:
        try:
            self._authorize(request)
            form = await request.form()
            to, from_ = _text(form, "To") or "", _text(form, "From") or ""
            if not to or e164(to) != to:
                raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")
            if from_ not in self.numbers:
                raise TwilioError(400, 21210, "'From' phone number not verified")
            if not form.get("Twiml") and not form.get("Url"):
                raise TwilioError(400, 21205, "Url parameter is required.")
            with self._lock:
                self._take_token()
                call = Call(_sid("CA"), to, from_, "queued", _text(form, "Twiml"), _text(form, "Url"),
                            _text(form, "StatusCallback"))
                self.calls[call.sid] = call
        except TwilioError as exc:
            return _error(exc)
        return JSONResponse(self._call_json(call), status_code=201,
                            background=BackgroundTask(self._progress_call, call.sid))

    async def _progress_call(self, sid: str) -> None:
        await asyncio.sleep(0.01)
        call = self.calls[sid]
        if call.to in self.busy:
            call.status = "no-answer"
        else:
            twiml = call.twiml
            if twiml is None and call.url:
                params = self._call_params(call, "in-progress")
                async with httpx.AsyncClient(timeout=30) as client:
                    response = await client.post(call.url, data=params, headers={
                        "X-Twilio-Signature": sign(self.auth_token, call.url, params)})
                twiml = response.text
            call.heard = [text for _, text in says(twiml or "<Response/>")]
            call.duration = max(1, sum(len(t.split()) for t in call.heard) // 3)
            call.status = "completed"
        if call.status_callback:
            params = self._call_params(call, call.status)
            params["CallDuration"] = str(call.duration)
            await self._post_signed(call.status_callback, params)

    def _call_params(self, call: Call, status: str) -> dict[str, str]:
        return {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": call.sid,
                "CallStatus": status, "Direction": "outbound-api", "From": call.from_, "To": call.to}

    async def _fetch_call(self, request: Request) -> Response:
        try:
            self._authorize(request)
        except TwilioError as exc:
            return _error(exc)
        call = self.calls.get(request.path_params["sid"])
        if call is None:
            return _error(TwilioError(404, 20404, "The requested resource was not found"))
        return JSONResponse(self._call_json(call))

    def _call_json(self, c: Call) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{c.sid}.json"
        return {"account_sid": self.account_sid, "api_version": API_VERSION, "sid": c.sid,
                "to": c.to, "from": c.from_, "status": c.status, "direction": "outbound-api",
                "date_created": _rfc2822(c.created), "date_updated": _rfc2822(c.created),
                "duration": str(c.duration) if c.status == "completed" else None, "answered_by": None,
                "price": None, "price_unit": "USD", "uri": uri}

    # -- admin endpoints for `ransel emulators` (sync: they call back into the app) -------

    async def _admin_sms(self, request: Request) -> Response:
        """``{"from": "+47...", "body": "..."}``: a phone texts our number; returns the replies.
        The phone's request runs in a worker thread: the app may call back into us meanwhile."""
        data = await request.json()
        replies = await asyncio.to_thread(self.phone(data["from"]).send_sms, data["body"], data.get("to"))
        return JSONResponse({"replies": replies})

    def _admin_messages(self, request: Request) -> Response:
        to = request.query_params.get("to")
        with self._lock:
            items = [self._message_json(m) for m in self.messages.values() if to in (None, m.to)]
        return JSONResponse({"messages": items})

    # -- the phones' side ---------------------------------------------------------------

    def phone(self, number: str) -> Phone:
        return Phone(self, number)

    def sent_to(self, number: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages.values() if m.to == number and m.direction != "inbound"]

    def our_number(self) -> str:
        return next(iter(self.numbers))


@dataclass
class Phone:
    emulator: TwilioEmulator
    number: str

    def send_sms(self, body: str, to: str | None = None, message_sid: str | None = None) -> list[str]:
        """Text our number; returns the replies the phone received (TwiML and Twilio's own)."""
        emulator = self.emulator
        to = to or emulator.our_number()
        sid = message_sid or _sid("SM")
        keyword = body.strip().upper()
        params = {
            "ToCountry": "NO", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
            "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "",
            "Body": body, "FromCountry": "NO", "To": to, "ToZip": "", "MessageSid": sid,
            "NumSegments": str(sms_segments.count(body).segments), "AccountSid": emulator.account_sid,
            "From": self.number, "ApiVersion": API_VERSION,
        }
        auto_reply = None
        with emulator._lock:
            emulator.messages.setdefault(sid, Message(sid, to, self.number, body, "inbound", "received", 1))
            if not emulator.opt_out_handling:
                pass
            elif keyword in OPT_OUT:
                emulator.opted_out.add(self.number)
                params["OptOutType"] = "STOP"
                auto_reply = STOP_CONFIRMATION
            elif keyword in OPT_IN:
                emulator.opted_out.discard(self.number)
                params["OptOutType"] = "START"
                auto_reply = START_CONFIRMATION
            elif keyword in HELP:
                params["OptOutType"] = "HELP"
            url = emulator.webhook(to, "sms_url")
        replies = [auto_reply] if auto_reply else []
        response = httpx.post(url, data=params, timeout=120,
                              headers={"X-Twilio-Signature": sign(emulator.auth_token, url, params)})
        self.last_status = response.status_code
        if response.status_code == 200 and response.text.strip():
            for text in messages(response.text):
                with emulator._lock:
                    if self.number in emulator.opted_out:
                        continue  # Twilio drops replies to an unsubscribed number (21610)
                    reply = Message(_sid("SM"), self.number, to, text, "outbound-reply", "delivered",
                                    sms_segments.count(text).segments)
                    emulator.messages[reply.sid] = reply
                    if emulator.on_sent is not None:
                        emulator.on_sent(reply)
                replies.append(text)
        return replies

    def inbox(self) -> list[str]:
        return [m.body for m in self.emulator.sent_to(self.number)]

    def call(self, to: str | None = None) -> PhoneCall:
        return PhoneCall(self.emulator, self.number, to or self.emulator.our_number())


class PhoneCall:
    """An inbound call in progress: what the caller heard, and the gather waiting for speech."""

    def __init__(self, emulator: TwilioEmulator, caller: str, to: str) -> None:
        self.emulator, self.caller, self.to = emulator, caller, to
        self.sid = _sid("CA")
        self.heard: list[tuple[str, str]] = []  # (language, text)
        self.gather: dict[str, str] | None = None
        self.ended = False
        self.last_status = 0
        self._after_gather: list[ET.Element] = []
        self._url = emulator.webhook(to, "voice_url")
        self._request(self._url, {"CallStatus": "ringing"})

    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {"AccountSid": self.emulator.account_sid, "ApiVersion": API_VERSION, "CallSid": self.sid,
                "Direction": "inbound", "From": self.caller, "To": self.to, "Caller": self.caller,
                "Called": self.to, "CallStatus": "in-progress", "FromCountry": "NO", "ToCountry": "NO",
                **extra}

    def _request(self, url: str, extra: dict[str, str]) -> None:
        params = self._params(extra)
        response = httpx.post(url, data=params, timeout=120,
                              headers={"X-Twilio-Signature": sign(self.emulator.auth_token, url, params)})
        self.last_status = response.status_code
        if response.status_code != 200:
            self.heard.append(("en-US", "We are sorry, an application error has occurred. Goodbye."))
            self.ended = True
            return
        self._url = url
        self._run(list(ET.fromstring(response.text)))

    def _run(self, verbs: list[ET.Element]) -> None:
        for index, verb in enumerate(verbs):
            if verb.tag == "Say":
                self.heard.append((verb.get("language", "en-US"), (verb.text or "").strip()))
            elif verb.tag == "Gather":
                for inner in verb:
                    if inner.tag == "Say":
                        self.heard.append((inner.get("language", "en-US"), (inner.text or "").strip()))
                self.gather = {k: v for k, v in verb.attrib.items()}
                self._after_gather = verbs[index + 1:]
                return
            elif verb.tag == "Redirect":
                self._request(urljoin(self._url, (verb.text or "").strip()), {})
                return
            elif verb.tag == "Hangup":
                self.ended = True
                return
        self.ended = True  # the end of the TwiML ends the call

    def say(self, speech: str, confidence: float = 0.92) -> None:
        """Answer the open ``<Gather input="speech">`` as Twilio's recogniser would."""
        assert self.gather is not None and not self.ended, "nothing is listening"
        gather, self.gather = self.gather, None
        action = urljoin(self._url, gather.get("action") or self._url)
        self._request(action, {"SpeechResult": speech, "Confidence": f"{confidence:.2f}"})

    def press(self, digits: str) -> None:
        """Key digits into the open ``<Gather input="dtmf">`` (Twilio posts them as ``Digits``,
        without the finishing key)."""
        assert self.gather is not None and not self.ended, "nothing is listening"
        gather, self.gather = self.gather, None
        finish = gather.get("finishOnKey", "#")
        action = urljoin(self._url, gather.get("action") or self._url)
        self._request(action, {"Digits": digits.rstrip(finish) if finish else digits})

    def stay_silent(self) -> None:
        assert self.gather is not None
        gather, self.gather = self.gather, None
        if gather.get("actionOnEmptyResult") == "true":
            self._request(urljoin(self._url, gather.get("action") or self._url), {})
        else:
            self._run(self._after_gather)

    def said(self) -> list[str]:
        return [text for _, text in self.heard]


def says(twiml: str) -> list[tuple[str, str]]:
    root = ET.fromstring(twiml)
    return [(el.get("language", "en-US"), (el.text or "").strip()) for el in root.iter("Say")]


def messages(twiml: str) -> list[str]:
    root = ET.fromstring(twiml)
    out = []
    for el in root.iter("Message"):
        body = el.find("Body")
        out.append(((body.text if body is not None else el.text) or "").strip())
    return [m for m in out if m]


def _error(exc: TwilioError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return JSONResponse({"code": exc.code, "message": exc.message,
                         "more_info": f"https://www.twilio.com/docs/errors/{exc.code}", "status": exc.status},
                        status_code=exc.status, headers=headers)


def _text(form: FormData, name: str) -> str | None:
    """A text field of a form (files are not fields the REST API takes)."""
    value = form.get(name)
    return value if isinstance(value, str) else None
