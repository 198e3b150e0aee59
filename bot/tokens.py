"""Bearer tokens and one-time codes: issued once in clear, stored only as a hash.

Tokens are 256-bit URL-safe secrets (``secrets.token_urlsafe``); SHA-256 is enough to hash
them because they are random, not passwords. Every lookup is by hash, so a database leak
does not hand out working tokens.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import ApiToken, Person


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(session: Session, person: Person, purpose: str, clock: Clock) -> str:
    """A new token for ``person``; the clear value is returned once and never stored."""
    secret = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=digest(secret), person_id=person.id, purpose=purpose,
                         created_at=clock.utcnow()))
    return secret


def resolve(session: Session, secret: str | None, purpose: str) -> Person | None:
    """The person a live token of ``purpose`` belongs to, or None."""
    if not secret:
        return None
    return session.scalar(
        select(Person)
        .join(ApiToken, ApiToken.person_id == Person.id)
        .where(
            ApiToken.token_hash == digest(secret),
            ApiToken.purpose == purpose,
            ApiToken.revoked_at.is_(None),
            Person.enabled.is_(True),
        )
    )


def revoke(session: Session, secret: str, clock: Clock) -> bool:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = clock.utcnow()
    return True


def bearer(authorization: str | None) -> str | None:
    """The token from an ``Authorization: Bearer ...`` header."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
