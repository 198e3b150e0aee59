"""A local OpenID Connect provider, enough to stand in for Feide or ID-porten in the demo
and the tests, following OpenID Connect Core 1.0, Discovery 1.0, RFC 7636 (PKCE) and RFC 9207.

Endpoints, under the issuer URL (``{base}/feide``, ``{base}/idporten`` when several share a
server, see :func:`app_for`): ``/.well-known/openid-configuration``; ``/jwks`` (an RSA key
generated at start); ``/authorize``, a page clearly marked "DEMO" where one picks a demo
person (or ``login_hint`` names one and the page is skipped); ``/token``, the authorization
code grant with client_secret_basic or client_secret_post and PKCE S256 required, answering
with real RS256-signed ID tokens (``iss``, ``aud``, ``exp``, ``iat``, ``nonce``, ``sub`` and
the person's claims: Feide's ``https://n.feide.no/claims/userid_sec``, ID-porten's ``pid``);
``/userinfo``.

Tests make it misbehave on purpose, as a broken or hostile provider would:
:meth:`OidcEmulator.misbehave` changes the next ID token (another audience, issuer or nonce,
already expired, signed with a key that is not in the JWKS).
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus, urlencode
from zoneinfo import ZoneInfo

from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from bot.access import roles_of
from bot.clock import Clock
from bot.config import OidcProvider, Settings
from bot.models import Person, PersonIdentifier

CODE_SECONDS = 60  # an authorization code is good for this long, and once


@dataclass(frozen=True)
class DemoPerson:
    """Someone who can sign in at the emulator: the claims their ID token carries."""

    sub: str
    label: str
    claims: dict[str, Any]
    group: str = "other"  # heading on the page: a role (teacher, pupil, guardian ...) or "other"
    hint: str = ""  # a login_hint that picks them without the page (tests)


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    person: DemoPerson
    nonce: str | None
    challenge: str
    scope: str
    issued: float
    used: bool = False


@dataclass
class Misbehaviour:
    """What the next ID token gets wrong (tests of the relying party's checks)."""

    audience: str | None = None
    issuer: str | None = None
    nonce: str | None = None
    expires_in: timedelta | None = None  # negative: expired when issued
    foreign_key: bool = False  # signed by a key that is not in the JWKS (same kid)
    claims: dict[str, Any] = field(default_factory=dict)  # any other claim changed, e.g. a lower acr


# The page's words (ui_locales picks; bokmål when none fits).
TEXTS = {
    "nb": {"banner": "DEMO-innlogging – ikke ekte {title}", "intro": "Dette er en lokal demo av {title}. "
           "Velg hvem du vil logge inn som.", "cancel": "Avbryt", "who": "Logg inn som",
           "owner_admin": "Skoleeier", "school_admin": "Skoleledelse", "teacher": "Lærere", "pupil": "Elever",
           "guardian": "Foresatte", "other": "Andre"},
    "nn": {"banner": "DEMO-innlogging – ikkje ekte {title}", "intro": "Dette er ein lokal demo av {title}. "
           "Vel kven du vil logge inn som.", "cancel": "Avbryt", "who": "Logg inn som",
           "owner_admin": "Skuleeigar", "school_admin": "Skuleleiing", "teacher": "Lærarar", "pupil": "Elevar",
           "guardian": "Føresette", "other": "Andre"},
    "en": {"banner": "DEMO provider – not {title}", "intro": "This is a local demo of {title}. "
           "Choose who to sign in as.", "cancel": "Cancel", "who": "Sign in as",
           "owner_admin": "School owner", "school_admin": "School leaders", "teacher": "Teachers",
           "pupil": "Pupils", "guardian": "Guardians", "other": "Others"},
}
# The page's groups, in this order: a person's first role among them, else "other".
ROLE_ORDER = ("owner_admin", "school_admin", "teacher", "pupil", "guardian")


class OidcEmulator:
    def __init__(self, issuer: str, title: str, clients: Iterable[Client], people: Iterable[DemoPerson] = (), *,
                 clock: Callable[[], datetime] | None = None, token_lifetime: timedelta = timedelta(minutes=10),
                 extra_claims: dict[str, Any] | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.title = title
        self.clients = {c.client_id: c for c in clients}
        self.people: dict[str, DemoPerson] = {p.sub: p for p in people}
        self.clock = clock or Clock(ZoneInfo("UTC")).utcnow
        self.token_lifetime = token_lifetime
        self.extra_claims = extra_claims or {}  # e.g. ID-porten's acr
        self.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"})
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, DemoPerson] = {}
        self._next: Misbehaviour | None = None
        self.issued: list[dict[str, Any]] = []  # claims of every ID token issued, for tests
        self.app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self._discovery),
            Route("/jwks", self._jwks),
            Route("/authorize", self._authorize, methods=["GET", "POST"]),
            Route("/token", self._token, methods=["POST"]),
            Route("/userinfo", self._userinfo, methods=["GET", "POST"]),
            Route("/health", lambda request: JSONResponse({"status": "ok"})),
        ])

    # -- test switches --------------------------------------------------------------------

    def add_person(self, person: DemoPerson) -> None:
        with self._lock:
            self.people[person.sub] = person

    def misbehave(self, **wrong: Any) -> None:
        """The next ID token only: ``audience``, ``issuer``, ``nonce``, ``expires_in``,
        ``foreign_key``, ``claims`` as in :class:`Misbehaviour`."""
        with self._lock:
            self._next = Misbehaviour(**wrong)

    # -- documents -------------------------------------------------------------------------

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "userid-feide"],
            "ui_locales_supported": ["nb", "nn", "en"],
            "authorization_response_iss_parameter_supported": True,
        })

    async def _jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    # -- authorization ---------------------------------------------------------------------

    async def _authorize(self, request: Request) -> Response:
        params: dict[str, str] = dict(request.query_params)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.form()).items()})
        client = self.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if client is None or redirect_uri not in client.redirect_uris:
            # Never redirect to an address the client did not register (RFC 6749 §4.1.2.1).
            return HTMLResponse("<!doctype html><title>Error</title><p>Unknown client or redirect_uri.</p>",
                                status_code=400)
        state = params.get("state")

        def answer(**values: str) -> Response:
            query = {**values, **({"state": state} if state else {}), "iss": self.issuer}
            return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=303)

        if params.get("response_type") != "code":
            return answer(error="unsupported_response_type")
        if "openid" not in params.get("scope", "").split():
            return answer(error="invalid_scope", error_description="openid is required")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return answer(error="invalid_request", error_description="PKCE with S256 is required")
        if request.method == "POST" and "cancel" in params:
            return answer(error="access_denied", error_description="the person cancelled")
        chosen = self.people.get(params.get("person", ""))
        hint = params.get("login_hint")
        if chosen is None and hint:
            chosen = next((p for p in self.people.values() if p.hint and p.hint == hint), None)
        if chosen is None:
            if request.method == "POST":
                return HTMLResponse("<!doctype html><title>Error</title><p>Unknown person.</p>", status_code=400)
            return self._page(params)
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = _Code(client.client_id, redirect_uri, chosen, params.get("nonce"),
                                      params["code_challenge"], params.get("scope", ""), time.monotonic())
        return answer(code=code)

    def _page(self, params: dict[str, str]) -> Response:
        language = next((code for code in params.get("ui_locales", "").split() if code in TEXTS), "nb")
        t = {key: text.format(title=self.title) for key, text in TEXTS[language].items()}
        carried = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                          for k, v in params.items() if k not in ("person", "cancel"))
        groups: dict[str, list[DemoPerson]] = {}
        order = [*ROLE_ORDER, "other"]
        for person in sorted(self.people.values(),
                             key=lambda p: (order.index(p.group) if p.group in order else 99, p.label)):
            groups.setdefault(person.group, []).append(person)
        sections = []
        for group, people in groups.items():
            buttons = "".join(f'<li><button type="submit" name="person" value="{html.escape(p.sub)}">'
                              f"{html.escape(p.label)}</button></li>" for p in people)
            sections.append(f"<h2>{html.escape(t.get(group, group))}</h2><ul>{buttons}</ul>")
        page = f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(t["banner"])}</title>
<style>
body {{ margin: 0; font: 1rem/1.5 system-ui, sans-serif; color: #111; background: #fff; }}
.banner {{ background: #8b0000; color: #fff; padding: .75rem 1rem; font-weight: 700; font-size: 1.25rem; margin: 0; }}
main {{ padding: 1rem; max-width: 40rem; }}
ul {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }}
button {{ font: inherit; padding: .5rem .75rem; border: 2px solid #1a1a6e; background: #fff; color: #1a1a6e;
          border-radius: .3rem; min-height: 2.75rem; }}
button.cancel {{ border-color: #555; color: #333; }}
</style></head>
<body><p class="banner" role="note">{html.escape(t["banner"])}</p>
<main><h1>{html.escape(t["who"])}</h1><p>{html.escape(t["intro"])}</p>
<form method="post" action="{self.issuer}/authorize">{carried}{"".join(sections)}
<p><button type="submit" name="cancel" value="1" class="cancel">{html.escape(t["cancel"])}</button></p>
</form></main></body></html>"""
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    # -- tokens ----------------------------------------------------------------------------

    def _client_of(self, request: Request, form: dict[str, str]) -> Client | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except (ValueError, UnicodeDecodeError):
                return None
            client_id, _, secret = decoded.partition(":")
            client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret.encode(), secret.encode()):
            return None
        return client

    async def _token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}

        def error(code: str, description: str, status: int = 400) -> Response:
            return JSONResponse({"error": code, "error_description": description}, status_code=status,
                                headers={"Cache-Control": "no-store"})

        client = self._client_of(request, form)
        if client is None:
            return error("invalid_client", "client authentication failed", 401)
        if form.get("grant_type") != "authorization_code":
            return error("unsupported_grant_type", "only authorization_code")
        with self._lock:
            grant = self._codes.get(form.get("code", ""))
            if grant is None or grant.used or time.monotonic() - grant.issued > CODE_SECONDS:
                return error("invalid_grant", "the code is unknown, used or expired")
            grant.used = True
            misbehaviour, self._next = self._next or Misbehaviour(), None
        if grant.client_id != client.client_id or grant.redirect_uri != form.get("redirect_uri"):
            return error("invalid_grant", "the code was issued to another client or redirect_uri")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or not secrets.compare_digest(challenge, grant.challenge):
            return error("invalid_grant", "PKCE verification failed")
        now = int(self.clock().timestamp())
        lifetime = misbehaviour.expires_in if misbehaviour.expires_in is not None else self.token_lifetime
        claims: dict[str, Any] = {
            **self.extra_claims,
            **grant.person.claims,
            "iss": misbehaviour.issuer or self.issuer,
            "aud": misbehaviour.audience or client.client_id,
            "sub": grant.person.sub,
            "iat": now,
            "auth_time": now,
            "exp": now + int(lifetime.total_seconds()),
        }
        claims.update(misbehaviour.claims)
        nonce = misbehaviour.nonce or grant.nonce
        if nonce:
            claims["nonce"] = nonce
        key = self.key
        if misbehaviour.foreign_key:
            key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid or "", "use": "sig", "alg": "RS256"})
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, key)
        access = secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = grant.person
            self.issued.append(claims)
        return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                             "id_token": id_token, "scope": grant.scope}, headers={"Cache-Control": "no-store"})

    async def _userinfo(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        person = self._access.get(header[7:]) if header.lower().startswith("bearer ") else None
        if person is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"sub": person.sub, **person.claims})


def app_for(emulators: dict[str, OidcEmulator]) -> Starlette:
    """Several emulated providers on one server, each under its own path (``/feide`` ...)."""
    return Starlette(routes=[
        Route("/health", lambda request: JSONResponse({"status": "ok"})),
        *[Mount(f"/{path.strip('/')}", app=emulator.app) for path, emulator in emulators.items()],
    ])


def pseudonym(issuer: str, value: str) -> str:
    """A stable ``sub`` for a person at one provider (both Feide and ID-porten send one that
    says nothing about who it is)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer}#{value}"))


def people_of_register(session: Session, provider: OidcProvider) -> list[DemoPerson]:
    """Everyone in the school's register with an identifier in the provider's scheme, carrying
    it in the provider's claim as that provider would send it (Feide: a list of
    ``feide:<user id>``; ID-porten: ``pid``). The demo's people to pick from."""
    rows = session.execute(
        select(Person, PersonIdentifier.value).join(PersonIdentifier, PersonIdentifier.person_id == Person.id)
        .where(func.lower(PersonIdentifier.scheme) == provider.scheme.lower()).order_by(Person.family_name, Person.given_name)).all()
    people = []
    for person, value in rows:
        roles = {role.value for role in roles_of(session, person)}
        claim: Any = [provider.claim_prefix + value] if provider.claim_prefix else value
        group = next((role for role in ROLE_ORDER if role in roles), "other")
        people.append(DemoPerson(sub=pseudonym(provider.issuer, value), label=person.name,
                                 claims={provider.claim: claim}, group=group, hint=person.username or ""))
    return people


def emulators_for(settings: Settings, session: Session, clock: Callable[[], datetime] | None = None
                  ) -> dict[str, OidcEmulator]:
    """An emulator for each configured provider whose issuer is under ``oidc_emulator_url``
    (the demo's Feide and ID-porten, :func:`bot.config.emulated_oidc_providers`), by path,
    with Ransel registered as a client and the register's people to pick from."""
    base = settings.oidc_emulator_url.rstrip("/")
    public = settings.public_base_url.rstrip("/")
    found: dict[str, OidcEmulator] = {}
    for provider in settings.oidc_providers:
        if not provider.issuer.startswith(base + "/"):
            continue
        client = Client(provider.client_id, provider.client_secret,
                        (f"{public}/sign-in/oidc/{provider.name}/callback",))
        acr = provider.authorize_params.get("acr_values")
        found[provider.issuer[len(base) + 1:]] = OidcEmulator(
            provider.issuer, provider.label, [client], people_of_register(session, provider), clock=clock,
            extra_claims={"acr": acr} if acr else None)
    return found
