"""Webhook deliveries are processed once: Telegram and Twilio retry when unsure.

A delivery is claimed (a ProcessedInbound row, unique per channel and external id) before
it is handled. When handling fails, the claim is released so the sender's retry is handled;
when it succeeds, every later copy is acknowledged and ignored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db import insert_or_ignore
from bot.models import ProcessedInbound


def claim(session: Session, channel: str, external_id: str, now: datetime) -> bool:
    """True the first time ``external_id`` arrives on ``channel``; False for a repeat."""
    values = {"channel": channel, "external_id": external_id, "received_at": now}
    stmt = insert_or_ignore(session.get_bind().dialect.name, ProcessedInbound, ["channel", "external_id"])
    return session.execute(stmt.values(**values).returning(ProcessedInbound.id)).scalar() is not None


def release(session: Session, channel: str, external_id: str) -> None:
    session.execute(
        delete(ProcessedInbound).where(
            ProcessedInbound.channel == channel, ProcessedInbound.external_id == external_id
        )
    )
