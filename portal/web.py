"""What every page of the portal shares: who is signed in, CSRF, the person's language, rendering.

A signed-in browser holds one cookie, ``ransel_portal``: an ApiToken of purpose ``portal``
(only its hash is stored), HttpOnly, SameSite=Lax (the OpenID provider's redirect back is a
top-level GET from another site) and Secure when the installation is served over https. It
ends ``portal_session_hours`` after sign-in, after ``portal_idle_minutes`` without a request,
or at sign-out.

Every form carries a CSRF token bound to the session (an HMAC of the session's token hash
under the installation's secret); a POST without the right one is refused with 403 before
anything is read or changed. Pages are Jinja2 with autoescape, in nb/nn/en from
``portal/locale``; a page module adds its own texts in its own locale section.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot import api_tokens
from bot.i18n import SUPPORTED, page_language
from bot.models import ApiToken, Person, PersonRole, Role
from bot.runtime import Runtime

log = logging.getLogger(__name__)

COOKIE = "ransel_portal"
PURPOSE = "portal"
PORTAL_DIR = Path(__file__).resolve().parent
STATIC = "/static/portal"

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the pages need them (read once per request)."""

    person_id: int
    name: str
    language: str
    roles: frozenset[Role]
    admin_school_ids: frozenset[int] = frozenset()
    owner_ids: frozenset[int] = frozenset()
    token_hash: str = field(default="", repr=False)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))


# -- texts and rendering --------------------------------------------------------------------

@lru_cache(maxsize=1)
def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(PORTAL_DIR / "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    return env


@cache
def texts(language: str) -> dict[str, Any]:
    """Every text of the portal in ``language`` (nb, nn or en): one YAML file per language,
    one top-level section per page module (``common``, ``signin``, ``teacher`` ...)."""
    with open(PORTAL_DIR / "locale" / f"{language}.yaml", encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.safe_load(fh)
    return loaded


def browser_language(request: Request) -> str:
    """The language asked for by ``?lang=``, else the browser's, else bokmål."""
    return page_language(request.query_params.get("lang"), request.headers.get("accept-language"))


SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    # Our own styles and scripts only; charts are inline SVG drawn on the server.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def render(request: Request, template: str, *, viewer: Viewer | None = None, language: str | None = None,
           status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the viewer's language (or ``language``), with the CSRF token for its forms."""
    lang = language or (viewer.language if viewer else browser_language(request))
    html = templates().get_template(template).render(
        lang=lang, t=texts(lang), viewer=viewer, static=STATIC, path=request.url.path,
        nav=nav_items(viewer) if viewer else [],
        csrf=csrf_token(request.app.state.runtime, viewer) if viewer else "", **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def refusal(request: Request, viewer: Viewer | None, status_code: int = 404) -> HTMLResponse:
    """What someone gets for a page that is not theirs: the same as for a page that does not
    exist, so a refusal says nothing about what exists."""
    return render(request, "refused.html.j2", viewer=viewer, status_code=status_code)


# -- sessions -------------------------------------------------------------------------------

def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def start_session(session: Session, person: Person, runtime: Runtime) -> str:
    """A new portal session for ``person``; the clear value goes into the cookie only."""
    return api_tokens.issue(session, person, PURPOSE, runtime.clock,
                            lifetime=timedelta(hours=runtime.settings.portal_session_hours))


def set_cookie(response: Response, secret: str, runtime: Runtime) -> None:
    response.set_cookie(COOKIE, secret, max_age=runtime.settings.portal_session_hours * 3600, httponly=True,
                        samesite="lax", path="/", secure=runtime.settings.public_base_url.startswith("https://"))


def end_session(session: Session, secret: str | None, runtime: Runtime) -> None:
    if secret:
        api_tokens.revoke(session, secret, runtime.clock)


def _viewer(session: Session, person: Person, token_hash: str) -> Viewer:
    """The viewer from the person's role rows, read once (roles, the schools they administer,
    the owners they oversee)."""
    rows = session.execute(select(PersonRole.role, PersonRole.school_id, PersonRole.owner_id)
                           .where(PersonRole.person_id == person.id)).all()
    language = person.language if person.language in SUPPORTED else "nb"
    return Viewer(person_id=person.id, name=person.name, language=language,
                  roles=frozenset(role for role, _, _ in rows),
                  admin_school_ids=frozenset(school for role, school, _ in rows
                                             if role == Role.SCHOOL_ADMIN and school is not None),
                  owner_ids=frozenset(owner for role, _, owner in rows
                                      if role == Role.OWNER_ADMIN and owner is not None),
                  token_hash=token_hash)


def resolve(runtime: Runtime, secret: str | None) -> Viewer | None:
    """The signed-in person for a cookie value, or None when there is no live session. A
    session idle for longer than ``portal_idle_minutes`` is ended here."""
    if not secret:
        return None
    now = runtime.clock.utcnow()
    hashed = api_tokens.digest(secret)
    with runtime.transaction() as session:
        token = session.scalars(select(ApiToken).where(
            ApiToken.token_hash == hashed, ApiToken.purpose == PURPOSE, *api_tokens.live(now))).first()
        if token is None:
            return None
        last = _aware(token.last_used_at or token.created_at)
        if last < now - timedelta(minutes=runtime.settings.portal_idle_minutes):
            token.revoked_at = now
            return None
        person = session.get(Person, token.person_id)
        if person is None or not person.enabled:
            return None
        api_tokens.note_use(session, hashed, token.last_used_at, now)
        return _viewer(session, person, hashed)


async def viewer_of(request: Request) -> Viewer | None:
    runtime: Runtime = request.app.state.runtime
    return await asyncio.to_thread(resolve, runtime, request.cookies.get(COOKIE))


# -- CSRF -----------------------------------------------------------------------------------

def csrf_token(runtime: Runtime, viewer: Viewer) -> str:
    key = runtime.settings.sender_secret.encode()
    return hmac.new(key, f"portal-csrf:{viewer.token_hash}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(runtime: Runtime, viewer: Viewer, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(str(sent), csrf_token(runtime, viewer))


def safe_next(target: str | None) -> str:
    """Only a path on this site may follow sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


# -- guards ---------------------------------------------------------------------------------

def sign_in_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)


def page(*roles: Role) -> Callable[[Callable[[Request, Viewer], Awaitable[Response]]], Handler]:
    """A page handler for people with one of ``roles`` (any signed-in person when none are
    given). GET without a session goes to sign-in; a POST must carry the session's CSRF token
    (form field ``csrf`` or header ``X-CSRF-Token``) or is refused with 403 before the handler
    runs. The handler gets the request and the viewer; a form is read with ``form(request)``."""

    def wrap(handler: Callable[[Request, Viewer], Awaitable[Response]]) -> Handler:
        async def endpoint(request: Request) -> Response:
            viewer = await viewer_of(request)
            if viewer is None:
                if request.method == "GET":
                    return sign_in_redirect(request)
                return render(request, "refused.html.j2", status_code=403, expired=True)
            if roles and not viewer.has(*roles):
                return refusal(request, viewer)
            if request.method not in ("GET", "HEAD"):
                sent = request.headers.get("x-csrf-token")
                if sent is None and request.headers.get("content-type", "").startswith(
                        ("application/x-www-form-urlencoded", "multipart/form-data")):
                    sent = str((await request.form()).get("csrf") or "")
                if not csrf_ok(request.app.state.runtime, viewer, sent):
                    log.info("portal: a %s to %s without a valid CSRF token was refused", request.method,
                             request.url.path)
                    return render(request, "refused.html.j2", viewer=viewer, status_code=403, expired=True)
            return await handler(request, viewer)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


async def form(request: Request) -> FormData:
    """The posted form (Starlette caches it, so the CSRF check above read it only once)."""
    return await request.form()


def in_thread(runtime: Runtime, work: Callable[[Session], Any]) -> Awaitable[Any]:
    """Run ``work(session)`` in one transaction in a worker thread (pages never block the loop)."""

    def run() -> Any:
        with runtime.transaction() as session:
            return work(session)

    return asyncio.to_thread(run)


def home_of(viewer: Viewer) -> str:
    """Where a person lands after sign-in: the first page their roles have."""
    for role, url in HOMES:
        if role in viewer.roles:
            return url
    return "/account"


# The landing page per role, in order of precedence; page modules' URLs.
HOMES: list[tuple[Role, str]] = [
    (Role.OWNER_ADMIN, "/owner"),
    (Role.SCHOOL_ADMIN, "/admin"),
    (Role.TEACHER, "/teacher"),
    (Role.GUARDIAN, "/family"),
    (Role.PUPIL, "/family"),
]


def nav(viewer: Viewer) -> Iterable[tuple[str, str]]:
    """(text key, URL) of the sections this viewer may open, for the page header."""
    for role, url, key in NAV:
        if role in viewer.roles:
            yield key, url


NAV: list[tuple[Role, str, str]] = [
    (Role.TEACHER, "/teacher", "nav_teacher"),
    (Role.SCHOOL_ADMIN, "/admin", "nav_admin"),
    (Role.SCHOOL_ADMIN, "/family/deletions", "nav_deletions"),
    (Role.OWNER_ADMIN, "/owner", "nav_owner"),
    (Role.GUARDIAN, "/family", "nav_family"),
    (Role.PUPIL, "/family", "nav_family"),
    (Role.PUPIL, "/profile", "nav_profile"),
    (Role.GUARDIAN, "/profile", "nav_profile"),
    (Role.TEACHER, "/profile", "nav_profile"),
]


def nav_items(viewer: Viewer) -> list[tuple[str, str]]:
    """The header's links: each section once, then the person's own page."""
    seen: list[tuple[str, str]] = []
    for key, url in nav(viewer):
        if (key, url) not in seen:
            seen.append((key, url))
    return [*seen, ("nav_account", "/account")]
