"""Conversation history in the dialogue engine's tracker store, and how long it is kept.

The engine keeps every turn of a conversation in Rasa's SQL tracker store (table
``events``: ``sender_id``, ``timestamp`` in epoch seconds, ``data`` as JSON), at
``Settings.engine_tracker_url``. The stores never read it for answers; it is personal data
all the same, so it is kept no longer than the school's ``conversation_retention_days``
(default 90): :func:`purge_expired`, run nightly by the scheduler, deletes older events.
A conversation id is ``<person>.<channel>.<mac>`` (:mod:`bot.identity`), so the person, and
through them the school, is known; a person at several schools gets the shortest retention,
an id of no known person the default.

The data export and a confirmed deletion of a pupil read and delete that pupil's
conversations here too (:func:`events_of`, :func:`delete_of`).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, Table, create_engine, delete, inspect, select
from sqlalchemy.orm import Session

from bot.access import schools_of_people
from bot.clock import Clock
from bot.models import School

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 90
EVENTS = "events"


def tracker_engine(url: str) -> Engine | None:
    """An engine on the tracker store, or None when it is an SQLite file not yet made (the
    dialogue engine has never run here)."""
    if url.startswith("sqlite") and "///" in url and not Path(url.split("///", 1)[1]).exists():
        return None
    return create_engine(url)


def _events(engine: Engine) -> Table | None:
    """Rasa's events table, or None before the engine has written any conversation."""
    if not inspect(engine).has_table(EVENTS):
        return None
    return Table(EVENTS, MetaData(), autoload_with=engine)


def person_of(sender_id: str) -> int | None:
    head = sender_id.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def retention_days(session: Session, person_ids: Iterable[int]) -> dict[int, int]:
    """person id -> days their conversations are kept (the shortest of their schools')."""
    schools = schools_of_people(session, person_ids)
    wanted = {s for ids in schools.values() for s in ids}
    days = dict(session.execute(select(School.id, School.conversation_retention_days)
                                .where(School.id.in_(wanted or {-1}))).tuples().all())
    return {pid: min((days[s] for s in ids if days.get(s)), default=DEFAULT_RETENTION_DAYS)
            for pid, ids in schools.items()}


def purge_expired(session: Session, tracker: Engine, clock: Clock) -> int:
    """Delete every conversation event older than its person's retention; returns how many."""
    table = _events(tracker)
    if table is None:
        return 0
    with tracker.connect() as connection:
        senders = list(connection.scalars(select(table.c.sender_id).distinct()))
    people = {s: person_of(s) for s in senders}
    days = retention_days(session, {p for p in people.values() if p is not None})
    by_days: dict[int, list[str]] = defaultdict(list)
    for sender, person in people.items():
        by_days[days.get(person, DEFAULT_RETENTION_DAYS) if person is not None else DEFAULT_RETENTION_DAYS].append(sender)
    now = clock.utcnow()
    deleted = 0
    with tracker.begin() as connection:
        for keep, group in sorted(by_days.items()):
            cutoff = (now - timedelta(days=keep)).timestamp()
            for start in range(0, len(group), 500):
                result = connection.execute(delete(table).where(
                    table.c.sender_id.in_(group[start:start + 500]), table.c.timestamp < cutoff))
                deleted += result.rowcount or 0
    log.info("conversation retention: %d events deleted from %d conversations", deleted, len(senders))
    return deleted


def _of_person(table: Table, person_id: int):
    return table.c.sender_id.like(f"{person_id}.%")


def events_of(tracker: Engine, person_id: int) -> list[dict[str, Any]]:
    """Every stored event of the person's conversations (on every channel), oldest first:
    what they wrote and what Ransel answered, as the export shows it."""
    table = _events(tracker)
    if table is None:
        return []
    with tracker.connect() as connection:
        rows = connection.execute(select(table).where(_of_person(table, person_id))
                                  .order_by(table.c.timestamp, table.c.id)).mappings().all()
    out = []
    for row in rows:
        data = json.loads(row["data"]) if row["data"] else {}
        if row["type_name"] not in ("user", "bot"):
            continue
        out.append({"channel": row["sender_id"].split(".")[1] if row["sender_id"].count(".") >= 2 else None,
                    "who": row["type_name"],
                    "at": datetime.fromtimestamp(row["timestamp"], UTC).isoformat() if row["timestamp"] else None,
                    "text": data.get("text")})
    return out


def delete_of(tracker: Engine, person_id: int) -> int:
    """Delete every conversation of the person; returns how many events."""
    table = _events(tracker)
    if table is None:
        return 0
    with tracker.begin() as connection:
        return connection.execute(delete(table).where(_of_person(table, person_id))).rowcount or 0
