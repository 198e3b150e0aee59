"""Sign-in with OpenID Connect: Feide for staff and pupils, ID-porten for guardians.

The authorization code flow with PKCE (S256), through authlib's OAuth 2 client; ID tokens
are checked with joserfc (authlib's JOSE library) against the provider's JWKS. Providers
come from configuration (``RANSEL_OIDC_PROVIDERS``, :class:`bot.config.OidcProvider`),
several at once; each is found through its discovery document
(``{issuer}/.well-known/openid-configuration``), whose ``issuer`` must be the configured one.

``GET /sign-in/oidc/{name}`` records the sign-in (``OidcLogin``: the hash of ``state``, the
nonce, the PKCE verifier, where to go afterwards, the page language) bound to this browser
by the hash of a random value in the ``ransel_oidc`` cookie, and sends the browser to the
provider. ``GET /sign-in/oidc/{name}/callback`` takes the record once (a second use of the
same ``state``, one from another browser, or one older than ``oidc_login_minutes`` is
refused), exchanges the code with the verifier, checks the ID token's signature, issuer,
audience, expiry and nonce, and finds the one person whose identifier in the provider's
scheme (from the school's OneRoster ``userIds``) the configured claim names. Then a portal
session starts, as after a link code. Every refusal is a page in the person's language
that says what to do next, and a log line with the provider and the reason (never a
claim's value: a national identity number must not reach the logs).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import OidcProvider
from bot.i18n import SUPPORTED
from bot.models import OidcLogin
from bot.runtime import Runtime
from bot.services.identifiers import people_with_identifier
from portal.web import browser_language, in_thread, render, safe_next, set_cookie, start_session

log = logging.getLogger(__name__)

BROWSER_COOKIE = "ransel_oidc"
COOKIE_PATH = "/sign-in/oidc"
# Signature algorithms accepted on ID tokens: asymmetric only (never "none", never a MAC
# under the client secret), whatever the provider's discovery document offers beyond them.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256")
LEEWAY_SECONDS = 60  # clock skew between us and the provider
METADATA_SECONDS = 3600  # discovery documents and key sets are fetched again after this
HTTP_TIMEOUT = 10.0


@dataclass(frozen=True)
class Provider:
    name: str  # in URLs: /sign-in/oidc/{name}
    label: str  # on the button, e.g. "Feide"


def providers(runtime: Runtime) -> list[Provider]:
    """The providers the sign-in page offers, in configured order."""
    return [Provider(p.name, p.label) for p in runtime.settings.oidc_providers]


class Refused(Exception):
    """A sign-in that does not go through; ``reason`` picks the page's text and is logged."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


# The page each reason shows (a key of the ``oidc`` locale section) and its HTTP status.
PAGES: dict[str, tuple[str, int]] = {
    "unknown_provider": ("unknown_provider", 404),
    "cancelled": ("cancelled", 400),
    "unavailable": ("unavailable", 502),
    "unverified": ("unverified", 400),
    "not_found": ("not_found", 403),
    "conflict": ("conflict", 403),
    "busy": ("busy", 429),
}


# -- the provider's documents ----------------------------------------------------------------

class Directory:
    """Discovery documents and key sets of the configured providers, fetched when first
    needed and again after an hour; a key set also when a token names a key it lacks (the
    provider rotated its keys)."""

    def __init__(self) -> None:
        self._metadata: dict[str, tuple[float, dict[str, Any]]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}

    async def metadata(self, provider: OidcProvider) -> dict[str, Any]:
        cached = self._metadata.get(provider.name)
        if cached and time.monotonic() - cached[0] < METADATA_SECONDS:
            return cached[1]
        url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await _get_json(url)
        if document.get("issuer") != provider.issuer:
            # OpenID Connect Discovery 1.0 §4.3: the document must be the issuer's own.
            raise Refused("unavailable", "the discovery document names another issuer")
        for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(field), str):
                raise Refused("unavailable", f"the discovery document has no {field}")
        self._metadata[provider.name] = (time.monotonic(), document)
        return document

    async def keys(self, jwks_uri: str, fresh: bool = False) -> KeySet:
        cached = self._keys.get(jwks_uri)
        if cached and not fresh and time.monotonic() - cached[0] < METADATA_SECONDS:
            return cached[1]
        try:
            keys = KeySet.import_key_set(await _get_json(jwks_uri))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise Refused("unavailable", f"the key set could not be read ({type(exc).__name__})") from None
        self._keys[jwks_uri] = (time.monotonic(), keys)
        return keys


async def _get_json(url: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as client:
            response = await client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise Refused("unavailable", f"{url} could not be read ({type(exc).__name__})") from None
    if not isinstance(document, dict):
        raise Refused("unavailable", f"{url} is not a JSON object")
    return document


# -- the ID token ----------------------------------------------------------------------------

async def verified_claims(directory: Directory, provider: OidcProvider, metadata: dict[str, Any], id_token: str,
                          nonce: str, now: datetime) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's JWKS), issuer, audience,
    expiry and nonce are right (OpenID Connect Core 1.0 §3.1.3.7)."""
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in ALGORITHMS if a in offered] or ["RS256"]
    try:
        try:
            token = jwt.decode(id_token, await directory.keys(metadata["jwks_uri"]), algorithms=algorithms)
        except InvalidKeyIdError:
            token = jwt.decode(id_token, await directory.keys(metadata["jwks_uri"], fresh=True), algorithms=algorithms)
        registry = jwt.JWTClaimsRegistry(
            now=int(now.timestamp()), leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            exp={"essential": True}, iat={"essential": True}, sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except JoseError as exc:
        raise Refused("unverified", f"the ID token was refused ({type(exc).__name__}: {exc.error})") from None
    except ValueError as exc:  # not a JWT at all
        raise Refused("unverified", f"the ID token could not be read ({type(exc).__name__})") from None
    claims = token.claims
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        raise Refused("unverified", "the ID token has several audiences and we are not its authorized party")
    asked = provider.authorize_params.get("acr_values", "").split()
    if asked and claims.get("acr") not in asked:
        # A lower level of assurance than asked for (ID-porten's acr_values) is not enough.
        raise Refused("unverified", f"the sign-in's level of assurance is not one of {asked}")
    return claims


def identifying_values(provider: OidcProvider, claims: dict[str, Any]) -> list[str]:
    """The values of the provider's identifying claim, prefix cut off (Feide's
    ``["feide:liv@fjellby.kommune.no"]`` -> ``["liv@fjellby.kommune.no"]``)."""
    raw = claims.get(provider.claim)
    values = raw if isinstance(raw, list) else [raw]
    found = []
    for value in values:
        if not isinstance(value, str):
            continue
        if provider.claim_prefix:
            if not value.lower().startswith(provider.claim_prefix.lower()):
                continue
            value = value[len(provider.claim_prefix):]
        if value.strip():
            found.append(value.strip())
    return found


# -- the sign-in record ----------------------------------------------------------------------

def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Pending:
    nonce: str
    code_verifier: str
    next_path: str
    language: str


def record_login(session: Session, provider: str, state: str, browser: str, pending: Pending, now: datetime,
                 lifetime: timedelta, most: int) -> None:
    """Keep a started sign-in for its callback. Starting costs the caller nothing, so the
    sign-ins in progress are capped (``most``, for the whole installation: a school behind one
    address signs in hundreds at 8 o'clock, so no per-address limit); over the cap a start is
    refused for a minute or two, until the oldest expire."""
    # Expired sign-ins can only be refused: nothing needs them any more.
    session.execute(delete(OidcLogin).where(OidcLogin.expires_at < now))
    live = session.scalar(select(func.count()).select_from(OidcLogin).where(OidcLogin.used_at.is_(None))) or 0
    if live >= most:
        raise Refused("busy", f"{live} sign-ins in progress")
    session.add(OidcLogin(state_hash=_digest(state), browser_hash=_digest(browser), provider=provider,
                          nonce=pending.nonce, code_verifier=pending.code_verifier, next_path=pending.next_path,
                          language=pending.language, created_at=now, expires_at=now + lifetime))


def take_login(session: Session, provider: str, state: str, browser: str, now: datetime) -> Pending:
    """The sign-in ``state`` belongs to, used up now; refused when there is none for this
    provider, it was used, it expired, or this browser did not start it."""
    if not state:
        raise Refused("cancelled", "the callback has no state")
    login = session.scalars(select(OidcLogin).where(OidcLogin.state_hash == _digest(state))).first()
    if login is None or login.provider != provider:
        raise Refused("cancelled", "no sign-in has this state")
    pending = Pending(login.nonce, login.code_verifier, login.next_path, login.language)
    if not browser or not secrets.compare_digest(login.browser_hash, _digest(browser)):
        raise Refused("cancelled", "the state was started in another browser")
    if login.used_at is not None:
        raise Refused("cancelled", "the state was used before (a replayed callback)")
    if login.expires_at <= now:
        raise Refused("cancelled", "the sign-in expired")
    # Only one of two callbacks racing with the same state gets the row.
    taken = session.execute(update(OidcLogin).where(OidcLogin.id == login.id, OidcLogin.used_at.is_(None))
                            .values(used_at=now))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused("cancelled", "the state was used before (a replayed callback)")
    return pending


def session_for(session: Session, provider: OidcProvider, values: list[str], runtime: Runtime) -> str:
    """A new portal session for the one enabled person the identifiers name."""
    found = [p for p in people_with_identifier(session, provider.scheme, values) if p.enabled]
    if not found:
        raise Refused("not_found", f"no enabled person has this {provider.scheme} identifier")
    if len(found) > 1:
        raise Refused("conflict", f"{len(found)} people have this {provider.scheme} identifier")
    return start_session(session, found[0], runtime)


# -- the pages -------------------------------------------------------------------------------

def refused_page(request: Request, refusal: Refused, provider: OidcProvider | None, language: str,
                 next_path: str = "/") -> Response:
    key, status = PAGES.get(refusal.reason, ("unverified", 400))
    log.warning("oidc sign-in refused (%s): provider %s: %s", refusal.reason,
                provider.name if provider else "?", refusal.detail or "-")
    response = render(request, "oidc_refused.html.j2", language=language, status_code=status, problem=key,
                      provider=provider, next=next_path,
                      nin=provider is not None and provider.scheme.casefold() == "nin")
    return response


def routes(runtime: Runtime) -> list[BaseRoute]:
    settings = runtime.settings
    configured = {p.name: p for p in settings.oidc_providers}
    directory = Directory()
    secure = settings.public_base_url.startswith("https://")
    lifetime = timedelta(minutes=settings.oidc_login_minutes)

    def callback_url(provider: OidcProvider) -> str:
        return f"{settings.public_base_url.rstrip('/')}/sign-in/oidc/{provider.name}/callback"

    def client(provider: OidcProvider) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=provider.client_id, client_secret=provider.client_secret or None,
            token_endpoint_auth_method=provider.token_endpoint_auth_method, scope=" ".join(provider.scopes),
            redirect_uri=callback_url(provider), code_challenge_method="S256", timeout=HTTP_TIMEOUT)

    async def start(request: Request) -> Response:
        language = browser_language(request)
        next_path = safe_next(request.query_params.get("next"))
        provider = configured.get(request.path_params["name"])
        if provider is None:
            return refused_page(request, Refused("unknown_provider"), None, language, next_path)
        try:
            metadata = await directory.metadata(provider)
        except Refused as refusal:
            return refused_page(request, refusal, provider, language, next_path)
        state, verifier = generate_token(43), generate_token(64)
        pending = Pending(nonce=generate_token(32), code_verifier=verifier, next_path=next_path, language=language)
        # One browser value for every sign-in it starts: two tabs do not undo each other.
        browser = request.cookies.get(BROWSER_COOKIE) or ""
        if len(browser) < 32:
            browser = secrets.token_urlsafe(32)
        now = runtime.clock.utcnow()
        try:
            await in_thread(runtime, lambda session: record_login(session, provider.name, state, browser, pending,
                                                                  now, lifetime, settings.oidc_logins_max))
        except Refused as refusal:
            return refused_page(request, refusal, provider, language, next_path)
        async with client(provider) as oauth:
            url, _ = oauth.create_authorization_url(
                metadata["authorization_endpoint"], state=state, code_verifier=verifier, nonce=pending.nonce,
                ui_locales=language, **provider.authorize_params)
        log.info("oidc sign-in started: provider %s", provider.name)
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(BROWSER_COOKIE, browser, max_age=int(lifetime.total_seconds()), httponly=True,
                            samesite="lax", path=COOKIE_PATH, secure=secure)
        return response

    async def callback(request: Request) -> Response:
        params = request.query_params
        provider = configured.get(request.path_params["name"])
        language = browser_language(request)
        if provider is None:
            return refused_page(request, Refused("unknown_provider"), None, language)
        now = runtime.clock.utcnow()
        state, browser = params.get("state") or "", request.cookies.get(BROWSER_COOKIE) or ""
        try:
            pending: Pending = await in_thread(runtime, lambda session: take_login(session, provider.name, state,
                                                                                   browser, now))
        except Refused as refusal:
            return refused_page(request, refusal, provider, language)
        language = pending.language if pending.language in SUPPORTED else language
        try:
            if params.get("error"):  # e.g. access_denied: the person cancelled at the provider
                raise Refused("cancelled", f"the provider answered {params.get('error')!r}")
            code = params.get("code")
            if not code:
                raise Refused("cancelled", "the callback has no code")
            if params.get("iss") not in (None, provider.issuer):
                # RFC 9207: a code another provider issued, sent to this provider's callback.
                raise Refused("unverified", "the authorization response names another issuer")
            metadata = await directory.metadata(provider)
            try:
                async with client(provider) as oauth:
                    token = await oauth.fetch_token(metadata["token_endpoint"], grant_type="authorization_code",
                                                    code=code, code_verifier=pending.code_verifier)
            except OAuthError as exc:
                raise Refused("unverified", f"the token endpoint refused the code ({exc.error})") from None
            except (httpx.HTTPError, ValueError) as exc:
                raise Refused("unavailable", f"the token endpoint failed ({type(exc).__name__})") from None
            id_token = token.get("id_token")
            if not isinstance(id_token, str):
                raise Refused("unverified", "the token response has no ID token")
            claims = await verified_claims(directory, provider, metadata, id_token, pending.nonce, now)
            values = identifying_values(provider, claims)
            if not values:
                raise Refused("not_found", f"the ID token has no {provider.claim} claim")
            secret: str = await in_thread(runtime, lambda session: session_for(session, provider, values, runtime))
        except Refused as refusal:
            return refused_page(request, refusal, provider, language, pending.next_path)
        log.info("oidc sign-in: provider %s", provider.name)
        response = RedirectResponse(pending.next_path, status_code=303)
        set_cookie(response, secret, runtime)
        return response

    return [
        Route("/sign-in/oidc/{name}", start),
        Route("/sign-in/oidc/{name}/callback", callback),
    ]
