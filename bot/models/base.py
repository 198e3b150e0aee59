"""Declarative base, portable column types and shared enums for the stores."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import DateTime, Enum, MetaData, Table, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    if TYPE_CHECKING:
        # Every model maps one table (DeclarativeBase types it as the wider FromClause).
        __table__: ClassVar[Table]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants as naive UTC, returns them aware (UTC). Refuses naive input.

    SQLite has no time zone type; storing UTC everywhere keeps both databases identical and
    makes comparisons in SQL correct. Local school time is derived with the clock's zone.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def str_enum(enum_cls: type[enum.Enum], length: int = 24) -> Enum:
    """A portable enum column: VARCHAR with the enum's values, no native DB enum type."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    PUPIL = "pupil"
    GUARDIAN = "guardian"
    TEACHER = "teacher"
    SCHOOL_ADMIN = "school_admin"
    OWNER_ADMIN = "owner_admin"


class GroupKind(enum.StrEnum):
    BASIS = "basis"  # basisgruppe / class
    TEACHING = "teaching"  # undervisningsgruppe / subject group


class MemberRole(enum.StrEnum):
    PUPIL = "pupil"
    TEACHER = "teacher"


class SessionKind(enum.StrEnum):
    SCHOOL_YEAR = "schoolYear"
    TERM = "term"
    SEMESTER = "semester"
    GRADING_PERIOD = "gradingPeriod"


class AssignmentKind(enum.StrEnum):
    HOMEWORK = "homework"
    TEST = "test"
    PROJECT = "project"
    BRING = "bring"
    # A dated happening the school exports as a lineItem (activity day, trip, concert): no
    # result expected; what to bring is in its description.
    EVENT = "event"


class ScoreStatus(enum.StrEnum):
    NOT_SUBMITTED = "not submitted"
    SUBMITTED = "submitted"
    PARTIALLY_GRADED = "partially graded"
    FULLY_GRADED = "fully graded"
    EXEMPT = "exempt"


class EventKind(enum.StrEnum):
    SKATING_DAY = "skating_day"
    SKI_DAY = "ski_day"
    TRIP = "trip"
    PLANNING_DAY = "planning_day"
    SWIMMING = "swimming"
    OTHER = "other"


class Source(enum.StrEnum):
    """Who set a profile value: by hand (a teacher, guardian or the pupil) or computed."""

    TEACHER = "teacher"
    GUARDIAN = "guardian"
    SELF = "self"
    COMPUTED = "computed"

    @property
    def by_hand(self) -> bool:
        return self is not Source.COMPUTED


class Dimension(enum.StrEnum):
    """The needs analysis's dimensions of a pupil's status; a school records the first four
    by default and may add experience and attitudes (``Policy.status_dimensions``)."""

    KNOWLEDGE = "knowledge"
    SKILLS = "skills"
    PERFORMANCE = "performance"
    UNDERSTANDING = "understanding"
    EXPERIENCE = "experience"
    ATTITUDES = "attitudes"


class Channel(enum.StrEnum):
    TELEGRAM = "telegram"
    SMS = "sms"
    VOICE = "voice"
    WEB = "web"
    # Only for content written as e-mail (the school owner's monthly report): an outbox row
    # asks for it by name (payload "only_channel"); chat and SMS messages never go there.
    EMAIL = "email"


class Form(enum.StrEnum):
    TEXT = "text"
    VOICE = "voice"


class DeliveryMode(enum.StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"
