"""How people are reached and identified: contact points, link codes, tokens, preferences."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Channel, DeliveryMode, Form, UTCDateTime, str_enum


class ContactPoint(Base):
    """A Telegram chat, a phone number (E.164) or a web session bound to a person."""

    __tablename__ = "contact_points"
    __table_args__ = (UniqueConstraint("channel", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    address: Mapped[str] = mapped_column(String(255))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set by an SMS STOP (carrier-level opt-out): nothing goes to this address until START.
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkCode(Base):
    """A single-use, expiring code that binds a chat or a browser to a person."""

    __tablename__ = "link_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_for: Mapped[str | None] = mapped_column(String(32))  # channel that redeemed it


class ApiToken(Base):
    """A bearer token identifying a person (REST webhook, web chat session, calendar feed)
    or a school (purpose "activity": a learning platform posting pupils' activity)."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (school_id IS NULL)", name="one_holder"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Exactly one of person_id / school_id is set: a person's token or a school's token.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))  # rest, web, calendar, activity, admin
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every token ends (bot/tokens.py LIFETIME per purpose); last use shows forgotten ones.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    """How a person wants reminders: channel, form, time, quiet hours, pause, opt-out."""

    __tablename__ = "notification_preferences"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))  # None: first contact point
    form: Mapped[Form] = mapped_column(str_enum(Form), default=Form.TEXT)
    language: Mapped[str | None] = mapped_column(String(8))  # None: the person's language
    preferred_time: Mapped[time | None] = mapped_column(Time)  # digests and non-timed reminders
    quiet_start: Mapped[time] = mapped_column(Time, default=time(21, 0))
    quiet_end: Mapped[time] = mapped_column(Time, default=time(7, 0))
    quiet_weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # 5, 6 = weekends off
    paused_until: Mapped[date | None] = mapped_column(Date)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CategoryPreference(Base):
    """Per category (homework, test, bring, weekplan, broadcast ...): instant, digest or off."""

    __tablename__ = "category_preferences"
    __table_args__ = (UniqueConstraint("person_id", "category"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    mode: Mapped[DeliveryMode] = mapped_column(str_enum(DeliveryMode))


class Consent(Base):
    """A recorded consent or its withdrawal (e.g. voice calls, data processing for profiling)."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    granted: Mapped[bool] = mapped_column(Boolean)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Free-form evidence of how consent was captured (channel, document id); no message text.
    meta: Mapped[dict] = mapped_column(JSON, default=dict)


