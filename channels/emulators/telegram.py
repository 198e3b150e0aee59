"""A local Telegram Bot API, enough for Ransel's bot, following the public Bot API docs.

Requests: ``POST|GET {base}/bot<token>/<method>`` with form, multipart or JSON parameters;
files at ``{base}/file/bot<token>/<file_path>``. Responses use the Bot API envelope:
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": "...",
"parameters": {"retry_after": S}}``. Flood control answers 429 when one chat gets more than
about one message a second (a short burst is allowed, as on Telegram) or the bot sends more
than 30 a second.

Methods: getMe, sendMessage, sendVoice, answerCallbackQuery, editMessageReplyMarkup,
setWebhook, deleteWebhook, getWebhookInfo, getUpdates, getFile.

The other side, people using Telegram, is :class:`TelegramUser`: it sends text, commands,
voice notes and button presses as updates, delivered to the webhook (with the secret token
header, waiting for the answer as Telegram does) or queued for getUpdates.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MAX_TEXT = 4096
MAX_CAPTION = 1024


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


@dataclass
class _Bucket:
    """Token bucket: ``capacity`` sends at once, refilled at ``rate`` per second."""

    capacity: float
    rate: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> float:
        """0 when allowed, else seconds until the next send is allowed."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class SentMessage:
    """A message the bot sent, as the person would see it in their chat."""

    message_id: int
    chat_id: int
    text: str | None = None
    caption: str | None = None
    voice: bytes | None = None
    voice_file_id: str | None = None
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)

    @property
    def button_titles(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]


class TelegramEmulator:
    def __init__(
        self,
        token: str,
        bot_username: str = "RanselDemoBot",
        *,
        chat_burst: int = 3,
        chat_per_second: float = 1.0,
        bot_per_second: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        open_chats: bool = False,
        on_sent: Callable[[SentMessage], None] | None = None,
    ) -> None:
        self.token = token
        # Telegram lets a bot write only to people who started it; the demo's people are
        # linked in its data without ever having opened a chat, so `serve` opens chats freely.
        self.open_chats = open_chats
        self.on_sent = on_sent  # the demo prints what each phone would show
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_username = bot_username
        self._chat_burst, self._chat_rate, self._bot_rate = chat_burst, chat_per_second, bot_per_second
        self._clock = clock
        self._lock = threading.RLock()
        self._message_ids = itertools.count(1)
        # Telegram's update ids rise by one per update from a point we cannot predict.
        self._update_ids = itertools.count(secrets.randbelow(10**9) + 1)
        self._pending: list[dict[str, Any]] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.sent: dict[int, list[SentMessage]] = {}  # chat id -> messages from the bot
        self.callback_answers: dict[str, str | None] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.blocked_by: set[int] = set()  # chats whose user blocked the bot
        self.chats: dict[int, dict[str, Any]] = {}
        self._chat_buckets: dict[int, _Bucket] = {}
        self._bot_bucket = _Bucket(bot_per_second, bot_per_second)
        self.app = Starlette(routes=[
            Route("/health", lambda request: JSONResponse({"status": "ok"})),
            Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
            Route("/_emulator/send", self._admin_send, methods=["POST"]),
        ])

    # -- the Bot API ------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        method = request.path_params["method"]
        handler = self._methods().get(method.lower())
        if handler is None:
            return _error(ApiError(404, "Not Found"))
        try:
            params = await _params(request)
            with self._lock:
                result = handler(params)
            if method.lower() == "getupdates" and not result:
                result = await self._long_poll(params)
        except ApiError as exc:
            return _error(exc)
        return JSONResponse({"ok": True, "result": result})

    async def _long_poll(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates with ``timeout`` waits for an update, as Telegram's long polling does."""
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 50.0)
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            with self._lock:
                result = self._get_updates(params)
            if result:
                return result
        return []

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        for path, content in self.files.values():
            if path == request.path_params["path"]:
                return Response(content, media_type="application/octet-stream")
        return Response(status_code=404)

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "sendvoice": self._send_voice,
            "answercallbackquery": self._answer_callback_query,
            "editmessagereplymarkup": self._edit_reply_markup,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._webhook_info,
            "getupdates": self._get_updates,
            "getfile": self._get_file,
            "close": lambda p: True,
            "logout": lambda p: True,
        }

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Ransel", "username": self.bot_username,
                "can_join_groups": False, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _chat_for_send(self, params: dict[str, Any]) -> int:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat_id not in self.chats and self.open_chats and chat_id > 0:
            self.chats[chat_id] = {"id": chat_id, "type": "private", "first_name": str(chat_id)}
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked_by:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        now = self._clock()
        bucket = self._chat_buckets.setdefault(chat_id, _Bucket(self._chat_burst, self._chat_rate))
        wait = max(self._bot_bucket.take(now), bucket.take(now))
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        return chat_id

    def _message_json(self, sent: SentMessage) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": self.chats[sent.chat_id],
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "Ransel", "username": self.bot_username},
        }
        if sent.text is not None:
            out["text"] = sent.text
        if sent.voice_file_id:
            out["voice"] = {"file_id": sent.voice_file_id, "file_unique_id": sent.voice_file_id[-12:],
                            "duration": 1, "mime_type": "audio/ogg", "file_size": len(sent.voice or b"")}
        if sent.caption:
            out["caption"] = sent.caption
        if sent.buttons:
            out["reply_markup"] = {"inline_keyboard": sent.buttons}
        return out

    def _buttons(self, params: dict[str, Any]) -> list[list[dict[str, Any]]]:
        markup = _json_param(params.get("reply_markup")) or {}
        keyboard = markup.get("inline_keyboard") or []
        for row in keyboard:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return keyboard

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("text") or ""
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        buttons = self._buttons(params)
        chat_id = self._chat_for_send(params)
        sent = SentMessage(next(self._message_ids), chat_id, text=text, buttons=buttons)
        self._record(sent)
        return self._message_json(sent)

    def _record(self, sent: SentMessage) -> None:
        self.sent.setdefault(sent.chat_id, []).append(sent)
        if self.on_sent is not None:
            self.on_sent(sent)

    def _send_voice(self, params: dict[str, Any]) -> dict[str, Any]:
        voice = params.get("voice")
        if isinstance(voice, str) and voice.startswith("attach://"):
            voice = params.get(voice.removeprefix("attach://"))
        if isinstance(voice, bytes):
            if not voice.startswith(b"OggS"):
                raise ApiError(400, "Bad Request: wrong file type")  # Telegram wants OGG/Opus
            file_id = self._store_file(voice, "voice", "oga")
        elif isinstance(voice, str) and voice in self.files:
            file_id, voice = voice, self.files[voice][1]
        else:
            raise ApiError(400, "Bad Request: wrong remote file identifier specified")
        caption = params.get("caption")
        if caption and len(caption) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        buttons = self._buttons(params)
        chat_id = self._chat_for_send(params)
        sent = SentMessage(next(self._message_ids), chat_id, caption=caption, voice=voice,
                           voice_file_id=file_id, buttons=buttons)
        self._record(sent)
        return self._message_json(sent)

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.callback_answers[query_id] = params.get("text") or ""
        return True

    def _edit_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id") or 0)
        message_id = int(params.get("message_id") or 0)
        for sent in self.sent.get(chat_id, []):
            if sent.message_id == message_id:
                buttons = self._buttons(params)
                if buttons == sent.buttons:
                    raise ApiError(400, "Bad Request: message is not modified")
                sent.buttons = buttons
                return self._message_json(sent)
        raise ApiError(400, "Bad Request: message to edit not found")

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if (secret and not all(c.isalnum() or c in "_-" for c in secret)) or (secret and len(secret) > 256):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if _json_param(params.get("drop_pending_updates")):
            self._pending.clear()
        self.webhook_url, self.webhook_secret = url or None, secret
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        if _json_param(params.get("drop_pending_updates")):
            self._pending.clear()
        self.webhook_url = self.webhook_secret = None
        return True

    def _webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url or "", "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        if offset:  # confirms every update below offset, as Telegram does
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        return self._pending[:limit]

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(content),
                "file_path": path}

    def _store_file(self, content: bytes, folder: str, ext: str) -> str:
        file_id = "AwAC" + secrets.token_urlsafe(24)
        self.files[file_id] = (f"{folder}/file_{len(self.files)}.{ext}", content)
        return file_id

    async def _admin_send(self, request: Request) -> Response:
        """``{"chat_id", "text", "first_name"?}``: a person writes to the bot (for the demo CLI);
        returns what the bot answered. Runs in a worker thread: the bot calls back into us."""
        data = await request.json()
        user = self.user(int(data["chat_id"]), data.get("first_name", "Demo"), data.get("language_code", "nb"))
        before = len(user.inbox())
        await asyncio.to_thread(user.send_text, data["text"])
        answers = user.inbox()[before:]
        return JSONResponse({"answers": [
            {"text": m.text or m.caption, "buttons": m.button_titles, "voice": m.voice is not None}
            for m in answers]})

    # -- the people's side --------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Kari", language_code: str = "nb") -> TelegramUser:
        with self._lock:
            self.chats.setdefault(user_id, {"id": user_id, "type": "private", "first_name": first_name})
        return TelegramUser(self, user_id, first_name, language_code)

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        with self._lock:
            return list(self.sent.get(chat_id, []))

    def deliver(self, update: dict[str, Any]) -> int | None:
        """Hand an update to the bot: POST it to the webhook (returns the status) or queue it."""
        with self._lock:
            url, secret = self.webhook_url, self.webhook_secret
            if not url:
                self._pending.append(update)
                return None
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        response = httpx.post(url, json=update, headers=headers, timeout=120)
        return response.status_code

    def next_update_id(self) -> int:
        with self._lock:
            return next(self._update_ids)

    def pending_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._pending)


@dataclass
class TelegramUser:
    """A person in a private chat with the bot."""

    emulator: TelegramEmulator
    user_id: int
    first_name: str
    language_code: str
    last_update: dict[str, Any] | None = None

    @property
    def chat_id(self) -> int:
        return self.user_id

    def _from(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name,
                "language_code": self.language_code}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {"message_id": next(self.emulator._message_ids), "date": int(time.time()),
                "chat": {"id": self.chat_id, "type": "private", "first_name": self.first_name},
                "from": self._from(), **content}

    def _send(self, update: dict[str, Any]) -> int | None:
        self.last_update = update
        return self.emulator.deliver(update)

    def send_text(self, text: str) -> int | None:
        message = self._message(text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._send({"update_id": self.emulator.next_update_id(), "message": message})

    def send_voice(self, ogg: bytes, duration: int) -> int | None:
        with self.emulator._lock:
            file_id = self.emulator._store_file(ogg, "voice", "oga")
        voice = {"file_id": file_id, "file_unique_id": file_id[-12:], "duration": duration,
                 "mime_type": "audio/ogg", "file_size": len(ogg)}
        return self._send({"update_id": self.emulator.next_update_id(), "message": self._message(voice=voice)})

    def press(self, message: SentMessage, title: str) -> int | None:
        """Press the inline button titled ``title`` under ``message``."""
        button = next(b for row in message.buttons for b in row if b["text"] == title)
        query_id = str(secrets.randbits(63))
        with self.emulator._lock:
            self.emulator.callback_answers[query_id] = None
        update = {"update_id": self.emulator.next_update_id(), "callback_query": {
            "id": query_id, "from": self._from(), "chat_instance": str(self.chat_id),
            "data": button["callback_data"],
            "message": self.emulator._message_json(message),
        }}
        return self._send(update)

    def resend_last(self) -> int | None:
        """Telegram delivering the same update again (it retries when unsure we got it)."""
        assert self.last_update is not None
        return self.emulator.deliver(self.last_update)

    def inbox(self) -> list[SentMessage]:
        return self.emulator.messages_to(self.chat_id)


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        body = await request.body()
        if body:
            params.update(json.loads(body))
    elif "multipart/form-data" in content_type or "application/x-www-form-urlencoded" in content_type:
        form = await request.form()
        for key, value in form.multi_items():
            params[key] = await value.read() if isinstance(value, UploadFile) else value
    return params


def _json_param(value: Any) -> Any:
    """Form parameters carry objects and booleans as JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _error(exc: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.retry_after is not None:
        body["parameters"] = {"retry_after": exc.retry_after}
    return JSONResponse(body, status_code=exc.code)
