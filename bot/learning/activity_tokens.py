"""Bearer tokens that let a school's learning platform post activity (purpose ``activity``).

Only a SHA-256 hash is stored; the token itself is shown once, when issued.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api_tokens import LIFETIME, digest, live, note_use, revoke_where
from bot.clock import Clock
from bot.models import ApiToken, School

PURPOSE = "activity"


def issue_activity_token(session: Session, school: School, *, clock: Clock) -> str:
    token = "rsa_" + secrets.token_urlsafe(32)
    now = clock.utcnow()
    session.add(ApiToken(token_hash=digest(token), school_id=school.id, purpose=PURPOSE, created_at=now,
                         expires_at=now + LIFETIME[PURPOSE]))
    session.flush()
    return token


def school_for_token(session: Session, token: str | None, now: datetime) -> int | None:
    """The id of the school a live (unrevoked, unexpired) activity token belongs to, else None."""
    if not token:
        return None
    hashed = digest(token)
    found = session.execute(
        select(ApiToken.school_id, ApiToken.last_used_at).where(
            ApiToken.token_hash == hashed, ApiToken.purpose == PURPOSE, *live(now), ApiToken.school_id.is_not(None),
        )
    ).first()
    if found is None:
        return None
    school_id, last_used = found
    note_use(session, hashed, last_used, now)
    return school_id


def revoke_activity_tokens(session: Session, school: School, *, clock: Clock) -> int:
    return revoke_where(session, clock, ApiToken.school_id == school.id, ApiToken.purpose == PURPOSE)
