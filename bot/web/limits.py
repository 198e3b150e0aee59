"""Request body limits, enforced before any endpoint reads or parses a body.

An ASGI middleware around the whole HTTP app. A declared ``Content-Length`` above the
path's limit is answered 413 before a byte of the body is received; a body without one
(``Transfer-Encoding: chunked``) is counted as it streams and cut off with 413 as soon as
it passes the limit, so no endpoint ever holds more than the limit in memory.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.learning.api import MAX_BODY as ACTIVITY
from bot.reminder_rules import MAX_RULES_BYTES

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 64 * 1024  # webhooks (Twilio forms, Telegram updates), sign-in, chat and REST JSON
ERROR = {
    "error": "body_too_large",
    "message": {"nb": "Forespørselen er for stor.", "nn": "Førespurnaden er for stor.",
                "en": "The request is too large."},
}


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _answer(send, 400, {"error": "bad_content_length"})
                    return
        if declared is not None and declared > limit:
            log.warning("request refused: body of %d bytes over the limit of %d path=%s", declared, limit, scope["path"])
            await _answer(send, 413, {**ERROR, "limit": limit})
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            log.warning("request refused: streamed body over the limit of %d path=%s", limit, scope["path"])
            if not started:
                await _answer(send, 413, {**ERROR, "limit": limit})


async def _answer(send: Send, status: int, body: dict) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(payload)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})


def limits(speech_max_bytes: int) -> Callable[[str], int]:
    """The limit per path: voice uploads up to the speech limit, activity statements and
    reminder rules their own documented sizes, everything else 64 KiB."""

    voice = speech_max_bytes + 64 * 1024  # the audio plus the multipart envelope

    def limit_for(path: str) -> int:
        if path == "/chat/api/voice":
            return voice
        if path == "/api/activity":
            return ACTIVITY
        if path.startswith("/api/schools/") and path.endswith("/reminders"):
            return MAX_RULES_BYTES
        return DEFAULT_LIMIT

    return limit_for
