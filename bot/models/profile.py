"""The student profile from the needs analysis.

Two shapes: free profile settings (learning methods, pace, technical preferences,
equipment, special needs, group preference, situation) as validated key/value rows, and
status per competence aim and dimension. Every row records its source, so a hand-set
value and a computed one live side by side and policy decides which one counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Dimension, Source, UTCDateTime, str_enum


class ProfileSetting(Base):
    __tablename__ = "profile_settings"
    __table_args__ = (UniqueConstraint("pupil_id", "key", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # validated by bot.profile.FIELDS
    value: Mapped[Any] = mapped_column(JSON)
    source: Mapped[Source] = mapped_column(str_enum(Source))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AimStatus(Base):
    """A pupil's level on one competence aim and dimension, 0.0 (not yet) to 1.0 (mastered)."""

    __tablename__ = "aim_status"
    __table_args__ = (UniqueConstraint("pupil_id", "aim_code", "dimension", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    aim_code: Mapped[str] = mapped_column(ForeignKey("competence_aims.code"), index=True)
    dimension: Mapped[Dimension] = mapped_column(str_enum(Dimension))
    level: Mapped[float] = mapped_column(Float)
    source: Mapped[Source] = mapped_column(str_enum(Source))
    evidence: Mapped[int] = mapped_column(Integer, default=0)  # observations behind a computed value
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
