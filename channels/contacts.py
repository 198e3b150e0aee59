"""Who is behind a chat, a phone number or a browser, and how they want to be answered.

Channels resolve the address a message came from to a :class:`Contact` here: the person,
the language we answer in, their preferred form (text or voice) and, for pupils, the
speaking rate and read-aloud setting from their profile. Blocking database calls: async
code runs these in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import language_of
from bot.models import Channel, ContactPoint, Form, NotificationPreference, Person
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
