"""Channel status callbacks (delivered, failed, read) applied to the outbox row they concern."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import OutboxMessage, OutboxStatus

# A late "sent" must not undo "delivered": callbacks can arrive out of order.
_RANK = {OutboxStatus.SENT: 1, OutboxStatus.DELIVERED: 2, OutboxStatus.READ: 3, OutboxStatus.FAILED: 4}


def record(session: Session, external_id: str, status: OutboxStatus, now: datetime,
           error: str | None = None) -> bool:
    """Apply ``status`` to the outbox row sent as ``external_id``; False if none or no change."""
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.external_id == external_id))
    if row is None:
        return False
    if _RANK.get(status, 0) <= _RANK.get(row.status, 0):
        return False
    row.status = status
    if status in (OutboxStatus.DELIVERED, OutboxStatus.READ) and row.delivered_at is None:
        row.delivered_at = now
    if error:
        row.last_error = error
    return True
