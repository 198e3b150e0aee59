"""The web chat page: a pupil (or anyone with a code) asks Ransel by text or push-to-talk.

``GET /chat`` shows the sign-in form until the browser holds a session; ``POST /chat/signin``
redeems a one-time link code and sets the session cookie (an ApiToken of purpose "web",
HttpOnly, SameSite=Strict). The page then talks JSON:

- ``POST /chat/api/message`` ``{"text"}`` -> ``{"replies": [{"text", "choices", "audio"}]}``
- ``POST /chat/api/voice`` (multipart ``audio``, optional ``grammar`` titles) -> the same plus
  ``heard``; a recording we cannot use gets ``problem`` in the person's language
- ``GET /chat/api/notices`` -> reminders the scheduler delivered to the page (then marked read)
- ``POST /chat/api/telegram-code`` -> a code and t.me deep link to link Telegram too

Replies carry synthesized speech (MP3, at the profile's speaking rate) when the question was
spoken or the profile asks for read-aloud. Pages are Jinja2 with autoescape, in nb/nn/en
from ``channels/web/locale``; API calls need ``X-Requested-With`` (a cross-site form cannot
set it) on top of the SameSite cookie.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import logging
import secrets
from datetime import timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot import api_tokens, outbox
from bot import heard as heard_text
from bot.gateway import Asker, Reply
from bot.i18n import language_of, page_language
from bot.models import Channel, OutboxStatus, Person, WebNotice
from bot.runtime import Runtime
from channels import contacts, pins
from channels.attempts import AttemptLimiter, client_address, network_of
from channels.contacts import Contact
from channels.speech import Speech, SpeechProblem, rate_from_profile

log = logging.getLogger(__name__)

BASE = "/chat"
COOKIE = "ransel_web"
CSRF_COOKIE = "ransel_csrf"
WEB_DIR = Path(__file__).resolve().parent / "web"
MAX_UPLOAD = 8 * 1024 * 1024


@lru_cache(maxsize=1)
def _pages() -> Environment:
    return Environment(loader=FileSystemLoader(WEB_DIR / "templates"),
                       autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


@cache
def page_text(language: str) -> dict[str, str]:
    with open(WEB_DIR / "locale" / f"{language}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _page_language(request: Request) -> str:
    return page_language(request.query_params.get("lang"), request.headers.get("accept-language"))


class WebChat:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._speech: Speech | None = None
        self._attempts = AttemptLimiter(runtime, "web", runtime.settings.link_code_max_failures,
                                        hourly_budget=runtime.settings.link_code_hourly_budget)

    def speech(self, request: Request) -> Speech:
        shared = getattr(request.app.state, "speech", None)
        if shared is not None:
            return shared
        if self._speech is None:
            self._speech = Speech(self.runtime.settings)
        return self._speech

    # -- sessions -------------------------------------------------------------------------

    def _who(self, token: str | None) -> Contact | None:
        settings, now = self.runtime.settings, self.runtime.clock.utcnow()
        with self.runtime.transaction() as session:
            person = contacts.person_for_token(session, token, now=now,
                                              max_age=timedelta(days=settings.web_session_days))
            return contacts.contact_for(session, person.id) if person else None

    async def _contact(self, request: Request) -> Contact | None:
        return await asyncio.to_thread(self._who, request.cookies.get(COOKIE))

    def _sign_in(self, code: str) -> str | None:
        settings, now = self.runtime.settings, self.runtime.clock.utcnow()
        with self.runtime.transaction() as session:
            person_id = contacts.redeem(session, settings.sender_secret, code, now=now, used_for=Channel.WEB.value)
            if person_id is None:
                return None
            person = session.get(Person, person_id)
            return contacts.issue_token(session, person, self.runtime.clock) if person and person.enabled else None

    # -- pages ----------------------------------------------------------------------------

    def _render(self, template: str, language: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = _pages().get_template(template).render(
            lang=language, t=page_text(language), base=BASE, static=f"{BASE}/static", **context)
        return HTMLResponse(html, status_code=status_code, headers={
            "Cache-Control": "no-store",
            # Our own script and styles only; spoken answers arrive as data: URLs.
            "Content-Security-Policy": "default-src 'self'; media-src 'self' data: blob:; "
                                       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            "Referrer-Policy": "no-referrer",  # the sign-in URL may carry a code
        })

    def _signin_page(self, language: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """The sign-in form with a fresh CSRF token, also set as a SameSite=Strict cookie: a
        form posted from another site has neither (double submit)."""
        token = secrets.token_urlsafe(24)
        context = {"failed": False, "blocked": False, "expired": False, "code": "", **context}
        response = self._render("signin.html.j2", language, status_code=status_code, csrf=token, **context)
        response.set_cookie(CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path=BASE,
                            secure=self.runtime.settings.public_base_url.startswith("https://"))
        return response

    async def page(self, request: Request) -> Response:
        contact = await self._contact(request)
        if contact is None:
            return self._signin_page(_page_language(request), code=request.query_params.get("code", ""))
        config = {"base": BASE, "readAloud": contact.read_aloud, "text": page_text(contact.language),
                  "lang": contact.language}
        return self._render("chat.html.j2", contact.language, config=config)

    async def sign_in(self, request: Request) -> Response:
        form = await request.form()
        code = str(form.get("code") or "")
        language = language_of(str(form.get("lang") or "")) if form.get("lang") else "nb"
        sent, expected = str(form.get("csrf") or ""), request.cookies.get(CSRF_COOKIE) or ""
        if not (sent and expected and hmac.compare_digest(sent, expected)):
            log.info("web sign-in refused: missing or wrong CSRF token")
            return self._signin_page(language, status_code=403, expired=True)
        settings = self.runtime.settings
        address = client_address(request.client.host if request.client else None,
                                 request.headers.get("x-forwarded-for"), settings.trusted_proxies)
        verdict = await asyncio.to_thread(self._attempts.reserve, network_of(address))
        if not verdict.allowed:
            log.warning("web sign-in blocked after repeated wrong codes")
            return self._signin_page(language, status_code=429, blocked=True)
        if verdict.slow:  # codes are being sprayed from many networks: everyone waits a little
            await asyncio.sleep(settings.link_code_spray_delay_seconds)
        token = await asyncio.to_thread(self._sign_in, code)
        if token is not None:
            await asyncio.to_thread(self._attempts.refund, verdict)
        if token is None:
            log.info("web sign-in refused")
            return self._signin_page(language, status_code=400, failed=True)
        response = RedirectResponse(BASE, status_code=303)
        response.set_cookie(COOKIE, token, max_age=self.runtime.settings.web_session_days * 86400,
                            httponly=True, samesite="strict", path=BASE,
                            secure=self.runtime.settings.public_base_url.startswith("https://"))
        return response

    async def sign_out(self, request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            def revoke() -> None:
                with self.runtime.transaction() as session:

                    api_tokens.revoke(session, token, self.runtime.clock)

            await asyncio.to_thread(revoke)
        response = RedirectResponse(BASE, status_code=303)
        response.delete_cookie(COOKIE, path=BASE)
        return response

    # -- the API --------------------------------------------------------------------------

    async def _api_contact(self, request: Request) -> Contact | Response:
        if request.headers.get("x-requested-with") != "ransel":
            return Response(status_code=403)
        contact = await self._contact(request)
        return contact if contact is not None else JSONResponse({"error": "signed_out"}, status_code=401)

    async def _replies_json(self, request: Request, contact: Contact, replies: list[Reply], spoken: bool) -> list[dict]:
        speak = spoken or contact.read_aloud
        rate = rate_from_profile(contact.speaking_rate, self.runtime.settings.speech_default_rate)
        out = []
        for reply in replies:
            audio = None
            if speak and reply.text:
                try:
                    mp3 = await asyncio.to_thread(self.speech(request).mp3, reply.text, contact.language, rate)
                    audio = "data:audio/mpeg;base64," + base64.b64encode(mp3).decode()
                except Exception:
                    log.exception("web speech synthesis failed person=%s", contact.person_id)
            out.append({"text": reply.text, "audio": audio,
                        "choices": [{"title": c.title, "payload": c.payload} for c in reply.choices]})
        return out

    async def message(self, request: Request) -> Response:
        contact = await self._api_contact(request)
        if isinstance(contact, Response):
            return contact
        try:
            text = str((await request.json()).get("text") or "")
        except ValueError:
            return JSONResponse({"error": "bad_request"}, status_code=400)
        # The phone PIN is set here (the browser was linked with a code) and never reaches the engine.
        answer = await asyncio.to_thread(pins.command, self.runtime, contact.person_id, contact.language,
                                         Channel.WEB, text)
        if answer is not None:
            return JSONResponse({"replies": [{"text": answer, "choices": [], "audio": None}]})
        replies = await request.app.state.gateway.ask(Asker(contact.person_id, contact.language), Channel.WEB, text)
        return JSONResponse({"replies": await self._replies_json(request, contact, replies, spoken=False)})

    async def voice(self, request: Request) -> Response:
        contact = await self._api_contact(request)
        if isinstance(contact, Response):
            return contact
        if int(request.headers.get("content-length") or 0) > MAX_UPLOAD:
            problem = SpeechProblem("too_large", megabytes=MAX_UPLOAD // 1024 // 1024)
            return JSONResponse({"problem": problem.message(contact.language),
                                 "replies": [{"text": problem.message(contact.language), "choices": [], "audio": None}]})
        form = await request.form()
        upload = form.get("audio")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        grammar = [str(g) for g in form.getlist("grammar") if str(g).strip()][:20] or None
        try:
            words = await asyncio.to_thread(heard_text.vocabulary_of, self.runtime, contact.person_id, contact.language)
            heard = await asyncio.to_thread(self.speech(request).recognize, data, contact.language, grammar,
                                            words.prompt())
        except SpeechProblem as problem:
            log.info("web voice not usable person=%s kind=%s", contact.person_id, problem.kind)
            message = problem.message(contact.language)
            return JSONResponse({"problem": message, "replies": [{"text": message, "choices": [], "audio": None}]})
        asker = Asker(contact.person_id, contact.language)
        if heard.free:  # Whisper's readings: the engine picks the one it understands
            replies = await request.app.state.gateway.ask_spoken(asker, Channel.WEB, heard.readings, words)
        else:
            text = heard.text
            for title in grammar or []:  # a spoken choice title is sent as that choice
                if title.strip().lower() == text.lower():
                    text = title
            replies = await request.app.state.gateway.ask(asker, Channel.WEB, text)
        return JSONResponse({"heard": heard.text, "spoken": True,
                             "replies": await self._replies_json(request, contact, replies, spoken=True)})

    def _take_notices(self, person_id: int) -> list[dict[str, str]]:
        now = self.runtime.clock.utcnow()
        with self.runtime.transaction() as session:
            notices = session.scalars(
                select(WebNotice).where(WebNotice.person_id == person_id, WebNotice.seen_at.is_(None))
                .order_by(WebNotice.id)
            ).all()
            for notice in notices:
                notice.seen_at = now
                outbox.record_status(session, f"web:{notice.id}", OutboxStatus.READ, now)
            return [{"text": n.text} for n in notices]

    async def notices(self, request: Request) -> Response:
        contact = await self._contact(request)
        if contact is None:
            return JSONResponse({"error": "signed_out"}, status_code=401)
        return JSONResponse({"notices": await asyncio.to_thread(self._take_notices, contact.person_id)})

    async def telegram_code(self, request: Request) -> Response:
        contact = await self._api_contact(request)
        if isinstance(contact, Response):
            return contact
        settings = self.runtime.settings

        def issue() -> str:
            with self.runtime.transaction() as session:
                return contacts.issue_code(session, settings.sender_secret, contact.person_id,
                                          now=self.runtime.clock.utcnow(),
                                          ttl=timedelta(hours=settings.link_code_ttl_hours),
                                          issued_by_id=contact.person_id)

        code = await asyncio.to_thread(issue)
        bot = settings.telegram_bot_username
        text = page_text(contact.language)["telegram_code"].format(code=contacts.display(code), bot=bot)
        return JSONResponse({"code": code, "link": f"https://t.me/{bot}?start={code}", "instructions": text})


def routes(runtime: Runtime) -> list[BaseRoute]:
    chat = WebChat(runtime)
    return [
        Route(BASE, chat.page, methods=["GET"]),
        Route(f"{BASE}/signin", chat.sign_in, methods=["POST"]),
        Route(f"{BASE}/signout", chat.sign_out, methods=["POST"]),
        Route(f"{BASE}/api/message", chat.message, methods=["POST"]),
        Route(f"{BASE}/api/voice", chat.voice, methods=["POST"]),
        Route(f"{BASE}/api/notices", chat.notices, methods=["GET"]),
        Route(f"{BASE}/api/telegram-code", chat.telegram_code, methods=["POST"]),
        Mount(f"{BASE}/static", app=StaticFiles(directory=WEB_DIR / "static"), name="chat-static"),
    ]
