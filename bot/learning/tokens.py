"""Bearer tokens that let a school's learning platform post activity (purpose ``activity``).

Only a SHA-256 hash is stored; the token itself is shown once, when issued.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import ApiToken, School
from bot.tokens import LIFETIME, live, stale, touch

PURPOSE = "activity"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_activity_token(session: Session, school: School, *, clock: Clock) -> str:
    token = "rsa_" + secrets.token_urlsafe(32)
    now = clock.utcnow()
    session.add(ApiToken(token_hash=_hash(token), school_id=school.id, purpose=PURPOSE, created_at=now,
                         expires_at=now + LIFETIME[PURPOSE]))
    session.flush()
    return token


def school_for_token(session: Session, token: str | None, now: datetime) -> int | None:
    """The id of the school a live (unrevoked, unexpired) activity token belongs to, else None."""
    if not token:
        return None
    hashed = _hash(token)
    found = session.execute(
        select(ApiToken.school_id, ApiToken.last_used_at).where(
            ApiToken.token_hash == hashed, ApiToken.purpose == PURPOSE, *live(now), ApiToken.school_id.is_not(None),
        )
    ).first()
    if found is None:
        return None
    school_id, last_used = found
    if last_used is None or stale(last_used, now):
        touch(session, hashed, now)
    return school_id


def revoke_activity_tokens(session: Session, school: School, *, clock: Clock) -> int:
    rows = list(
        session.scalars(
            select(ApiToken).where(
                ApiToken.school_id == school.id, ApiToken.purpose == PURPOSE, ApiToken.revoked_at.is_(None)
            )
        )
    )
    for row in rows:
        row.revoked_at = clock.utcnow()
    return len(rows)
