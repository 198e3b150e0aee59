"""Teacher broadcasts: who gets them, when, in which language, and what the teacher sees."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sqlalchemy import select

from bot.models import Audience, BroadcastScope, Person, School
from bot.services.broadcasts import BroadcastError, send_broadcast, summary
from scheduler_helpers import oslo, texts


def send(session, clock, who, **kwargs):  # noqa: ANN001, ANN003, ANN201
    broadcast = send_broadcast(session, session.get(Person, who), clock=clock, **kwargs)
    session.commit()
    return broadcast


def test_a_broadcast_set_for_the_morning_goes_out_then_and_not_before(world, school, session, clock) -> None:  # noqa: ANN001
    send(session, clock, school.liv, text="Vi går på tur i dag.", scope=BroadcastScope.GROUP, group="4A",
         audience=Audience.GUARDIANS, send_at=oslo(clock, "2026-12-02T07:30"))

    sent = texts(world.run_until(oslo(clock, "2026-12-02T08:00"), step=timedelta(minutes=30)), clock)

    assert sorted(sent) == sorted([
        ("2026-12-02 07:30", school.kari, "Melding fra Liv Andersen til 4A:\nVi går på tur i dag."),
        ("2026-12-02 07:30", school.per, "Message from Liv Andersen to 4A:\nVi går på tur i dag."),
    ])


def test_the_whole_school_both_pupils_and_guardians_each_once(world, school, session, clock) -> None:  # noqa: ANN001
    b = send(session, clock, school.admin, text="Skolen stenger kl. 12 i morgen.", scope=BroadcastScope.SCHOOL,
             audience=Audience.BOTH)
    world.run_until(oslo(clock, "2026-12-01T10:00"))

    result = summary(session, b, session.get(Person, school.admin), clock.today())

    # Kari has children in 4A and 9B: one message. Emma and Sofie have no address yet.
    assert [(r.name, r.status, r.reason) for r in result.recipients] == [
        ("Emma Hansen", "skipped", "no_address"), ("Jonas Hansen", "sent", None), ("Kari Hansen", "sent", None),
        ("Per Lie", "sent", None), ("Sofie Lie", "skipped", "no_address"),
    ]
    assert result.totals == {"sent": 3, "skipped": 2}
    assert [s.text for s in world.sent if s.recipient_id == school.jonas] == [
        "Melding fra Randi Rektor til Ransel skole:\nSkolen stenger kl. 12 i morgen."]


def _allow_teachers_wide_broadcasts(session) -> None:  # noqa: ANN001
    for found in session.scalars(select(School)):
        found.teachers_broadcast_widely = True
    session.commit()


def test_a_grade_broadcast_reaches_that_grade_only(world, school, session, clock) -> None:  # noqa: ANN001
    _allow_teachers_wide_broadcasts(session)
    b = send(session, clock, school.ola, text="Husk skidagen.", scope=BroadcastScope.GRADE, grade=9,
             audience=Audience.GUARDIANS)

    assert [r.name for r in summary(session, b, session.get(Person, school.ola), clock.today()).recipients] == [
        "Kari Hansen"]


def test_grade_school_and_urgent_broadcasts_are_for_admins_unless_the_school_allows_teachers(
        session, school, clock) -> None:  # noqa: ANN001
    for kwargs in ({"scope": BroadcastScope.GRADE, "grade": 9}, {"scope": BroadcastScope.SCHOOL},
                   {"scope": BroadcastScope.GROUP, "group": "9B", "urgent": True}):
        with pytest.raises(BroadcastError) as refused:
            send(session, clock, school.ola, text="Hei", **kwargs)
        assert refused.value.code == "not_allowed", kwargs
        assert send(session, clock, school.admin, text="Hei", **kwargs).id
    assert send(session, clock, school.ola, text="Hei", scope=BroadcastScope.GROUP, group="9B").id
    _allow_teachers_wide_broadcasts(session)
    assert send(session, clock, school.ola, text="Hei", scope=BroadcastScope.SCHOOL, urgent=True).id


def test_names_go_only_to_the_sender_and_only_for_their_own_groups(world, school, session, clock) -> None:  # noqa: ANN001
    _allow_teachers_wide_broadcasts(session)
    b = send(session, clock, school.ola, text="Skolen stenger.", scope=BroadcastScope.SCHOOL, audience=Audience.GUARDIANS)
    world.run_until(oslo(clock, "2026-12-01T10:00"))
    as_sender = summary(session, b, session.get(Person, school.ola), clock.today())
    as_admin = summary(session, b, session.get(Person, school.admin), clock.today())
    # Kari (a child in Ola's 9B) is named to Ola; Per (only 4A) is counted, not named.
    assert [r.name for r in as_sender.recipients if r.name] == ["Kari Hansen"]
    assert as_sender.totals == as_admin.totals and sum(as_admin.totals.values()) == 2
    assert all(r.name is None and r.person_id is None for r in as_admin.recipients)
    assert as_admin.as_dict()["recipients"] == [] and as_admin.as_dict()["unnamed"] == 2


def test_who_may_broadcast_to_whom(session, school, clock) -> None:  # noqa: ANN001
    with pytest.raises(BroadcastError) as refused:
        send(session, clock, school.ola, text="Hei", scope=BroadcastScope.GROUP, group="4A")
    assert str(refused.value) == "Du kan ikke sende melding til denne mottakergruppen."
    with pytest.raises(BroadcastError) as past:
        send(session, clock, school.liv, text="Hei", scope=BroadcastScope.GROUP, group="4A",
             send_at=oslo(clock, "2026-12-01T09:00"))
    assert str(past.value) == "Tidspunktet har allerede vært."
    with pytest.raises(BroadcastError) as no_grade:
        send(session, clock, school.liv, text="Hei", scope=BroadcastScope.GRADE)
    assert str(no_grade.value) == "Skriv hvilket trinn meldingen skal til."
    assert send(session, clock, school.admin, text="Hei", scope=BroadcastScope.GROUP, group="9B").id


def test_a_broadcast_queued_before_a_guardian_lost_responsibility_is_not_delivered_to_them(
        world, school, session, clock) -> None:  # noqa: ANN001
    from bot.models import Guardianship

    b = send(session, clock, school.liv, text="Vi går på tur i morgen.", scope=BroadcastScope.GROUP, group="4A",
             audience=Audience.GUARDIANS, send_at=oslo(clock, "2026-12-02T07:30"))
    link = session.scalars(select(Guardianship).where(Guardianship.guardian_id == school.per)).one()
    link.parental_responsibility = False  # the register changed overnight
    session.commit()
    sent = texts(world.run_until(oslo(clock, "2026-12-02T08:00"), step=timedelta(minutes=30)), clock)
    assert [who for _, who, text in sent if "Vi går på tur i morgen." in text] == [school.kari]
    statuses = {r.person_id: r.status for r in summary(session, b, session.get(Person, school.liv), clock.today()).recipients
                if r.person_id}
    assert school.per not in statuses or statuses[school.per] == "skipped"


def test_a_broadcast_to_a_pupil_who_left_the_group_is_not_delivered(world, school, session, clock) -> None:  # noqa: ANN001
    from datetime import date

    from bot.models import Membership

    send(session, clock, school.liv, text="Husk matpakke.", scope=BroadcastScope.GROUP, group="4A",
         audience=Audience.BOTH, send_at=oslo(clock, "2026-12-03T07:30"))
    for m in session.scalars(select(Membership).where(Membership.person_id == school.sofie)):
        m.end_date = date(2026, 12, 2)  # Sofie moved school; her last day was Wednesday
    session.commit()
    sent = texts(world.run_until(oslo(clock, "2026-12-03T08:00"), step=timedelta(minutes=30)), clock)
    got = [who for _, who, text in sent if "Husk matpakke." in text]
    assert school.kari in got and school.per not in got and school.sofie not in got
