"""Bearer tokens and one-time codes: issued once in clear, stored only as a hash.

Tokens are 256-bit URL-safe secrets (``secrets.token_urlsafe``); SHA-256 is enough to hash
them because they are random, not passwords. Every lookup is by hash, so a database leak
does not hand out working tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import ApiToken, Person

# How long a token lives, per purpose (a web session: settings.web_session_days, given by
# the caller). ``ransel token list`` shows them with their last use; ``revoke`` ends one.
LIFETIME = {"rest": timedelta(days=365), "calendar": timedelta(days=365), "activity": timedelta(days=365),
            "admin": timedelta(days=90), "web": timedelta(days=30)}
# Last use is written at most this often per token (a request does not write every time).
TOUCH_EVERY = timedelta(minutes=5)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(session: Session, person: Person, purpose: str, clock: Clock, lifetime: timedelta | None = None) -> str:
    """A new token for ``person``; the clear value is returned once and never stored."""
    secret = secrets.token_urlsafe(32)
    now = clock.utcnow()
    session.add(ApiToken(token_hash=digest(secret), person_id=person.id, purpose=purpose, created_at=now,
                         expires_at=now + (lifetime or LIFETIME.get(purpose, timedelta(days=365)))))
    return secret


def live(now: datetime):
    return (ApiToken.revoked_at.is_(None), or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))


def touch(session: Session, token_hash: str, now: datetime) -> None:
    """Note the token's use (at most every few minutes)."""
    session.execute(update(ApiToken).where(
        ApiToken.token_hash == token_hash,
        or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_EVERY),
    ).values(last_used_at=now))


def resolve(session: Session, secret: str | None, purpose: str, now: datetime) -> Person | None:
    """The person a live (unrevoked, unexpired) token of ``purpose`` belongs to, or None.
    Its last use is noted in ``session`` (committed by callers that write)."""
    if not secret:
        return None
    hashed = digest(secret)
    found = session.execute(
        select(Person, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.person_id == Person.id)
        .where(ApiToken.token_hash == hashed, ApiToken.purpose == purpose, *live(now), Person.enabled.is_(True))
    ).first()
    if found is None:
        return None
    person, last_used = found
    note_use(session, hashed, last_used, now)
    return person


def note_use(session: Session, token_hash: str, last_used: datetime | None, now: datetime) -> None:
    """Note a token's use, unless it was noted a few minutes ago (a request does not write)."""
    if last_used is None or stale(last_used, now):
        touch(session, token_hash, now)


def stale(last_used: datetime, now: datetime) -> bool:
    """Whether a token's noted last use is old enough to be written again."""

    aware = last_used if last_used.tzinfo is not None else last_used.replace(tzinfo=UTC)
    return aware < now - TOUCH_EVERY


def revoke(session: Session, secret: str, clock: Clock) -> bool:
    """End the token ``secret`` now; False if there is no such token or it had ended."""
    return revoke_where(session, clock, ApiToken.token_hash == digest(secret)) > 0


def revoke_where(session: Session, clock: Clock, *conditions: Any) -> int:
    """End every unrevoked token that meets ``conditions`` now; returns how many."""
    found = session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None), *conditions)).all()
    for token in found:
        token.revoked_at = clock.utcnow()
    return len(found)


def bearer(authorization: str | None) -> str | None:
    """The token from an ``Authorization: Bearer ...`` header."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
