"""The outbox: one row per (recipient, cause), written in the same transaction as its cause.

Rows carry references, not rendered text: the dispatcher renders at send time from current
data in the recipient's language and form.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Channel, UTCDateTime, str_enum


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for due_at / next_attempt_at
    CLAIMED = "claimed"  # a worker holds it until claimed_until
    SENT = "sent"  # accepted by the channel
    DELIVERED = "delivered"  # channel confirmed delivery
    READ = "read"  # channel reported it read
    FAILED = "failed"  # the channel reported failure after acceptance
    DEAD = "dead"  # gave up: see last_error
    SKIPPED = "skipped"  # nothing to send at send time (e.g. homework removed), or opted out
    DIGESTED = "digested"  # folded into a digest row


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        # A recipient's open rows (folding into a digest): without it SQLite scans by status.
        Index("ix_outbox_recipient_status", "recipient_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    template: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    critical: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A row folded into a digest (status DIGESTED) points at the digest row that carries it.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    # The teacher broadcast this row delivers, for per-recipient status and the summary.
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), index=True)
