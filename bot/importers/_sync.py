"""Bulk writing keyed by natural keys: insert what is new, update what changed, purge.

Importers build the desired state of a table as ``{key: values}`` (key: a sourcedId, a KM
code, a tuple) and hand it to :func:`sync_table`, which compares it with what the database
holds and issues set-based Core statements (executemany), never one ORM object per row.
Rows that did not change are not touched, so a second import writes nothing and keeps ids.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, tuple_, update

from bot.db import chunks
from bot.models import Base

Key = Hashable
Progress = Callable[[int], None]

# Chunk sizes: IN lists stay far below SQLite's variable limit; executemany batches keep
# memory flat on very large tables.
IN_CHUNK = 900
WRITE_CHUNK = 5000


@dataclass
class SyncStats:
    """What one import did to each table: rows inserted, updated and removed."""

    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, table: str, count: int) -> None:
        if count:
            bucket = getattr(self, kind)
            bucket[table] = bucket.get(table, 0) + count

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)

    def total(self, kind: str) -> int:
        return sum(getattr(self, kind).values())

    def summary(self) -> str:
        parts = []
        for kind in ("inserted", "updated", "deleted"):
            bucket = getattr(self, kind)
            if bucket:
                detail = ", ".join(f"{table} {n}" for table, n in sorted(bucket.items()))
                parts.append(f"{kind}: {detail}")
        return "; ".join(parts) if parts else "no changes"



def _key_of(row: Sequence[Any], width: int) -> Key:
    return row[0] if width == 1 else tuple(row[:width])


def load_existing(
    conn: Connection,
    table: Table,
    key_cols: Sequence[str],
    value_cols: Sequence[str],
    where: Any = None,
) -> dict[Key, tuple[int, tuple[Any, ...]]]:
    """``{key: (id, values)}`` for the rows of ``table`` (optionally filtered)."""
    cols = [table.c[c] for c in key_cols] + [table.c[c] for c in value_cols]
    query = select(table.c.id, *cols)
    if where is not None:
        query = query.where(where)
    width = len(key_cols)
    out: dict[Key, tuple[int, tuple[Any, ...]]] = {}
    for row in conn.execute(query):
        out[_key_of(row[1:], width)] = (row[0], tuple(row[1 + width :]))
    return out


def sync_table(
    conn: Connection,
    table: Table,
    key_cols: Sequence[str],
    value_cols: Sequence[str],
    # Keys are a sourcedId, a code or a tuple of ids: Any, because Mapping's key is invariant.
    desired: Mapping[Any, Sequence[Any]],
    existing: Mapping[Any, tuple[int, tuple[Any, ...]]] | None,
    stats: SyncStats,
    *,
    where: Any = None,
    insert_only_cols: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    want_ids: bool = True,
) -> dict[Key, int]:
    """Make ``table`` hold ``desired`` for these keys; return ``{key: id}`` when asked.

    ``existing`` is what :func:`load_existing` returned; pass None to stream the table's rows
    (optionally filtered by ``where``) instead of holding them all, which keeps memory flat on
    big tables. ``insert_only_cols`` are set on new rows only (e.g. a person's default
    language, which another importer owns afterwards). Rows of the table whose keys are not
    in ``desired`` are left alone: removal is :func:`purge`'s job.
    """
    width = len(key_cols)
    ids: dict[Key, int] = {}
    seen: set[Key] = set()
    to_update: list[dict[str, Any]] = []

    def compare(key: Key, row_id: int, values: tuple[Any, ...]) -> None:
        if want_ids:
            ids[key] = row_id
        wanted = desired.get(key)
        if wanted is None:
            return
        seen.add(key)
        if values != tuple(wanted):
            row = {f"v_{c}": v for c, v in zip(value_cols, wanted, strict=True)}
            row["v__id"] = row_id
            to_update.append(row)

    if existing is None:
        cols = [table.c[c] for c in key_cols] + [table.c[c] for c in value_cols]
        query = select(table.c.id, *cols)
        if where is not None:
            query = query.where(where)
        for row in conn.execute(query):
            compare(_key_of(row[1:], width), row[0], tuple(row[1 + width :]))
    else:
        for key, (row_id, values) in existing.items():
            compare(key, row_id, tuple(values))

    if to_update:
        statement = (
            update(table)
            .where(table.c.id == bindparam("v__id"))
            .values({c: bindparam(f"v_{c}") for c in value_cols})
        )
        for batch in chunks(to_update, WRITE_CHUNK):
            conn.execute(statement, list(batch))
            if progress:
                progress(len(batch))
        stats.add("updated", table.name, len(to_update))

    new_keys = [key for key in desired if key not in seen]
    if progress:
        progress(len(desired) - len(new_keys) - len(to_update))
    for batch in chunks(new_keys, WRITE_CHUNK):
        new_rows: list[dict[str, Any]] = []
        for key in batch:
            new_row = dict(zip(key_cols, (key,) if width == 1 else key, strict=True))
            new_row.update(zip(value_cols, desired[key], strict=True))
            if insert_only_cols:
                new_row.update(insert_only_cols)
            new_rows.append(new_row)
        conn.execute(insert(table), new_rows)
        if progress:
            progress(len(batch))
    stats.add("inserted", table.name, len(new_keys))

    if want_ids and new_keys:
        ids.update(_ids_for(conn, table, key_cols, new_keys))
    return ids


def _ids_for(conn: Connection, table: Table, key_cols: Sequence[str], keys: list[Key]) -> dict[Key, int]:
    """Ids of freshly inserted rows, found by their keys."""
    width = len(key_cols)
    out: dict[Key, int] = {}
    if width == 1 and len(keys) > IN_CHUNK * 20:
        # Many new rows (a first import): one scan beats thousands of IN lists.
        wanted = set(keys)
        for row_id, key in conn.execute(select(table.c.id, table.c[key_cols[0]])):
            if key in wanted:
                out[key] = row_id
        return out
    key_expr = table.c[key_cols[0]] if width == 1 else tuple_(*(table.c[c] for c in key_cols))
    for batch in chunks(keys, IN_CHUNK):
        query = select(table.c.id, *(table.c[c] for c in key_cols)).where(key_expr.in_(list(batch)))
        for row in conn.execute(query):
            out[_key_of(row[1:], width)] = row[0]
    return out


# --- removal -------------------------------------------------------------------------------

# Nullable references that survive the row they point to (set to NULL instead of deleting
# the referring row): who created or set something, and structural parents. Every other
# reference to a removed row removes the referring row too: a deleted pupil takes their
# results, guardianships, contact points and messages along (privacy by construction).
_KEEP_WITH_NULL = {
    ("groups", "session_id"),
    ("schools", "owner_id"),
    ("academic_sessions", "parent_id"),
}


def _keeps_with_null(table: str, column: str, nullable: bool) -> bool:
    return nullable and (column.endswith("_by_id") or (table, column) in _KEEP_WITH_NULL)


def purge(conn: Connection, table: Table, ids: Collection[int], stats: SyncStats) -> None:
    """Delete rows ``ids`` of ``table`` and everything that refers to them.

    Walks every foreign key in the model that points at ``table.id`` (the model is the
    contract, so tables added later are covered without changes here).
    """
    ids = sorted(set(ids))
    if not ids:
        return
    for child, column in _referrers(table):
        col = child.c[column]
        if _keeps_with_null(child.name, column, bool(col.nullable)):
            for batch in chunks(ids, IN_CHUNK):
                conn.execute(update(child).where(col.in_(batch)).values({column: None}))
        elif "id" in child.c and child.c.id.primary_key:
            child_ids: list[int] = []
            for batch in chunks(ids, IN_CHUNK):
                child_ids.extend(conn.execute(select(child.c.id).where(col.in_(batch))).scalars())
            purge(conn, child, child_ids, stats)
        else:  # association tables without their own id
            for batch in chunks(ids, IN_CHUNK):
                result = conn.execute(delete(child).where(col.in_(batch)))
                stats.add("deleted", child.name, result.rowcount or 0)
    removed = 0
    for batch in chunks(ids, IN_CHUNK):
        removed += conn.execute(delete(table).where(table.c.id.in_(batch))).rowcount or 0
    stats.add("deleted", table.name, removed)


def _referrers(table: Table) -> Iterable[tuple[Table, str]]:
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and fk.column.name == "id":
                yield child, fk.parent.name
