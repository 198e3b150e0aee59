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

from bot.models import ApiToken, LinkCode

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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, person_id: int, *, now: datetime, purpose: str = WEB_PURPOSE) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_token_hash(token), person_id=person_id, purpose=purpose, created_at=now))
    session.flush()
    return token


def person_for_token(
    session: Session, token: str, *, now: datetime, max_age: timedelta, purpose: str = WEB_PURPOSE,
) -> int | None:
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.purpose != purpose or row.revoked_at is not None:
        return None
    if row.created_at + max_age <= now:
        return None
    return row.person_id


def revoke_token(session: Session, token: str, *, now: datetime) -> None:
    session.execute(
        update(ApiToken).where(ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
