"""The outbox's state changes. Call :func:`enqueue` in the same transaction as the cause.

Idempotent: a second enqueue with the same key (a retried webhook, a re-planned reminder)
adds nothing, so "nothing twice" holds from the moment a message is decided. The planner
writes in bulk (:func:`enqueue_many`); dispatchers :func:`claim` due rows and
:func:`finish` them; channels report later statuses through :func:`record_status`. Every
change of a row's status is made here and leaves a :class:`~bot.models.DeliveryEvent`.

A row's life::

    pending ──claim──▶ claimed ──▶ sent ──▶ delivered ──▶ read
       ▲                  │  │        └──▶ failed            (reported by the channel)
       └── retry/quiet ───┘  ├──▶ dead       (gave up; last_error says why)
                             ├──▶ skipped    (nothing to say, opted out, paused, no address)
                             └──▶ digested   (folded into a digest row: digest_id)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.db import changed_rows, insert_or_ignore
from bot.models import DeliveryEvent, OutboxMessage, OutboxStatus


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
    stmt = insert_or_ignore(_dialect(session), OutboxMessage, ["idempotency_key"])
    # RETURNING rather than rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    added = session.execute(stmt.values(**values).returning(OutboxMessage.id)).scalar()
    return added is not None


# --- bulk writes for the planner --------------------------------------------------------------


def enqueue_many(session: Session, rows: Sequence[dict[str, Any]], *, now: datetime) -> int:
    """Add many rows at once, each unless its ``idempotency_key`` exists. Returns rows added.

    Each row needs the keys of :func:`enqueue` under the column names (``idempotency_key``,
    ``recipient_id``, ``category``, ``template``, ``payload``, ``due_at``; optionally
    ``critical``, ``status``, ``digest_id``, ``broadcast_id``).
    """
    if not rows:
        return 0
    defaults = {
        "critical": False, "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now,
        "digest_id": None, "broadcast_id": None,
    }
    values = [{**defaults, **row} for row in rows]
    if _dialect(session) == "postgresql":
        if len(values) >= COPY_THRESHOLD:
            return _copy_many(session, values)
        stmt = insert_or_ignore("postgresql", OutboxMessage.__table__, ["idempotency_key"])
        return len(session.connection().execute(stmt.returning(OutboxMessage.__table__.c.id), values).all())
    # SQLite sums the rows each statement of an executemany changed: that is the count.
    stmt = insert_or_ignore("sqlite", OutboxMessage.__table__, ["idempotency_key"])
    return session.connection().execute(stmt, values).rowcount


# Above this many rows, PostgreSQL gets them by COPY into a temporary table and one
# INSERT ... SELECT ... ON CONFLICT DO NOTHING: a municipality's evening (~50,000 rows) in
# a couple of seconds instead of many batched INSERTs.
COPY_THRESHOLD = 500
_COPY_COLUMNS = (
    "idempotency_key", "recipient_id", "category", "template", "payload", "critical", "due_at", "status",
    "attempts", "created_at", "digest_id", "broadcast_id",
)


def _copy_many(session: Session, values: list[dict[str, Any]]) -> int:
    columns = ", ".join(_COPY_COLUMNS)
    raw = session.connection().connection.driver_connection  # the same transaction
    assert raw is not None  # a live connection in this session's transaction
    with raw.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS outbox_incoming ON COMMIT DROP AS SELECT {columns} FROM outbox WITH NO DATA"
        )
        cur.execute("TRUNCATE outbox_incoming")
        with cur.copy(f"COPY outbox_incoming ({columns}) FROM STDIN") as copy:
            for v in values:
                copy.write_row((
                    v["idempotency_key"], v["recipient_id"], v["category"], v["template"], json.dumps(v["payload"]),
                    v["critical"], _naive_utc(v["due_at"]), str(OutboxStatus(v["status"]).value), v["attempts"],
                    _naive_utc(v["created_at"]), v["digest_id"], v["broadcast_id"],
                ))
        cur.execute(
            f"INSERT INTO outbox ({columns}) SELECT {columns} FROM outbox_incoming"
            " ON CONFLICT (idempotency_key) DO NOTHING"
        )
        return cur.rowcount


def _naive_utc(moment: datetime) -> datetime:
    # The outbox stores instants as naive UTC (bot.models.base.UTCDateTime).
    return moment.astimezone(UTC).replace(tzinfo=None)


def lock_pending(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """Ids of the rows among ``keys`` still pending, locked until this transaction ends.

    A no-op UPDATE rather than SELECT ... FOR UPDATE so it also takes SQLite's write lock: a
    digest row found pending here cannot be claimed by a dispatcher until we commit, so an
    item folded into it is always in it when it is rendered.
    """
    out: dict[str, int] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.idempotency_key.in_(chunk), OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxMessage.status)
            .returning(OutboxMessage.idempotency_key, OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        out.update({key: id_ for key, id_ in session.execute(stmt)})
    return out


# --- claiming and finishing, for the dispatcher -----------------------------------------------


def claim(
    session: Session, *, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[OutboxMessage]:
    """Take up to ``limit`` due rows for ``worker`` until ``now + lease``.

    Due rows are pending ones whose time has come, and claimed ones whose lease ran out (their
    worker died). On PostgreSQL the candidate rows are locked ``FOR UPDATE SKIP LOCKED`` so
    concurrent workers take disjoint batches without waiting on each other; SQLite runs the
    statement under its single write lock. Each claim counts as an attempt.
    """
    due = or_(
        and_(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        ),
        and_(OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.claimed_until < now),
    )
    candidates = (
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()))
        .values(
            status=OutboxStatus.CLAIMED,
            claimed_by=worker,
            claimed_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    rows = list(session.scalars(stmt))
    rows.sort(key=lambda r: (r.due_at, r.id))
    return rows


def renew(session: Session, *, worker: str, ids: Sequence[int], until: datetime) -> int:
    """Extend ``worker``'s lease on the rows of ``ids`` it still holds; how many it holds."""
    if not ids:
        return 0
    stmt = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(ids)),
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == OutboxStatus.CLAIMED,
        )
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(session, stmt)


# Columns a dispatcher may set when it finishes with a claimed row.
FINISH_COLUMNS = (
    "status", "attempts", "due_at", "next_attempt_at", "last_error", "external_id", "channel",
    "sent_at", "delivered_at", "digest_id",
)


def finish(session: Session, *, worker: str, outcomes: Sequence[dict[str, Any]]) -> None:
    """Write what happened to claimed rows (one dict per row: ``id`` plus FINISH_COLUMNS).

    Only rows still claimed by ``worker`` change: if a lease ran out and another worker took
    a row over, that worker's outcome is the one that counts.
    """
    if not outcomes:
        return
    stmt = (
        update(OutboxMessage.__table__)
        .where(
            OutboxMessage.__table__.c.id == bindparam("row_id"),
            OutboxMessage.__table__.c.claimed_by == worker,
            OutboxMessage.__table__.c.status == OutboxStatus.CLAIMED.value,
        )
        .values(
            {name: bindparam(f"v_{name}") for name in FINISH_COLUMNS}
            | {"claimed_by": None, "claimed_until": None}
        )
    )
    params = []
    for o in outcomes:
        params.append({"row_id": o["id"], **{f"v_{name}": o[name] for name in FINISH_COLUMNS}})
    session.connection().execute(stmt, params)
    events = [
        {"outbox_id": o["id"], "status": str(o["status"]), "at": o["at"], "detail": o.get("detail")}
        for o in outcomes
        if o.get("event", True)
    ]
    if events:
        session.connection().execute(insert(DeliveryEvent.__table__), events)


def cancel(session: Session, keys: Iterable[str], *, now: datetime, detail: str) -> tuple[list[int], list[int]]:
    """Withdraw rows that have not gone out yet (a person undid what caused them).

    Returns (cancelled, already_out): pending rows become ``skipped`` with a ``cancelled``
    event; rows a worker holds or that were sent, delivered or folded into a digest are
    left alone and listed as already out, so the caller can send a correction.
    """
    keys = list(keys)
    if not keys:
        return [], []
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key.in_(keys)).with_for_update()
    ).all()
    cancelled, out = [], []
    for row in rows:
        if row.status is OutboxStatus.PENDING:
            row.status = OutboxStatus.SKIPPED
            row.last_error = detail
            session.add(DeliveryEvent(outbox_id=row.id, status="cancelled", at=now, detail=detail))
            cancelled.append(row.id)
        elif row.status not in (OutboxStatus.SKIPPED, OutboxStatus.DEAD):
            out.append(row.id)
    session.flush()
    return cancelled, out


# A late "sent" must not undo "delivered": channel callbacks can arrive out of order.
_RANK = {OutboxStatus.SENT: 1, OutboxStatus.DELIVERED: 2, OutboxStatus.READ: 3, OutboxStatus.FAILED: 4}


def record_status(session: Session, external_id: str, status: OutboxStatus, now: datetime,
                  error: str | None = None) -> bool:
    """A channel's later report (delivered, read, failed) on the row it sent as ``external_id``;
    False if there is no such row or the report changes nothing."""
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
    session.add(DeliveryEvent(outbox_id=row.id, status=status.value, at=now, detail=error))
    return True


def fold_into_digest(session: Session, digest_id: int, ids: Sequence[int], *, now: datetime) -> int:
    """Fold pending rows ``ids`` into the digest row ``digest_id``; returns how many were."""
    folded = list(session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.DIGESTED, digest_id=digest_id)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ))
    if folded:
        session.execute(insert(DeliveryEvent), [
            {"outbox_id": row_id, "status": OutboxStatus.DIGESTED.value, "at": now, "detail": f"digest {digest_id}"}
            for row_id in folded
        ])
    return len(folded)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
