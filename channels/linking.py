"""Binding a chat or a browser to a person with a one-time code, and web chat sessions.

A school issues a code for a person (``ransel link issue --as USER``) or a signed-in person
gets one on the web page; the person sends ``/start CODE`` to the bot (the t.me deep link
does that) or types it on the web chat page. Codes are single use, expire, and are stored
only as a keyed hash: a copy of the database does not reveal live codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import api_tokens
from bot.clock import Clock
from bot.models import ApiToken, LinkCode, Person

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
WEB_PURPOSE = "web"


def normalize(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _code_hash(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), normalize(code).encode(), hashlib.sha256).hexdigest()


def display(code: str) -> str:
    """``K7QXM4PD`` as ``K7QX-M4PD``: easier to read out and type."""
    code = normalize(code)
    return f"{code[:4]}-{code[4:]}"


def issue_code(
    session: Session, secret: str, person_id: int, *, now: datetime, ttl: timedelta,
    issued_by_id: int | None = None,
) -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    session.add(LinkCode(code_hash=_code_hash(secret, code), person_id=person_id,
                         issued_by_id=issued_by_id, expires_at=now + ttl))
    session.flush()
    return code


def redeem(session: Session, secret: str, code: str, *, now: datetime, used_for: str) -> int | None:
    """The person the code was issued for, once; None for unknown, used or expired codes."""
    if len(normalize(code)) != CODE_LENGTH:
        return None
    code_hash = _code_hash(secret, code)
    # One conditional UPDATE: two simultaneous redemptions cannot both succeed.
    result = session.execute(
        update(LinkCode)
        .where(LinkCode.code_hash == code_hash, LinkCode.used_at.is_(None), LinkCode.expires_at > now)
        .values(used_at=now, used_for=used_for)
        .returning(LinkCode.person_id)
    )
    return result.scalar()


def issue_token(session: Session, person: Person, clock: Clock) -> str:
    """A web chat session token (``bot.api_tokens``: random, stored as a hash)."""
    return api_tokens.issue(session, person, WEB_PURPOSE, clock)  # the caller's lifetime: see below


def person_for_token(session: Session, token: str | None, *, now: datetime, max_age: timedelta) -> Person | None:
    """The person behind a live web session token younger than ``max_age``."""
    person = api_tokens.resolve(session, token, WEB_PURPOSE, now)
    if person is None:
        return None
    created = session.scalar(select(ApiToken.created_at).where(ApiToken.token_hash == api_tokens.digest(token or "")))
    if created is None or created + max_age <= now:
        return None
    return person
