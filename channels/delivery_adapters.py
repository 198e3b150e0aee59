"""Delivery adapters: the scheduler's dispatcher hands a rendered message to one of these.

One adapter per channel, all implementing :class:`bot.delivery.DeliveryAdapter`.
Each maps what its channel answered to a :class:`~bot.delivery.DeliveryResult`:

============  =========================================  ==================================
channel       accepted                                   refused
============  =========================================  ==================================
Telegram      DELIVERED (the message is in the chat)     429 -> RETRY(retry_after);
                                                         blocked / chat gone -> FAILED;
                                                         network, 5xx -> RETRY
SMS           SENT (queued at Twilio); the status        STOP'ed number -> FAILED without a
              callback later says delivered/failed       request; 21610 -> FAILED and the
                                                         number marked stopped; 21211 ->
                                                         FAILED; 429 -> RETRY(Retry-After);
                                                         5xx, network -> RETRY
voice call    SENT; the call's status callback says      as SMS
              completed (delivered) or busy/no-answer
web           SENT (stored for the page); READ when      -
              the page has shown it
e-mail        SENT (the SMTP server took it)             recipient refused -> FAILED;
                                                         other SMTP errors, network -> RETRY
============  =========================================  ==================================

Build them with :func:`build_adapters` (one set per dispatcher process) and close them with
:func:`close_adapters`; or one by one: ``TelegramAdapter(settings, speech=None)``,
``SmsAdapter(settings, sessions, now)``, ``VoiceCallAdapter(settings, sessions, now)``,
``WebAdapter(sessions, now)``, ``EmailAdapter(settings)`` where ``sessions`` is ``runtime.sessions`` and ``now`` is
``runtime.clock.utcnow``. They are safe to use from successive event loops. External ids: Telegram ``"<chat>:<message>"``, Twilio the Message or
Call SID (status callbacks find the outbox row by it), web ``"web:<notice id>"``, e-mail
``"email:<Message-ID>"`` (stable per outbox row, so a resend after a crash is the same mail).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import aiohttp
from sqlalchemy.orm import Session, sessionmaker
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.config import Settings
from bot.db import transaction
from bot.delivery import DeliveryResult, DeliveryStatus, OutgoingMessage
from bot.gateway import Reply
from bot.models import Channel, Form, WebNotice
from bot.phones import e164
from bot.runtime import Runtime
from channels import contacts, sms, twilio_client, voice
from channels.speech import Speech
from channels.telegram import MAX_CAPTION, keyboard, make_bot, retry_after_seconds

log = logging.getLogger(__name__)

Now = Callable[[], Any]  # aware UTC datetime


class TelegramAdapter:
    channel = Channel.TELEGRAM

    def __init__(self, settings: Settings, speech: Speech | None = None) -> None:
        self._settings = settings
        self._speech = speech or Speech(settings)
        self._bots = _PerLoop(lambda: make_bot(settings))

    async def aclose(self) -> None:
        bot = self._bots.current()
        if bot is not None:
            await bot.shutdown()

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        bot = self._bots.get()
        markup = keyboard(message.choices)
        try:
            if message.form is Form.VOICE and len(message.text) <= MAX_CAPTION:
                note = await asyncio.to_thread(self._speech.voice_note, message.text, message.language,
                                               message.speaking_rate)
                sent = await bot.send_voice(chat_id=message.address, voice=note, caption=message.text,
                                            reply_markup=markup)
            else:
                sent = await bot.send_message(chat_id=message.address, text=message.text, reply_markup=markup)
        except RetryAfter as exc:
            return DeliveryResult(DeliveryStatus.RETRY, retry_after=retry_after_seconds(exc), error="telegram_429")
        except Forbidden:
            return DeliveryResult(DeliveryStatus.FAILED, error="telegram_forbidden")
        except BadRequest as exc:
            return DeliveryResult(DeliveryStatus.FAILED, error=f"telegram_bad_request:{_short(exc.message)}")
        except NetworkError:  # includes TimedOut and the API's 5xx
            return DeliveryResult(DeliveryStatus.RETRY, error="telegram_network")
        except TelegramError as exc:
            return DeliveryResult(DeliveryStatus.FAILED, error=f"telegram:{type(exc).__name__}")
        return DeliveryResult(DeliveryStatus.DELIVERED, external_id=f"{sent.chat_id}:{sent.message_id}")


class _PerLoop:
    """A client per event loop: HTTP clients (httpx in PTB, aiohttp in twilio) belong to the
    loop that made them, and a dispatcher may run each batch in a fresh ``asyncio.run``."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None

    def get(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client, self._loop = self._make(), loop
        return self._client

    def current(self) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return self._client if self._loop is loop else None


class _TwilioAdapter:
    """Shared by SMS and calls: a lazily made client (its HTTP session belongs to the event
    loop that sends) and the mapping of Twilio's errors."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], now: Now) -> None:
        self._settings = settings
        self._sessions = sessions
        self._now = now
        self._clients = _PerLoop(lambda: twilio_client.make_client(settings))

    @property
    def client(self) -> Client:
        return self._clients.get()

    async def aclose(self) -> None:
        client = self._clients.current()
        if client is not None:
            await twilio_client.close_client(client)

    def _callback(self, path: str) -> str:
        return self._settings.public_base_url.rstrip("/") + path

    def _mark_stopped(self, address: str) -> None:
        with transaction(self._sessions) as session:
            contacts.set_stopped(session, Channel.SMS, address, True, self._now())

    async def _create(self, create, **params: Any) -> DeliveryResult:
        headers: dict[str, str] = {}
        token = twilio_client.last_headers.set(headers)
        try:
            resource = await create(**params)
        except TwilioRestException as exc:
            return await self._refused(exc, headers, params["to"])
        except (TimeoutError, TwilioException, aiohttp.ClientError) as exc:
            return DeliveryResult(DeliveryStatus.RETRY, error=f"twilio_network:{type(exc).__name__}")
        finally:
            twilio_client.last_headers.reset(token)
        if resource.status in ("failed", "undelivered", "canceled"):
            return DeliveryResult(DeliveryStatus.FAILED, external_id=resource.sid, error=f"twilio_{resource.status}")
        return DeliveryResult(DeliveryStatus.SENT, external_id=resource.sid)

    async def _refused(self, exc: TwilioRestException, headers: dict[str, str], to: str) -> DeliveryResult:
        code = f"twilio_{exc.code or exc.status}"
        if exc.status == 429:
            retry = headers.get("retry-after")
            return DeliveryResult(DeliveryStatus.RETRY, retry_after=float(retry) if retry else None, error=code)
        if exc.status >= 500:
            return DeliveryResult(DeliveryStatus.RETRY, error=code)
        if exc.code == 21610:  # the person sent STOP to Twilio: keep our stores in step
            await asyncio.to_thread(self._mark_stopped, to)
        return DeliveryResult(DeliveryStatus.FAILED, error=code)


class SmsAdapter(_TwilioAdapter):
    channel = Channel.SMS

    def _stopped(self, address: str) -> bool:
        with transaction(self._sessions) as session:
            point = contacts.contact_point(session, Channel.SMS, address)
            return bool(point and point.stopped_at)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        to = e164(message.address)
        if to is None:
            return DeliveryResult(DeliveryStatus.FAILED, error="invalid_number")
        if await asyncio.to_thread(self._stopped, to):
            return DeliveryResult(DeliveryStatus.FAILED, error="sms_stopped")
        body = sms.render_replies([Reply(message.text, list(message.choices))], message.language,
                                  self._settings.sms_max_segments)
        return await self._create(self.client.messages.create_async, to=to, from_=self._settings.twilio_from_number,
                                  body=body, status_callback=self._callback(sms.STATUS_PATH))


class VoiceCallAdapter(_TwilioAdapter):
    channel = Channel.VOICE

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        to = e164(message.address)
        if to is None:
            return DeliveryResult(DeliveryStatus.FAILED, error="invalid_number")
        return await self._create(
            self.client.calls.create_async, to=to, from_=self._settings.twilio_from_number,
            twiml=voice.reminder_twiml(message.text, message.language),
            status_callback=self._callback(voice.STATUS_PATH), status_callback_event=["completed"],
        )


class WebAdapter:
    """Stores the notice for the web chat page, which shows it on next open or poll."""

    channel = Channel.WEB

    def __init__(self, sessions: sessionmaker[Session], now: Now) -> None:
        self._sessions = sessions
        self._now = now

    def _store(self, message: OutgoingMessage) -> int:
        with transaction(self._sessions) as session:
            notice = WebNotice(person_id=message.recipient_id, outbox_id=message.outbox_id or None,
                               text=message.text, language=message.language, created_at=self._now())
            session.add(notice)
            session.flush()
            return notice.id

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        notice_id = await asyncio.to_thread(self._store, message)
        return DeliveryResult(DeliveryStatus.SENT, external_id=f"web:{notice_id}")


class EmailAdapter:
    """Sends content written as e-mail (HTML: the school owner's report) through the
    installation's SMTP server, with a plain-text part for clients that show no HTML."""

    channel = Channel.EMAIL

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _mail(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._settings.email_from
        mail["To"] = message.address
        mail["Subject"] = _subject(message.text)
        mail["Message-ID"] = f"<outbox-{message.outbox_id}@{self._settings.email_from.rpartition('@')[2]}>"
        mail.set_content(_plain(message.text))
        mail.add_alternative(f'<!doctype html><html lang="{message.language}"><head><meta charset="utf-8">'
                             f"<title>{html.escape(_subject(message.text))}</title></head>"
                             f"<body>{message.text}</body></html>", subtype="html")
        return mail

    def _send(self, mail: EmailMessage) -> None:
        settings = self._settings
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(mail)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        mail = self._mail(message)
        try:
            await asyncio.to_thread(self._send, mail)
        except smtplib.SMTPRecipientsRefused:
            return DeliveryResult(DeliveryStatus.FAILED, error="recipient_refused")
        except (smtplib.SMTPException, OSError) as exc:
            return DeliveryResult(DeliveryStatus.RETRY, error=type(exc).__name__)
        return DeliveryResult(DeliveryStatus.SENT, external_id=f"email:{mail['Message-ID']}")


def _subject(text: str) -> str:
    found = re.search(r"<h[12][^>]*>(.*?)</h[12]>", text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else "Ransel"


def _plain(text: str) -> str:
    """The HTML's words, a line per block and a tab between table cells."""
    text = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", "\t", text)
    text = re.sub(r"<(br|/p|/tr|/h[1-6]|/li)[^>]*>", "\n", text)
    lines = (html.unescape(re.sub(r"<[^>]+>", "", line)).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line) + "\n"


def build_adapters(runtime: Runtime, speech: Speech | None = None) -> dict[Channel, Any]:
    """One adapter per channel for a dispatcher process, keyed by channel."""
    settings, now = runtime.settings, runtime.clock.utcnow
    built: dict[Channel, Any] = {Channel.WEB: WebAdapter(runtime.sessions, now)}
    # An unconfigured channel has no adapter: its rows wait (and fail after the retries)
    # with "no adapter for telegram" instead of knocking on a provider with no credentials.
    if settings.telegram_configured:
        built[Channel.TELEGRAM] = TelegramAdapter(settings, speech)
    if settings.twilio_configured:
        built[Channel.SMS] = SmsAdapter(settings, runtime.sessions, now)
        built[Channel.VOICE] = VoiceCallAdapter(settings, runtime.sessions, now)
    if settings.smtp_configured:
        built[Channel.EMAIL] = EmailAdapter(settings)
    return built


def adapters(runtime: Runtime) -> list[Any]:
    """The channels' delivery provider (listed in ``ransel.delivery.DELIVERY_PROVIDERS``)."""
    return list(build_adapters(runtime).values())


async def close_adapters(adapters: dict[Channel, Any]) -> None:
    """Close the HTTP clients made in the running loop (call before the loop ends)."""
    for adapter in adapters.values():
        close = getattr(adapter, "aclose", None)
        if close is not None:
            await close()


def _short(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower())[:60]
