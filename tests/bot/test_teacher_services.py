"""The service functions the teacher's pages share with chat and the API: following and
cancelling a broadcast, who is behind per aim, a teacher's threads."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.access import AccessDenied, may_follow_broadcast
from bot.models import Audience, BroadcastScope, OutboxMessage, OutboxStatus
from bot.services import relay
from bot.services.broadcasts import cancel_broadcast, send_broadcast
from bot.services.teaching import behind_by_aim, pupils_behind
from tests.builders import build_school, local


@pytest.fixture
def school(session):
    return build_school(session)


def test_cancelling_a_broadcast_for_later_withdraws_every_waiting_copy_at_once(session, school, clock) -> None:
    later = send_broadcast(session, school.liv, text="Tur i morgen.", clock=clock, scope=BroadcastScope.GROUP,
                           group="4A", audience=Audience.GUARDIANS, send_at=local(date(2026, 12, 2), 7, 30))
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.broadcast_id == later.id)).all()
    assert len(rows) == 2 and {r.status for r in rows} == {OutboxStatus.PENDING}
    assert cancel_broadcast(session, later, clock=clock) == 2
    assert later.cancelled_at is not None
    assert {(r.status, r.last_error) for r in rows} == {(OutboxStatus.SKIPPED, "cancelled")}
    assert cancel_broadcast(session, later, clock=clock) == 0  # nothing left to stop


def test_only_the_author_and_the_schools_admin_follow_a_broadcast(session, school, clock) -> None:
    sent = send_broadcast(session, school.liv, text="Hei", clock=clock, scope=BroadcastScope.GROUP, group="4A")
    assert may_follow_broadcast(session, school.liv, sent)
    assert may_follow_broadcast(session, school.rektor, sent)
    assert not may_follow_broadcast(session, school.tor, sent)
    assert not may_follow_broadcast(session, school.kari, sent)


def test_who_is_behind_per_aim_follows_the_same_rule_as_per_subject(session, school, clock) -> None:
    [km282] = behind_by_aim(session, school.tor, school.groups["9b_mat"].id, clock)
    assert km282.aim.code == "KM282"
    assert [(b.pupil.given_name, b.missing) for b in km282.pupils] == [("Mats", ["Prøve i brøk og prosent"])]
    assert [b.pupil.id for b in km282.pupils] == [b.pupil.id for b in pupils_behind(
        session, school.tor, school.groups["9b_mat"].id, clock)]
    assert behind_by_aim(session, school.liv, school.groups["4a_mat"].id, clock) == []  # no aims on 4A's work
    with pytest.raises(AccessDenied):
        behind_by_aim(session, school.liv, school.groups["9b_mat"].id, clock)


def test_a_teacher_sees_only_the_threads_written_to_them(session, school, clock) -> None:
    asked = relay.ask_teacher(session, school.kari, school.emma.id, "Kan Emma gå tidlig i dag?", clock)
    assert asked.teacher.id == school.liv.id
    assert [t.id for t in relay.threads_of(session, school.liv)] == [asked.thread.id]
    assert relay.awaiting_answer(session, school.liv) == [asked.thread]
    assert relay.thread_of(session, school.liv, asked.thread.id) is asked.thread
    assert relay.threads_of(session, school.tor) == []
    with pytest.raises(AccessDenied):
        relay.thread_of(session, school.tor, asked.thread.id)
    relay.answer(session, school.liv, asked.thread.id, "Ja.", clock)
    session.expire_all()  # the next request's session
    assert relay.awaiting_answer(session, school.liv) == []
