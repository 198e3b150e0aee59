"""Link codes and web sessions in the stores."""

from datetime import timedelta

from sqlalchemy import select, text

from bot import db
from bot.clock import Clock
from bot.models import LinkCode, Person
from channels import contacts

SECRET = "test-secret"


def _person(session) -> Person:  # noqa: ANN001
    person = Person(sourced_id="p1", username="emma.hansen", given_name="Emma", family_name="Hansen")
    session.add(person)
    session.flush()
    return person


def test_a_code_is_stored_only_as_a_keyed_hash_and_works_once(store_url: str, clock: Clock) -> None:
    sessions = db.session_factory(db.make_engine(store_url))
    now = clock.utcnow()
    with db.transaction(sessions) as session:
        person = _person(session)
        code = contacts.issue_code(session, SECRET, person.id, now=now, ttl=timedelta(hours=1))
    with db.transaction(sessions) as session:
        stored = session.execute(text("SELECT code_hash FROM link_codes")).scalars().all()
        assert stored and all(contacts.normalize(code) not in h for h in stored)
        # typed with a dash and in lower case, as people do
        assert contacts.redeem(session, SECRET, contacts.display(code).lower(), now=now, used_for="web") == person.id
    with db.transaction(sessions) as session:
        assert contacts.redeem(session, SECRET, code, now=now, used_for="web") is None
        assert session.scalar(select(LinkCode.used_for)) == "web"


def test_a_code_from_another_installation_or_past_its_time_does_not_work(store_url: str, clock: Clock) -> None:
    sessions = db.session_factory(db.make_engine(store_url))
    now = clock.utcnow()
    with db.transaction(sessions) as session:
        person = _person(session)
        code = contacts.issue_code(session, SECRET, person.id, now=now, ttl=timedelta(minutes=10))
        assert contacts.redeem(session, "other-secret", code, now=now, used_for="telegram") is None
        assert contacts.redeem(session, SECRET, code, now=now + timedelta(minutes=10), used_for="telegram") is None
        assert contacts.redeem(session, SECRET, "short", now=now, used_for="telegram") is None


def test_web_sessions_end_after_their_lifetime_or_when_revoked(store_url: str, clock: Clock) -> None:
    from bot import api_tokens as tokens

    sessions = db.session_factory(db.make_engine(store_url))
    with db.transaction(sessions) as session:
        person = _person(session)
        token = contacts.issue_token(session, person, clock)
    with db.transaction(sessions) as session:
        now = clock.utcnow()
        assert contacts.person_for_token(session, token, now=now, max_age=timedelta(days=30)).id == person.id
        assert contacts.person_for_token(session, token, now=now + timedelta(days=31), max_age=timedelta(days=30)) is None
        assert contacts.person_for_token(session, None, now=now, max_age=timedelta(days=30)) is None
        tokens.revoke(session, token, clock)
    with db.transaction(sessions) as session:
        assert contacts.person_for_token(session, token, now=clock.utcnow(), max_age=timedelta(days=30)) is None
