"""Writing to the outbox. Call :func:`enqueue` in the same transaction as the cause.

Idempotent: a second enqueue with the same key (a retried webhook, a re-planned reminder)
adds nothing, so "nothing twice" holds from the moment a message is decided.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import OutboxMessage, OutboxStatus


def enqueue(
    session: Session,
    *,
    key: str,
    recipient_id: int,
    category: str,
    template: str,
    payload: dict[str, Any],
    due_at: datetime,
    now: datetime,
    critical: bool = False,
) -> bool:
    """Add one outbox row unless ``key`` is already there. Returns whether a row was added."""
    values = {
        "idempotency_key": key,
        "recipient_id": recipient_id,
        "category": category,
        "template": template,
        "payload": payload,
        "critical": critical,
        "due_at": due_at,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(OutboxMessage).on_conflict_do_nothing(index_elements=["idempotency_key"])
    elif dialect == "sqlite":
        stmt = sqlite.insert(OutboxMessage).on_conflict_do_nothing(index_elements=["idempotency_key"])
    else:  # pragma: no cover - other databases are not supported
        stmt = insert(OutboxMessage)
    # RETURNING rather than rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    added = session.execute(stmt.values(**values).returning(OutboxMessage.id)).scalar()
    return added is not None
