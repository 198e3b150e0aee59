"""Teacher broadcasts: who gets them, when, in which language, and what the teacher sees."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.models import Audience, BroadcastScope, Person
from scheduler.broadcasts import BroadcastError, send_broadcast, summary
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

    result = summary(session, b)

    # Kari has children in 4A and 9B: one message. Emma and Sofie have no address yet.
    assert [(r.name, r.status, r.reason) for r in result.recipients] == [
        ("Emma Hansen", "skipped", "no_address"), ("Jonas Hansen", "sent", None), ("Kari Hansen", "sent", None),
        ("Per Lie", "sent", None), ("Sofie Lie", "skipped", "no_address"),
    ]
    assert result.totals == {"sent": 3, "skipped": 2}
    assert [s.text for s in world.sent if s.recipient_id == school.jonas] == [
        "Melding fra Randi Rektor til Ransel skole:\nSkolen stenger kl. 12 i morgen."]


def test_a_grade_broadcast_reaches_that_grade_only(world, school, session, clock) -> None:  # noqa: ANN001
    b = send(session, clock, school.ola, text="Husk skidagen.", scope=BroadcastScope.GRADE, grade=9,
             audience=Audience.GUARDIANS)

    assert [r.name for r in summary(session, b).recipients] == ["Kari Hansen"]


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
