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


class SubjectStatus(Base):
    """A teacher's judgement of a pupil in a whole subject, per dimension (0.0 to 1.0); the
    per-aim judgements are ``AimStatus`` rows. Hand-set only: Ransel computes per aim."""

    __tablename__ = "subject_status"
    __table_args__ = (UniqueConstraint("pupil_id", "subject_code", "dimension", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("subjects.code"))
    dimension: Mapped[Dimension] = mapped_column(str_enum(Dimension))
    level: Mapped[float] = mapped_column(Float)
    source: Mapped[Source] = mapped_column(str_enum(Source))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProfileHistory(Base):
    """Every change of a pupil's profile, oldest first: a value set, changed or removed, by
    whom, when, and what it replaced (so the latest change can be undone and nothing is
    overwritten without a trace). ``scope`` says what changed: a profile ``setting`` (``key``
    is the field), the status of an ``aim`` or of a ``subject`` (``key`` is its code, with
    ``dimension``). A JSON null ``value`` means the source's value was removed; a null
    ``previous`` that the source had none before."""

    __tablename__ = "profile_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # setting, aim, subject
    key: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[Dimension | None] = mapped_column(str_enum(Dimension))
    source: Mapped[Source] = mapped_column(str_enum(Source))
    value: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    previous: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    previous_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    previous_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("profile_history.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
