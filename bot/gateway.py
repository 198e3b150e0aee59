"""The gateway between every channel and the dialogue engine.

Channels authenticate a person, then call :meth:`Gateway.ask` with that person and the text
they sent. The gateway signs the conversation id (:mod:`bot.identity`), forwards the text to
the engine's REST channel and returns the replies. When the engine is unreachable or fails,
the person gets a clear "try again shortly" in their language and the event is logged with
ids only; nothing crashes.

The engine is called with aiohttp (already installed for twilio): per request it costs about
0.2 ms of CPU against httpx's 1-1.6 ms, and every turn of every channel passes here.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot import heard
from bot.config import Settings
from bot.i18n import Formatter, language_of, render
from bot.identity import conversation_id
from bot.models import Channel
from bot.phrases import without_greeting, yes_or_no

log = logging.getLogger(__name__)

# Longer than any school question; protects the engine and the teacher's inbox.
MAX_MESSAGE_CHARS = 2000
# How long a spoken message read back to the person ("Jeg hørte: «…». Stemmer det?") waits
# for their yes.
HEARD_CHECK_SECONDS = 300


@dataclass(frozen=True)
class Choice:
    title: str
    payload: str


@dataclass
class Reply:
    text: str
    choices: list[Choice] = field(default_factory=list)
    custom: dict[str, Any] | None = None

    def as_rest(self, recipient_id: str) -> dict[str, Any]:
        """The Rasa REST channel's reply shape."""
        out: dict[str, Any] = {"recipient_id": recipient_id, "text": self.text}
        if self.choices:
            out["buttons"] = [{"title": c.title, "payload": c.payload} for c in self.choices]
        if self.custom:
            out["custom"] = self.custom
        return out


@dataclass(frozen=True)
class Asker:
    """The authenticated person behind a message: all the gateway needs to know."""

    person_id: int
    language: str


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # conversation id -> (what was heard, when): spoken messages waiting for a yes.
        self._heard: dict[str, tuple[str, float]] = {}

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None

    def conversation(self, asker: Asker, channel: Channel) -> str:
        return conversation_id(self._settings.sender_secret, asker.person_id, channel)

    async def ask(self, asker: Asker, channel: Channel, text: str) -> list[Reply]:
        text = (text or "").strip()
        if not text:
            return [Reply(render("gateway_empty_message", asker.language))]
        if len(text) > MAX_MESSAGE_CHARS:
            return [Reply(render("gateway_message_too_long", asker.language, limit=MAX_MESSAGE_CHARS))]
        sender = self.conversation(asker, channel)
        checked = self._heard.pop(sender, None)
        if checked is not None and time.monotonic() - checked[1] < HEARD_CHECK_SECONDS:
            answer = yes_or_no(text)
            if answer is True:
                text = checked[0]
            elif answer is False:
                return [Reply(render("speech_heard_wrong", asker.language))]
        payload = {"sender": sender, "message": without_greeting(text)}
        try:
            elements = await self._post(payload)
            if not isinstance(elements, list):
                raise ValueError("the engine's answer is not a list")
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            incident = uuid.uuid4().hex[:8]
            log.error(
                "engine unavailable incident=%s person=%s channel=%s error=%s",
                incident, asker.person_id, channel.value, type(exc).__name__,
            )
            return [Reply(render("gateway_engine_down", asker.language))]
        return [_reply_from(element) for element in elements
                if isinstance(element, dict) and (element.get("text") or element.get("custom"))]

    async def ask_spoken(self, asker: Asker, channel: Channel, readings: Sequence[str],
                         vocabulary: heard.Vocabulary) -> list[Reply]:
        """A spoken message: the reading the engine understands best is asked; when even that
        one is doubtful it is read back first and asked only after the person's yes."""
        choice = await heard.choose(readings, self.parse, vocabulary)
        if not choice.text:
            return [Reply(render("speech_not_understood", asker.language))]
        if choice.sure:
            return await self.ask(asker, channel, choice.text)
        self._heard[self.conversation(asker, channel)] = (choice.text, time.monotonic())
        for sender in [k for k, (_, at) in self._heard.items() if time.monotonic() - at > HEARD_CHECK_SECONDS]:
            self._heard.pop(sender, None)
        words = Formatter(language_of(asker.language))
        yes, no = words.t("words.answer_yes"), words.t("words.answer_no")
        return [Reply(render("speech_heard_check", asker.language, text=choice.text),
                      choices=[Choice(yes, yes), Choice(no, no)])]

    async def parse(self, text: str) -> dict[str, Any] | None:
        """The engine's NLU reading of ``text`` (intent, confidence, entities), None when it fails."""
        try:
            answer = await self._request("/model/parse", {"text": text}, {"token": self._settings.engine_api_token})
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            log.warning("engine parse failed error=%s", type(exc).__name__)
            return None
        return answer if isinstance(answer, dict) else None

    async def _post(self, payload: dict[str, str]) -> Any:
        return await self._request("/webhooks/rest/webhook", payload)

    async def _request(self, path: str, payload: dict[str, str], params: dict[str, str] | None = None) -> Any:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed:
            self._session, self._loop = _new_session(), loop
        if self._loop is not loop:  # another event loop than the one the session belongs to
            async with _new_session() as session:
                return await _post_with(session, self._settings.engine_url + path, payload, params)
        return await _post_with(self._session, self._settings.engine_url + path, payload, params)


def _new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30.0, connect=2.0))


async def _post_with(session: aiohttp.ClientSession, url: str, payload: dict[str, str],
                     params: dict[str, str] | None = None) -> Any:
    async with session.post(url, json=payload, params=params) as response:
        response.raise_for_status()
        return await response.json(content_type=None)


def _reply_from(element: dict[str, Any]) -> Reply:
    choices = [Choice(b.get("title", ""), b.get("payload", "")) for b in element.get("buttons") or []]
    return Reply(text=element.get("text") or "", choices=choices, custom=element.get("custom"))
