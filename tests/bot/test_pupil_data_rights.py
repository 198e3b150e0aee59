"""Data rights on the stores (SQLite and PostgreSQL): the export of everything Ransel holds
about a pupil covers every table that refers to a person and nothing about anyone else; a
confirmed deletion removes it; conversations older than the school's retention are deleted."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, or_, select

from bot import conversations
from bot.access import AccessDenied
from bot.clock import Clock
from bot.identity import conversation_id
from bot.models import (
    Absence,
    AbsenceReason,
    Activity,
    AimStatus,
    ApiToken,
    Base,
    CategoryPreference,
    Change,
    Channel,
    Consent,
    ContactPoint,
    DeletionRequest,
    DeliveryMode,
    Dimension,
    Form,
    LinkCode,
    NotificationPreference,
    OutboxMessage,
    PersonIdentifier,
    PhonePin,
    ProfileHistory,
    ProfileSetting,
    School,
    Source,
    SubjectStatus,
    Thread,
    ThreadMessage,
    WebNotice,
)
from bot.services import privacy
from tests.builders import build_school

# Tables that refer to a person but never to a pupil as such (what a teacher wrote, who last
# changed a school's settings): an export has them, empty. Any other table with a person
# reference must get a row for the pupil below, so a new table cannot slip past this test.
NEVER_ABOUT_A_PUPIL = {"reviews", "learning_policies", "reminder_rule_sets", "broadcasts", "assignments"}


def person_fk_tables() -> set[str]:
    """Walked here on its own, not taken from the code under test."""
    return {t.name for t in Base.metadata.sorted_tables
            if any(fk.column.table.name == "people" for c in t.columns for fk in c.foreign_keys)}


def pupil_rows(session, table_name: str, pupil_id: int) -> int:
    table = Base.metadata.tables[table_name]
    columns = [c for c in table.columns if any(fk.column.table.name == "people" for fk in c.foreign_keys)]
    return len(session.execute(select(table).where(or_(*(c == pupil_id for c in columns)))).all())


def give_the_pupil_a_history(session, school, clock: Clock, pupil, guardian, teacher) -> None:
    """One or more rows in every table that can hold something about a pupil."""
    now = clock.utcnow()
    session.add_all([
        Absence(pupil_id=pupil.id, reported_by_id=guardian.id, first_day=date(2026, 12, 1), last_day=date(2026, 12, 1),
                reason=AbsenceReason.ILL, note="feber", created_at=now),
        Consent(person_id=pupil.id, kind="publisher:Fjordlæring", granted=True, given_by_id=guardian.id, at=now,
                meta={"via": "portal"}),
        ContactPoint(person_id=pupil.id, channel=Channel.TELEGRAM, address=f"tg-{pupil.id}", verified=True,
                     created_at=now),
        NotificationPreference(person_id=pupil.id, form=Form.VOICE, quiet_start=time(21), quiet_end=time(7),
                               quiet_weekdays=[], opted_out=False, updated_at=now),
        CategoryPreference(person_id=pupil.id, category="homework", mode=DeliveryMode.DAILY),
        Change(person_id=pupil.id, kind="reminders", payload={"before": {}}, created_at=now),
        ApiToken(token_hash=f"{pupil.id:064d}", person_id=pupil.id, purpose="calendar", created_at=now),
        LinkCode(code_hash=f"{pupil.id:063d}c", person_id=pupil.id, issued_by_id=teacher.id,
                 expires_at=now + timedelta(hours=1)),
        PhonePin(person_id=pupil.id, pin_hash="scrypt$secret", set_at=now, failures=0),
        ProfileSetting(pupil_id=pupil.id, key="read_aloud", value=True, source=Source.GUARDIAN,
                       set_by_id=guardian.id, set_at=now),
        AimStatus(pupil_id=pupil.id, aim_code="KM282", dimension=Dimension.KNOWLEDGE, level=0.4,
                  source=Source.TEACHER, evidence=0, set_by_id=teacher.id, set_at=now),
        SubjectStatus(pupil_id=pupil.id, subject_code="MAT01-05", dimension=Dimension.SKILLS, level=0.6,
                      source=Source.TEACHER, set_by_id=teacher.id, set_at=now),
        ProfileHistory(pupil_id=pupil.id, scope="setting", key="read_aloud", source=Source.GUARDIAN, value=True,
                       previous=None, set_by_id=guardian.id, set_at=now),
        Activity(statement_id=f"st-{pupil.id}", pupil_id=pupil.id, aim_code="KM282", verb="completed", score=0.8,
                 occurred_at=now, source="api"),
        PersonIdentifier(person_id=pupil.id, scheme="feide", value=f"{pupil.given_name.lower()}@skole.example"),
        DeletionRequest(pupil_id=pupil.id, school_id=school.school.id, requested_by_id=guardian.id, requested_at=now,
                        outcome="declined", decided_by_id=teacher.id, decided_at=now),
    ])
    session.flush()
    outbox = OutboxMessage(idempotency_key=f"k-{pupil.id}", recipient_id=pupil.id, category="homework",
                           template="homework", payload={"pupil_id": pupil.id}, due_at=now, created_at=now)
    thread = Thread(asker_id=guardian.id, teacher_id=teacher.id, pupil_id=pupil.id, created_at=now)
    own = Thread(asker_id=pupil.id, teacher_id=teacher.id, pupil_id=pupil.id, created_at=now)
    session.add_all([outbox, thread, own])
    session.flush()
    session.add_all([
        WebNotice(person_id=pupil.id, outbox_id=outbox.id, text="Husk gymtøy", language="nb", created_at=now),
        ThreadMessage(thread_id=thread.id, author_id=guardian.id, text=f"Om {pupil.given_name}", created_at=now),
        ThreadMessage(thread_id=thread.id, author_id=teacher.id, text="Takk for beskjed", created_at=now),
        ThreadMessage(thread_id=own.id, author_id=pupil.id, text=f"{pupil.given_name}: kan jeg levere i morgen?",
                      created_at=now),
    ])
    session.flush()


@pytest.fixture
def school(session, clock):
    s = build_school(session)
    give_the_pupil_a_history(session, s, clock, s.emma, s.kari, s.liv)
    give_the_pupil_a_history(session, s, clock, s.nora, s.per, s.liv)  # another pupil, the same kinds of rows
    session.add(ContactPoint(person_id=s.kari.id, channel=Channel.SMS, address="+4791842503", verified=True,
                             created_at=clock.utcnow()))
    session.add(ContactPoint(person_id=s.bestemor.id, channel=Channel.SMS, address="+4790000001", verified=True,
                             created_at=clock.utcnow()))
    session.flush()
    return s


def test_the_export_has_every_tables_rows_about_the_pupil(session, school, clock) -> None:
    emma = school.emma.id
    exported = privacy.export_pupil(session, school.kari, emma, clock).as_json()
    tables = exported["tables"]
    missing = person_fk_tables() - set(tables)
    assert missing == set(), f"tables with a person reference left out of the export: {missing}"
    for name in sorted(person_fk_tables() - NEVER_ABOUT_A_PUPIL):
        expected = pupil_rows(session, name, emma)
        assert expected > 0, f"give the pupil a row in {name} in give_the_pupil_a_history (or list it as never about a pupil)"
        assert len(tables[name]) >= expected, name
    assert [row["given_name"] for row in tables["people"]] == ["Emma"]
    # What hangs off the pupil's rows comes along: both messages in the thread about her.
    assert sorted(m["text"] for m in tables["thread_messages"]) == [
        "Emma: kan jeg levere i morgen?", "Om Emma", "Takk for beskjed"]
    assert {m["author_id"] for m in tables["thread_messages"]} == {"guardian", "staff", "pupil"}
    assert tables["absences"][0]["note"] == "feber" and tables["absences"][0]["reported_by_id"] == "guardian"


def test_the_export_holds_nothing_about_anyone_else(session, school, clock) -> None:
    exported = privacy.export_pupil(session, school.kari, school.emma.id, clock).as_json()
    text = json.dumps(exported, ensure_ascii=False)
    for other in ("Nora", "Om Nora", f"tg-{school.nora.id}", f"st-{school.nora.id}", "+4791842503", "+4790000001",
                  "Kari", "Liv", "scrypt$secret"):
        assert other not in text, other
    person_refs = {row[c.name] for t in Base.metadata.sorted_tables if t.name in exported["tables"]
                   for c in t.columns if any(fk.column.table.name == "people" for fk in c.foreign_keys)
                   for row in exported["tables"][t.name] if row[c.name] is not None}
    assert person_refs <= {"pupil", "guardian", "staff", "other"}
    assert exported["tables"]["phone_pins"][0]["pin_hash"] == privacy.WITHHELD


def test_only_the_family_with_parental_responsibility_under_18_may_export(session, school, clock) -> None:
    assert privacy.export_pupil(session, school.emma, school.emma.id, clock).pupil.id == school.emma.id  # herself
    for asker, pupil in ((school.bestemor, school.emma),  # no parental responsibility
                         (school.dahl, school.mats),  # Mats turns 18 today
                         (school.liv, school.emma),  # a teacher who sees her is not her family
                         (school.per, school.emma)):  # someone else's child
        with pytest.raises(AccessDenied):
            privacy.export_pupil(session, asker, pupil.id, clock)


def test_a_confirmed_deletion_removes_the_pupil_and_leaves_the_others(session, school, clock) -> None:
    emma, nora = school.emma.id, school.nora.id
    before = {name: pupil_rows(session, name, nora) for name in person_fk_tables()}
    request = privacy.request_deletion(session, school.kari, emma, clock)
    assert privacy.request_deletion(session, school.kari, emma, clock).id == request.id  # asked once
    admin = school.rektor
    with pytest.raises(AccessDenied):  # a teacher cannot confirm it
        privacy.decide(session, school.liv, request.id, True, clock)
    assert [w.pupil_name for w in privacy.waiting_requests(session, admin)] == ["Emma Hansen"]
    privacy.decide(session, admin, request.id, True, clock)
    for name in person_fk_tables() - {"deletion_requests"}:
        assert pupil_rows(session, name, emma) == 0, name
    assert {name: pupil_rows(session, name, nora) for name in person_fk_tables()} == before
    assert session.scalar(select(DeletionRequest.outcome).where(DeletionRequest.id == request.id)) == "deleted"


# -- retention of conversations in the engine's tracker store -------------------------------

def rasa_events_table(path: Path):
    """An SQLite tracker store with the table Rasa's SQLTrackerStore makes (rasa 3.6)."""
    engine = create_engine(f"sqlite:///{path}")
    table = Table("events", MetaData(), Column("id", Integer, primary_key=True),
                  Column("sender_id", String(255), nullable=False, index=True),
                  Column("type_name", String(255), nullable=False), Column("timestamp", Float),
                  Column("intent_name", String(255)), Column("action_name", String(255)), Column("data", Text))
    table.metadata.create_all(engine)
    return engine, table


def say(engine, table, sender: str, text: str, when: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(table.insert().values(sender_id=sender, type_name="user", timestamp=when.timestamp(),
                                                 data=json.dumps({"event": "user", "text": text})))


def texts(engine, table) -> set[str]:
    with engine.connect() as connection:
        return {json.loads(d)["text"] for d in connection.scalars(select(table.c.data))}


def test_conversations_older_than_the_schools_retention_are_deleted(session, school, clock, tmp_path) -> None:
    engine, table = rasa_events_table(tmp_path / "tracker.db")
    now = clock.utcnow()
    kari = conversation_id("secret", school.kari.id, Channel.TELEGRAM)
    emma = conversation_id("secret", school.emma.id, Channel.WEB)
    ida = conversation_id("secret", school.ida.id, Channel.WEB)  # at Nordby skole, which keeps 30 days
    session.get_one(School, school.other_school.id).conversation_retention_days = 30
    session.flush()
    say(engine, table, kari, "kari 91 days ago", now - timedelta(days=91))
    say(engine, table, kari, "kari 89 days ago", now - timedelta(days=89))
    say(engine, table, emma, "emma 120 days ago", now - timedelta(days=120))
    say(engine, table, emma, "emma today", now - timedelta(minutes=5))
    say(engine, table, ida, "ida 31 days ago", now - timedelta(days=31))
    say(engine, table, ida, "ida 29 days ago", now - timedelta(days=29))
    say(engine, table, "unsigned-test-sender", "unknown 100 days ago", now - timedelta(days=100))
    deleted = conversations.purge_expired(session, engine, clock)
    assert deleted == 4
    assert texts(engine, table) == {"kari 89 days ago", "emma today", "ida 29 days ago"}
    # What is left is the pupil's to see in the export, and goes with a deletion.
    assert [e["text"] for e in conversations.events_of(engine, school.emma.id)] == ["emma today"]
    assert conversations.delete_of(engine, school.emma.id) == 1


def test_retention_without_a_tracker_store_does_nothing(session, clock, tmp_path) -> None:
    assert conversations.tracker_engine(f"sqlite:///{tmp_path / 'never-made.db'}") is None
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert conversations.purge_expired(session, engine, clock) == 0


def test_the_school_keeps_conversations_90_days_unless_it_says_otherwise(session, school, clock) -> None:
    days = conversations.retention_days(session, [school.kari.id, school.liv.id, school.ida.id, 10**6])
    assert days == {school.kari.id: 90, school.liv.id: 90, school.ida.id: 90, 10**6: 90}

