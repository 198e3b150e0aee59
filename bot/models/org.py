"""The school owner (kommune), schools, school years and terms, groups and memberships."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, GroupKind, MemberRole, SessionKind, str_enum

if TYPE_CHECKING:
    from .people import Person


class Owner(Base):
    """A school owner, usually a kommune."""

    __tablename__ = "owners"
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    identifier: Mapped[str | None] = mapped_column(String(64))  # e.g. kommunenummer

    schools: Mapped[list[School]] = relationship(back_populates="owner")


class School(Base):
    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))
    name: Mapped[str] = mapped_column(String(255))
    identifier: Mapped[str | None] = mapped_column(String(64))  # e.g. organisasjonsnummer
    # The school's policies (extras file ``policy``). A pupil without a birth date: "minor"
    # (grades 1-10: guardians keep access, the import lists the gap) or "adult" (strict).
    unknown_birth_date: Mapped[str] = mapped_column(String(8), default="minor", server_default="minor")
    # Teachers (not only school admins) may broadcast to a grade or the whole school, or urgently.
    teachers_broadcast_widely: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # How long conversations are kept in the dialogue engine's tracker store (days): the
    # nightly retention job deletes what is older (bot/conversations.py).
    conversation_retention_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")

    owner: Mapped[Owner | None] = relationship(back_populates="schools")
    groups: Mapped[list[Group]] = relationship(back_populates="school")


class AcademicSession(Base):
    """A school year, term or semester (OneRoster academicSessions)."""

    __tablename__ = "academic_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    school_year: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("academic_sessions.id"))


class Group(Base):
    """A basisgruppe (class) or an undervisningsgruppe (subject group)."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("academic_sessions.id"))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[GroupKind] = mapped_column(str_enum(GroupKind))
    grade: Mapped[int | None] = mapped_column(Integer)
    # LK20 curriculum code (e.g. MAT01-05) for subject groups; None for a basisgruppe.
    subject_code: Mapped[str | None] = mapped_column(ForeignKey("subjects.code"))
    course_code: Mapped[str | None] = mapped_column(String(64))

    school: Mapped[School] = relationship(back_populates="groups")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class Membership(Base):
    """A person in a group as pupil or teacher (OneRoster enrollments)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("group_id", "person_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole))
    # The kontaktlærer of a basisgruppe (OneRoster: primary teacher of the class).
    is_contact_teacher: Mapped[bool] = mapped_column(Boolean, default=False)
    begin_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    group: Mapped[Group] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")
