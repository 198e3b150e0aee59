"""Signing in to the portal and out again.

``GET /sign-in`` lists the configured OpenID providers (Feide, ID-porten: ``portal/oidc.py``)
and a form for a one-time link code (families who do not use ID-porten get one from the
school). ``POST /sign-in/code`` redeems the code, ``POST /sign-out`` ends the session,
``GET /`` sends a signed-in person to their first page. The code form has no session yet,
so its CSRF token is a double submit: a random value in the form and in a SameSite=Strict
cookie, which a form posted from another site cannot both carry.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.i18n import SUPPORTED
from bot.models import Channel, Person
from bot.runtime import Runtime
from channels import contacts
from channels.attempts import AttemptLimiter, client_address, network_of
from portal import oidc
from portal.web import (
    COOKIE,
    Viewer,
    browser_language,
    end_session,
    home_of,
    page,
    render,
    safe_next,
    set_cookie,
    start_session,
    viewer_of,
)

log = logging.getLogger(__name__)

SIGNIN_CSRF = "ransel_portal_csrf"


def signin_page(request: Request, runtime: Runtime, status_code: int = 200, **context: Any) -> Response:
    token = secrets.token_urlsafe(24)
    context = {"failed": False, "blocked": False, "expired": False, "code": "", **context}
    language = str(context.pop("language", "") or browser_language(request))
    response = render(request, "signin.html.j2", language=language, status_code=status_code, signin_csrf=token,
                      providers=oidc.providers(runtime), next=safe_next(request.query_params.get("next")),
                      **context)
    response.set_cookie(SIGNIN_CSRF, token, max_age=3600, httponly=True, samesite="strict", path="/sign-in",
                        secure=runtime.settings.public_base_url.startswith("https://"))
    return response


def routes(runtime: Runtime) -> list[BaseRoute]:
    settings = runtime.settings
    attempts = AttemptLimiter(runtime, "portal", settings.link_code_max_failures,
                              hourly_budget=settings.link_code_hourly_budget)

    async def sign_in(request: Request) -> Response:
        if await viewer_of(request) is not None and request.query_params.get("again") is None:
            return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        return signin_page(request, runtime, code=request.query_params.get("code", ""),
                           signed_out=request.query_params.get("signed_out") == "1")

    def redeem(code: str) -> str | None:
        now = runtime.clock.utcnow()
        with runtime.transaction() as session:
            person_id = contacts.redeem(session, settings.sender_secret, code, now=now, used_for=Channel.WEB.value)
            person = session.get(Person, person_id) if person_id is not None else None
            return start_session(session, person, runtime) if person and person.enabled else None

    async def sign_in_with_code(request: Request) -> Response:
        form = await request.form()
        language = str(form.get("lang") or "")
        language = language if language in SUPPORTED else browser_language(request)
        sent, expected = str(form.get("csrf") or ""), request.cookies.get(SIGNIN_CSRF) or ""
        if not (sent and expected and hmac.compare_digest(sent, expected)):
            log.info("portal sign-in refused: missing or wrong CSRF token")
            return signin_page(request, runtime, status_code=403, expired=True, language=language)
        address = client_address(request.client.host if request.client else None,
                                 request.headers.get("x-forwarded-for"), settings.trusted_proxies)
        verdict = await asyncio.to_thread(attempts.reserve, network_of(address))
        if not verdict.allowed:
            return signin_page(request, runtime, status_code=429, blocked=True, language=language)
        if verdict.slow:
            await asyncio.sleep(settings.link_code_spray_delay_seconds)
        secret = await asyncio.to_thread(redeem, str(form.get("code") or ""))
        if secret is None:
            log.info("portal sign-in with a code refused")
            return signin_page(request, runtime, status_code=400, failed=True, language=language)
        await asyncio.to_thread(attempts.refund, verdict)
        response = RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)
        set_cookie(response, secret, runtime)
        return response

    @page()
    async def sign_out(request: Request, viewer: Viewer) -> Response:
        def end() -> None:
            with runtime.transaction() as session:
                end_session(session, request.cookies.get(COOKIE), runtime)

        await asyncio.to_thread(end)
        response = RedirectResponse("/sign-in?again=1&signed_out=1", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def home(request: Request) -> Response:
        viewer = await viewer_of(request)
        if viewer is None:
            return RedirectResponse("/sign-in", status_code=303)
        return RedirectResponse(home_of(viewer), status_code=303)

    return [
        Route("/", home),
        Route("/sign-in", sign_in),
        Route("/sign-in/code", sign_in_with_code, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
    ]
