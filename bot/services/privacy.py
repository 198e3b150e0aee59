"""Data rights: everything Ransel holds about a pupil, for the family to download, and the
deletion of it, asked for by the family and confirmed by a school admin.

The export walks the data model itself (``Base.metadata``): every table with a foreign key
to ``people`` gives the rows where one of those columns is the pupil, and the tables that
hang off those rows (a thread's messages) give theirs, so a table added later is exported
without anyone remembering to list it. What is about someone else stays out: a reference to
another person becomes what they are to the pupil ("guardian", "staff", "other"), a row
that names another pupil from a table the pupil is not directly in is left out, and secret
hashes (PINs, tokens, codes) are withheld. The pupil's conversations with the assistant
come from the engine's tracker store (:mod:`bot.conversations`).

A confirmed deletion removes the same rows (and what hangs off them), clears the pupil from
rows that are someone else's, deletes their conversations and anonymises the ``people``
row; the :class:`~bot.models.DeletionRequest` stays as the record that it happened.
"""

from __future__ import annotations

import base64
import enum
import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Column, Engine, Table, delete, or_, select, update
from sqlalchemy.orm import Session

from bot import conversations
from bot.access import AccessDenied, admin_school_ids, any_guardian_ids, require_family_pupil, roles_of, school_of
from bot.clock import Clock
from bot.models import Base, DeletionRequest, Person, PersonRole, Role

log = logging.getLogger(__name__)

PEOPLE = "people"
WITHHELD = "(withheld)"
KEEP = {"deletion_requests"}  # the record that a deletion happened outlives it


def person_columns(table: Table) -> list[Column]:
    """The columns of ``table`` that refer to a person."""
    return [c for c in table.columns if any(fk.column.table.name == PEOPLE for fk in c.foreign_keys)]


def person_tables() -> list[Table]:
    """Every table with a row per person or a reference to one (``people`` first)."""
    return [t for t in Base.metadata.sorted_tables if t.name == PEOPLE or person_columns(t)]


def _direct(table: Table, pupil_id: int):
    if table.name == PEOPLE:
        return table.c.id == pupil_id
    return or_(*(c == pupil_id for c in person_columns(table)))


def _children(parents: set[str]) -> list[tuple[Table, Column, Table]]:
    """(table, column, parent) for every foreign key into one of ``parents`` (not people)."""
    return [(t, c, fk.column.table) for t in Base.metadata.sorted_tables for c in t.columns
            for fk in c.foreign_keys if fk.column.table.name in parents and fk.column.table.name != PEOPLE]


def _rows_about(session: Session, pupil_id: int) -> dict[str, dict[Any, dict[str, Any]]]:
    """table name -> primary key -> row, for every row about the pupil."""
    found: dict[str, dict[Any, dict[str, Any]]] = {t.name: {} for t in person_tables()}
    for table in person_tables():
        for row in session.execute(select(table).where(_direct(table, pupil_id))).mappings():
            found[table.name][_key(table, row)] = dict(row)
    pupils = _other_pupils(session, pupil_id)
    for table, column, parent in _children({name for name, rows in found.items() if rows}):
        ids = [row[fk.column.name] for fk in column.foreign_keys for row in found[parent.name].values()]
        if not ids:
            continue
        for row in session.execute(select(table).where(column.in_(ids))).mappings():
            if any(row[c.name] in pupils for c in person_columns(table)):
                continue  # about another pupil as well
            found.setdefault(table.name, {})[_key(table, row)] = dict(row)
    return found


def _key(table: Table, row: Any) -> Any:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _other_pupils(session: Session, pupil_id: int) -> set[int]:
    return set(session.scalars(select(PersonRole.person_id).where(PersonRole.role == Role.PUPIL,
                                                                   PersonRole.person_id != pupil_id)))


@dataclass(frozen=True)
class Export:
    pupil: Person
    made_at: datetime
    tables: dict[str, list[dict[str, Any]]]  # every person table, empty ones too
    conversations: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"pupil": {"id": self.pupil.id, "name": self.pupil.name}, "made_at": self.made_at.isoformat(),
                "tables": self.tables, "conversations": self.conversations}


def export_pupil(session: Session, asker: Person, pupil_id: int, clock: Clock,
                 tracker: Engine | None = None) -> Export:
    """Everything Ransel holds about the pupil, for the pupil or a guardian with parental
    responsibility (:func:`bot.access.require_family_pupil`)."""
    pupil = require_family_pupil(session, asker, pupil_id, clock.today())
    found = _rows_about(session, pupil_id)
    columns = {t.name: [c.name for c in person_columns(t)] for t in Base.metadata.sorted_tables}
    relation = _relations(session, pupil_id, {row[c] for name, rows in found.items() for row in rows.values()
                                               for c in columns[name] if row[c] is not None})
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name not in found:
            continue
        people = {c.name for c in person_columns(table)} | ({"id"} if table.name == PEOPLE else set())
        tables[table.name] = [
            {name: _value(name, value, people, pupil_id, relation) for name, value in row.items()}
            for _, row in sorted(found[table.name].items(), key=lambda kv: str(kv[0]))
        ]
    talk = conversations.events_of(tracker, pupil_id) if tracker is not None else []
    log.info("data export pupil=%s asker=%s", pupil_id, asker.id)
    return Export(pupil, clock.now(), tables, talk)


def _relations(session: Session, pupil_id: int, ids: set[int]) -> dict[int, str]:
    """What each person id is to the pupil, for references to others in the export."""
    guardians = any_guardian_ids(session, pupil_id)
    staff = set(session.scalars(select(PersonRole.person_id).where(
        PersonRole.role.in_((Role.TEACHER, Role.SCHOOL_ADMIN, Role.OWNER_ADMIN)), PersonRole.person_id.in_(ids or {-1}))))
    return {pid: "guardian" if pid in guardians else "staff" if pid in staff else "other" for pid in ids}


def _value(name: str, value: Any, people: set[str], pupil_id: int, relation: dict[int, str]) -> Any:
    if name in people and value is not None:
        return "pupil" if value == pupil_id else relation.get(value, "other")
    if name.endswith("_hash") and value is not None:
        return WITHHELD
    return json_safe(value)


def json_safe(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    return value


# -- deletion -------------------------------------------------------------------------------

class AlreadyAsked(Exception):
    """A request for this pupil is waiting for the school already."""


def open_request(session: Session, pupil_id: int) -> DeletionRequest | None:
    return session.scalar(select(DeletionRequest).where(DeletionRequest.pupil_id == pupil_id,
                                                        DeletionRequest.outcome.is_(None)))


def request_deletion(session: Session, asker: Person, pupil_id: int, clock: Clock) -> DeletionRequest:
    """The family asks for the pupil's data to be deleted; a school admin decides."""
    require_family_pupil(session, asker, pupil_id, clock.today())
    waiting = open_request(session, pupil_id)
    if waiting is not None:
        return waiting
    row = DeletionRequest(pupil_id=pupil_id, school_id=school_of(session, pupil_id), requested_by_id=asker.id,
                          requested_at=clock.utcnow())
    session.add(row)
    session.flush()
    log.info("deletion asked request=%s pupil=%s asker=%s", row.id, pupil_id, asker.id)
    return row


def withdraw_request(session: Session, asker: Person, pupil_id: int, clock: Clock) -> bool:
    require_family_pupil(session, asker, pupil_id, clock.today())
    waiting = open_request(session, pupil_id)
    if waiting is None:
        return False
    session.delete(waiting)
    session.flush()
    return True


@dataclass(frozen=True)
class Waiting:
    request: DeletionRequest
    pupil_name: str
    asked_by: str  # "guardian" or "pupil"


def waiting_requests(session: Session, admin: Person) -> list[Waiting]:
    """Requests from the admin's schools that wait for a decision, oldest first."""
    if Role.SCHOOL_ADMIN not in roles_of(session, admin):
        return []
    schools = admin_school_ids(session, admin)
    rows = session.scalars(select(DeletionRequest).where(DeletionRequest.school_id.in_(schools or {-1}),
                                                         DeletionRequest.outcome.is_(None))
                           .order_by(DeletionRequest.requested_at, DeletionRequest.id))
    return [Waiting(r, session.get_one(Person, r.pupil_id).name,
                    "pupil" if r.requested_by_id == r.pupil_id else "guardian") for r in rows]


def decide(session: Session, admin: Person, request_id: int, confirm: bool, clock: Clock,
           tracker: Engine | None = None) -> DeletionRequest:
    """A school admin of the pupil's school confirms (the data is deleted) or declines."""
    row = session.get(DeletionRequest, request_id)
    if (row is None or row.outcome is not None or Role.SCHOOL_ADMIN not in roles_of(session, admin)
            or row.school_id not in admin_school_ids(session, admin)):
        raise AccessDenied()
    row.decided_by_id, row.decided_at = admin.id, clock.utcnow()
    row.outcome = "deleted" if confirm else "declined"
    session.flush()
    log.info("deletion %s request=%s pupil=%s admin=%s", row.outcome, row.id, row.pupil_id, admin.id)
    if confirm:
        erase_pupil(session, row.pupil_id)
        if tracker is not None:
            conversations.delete_of(tracker, row.pupil_id)
    return row


def erase_pupil(session: Session, pupil_id: int) -> None:
    """Delete every row about the pupil (and what hangs off them), clear them from rows that
    are someone else's, and anonymise their ``people`` row."""
    for table in reversed(person_tables()):
        if table.name in (PEOPLE, *KEEP):
            continue
        for column in person_columns(table):
            if column.nullable and column.name.endswith("_by_id"):
                # Who set, issued or decided something on a row that is not about the pupil
                # (a teacher's assignment, a guardian's consent): the row stays, the pupil goes
                # out of it. Any other reference to the pupil makes the row theirs.
                session.execute(update(table).where(column == pupil_id).values({column.name: None}))
        doomed = [_key(table, r) for r in session.execute(select(*table.primary_key.columns)
                                                         .where(_direct(table, pupil_id))).mappings()]
        _delete(session, table, doomed)
    person = session.get_one(Person, pupil_id)
    person.given_name, person.family_name = "–", "–"
    person.username = person.email = person.birth_date = None
    person.enabled = False
    session.flush()


def _delete(session: Session, table: Table, keys: list[tuple]) -> None:
    if not keys:
        return
    pk = list(table.primary_key.columns)
    ids = [k[0] for k in keys]
    if len(pk) == 1:
        for child, column, _ in _children({table.name}):
            if column.nullable:
                session.execute(update(child).where(column.in_(ids)).values({column.name: None}))
            else:
                below = [_key(child, r) for r in session.execute(select(*child.primary_key.columns)
                                                                .where(column.in_(ids))).mappings()]
                _delete(session, child, below)
        session.execute(delete(table).where(pk[0].in_(ids)))
    else:
        for key in keys:
            session.execute(delete(table).where(*(c == v for c, v in zip(pk, key, strict=True))))
