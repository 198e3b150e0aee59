"""Webhook deliveries are processed once: Telegram and Twilio retry when unsure.

A delivery is claimed (a ProcessedInbound row, unique per channel and external id) before
it is handled. When handling fails, the claim is released so the sender's retry is handled;
when it succeeds, every later copy is acknowledged and ignored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import ProcessedInbound


def claim(session: Session, channel: str, external_id: str, now: datetime) -> bool:
    """True the first time ``external_id`` arrives on ``channel``; False for a repeat."""
    values = {"channel": channel, "external_id": external_id, "received_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(ProcessedInbound).on_conflict_do_nothing(index_elements=["channel", "external_id"])
    elif dialect == "sqlite":
        stmt = sqlite.insert(ProcessedInbound).on_conflict_do_nothing(index_elements=["channel", "external_id"])
    else:  # pragma: no cover - other databases are not supported
        stmt = insert(ProcessedInbound)
    return session.execute(stmt.values(**values).returning(ProcessedInbound.id)).scalar() is not None


def release(session: Session, channel: str, external_id: str) -> None:
    session.execute(
        delete(ProcessedInbound).where(
            ProcessedInbound.channel == channel, ProcessedInbound.external_id == external_id
        )
    )
