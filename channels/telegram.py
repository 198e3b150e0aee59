"""Telegram: a python-telegram-bot Application behind a webhook (or polling, locally).

Inbound, every update goes through the same handlers in both modes:

- a repeat of an update already handled (same ``update_id``) is dropped;
- ``/start CODE`` (the t.me deep link) binds the chat to the person the code was issued for;
- text, a pressed inline button (its payload) or a recognised voice note goes through
  :meth:`bot.gateway.Gateway.ask` as that person; replies come back as text with inline
  buttons for choices, or as a voice note with the text as caption for people who prefer
  voice;
- a chat not linked to anyone gets a bilingual "link your account" answer.

The webhook (``POST /telegram/webhook``) accepts only requests carrying the secret token we
registered with ``setWebhook``; anything else is refused with 403 before it is read.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import warnings
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import heard as heard_text
from bot.config import Settings
from bot.gateway import Asker, Choice, Gateway, Reply
from bot.i18n import render
from bot.models import Channel, Form
from bot.runtime import Runtime
from channels import contacts, inbound, pins
from channels.attempts import AttemptLimiter
from channels.choices import ChoiceMemory
from channels.contacts import Contact
from channels.speech import Speech, SpeechProblem, rate_from_profile

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CALLBACK_DATA = 64  # bytes, Bot API limit
MAX_CAPTION = 1024
MAX_TEXT = 4096


def make_bot(settings: Settings) -> Bot:
    """A Bot talking to ``settings.telegram_api_url`` (the real API or the emulator)."""
    api = settings.telegram_api_url.rstrip("/")
    return Bot(
        settings.telegram_bot_token,
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        request=HTTPXRequest(connection_pool_size=16, read_timeout=30, write_timeout=30),
    )


def callback_data(choice: Choice) -> str:
    """Button data within Telegram's 64 bytes: the payload itself, or the title to be sent
    as if typed when the payload is longer."""
    data = "p:" + choice.payload
    if len(data.encode()) <= MAX_CALLBACK_DATA:
        return data
    title = choice.title
    while len(("t:" + title).encode()) > MAX_CALLBACK_DATA:
        title = title[:-1]
    return "t:" + title


def _message_from_callback(data: str) -> str:
    return data[2:] if data[:2] in ("p:", "t:") else data


def keyboard(choices: list[Choice]) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(c.title, callback_data=callback_data(c))] for c in choices])


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 deprecates the int form in favour of timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    """The handlers; one per process, shared by webhook and polling mode."""

    def __init__(self, runtime: Runtime, gateway: Gateway, speech: Speech) -> None:
        self.runtime = runtime
        self.gateway = gateway
        self.speech = speech
        # A voice note answering a question with buttons is recognised against their titles.
        self._choices = ChoiceMemory()
        self._attempts = AttemptLimiter(runtime, "telegram", runtime.settings.link_code_max_failures,
                                        hourly_budget=runtime.settings.link_code_hourly_budget)

    def register(self, application: Application) -> None:
        # Private chats only: a chat is bound to one person, and a group would mix people.
        private = filters.ChatType.PRIVATE
        application.add_handler(TypeHandler(Update, self._drop_repeats), group=-1)
        application.add_handler(CommandHandler("start", self._start, filters=private))
        application.add_handler(CommandHandler("pin", self._pin, filters=private))
        application.add_handler(CallbackQueryHandler(self._button))
        application.add_handler(MessageHandler(private & (filters.VOICE | filters.AUDIO), self._voice))
        application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self._text))
        application.add_handler(MessageHandler(private, self._unsupported))
        application.add_error_handler(self._error)

    # -- state in the stores (blocking; run in a worker thread) ---------------------------

    def _delivery_id(self, update_id: int) -> str:
        # update_id counts per bot: a new bot (token) starts again, so key by the bot too.
        bot_id = self.runtime.settings.telegram_bot_token.split(":", 1)[0]
        return f"{bot_id}:{update_id}"

    def _claim(self, update_id: int) -> bool:
        with self.runtime.transaction() as session:
            return inbound.claim(session, Channel.TELEGRAM.value, self._delivery_id(update_id),
                                 self.runtime.clock.utcnow())

    def _release(self, update_id: int) -> None:
        with self.runtime.transaction() as session:
            inbound.release(session, Channel.TELEGRAM.value, self._delivery_id(update_id))

    def _contact(self, chat_id: int) -> Contact | None:
        with self.runtime.transaction() as session:
            return contacts.person_at(session, Channel.TELEGRAM, str(chat_id))

    def _link(self, chat_id: int, code: str) -> Contact | None:
        now = self.runtime.clock.utcnow()
        with self.runtime.transaction() as session:
            person_id = contacts.redeem(session, self.runtime.settings.sender_secret, code,
                                       now=now, used_for=Channel.TELEGRAM.value)
            if person_id is None:
                return None
            contacts.bind(session, person_id, Channel.TELEGRAM, str(chat_id), now)
            return contacts.contact_for(session, person_id)

    # -- handlers -----------------------------------------------------------------------

    async def _drop_repeats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await asyncio.to_thread(self._claim, update.update_id):
            log.info("telegram repeat dropped update=%s", update.update_id)
            raise ApplicationHandlerStop

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(update, Update):
            # Let Telegram's retry of this update be handled rather than dropped as a repeat.
            await asyncio.to_thread(self._release, update.update_id)
            log.error("telegram update failed update=%s error=%s", update.update_id,
                      type(context.error).__name__, exc_info=context.error)
        else:
            log.error("telegram error=%s", type(context.error).__name__, exc_info=context.error)

    async def _start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = _chat_id(update)
        if context.args:
            verdict = await asyncio.to_thread(self._attempts.reserve, f"chat:{chat_id}")
            if not verdict.allowed:
                await self._send_text(context.bot, chat_id, self._render_for(None, "link_too_many_attempts"))
                return
            if verdict.slow:
                await asyncio.sleep(self.runtime.settings.link_code_spray_delay_seconds)
            contact = await asyncio.to_thread(self._link, chat_id, context.args[0])
            if contact is not None:
                await asyncio.to_thread(self._attempts.refund, verdict)
            if contact is None:
                known = await asyncio.to_thread(self._contact, chat_id)
                await self._send_text(context.bot, chat_id, self._render_for(known, "link_code_invalid"))
                return
            log.info("telegram chat linked person=%s", contact.person_id)
        else:
            contact = await self._known(context.bot, chat_id)
            if contact is None:
                return
        await self._send_text(context.bot, chat_id,
                              render("channel_linked", contact.language, given_name=contact.given_name))

    async def _text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = _chat_id(update)
        contact = await self._known(context.bot, chat_id)
        if contact:
            await self._converse(context.bot, chat_id, contact, _message(update).text or "")

    async def _pin(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/pin 4821``: the phone PIN, set here because the chat was linked with a code."""
        chat_id = _chat_id(update)
        contact = await self._known(context.bot, chat_id)
        if contact:
            answer = await asyncio.to_thread(pins.command, self.runtime, contact.person_id, contact.language,
                                             Channel.TELEGRAM, _message(update).text or "")
            await self._send_text(context.bot, chat_id, answer or render("pin_help", contact.language))

    async def _button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None  # registered as a CallbackQueryHandler
        await query.answer()  # stops the spinner on the person's button
        if update.effective_chat is None or update.effective_chat.type != "private":
            return
        chat_id = _chat_id(update)
        contact = await self._known(context.bot, chat_id)
        if contact is None:
            return
        with_buttons = query.message
        if with_buttons is not None and getattr(with_buttons, "reply_markup", None):
            try:  # a choice is made once: take the buttons away
                await context.bot.edit_message_reply_markup(chat_id, with_buttons.message_id, reply_markup=None)
            except TelegramError as exc:
                log.info("telegram buttons not removed error=%s", type(exc).__name__)
        await self._converse(context.bot, chat_id, contact, _message_from_callback(query.data or ""))

    async def _voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = _chat_id(update)
        contact = await self._known(context.bot, chat_id)
        if contact is None:
            return
        message = _message(update)
        media = message.voice or message.audio
        assert media is not None  # the handler's filter admits voice notes and audio only
        max_bytes = self.runtime.settings.speech_max_bytes
        try:
            if media.file_size and media.file_size > max_bytes:
                raise SpeechProblem("too_large", megabytes=round(max_bytes / 1024 / 1024))
            file = await context.bot.get_file(media.file_id)
            data = bytes(await file.download_as_bytearray())
            grammar = [c.title for c in self._choices.offered(str(chat_id))] or None
            words = await asyncio.to_thread(heard_text.vocabulary_of, self.runtime, contact.person_id, contact.language)
            heard = await asyncio.to_thread(self.speech.recognize, data, contact.language, grammar, words.prompt())
        except SpeechProblem as problem:
            log.info("telegram voice not usable person=%s kind=%s", contact.person_id, problem.kind)
            await self._send_text(context.bot, chat_id, problem.message(contact.language))
            return
        if heard.free:  # Whisper's readings: the engine picks the one it understands
            replies = await self.gateway.ask_spoken(Asker(contact.person_id, contact.language), Channel.TELEGRAM,
                                                    heard.readings, words)
            await self._send_replies(context.bot, chat_id, contact, replies)
            return
        # "Emma" said aloud picks Emma's button.
        await self._converse(context.bot, chat_id, contact, self._choices.resolve(str(chat_id), heard.text))

    async def _unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is None:
            return
        contact = await self._known(context.bot, update.effective_chat.id)
        if contact:
            await self._send_text(context.bot, update.effective_chat.id,
                                  render("channel_unsupported_message", contact.language))

    # -- talking ------------------------------------------------------------------------

    async def _known(self, bot: Bot, chat_id: int) -> Contact | None:
        contact = await asyncio.to_thread(self._contact, chat_id)
        if contact is None:
            await self._send_text(bot, chat_id, self._render_for(None, "channel_link_needed"))
        return contact

    @staticmethod
    def _render_for(contact: Contact | None, template: str) -> str:
        if contact is not None:
            return render(template, contact.language)
        # We do not know who this is: say it in bokmål and English.
        return render(template, "nb") + "\n\n" + render(template, "en")

    async def _converse(self, bot: Bot, chat_id: int, contact: Contact, text: str) -> None:
        replies = await self.gateway.ask(Asker(contact.person_id, contact.language), Channel.TELEGRAM, text)
        await self._send_replies(bot, chat_id, contact, replies)

    async def _send_replies(self, bot: Bot, chat_id: int, contact: Contact, replies: list[Reply]) -> None:
        self._choices.remember(str(chat_id), [c for r in replies for c in r.choices])
        for reply in replies:
            await self.send_reply(bot, chat_id, contact, reply)

    async def send_reply(self, bot: Bot, chat_id: int, contact: Contact, reply: Reply) -> None:
        markup = keyboard(reply.choices)
        if contact.form is Form.VOICE and reply.text:
            rate = rate_from_profile(contact.speaking_rate, self.runtime.settings.speech_default_rate)
            try:
                note = await asyncio.to_thread(self.speech.voice_note, reply.text, contact.language, rate)
            except Exception:
                log.exception("telegram voice synthesis failed person=%s", contact.person_id)
            else:
                caption = reply.text if len(reply.text) <= MAX_CAPTION else None
                await _with_flood_retry(bot.send_voice, chat_id=chat_id, voice=note, caption=caption,
                                        reply_markup=markup)
                if caption is None:
                    await self._send_text(bot, chat_id, reply.text)
                return
        await self._send_text(bot, chat_id, reply.text, markup)

    @staticmethod
    async def _send_text(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        chunks = [text[i:i + MAX_TEXT] for i in range(0, len(text), MAX_TEXT)] or [""]
        for index, chunk in enumerate(chunks):
            if chunk.strip():
                await _with_flood_retry(bot.send_message, chat_id=chat_id, text=chunk,
                                        reply_markup=markup if index == len(chunks) - 1 else None)


async def _with_flood_retry(call, **kwargs: Any):
    """Answers to a person wait out a short flood-control pause once rather than vanish."""
    try:
        return await call(**kwargs)
    except RetryAfter as exc:
        wait = retry_after_seconds(exc)
        if wait > 10:
            raise
        await asyncio.sleep(wait)
        return await call(**kwargs)


def build_application(runtime: Runtime, gateway: Gateway, speech: Speech | None = None, *,
                      polling: bool = False) -> Application:
    builder = Application.builder().bot(make_bot(runtime.settings))
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    TelegramChannel(runtime, gateway, speech or Speech(runtime.settings)).register(application)
    return application


class _Webhook:
    """The webhook endpoint; builds and initialises the Application on first use."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._application: Application | None = None
        self._lock = asyncio.Lock()

    async def application(self, request: Request) -> Application:
        async with self._lock:
            if self._application is None:
                application = build_application(self.runtime, request.app.state.gateway,
                                                 getattr(request.app.state, "speech", None))
                await application.initialize()
                self._application = application
            return self._application

    async def handle(self, request: Request) -> Response:
        expected = self.runtime.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            log.warning("telegram webhook refused: bad secret token")
            return Response(status_code=403)
        try:
            data = json.loads(await request.body())
        except ValueError:
            return Response(status_code=400)
        application = await self.application(request)
        try:
            update = Update.de_json(data, application.bot)
        except Exception:  # noqa: BLE001 - a malformed update will not improve on retry
            log.warning("telegram webhook: unreadable update")
            return Response(status_code=200)
        await application.process_update(update)
        return Response(status_code=200)


def routes(runtime: Runtime) -> list[BaseRoute]:
    if not runtime.settings.telegram_configured:
        return []  # no bot token: no webhook to knock on
    return [Route(WEBHOOK_PATH, _Webhook(runtime).handle, methods=["POST"])]


async def register_webhook(settings: Settings) -> str:
    """Tell Telegram (or the emulator) where to deliver updates, with our secret token."""
    url = settings.public_base_url.rstrip("/") + WEBHOOK_PATH
    async with make_bot(settings) as bot:
        await bot.set_webhook(url, secret_token=settings.telegram_webhook_secret,
                              allowed_updates=["message", "callback_query"])
    return url


def _chat_id(update: Update) -> int:
    """The chat of an update our handlers admit (each is registered for messages in a chat)."""
    assert update.effective_chat is not None
    return update.effective_chat.id


def _message(update: Update) -> Message:
    assert update.effective_message is not None  # the handlers are message handlers
    return update.effective_message
