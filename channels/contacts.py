"""Who is behind a chat, a phone number or a browser, and how they want to be answered; and
linking a chat or a browser to a person in the first place.

Channels resolve the address a message came from to a :class:`Contact` here: the person,
the language we answer in, their preferred form (text or voice) and, for pupils, the
speaking rate and read-aloud setting from their profile. Every change of a contact point is
made here too: binding one (:func:`bind`), and STOP/START on an SMS number (:func:`set_stopped`).

Linking: a school issues a code for a person (``ransel link issue --as USER``) or a signed-in
person gets one on the web page; the person sends ``/start CODE`` to the bot (the t.me deep
link does that) or types it on the web chat page. Codes are single use, expire, and are stored
only as a keyed hash: a copy of the database does not reveal live codes. The web chat keeps a
signed-in browser with a web session token (:func:`issue_token`).

Blocking database calls: async code runs these in a worker thread.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import api_tokens
from bot.clock import Clock
from bot.i18n import language_of
from bot.models import ApiToken, Channel, ContactPoint, Form, LinkCode, NotificationPreference, Person
from bot.profile import effective_profile


@dataclass(frozen=True)
class Contact:
    person_id: int
    language: str  # nb, nn or en: what we answer in
    given_name: str
    form: Form
    speaking_rate: object | None = None  # the profile's value (wpm or a name), see speech
    read_aloud: bool = False
    stopped: bool = False  # the address sent STOP (SMS)


def contact_point(session: Session, channel: Channel, address: str) -> ContactPoint | None:
    return session.scalar(
        select(ContactPoint).where(ContactPoint.channel == channel, ContactPoint.address == address)
    )


def contact_for(session: Session, person_id: int, point: ContactPoint | None = None) -> Contact | None:
    person = session.get(Person, person_id)
    if person is None or not person.enabled:
        return None
    preference = session.scalar(
        select(NotificationPreference).where(NotificationPreference.person_id == person_id)
    )
    profile = _profile(session, person_id)
    return Contact(
        person_id=person_id,
        language=language_of(person.language),
        given_name=person.given_name,
        form=preference.form if preference else Form.TEXT,
        speaking_rate=profile.get("speaking_rate"),
        read_aloud=bool(profile.get("read_aloud", False)),
        stopped=bool(point and point.stopped_at),
    )


def person_at(session: Session, channel: Channel, address: str) -> Contact | None:
    """The person bound to ``address`` on ``channel`` (a chat id, an E.164 number)."""
    point = contact_point(session, channel, address)
    if point is None:
        return None
    return contact_for(session, point.person_id, point)


def bind(session: Session, person_id: int, channel: Channel, address: str, now: datetime) -> ContactPoint:
    """Bind ``address`` to the person (a chat linked again moves to its new owner)."""
    point = contact_point(session, channel, address)
    if point is None:
        point = ContactPoint(person_id=person_id, channel=channel, address=address, created_at=now)
        session.add(point)
    point.person_id = person_id
    point.verified = True
    session.flush()
    return point


def set_stopped(session: Session, channel: Channel, address: str, stopped: bool, now: datetime) -> None:
    """The address said STOP (nothing more is sent there) or START (sending resumes); an
    address already stopped keeps the moment it first stopped."""
    point = contact_point(session, channel, address)
    if point is None:
        return
    if not stopped:
        point.stopped_at = None
    elif point.stopped_at is None:
        point.stopped_at = now


def _profile(session: Session, person_id: int) -> dict[str, object]:
    """Profile settings that shape speech, by the school's precedence policy."""
    profile = effective_profile(session, person_id)
    return {key: profile[key].value for key in ("speaking_rate", "read_aloud") if key in profile}


# --- linking a chat or a browser to a person ----------------------------------------------

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


def open_codes(session: Session, person_ids: list[int], *, now: datetime) -> list[LinkCode]:
    """The unused, unexpired codes issued for these people, soonest to expire first."""
    return list(session.scalars(select(LinkCode).where(
        LinkCode.person_id.in_(person_ids or [-1]), LinkCode.used_at.is_(None), LinkCode.expires_at > now,
    ).order_by(LinkCode.expires_at, LinkCode.id)))


def revoke_code(session: Session, code_id: int, person_ids: list[int], *, now: datetime) -> bool:
    """End an unused code of one of ``person_ids`` now (it expires); False if there is none."""
    result = session.execute(
        update(LinkCode)
        .where(LinkCode.id == code_id, LinkCode.person_id.in_(person_ids or [-1]), LinkCode.used_at.is_(None),
               LinkCode.expires_at > now)
        .values(expires_at=now)
        .returning(LinkCode.id)
    )
    return result.scalar() is not None


def email_of(session: Session, person_id: int, *, now: datetime) -> str | None:
    """The person's e-mail contact point (Channel.EMAIL): the one they have, else their e-mail
    address from the school's roster, bound now; None if there is none. Only content written
    as e-mail goes there (``bot.services.reach.Reach.address``)."""
    found = session.scalar(select(ContactPoint.address).where(
        ContactPoint.person_id == person_id, ContactPoint.channel == Channel.EMAIL).order_by(ContactPoint.id))
    if found is not None:
        return found
    person = session.get(Person, person_id)
    email = (person.email or "").strip().lower() if person is not None else ""
    if "@" not in email or contact_point(session, Channel.EMAIL, email) is not None:
        return None  # no address, or someone else's
    return bind(session, person_id, Channel.EMAIL, email, now).address
