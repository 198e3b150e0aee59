"""Timetable lessons, places that need gear, calendar events and school breaks."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, EventKind, UTCDateTime, str_enum

if TYPE_CHECKING:
    from .org import Group


class Lesson(Base):
    """A weekly recurring lesson. Times are local school time (wall clock)."""

    __tablename__ = "lessons"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # Monday = 0
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    subject_code: Mapped[str | None] = mapped_column(ForeignKey("subjects.code"))
    # For non-subject slots: "lunsj", "friminutt", "klassens time" (nb/nn/en keys in locale).
    slot_key: Mapped[str | None] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(64))  # gymsal, svømmehall, skøytebane ...
    room: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    group: Mapped[Group] = relationship()


class GearRule(Base):
    """What a pupil must bring for a lesson at a place (e.g. gymsal → gym clothes)."""

    __tablename__ = "gear_rules"
    __table_args__ = (UniqueConstraint("school_id", "place", "item_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    place: Mapped[str] = mapped_column(String(64))
    item_key: Mapped[str] = mapped_column(String(64))  # translated via the locale catalog


class CalendarEvent(Base):
    """A dated event: skating day, ski day, trip, planning day (pupil-free) ..."""

    __tablename__ = "calendar_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))  # None: whole school
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    title_nb: Mapped[str] = mapped_column(String(255))
    title_nn: Mapped[str | None] = mapped_column(String(255))
    title_en: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(64))
    # Item keys from the locale catalog (skates, helmet, packed_lunch ...).
    bring: Mapped[list[str]] = mapped_column(JSON, default=list)
    no_teaching: Mapped[bool] = mapped_column(Boolean, default=False)

    def title(self, language: str) -> str:
        return {"nn": self.title_nn, "en": self.title_en}.get(language) or self.title_nb


class SchoolBreak(Base):
    """Høstferie, juleferie, vinterferie, påskeferie, sommerferie: no school, no reminders."""

    __tablename__ = "school_breaks"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name_key: Mapped[str] = mapped_column(String(64))  # autumn, christmas, winter, easter, summer
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
