"""OneRoster records Ransel keeps only to resolve later delta imports: courses, categories.

A class names its course and a lineItem its category by sourcedId; a delta export may send
a new class or lineItem without resending the course or category it refers to.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import AssignmentKind, Base, str_enum


class Course(Base):
    """A OneRoster course: the subject a class teaches and its course code."""

    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    course_code: Mapped[str | None] = mapped_column(String(64))
    subject_code: Mapped[str | None] = mapped_column(ForeignKey("subjects.code"))
    # The school offering it; None when the course belongs to the school owner (district).
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))


class AssignmentCategory(Base):
    """A OneRoster gradebook category and the assignment kind its title stands for."""

    __tablename__ = "assignment_categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[AssignmentKind] = mapped_column(str_enum(AssignmentKind))
