"""What the scheduler keeps besides the outbox: rule sets, teacher broadcasts, delivery
history, and the table APScheduler keeps its jobs in (declared here so Alembic owns it)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, str_enum


class ReminderRuleSet(Base):
    """A school's reminder rules, kept as the YAML text the school edits (comments survive)."""

    __tablename__ = "reminder_rule_sets"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), unique=True)
    source: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class BroadcastScope(enum.StrEnum):
    GROUP = "group"
    GRADE = "grade"
    SCHOOL = "school"


class Audience(enum.StrEnum):
    PUPILS = "pupils"
    GUARDIANS = "guardians"
    BOTH = "both"


class Broadcast(Base):
    """A teacher's message to a group, a grade or the school; one outbox row per recipient."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        CheckConstraint(
            "(scope = 'group' AND group_id IS NOT NULL) OR (scope = 'grade' AND grade IS NOT NULL)"
            " OR scope = 'school'",
            name="target",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    scope: Mapped[BroadcastScope] = mapped_column(str_enum(BroadcastScope))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    grade: Mapped[int | None] = mapped_column(Integer)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    text: Mapped[str] = mapped_column(Text)
    # Urgent school messages are critical: they skip digests and quiet hours.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryEvent(Base):
    """One step in an outbox row's life as a channel reported it (sent, delivered, read ...)."""

    __tablename__ = "delivery_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A code or short reason; never message text or addresses.
    detail: Mapped[str | None] = mapped_column(String(255))


# APScheduler's SQLAlchemyJobStore table, in its own shape, so migrations create it and
# autogenerate does not propose dropping it.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
