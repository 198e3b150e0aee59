"""A person's private calendar feed (iCalendar): issued and revoked by chat ("gi meg
kalenderen") and on the family page, through these functions only.

A feed is an :class:`~bot.models.ApiToken` of purpose ``calendar`` whose clear value is in
the URL (``/calendar/<token>.ics``, served by ``scheduler/api.py``). Only its hash is
stored, so the URL is shown once, like a password. A person has at most one live feed:
issuing a new one ends the ones before. A revocation is recorded as a change, so "angre"
within the undo window makes the URL work again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import api_tokens
from bot.access import family_of
from bot.clock import Clock
from bot.models import ApiToken, Person
from bot.services import changes

PURPOSE = "calendar"


@dataclass(frozen=True)
class IssuedFeed:
    url: str  # shown once, never stored
    names: list[str]  # the pupils it covers (given names)
    replaced: int  # earlier feeds that stopped working


@dataclass(frozen=True)
class FeedStatus:
    live: bool
    issued_at: datetime | None
    last_used_at: datetime | None


def feed_url(base_url: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}/calendar/{secret}.ics"


def _live(session: Session, person: Person, now: datetime) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(
        ApiToken.person_id == person.id, ApiToken.purpose == PURPOSE, *api_tokens.live(now)
    ).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def issue_feed(session: Session, person: Person, clock: Clock, base_url: str) -> IssuedFeed:
    """A new private feed URL for ``person`` (ending any earlier one); the clear URL is
    returned once."""
    replaced = api_tokens.revoke_where(session, clock, ApiToken.person_id == person.id, ApiToken.purpose == PURPOSE)
    secret = api_tokens.issue(session, person, PURPOSE, clock)
    session.flush()
    names = [p.given_name for p in family_of(session, person, clock.today())]
    return IssuedFeed(feed_url(base_url, secret), names, replaced)


def revoke_feeds(session: Session, person: Person, clock: Clock) -> int:
    """End every live feed of ``person`` now (the URLs answer 404); returns how many. Kept as
    a change, so "angre" brings them back within the undo window."""
    now = clock.utcnow()
    ended = _live(session, person, now)
    for token in ended:
        token.revoked_at = now
    if ended:
        changes.record(session, person, changes.CALENDAR, {"token_ids": [t.id for t in ended]}, clock)
    session.flush()
    return len(ended)


def restore_feeds(session: Session, person: Person, payload: dict[str, Any], clock: Clock) -> int:
    """Undo :func:`revoke_feeds`: the feeds it ended work again (unless a newer one was issued
    since, which ended them for good)."""
    ids = list(payload.get("token_ids") or [])
    if not ids or _live(session, person, clock.utcnow()):
        return 0
    tokens = session.scalars(select(ApiToken).where(
        ApiToken.id.in_(ids), ApiToken.person_id == person.id, ApiToken.purpose == PURPOSE)).all()
    for token in tokens:
        token.revoked_at = None
    session.flush()
    return len(tokens)


def feed_status(session: Session, person: Person, clock: Clock) -> FeedStatus:
    """Whether ``person`` has a live feed, when it was issued and last read (never the URL)."""
    found = _live(session, person, clock.utcnow())
    if not found:
        return FeedStatus(False, None, None)
    return FeedStatus(True, found[0].created_at, found[0].last_used_at)
