"""What protects personal answers on channels that cannot prove who is calling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class PhonePin(Base):
    """A person's PIN for phone calls (caller ID can be forged), set in chat or on the web.

    Only a salted scrypt hash is kept. Failed tries lock the PIN for a while.
    """

    __tablename__ = "phone_pins"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(160))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AttemptCounter(Base):
    """A counter in a time window (link-code tries per network, per hour for everyone),
    shared by every process of an installation (channels/attempts.py)."""

    __tablename__ = "attempt_counters"
    key: Mapped[str] = mapped_column(String(190), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
