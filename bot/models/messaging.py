"""What people tell Ransel: absence reports, private questions to teachers, inbound dedupe."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, str_enum


class AbsenceReason(enum.StrEnum):
    ILL = "ill"
    APPOINTMENT = "appointment"
    OTHER = "other"


class Absence(Base):
    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[AbsenceReason] = mapped_column(str_enum(AbsenceReason))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Thread(Base):
    """A private conversation between a guardian or pupil and one teacher."""

    __tablename__ = "threads"
    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # the child it is about
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    messages: Mapped[list[ThreadMessage]] = relationship(
        back_populates="thread", order_by="ThreadMessage.id"
    )


class ThreadMessage(Base):
    __tablename__ = "thread_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    thread: Mapped[Thread] = relationship(back_populates="messages")


class ProcessedInbound(Base):
    """Webhook deliveries already handled (Telegram update_id, Twilio MessageSid ...)."""

    __tablename__ = "processed_inbound"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebNotice(Base):
    """A notification delivered to the web chat page: shown when the person next opens or
    polls it, then marked seen (and its outbox row read)."""

    __tablename__ = "web_notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
