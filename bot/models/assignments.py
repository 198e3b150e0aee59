"""Assignments (homework, tests, projects, things to bring) and results."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, Date, Float, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import AssignmentKind, Base, ScoreStatus, UTCDateTime, str_enum

if TYPE_CHECKING:
    from .curriculum import CompetenceAim
    from .org import Group

assignment_aims = Table(
    "assignment_aims",
    Base.metadata,
    Column("assignment_id", ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True),
    Column("aim_code", ForeignKey("competence_aims.code"), primary_key=True),
)


class Assignment(Base):
    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    kind: Mapped[AssignmentKind] = mapped_column(str_enum(AssignmentKind))
    subject_code: Mapped[str | None] = mapped_column(ForeignKey("subjects.code"))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    max_score: Mapped[float | None] = mapped_column(Float)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # A learning resource this assignment asks pupils to use, if any.
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("learning_resources.id"))

    group: Mapped[Group] = relationship()
    aims: Mapped[list[CompetenceAim]] = relationship(secondary=assignment_aims)
    results: Mapped[list[Result]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )


class Result(Base):
    """A pupil's result and submission status for one assignment (OneRoster results)."""

    __tablename__ = "results"
    __table_args__ = (UniqueConstraint("assignment_id", "pupil_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    status: Mapped[ScoreStatus] = mapped_column(str_enum(ScoreStatus, 32))
    scored_on: Mapped[date | None] = mapped_column(Date)
    comment: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[Assignment] = relationship(back_populates="results")
