"""What the school admin's page does with link codes and e-mail contact points."""

from __future__ import annotations

from datetime import timedelta

from bot import db
from bot.clock import Clock
from bot.models import Channel, ContactPoint, Person
from bot.services.reach import Address, Reach
from channels import contacts

SECRET = "test-secret"


def _person(session, key: str, email: str | None = None) -> Person:
    person = Person(sourced_id=key, username=key, given_name=key.title(), family_name="Test", email=email)
    session.add(person)
    session.flush()
    return person


def test_unused_codes_are_listed_and_a_revoked_one_no_longer_works(store_url: str, clock: Clock) -> None:
    sessions = db.session_factory(db.make_engine(store_url))
    now = clock.utcnow()
    with db.transaction(sessions) as session:
        kari, per, other = _person(session, "kari"), _person(session, "per"), _person(session, "other")
        keep = contacts.issue_code(session, SECRET, kari.id, now=now, ttl=timedelta(hours=72))
        revoked = contacts.issue_code(session, SECRET, per.id, now=now, ttl=timedelta(hours=1))
        contacts.issue_code(session, SECRET, other.id, now=now, ttl=timedelta(hours=1))
        ids = [kari.id, per.id]
    with db.transaction(sessions) as session:
        listed = contacts.open_codes(session, ids, now=now)
        assert [c.person_id for c in listed] == [per.id, kari.id]  # soonest to expire first
        code_id = listed[0].id
        assert not contacts.revoke_code(session, code_id, [kari.id], now=now)  # not one of these people's
        assert contacts.revoke_code(session, code_id, ids, now=now)
        assert not contacts.revoke_code(session, code_id, ids, now=now)  # once
    with db.transaction(sessions) as session:
        assert contacts.redeem(session, SECRET, revoked, now=now, used_for="web") is None
        assert [c.person_id for c in contacts.open_codes(session, ids, now=now)] == [kari.id]
        assert contacts.redeem(session, SECRET, keep, now=now, used_for="web") == kari.id
        assert contacts.open_codes(session, ids, now=now) == []


def test_an_e_mail_address_is_bound_once_and_only_for_e_mail(store_url: str, clock: Clock) -> None:
    sessions = db.session_factory(db.make_engine(store_url))
    now = clock.utcnow()
    with db.transaction(sessions) as session:
        owner = _person(session, "owner", email="Skolesjef@Fjellby.example")
        nobody = _person(session, "nobody")
        assert contacts.email_of(session, owner.id, now=now) == "skolesjef@fjellby.example"
        assert contacts.email_of(session, owner.id, now=now) == "skolesjef@fjellby.example"
        assert contacts.email_of(session, nobody.id, now=now) is None
        points = session.query(ContactPoint).filter(ContactPoint.person_id == owner.id).all()
        assert [(p.channel, p.address) for p in points] == [(Channel.EMAIL, "skolesjef@fjellby.example")]
    email = Address(1, Channel.EMAIL, "skolesjef@fjellby.example")
    chat = Address(2, Channel.TELEGRAM, "700001")
    assert Reach(1, "nb", addresses=[email]).address(critical=True) is None  # no chat message goes to e-mail
    assert Reach(1, "nb", addresses=[email, chat]).address(critical=False) == chat
    assert Reach(1, "nb", addresses=[chat, email]).address(critical=False, only=Channel.EMAIL) == email
    assert Reach(1, "nb", addresses=[chat]).address(critical=True, only=Channel.EMAIL) is None
