"""Data rights: a request to delete a pupil's data, and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class DeletionRequest(Base):
    """A guardian or the pupil asked Ransel to delete what it holds about the pupil; a school
    admin of the pupil's school confirms (the data is then deleted or anonymised) or declines.
    The row itself is kept as the record that it happened (ids and times, nothing else)."""

    __tablename__ = "deletion_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # None (waiting), deleted, declined
