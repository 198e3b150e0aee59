"""What the learning services learn and the school owner's settings for them.

- :class:`LearningPolicy`: per school owner (kommune), which profile source wins, the
  purchasing profile (licences held, pay-per-use) and the recommendation weights.
- :class:`ResourceOutcome`: counters of how a resource worked for one competence aim and one
  segment of pupils ("all", "need:read_aloud", "mastery:low" ...). The resource's learned
  profile (effectiveness, observed difficulty, for whom it worked) is read from these.
  Each row carries the ``revision`` of its last change, so a long-running reader can fetch
  only what changed (``bot.learning.resource_profile.OutcomeCache``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class LearningPolicy(Base):
    """A school owner's learning policy; validated by ``bot.learning.policy.Policy``."""

    __tablename__ = "learning_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"), unique=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ResourceOutcome(Base):
    """How one resource worked on one aim for one segment of pupils (running sums)."""

    __tablename__ = "resource_outcomes"
    __table_args__ = (
        UniqueConstraint("resource_id", "aim_code", "segment"),
        # Recommendations read the counters of many resources for a pupil's aims.
        Index("ix_resource_outcomes_aim_segment", "aim_code", "segment"),
        Index("ix_resource_outcomes_revision", "revision"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("learning_resources.id", ondelete="CASCADE"), index=True
    )
    aim_code: Mapped[str] = mapped_column(ForeignKey("competence_aims.code"))
    segment: Mapped[str] = mapped_column(String(64))
    uses: Mapped[int] = mapped_column(Integer, default=0)  # statements naming the resource
    completions: Mapped[int] = mapped_column(Integer, default=0)
    abandons: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)  # statements with an outcome
    success_sum: Mapped[float] = mapped_column(Float, default=0.0)  # sum of scores 0..1
    expected_sum: Mapped[float] = mapped_column(Float, default=0.0)  # predicted success, same uses
    gain_sum: Mapped[float] = mapped_column(Float, default=0.0)  # mastery after - before
    followed: Mapped[int] = mapped_column(Integer, default=0)  # uses with a later observation
    improved: Mapped[int] = mapped_column(Integer, default=0)  # ... where mastery had risen
    next_gain_sum: Mapped[float] = mapped_column(Float, default=0.0)  # mastery next - before
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Commit-ordered change stamp (SQLite: a counter taken under the write lock; PostgreSQL:
    # the writing transaction's id); see resource_profile.add and OutcomeCache.
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
