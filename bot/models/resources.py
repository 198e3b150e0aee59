"""Learning resources with their profile, teacher reviews and pupils' learning activity."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime

if TYPE_CHECKING:
    from .curriculum import CompetenceAim

resource_aims = Table(
    "resource_aims",
    Base.metadata,
    Column("resource_id", ForeignKey("learning_resources.id", ondelete="CASCADE"), primary_key=True),
    Column("aim_code", ForeignKey("competence_aims.code"), primary_key=True),
)


class LearningResource(Base):
    __tablename__ = "learning_resources"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(1024))
    publisher: Mapped[str | None] = mapped_column(String(255))
    subject_code: Mapped[str | None] = mapped_column(ForeignKey("subjects.code"), index=True)
    # Difficulty on the grade scale (1-10); may be fractional (e.g. 5.5 = mid grade 5-6).
    level: Mapped[float] = mapped_column(Float)
    didactics: Mapped[list[str]] = mapped_column(JSON, default=list)  # individual, pair, group, class
    technical_requirements: Mapped[list[str]] = mapped_column(JSON, default=list)  # tablet, pc, headphones
    adaptations: Mapped[list[str]] = mapped_column(JSON, default=list)  # captions, audio, easy_read
    suitability: Mapped[list[str]] = mapped_column(JSON, default=list)  # dyslexia, adhd, hearing ...
    methods: Mapped[list[str]] = mapped_column(JSON, default=list)  # video, game, text, practice ...
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # nb, nn, en ...
    licence: Mapped[str] = mapped_column(String(64))  # CC-BY-SA-4.0, municipal-licence, pay-per-use
    cost_per_use: Mapped[float] = mapped_column(Float, default=0.0)  # NOK
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Moved by every change to the resource or its aims (the catalogue import does it):
    # the recommender's in-process catalogue cache is keyed on it.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    aims: Mapped[list[CompetenceAim]] = relationship(secondary=resource_aims)
    reviews: Mapped[list[Review]] = relationship(back_populates="resource")


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("resource_id", "teacher_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("learning_resources.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    rating: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    resource: Mapped[LearningResource] = relationship(back_populates="reviews")


class Activity(Base):
    """One learning-activity statement (xAPI-like) or imported result, idempotent on its id."""

    __tablename__ = "activities"
    # The pupil's history on one aim, newest first: knowledge tracing and "used next".
    __table_args__ = (Index("ix_activities_pupil_aim_time", "pupil_id", "aim_code", "occurred_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(255), unique=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("learning_resources.id"), index=True)
    aim_code: Mapped[str | None] = mapped_column(ForeignKey("competence_aims.code"), index=True)
    verb: Mapped[str] = mapped_column(String(32))  # attempted, answered, completed, abandoned, scored
    score: Mapped[float | None] = mapped_column(Float)  # scaled 0..1
    correct: Mapped[bool | None] = mapped_column(Boolean)
    duration_s: Mapped[float | None] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    source: Mapped[str] = mapped_column(String(32))  # api, oneroster
    # The computed mastery of aim_code just before and after this statement was applied
    # (knowledge tracing); the resource profile and pace are derived from these.
    mastery_before: Mapped[float | None] = mapped_column(Float)
    mastery_after: Mapped[float | None] = mapped_column(Float)
    # SHA-256 of the statement as received: a resent id with other content is a conflict.
    digest: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
