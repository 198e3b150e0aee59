"""The school owner's report: messages per school, channel and week, learning resources and
their cost under the owner's licences, classes; every group under five pupils suppressed, and
left out of every sum; the monthly report into the outbox once, by e-mail only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.access import AccessDenied
from bot.learning.policy import set_policy
from bot.models import Activity, Channel, LearningResource, OutboxMessage, OutboxStatus, Role
from bot.outbox import enqueue
from bot.services import statistics
from tests.builders import build_school

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
WEEK_46 = datetime(2026, 11, 10, 12, tzinfo=UTC)


@pytest.fixture
def school(session, clock):
    s = build_school(session)
    extra = []
    for i in range(3):  # 9B: six pupils, large enough; 4A (two) and Nordby (one) stay suppressed
        pupil = s.person(f"extra{i}", f"Elev{i}", "Ekstra", Role.PUPIL, birth=date(2011, 6, 1))
        s.member(pupil, "9b")
        extra.append(pupil)
    for n, (who, status, channel) in enumerate([
        (s.kari, OutboxStatus.READ, Channel.TELEGRAM), (s.per, OutboxStatus.DELIVERED, Channel.SMS),
        (s.james, OutboxStatus.FAILED, Channel.SMS), (s.ida, OutboxStatus.READ, Channel.TELEGRAM),
    ]):
        enqueue(session, key=f"r{n}", recipient_id=who.id, category="homework", template="reminder_homework",
                payload={}, due_at=WEEK_46, now=WEEK_46)
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"r{n}")).one()
        row.status, row.channel, row.sent_at = status, channel, WEEK_46
    paid = LearningResource(external_id="paid", title="Brøkbutikken", publisher="Nordlys", level=9.0,
                            licence="pay-per-use", cost_per_use=15.0)
    licensed = LearningResource(external_id="lic", title="Tallinja", publisher="Tallriket", level=4.0,
                                licence="municipal-licence")
    session.add_all([paid, licensed])
    session.flush()
    set_policy(session, s.school.owner_id, {"paid_resources": ["paid"], "licensed_publishers": ["Tallriket"]},
               by=None, clock=clock)
    nine_b = [s.jonas, s.olivia, s.mats, *extra]
    for n, pupil in enumerate(nine_b):
        for k in range(2):
            session.add(Activity(statement_id=f"a{n}-{k}", pupil_id=pupil.id, resource_id=paid.id, verb="completed",
                                 occurred_at=WEEK_46, source="api"))
    for n, pupil in enumerate([s.emma, s.nora]):
        session.add(Activity(statement_id=f"b{n}", pupil_id=pupil.id, resource_id=licensed.id, verb="completed",
                             occurred_at=WEEK_46, source="api"))
    session.commit()
    return s


def test_messages_per_school_channel_and_week_with_the_small_school_suppressed(session, school, clock) -> None:
    report = statistics.owner_report(session, school.kommune, *NOVEMBER, clock)
    assert [w.label for w in report.weeks] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert report.schools == {"Nordby skole": None, "Solbakken skole": 8}
    solbakken = {(c.week, c.channel): (c.sent, c.delivered, c.failed, c.read, c.reminders_sent, c.reminders_read)
                 for c in report.delivery if c.school == "Solbakken skole"}
    assert solbakken == {("2026-W46", "sms"): (2, 1, 1, 0, 2, 0), ("2026-W46", "telegram"): (1, 1, 0, 1, 1, 1)}
    nordby = [c for c in report.delivery if c.school == "Nordby skole"]
    assert [(c.week, c.channel, c.sent, c.read, c.suppressed) for c in nordby] == [("", "", None, None, True)]
    # Ida's message at Nordby is in no sum: the total minus Solbakken's rows gives nothing away.
    assert dict((w, sent) for w, sent, _, _ in report.per_week())["2026-W46"] == 3


def test_resources_cost_per_use_under_the_owners_licences_small_groups_hidden(session, school, clock) -> None:
    report = statistics.owner_report(session, school.kommune, *NOVEMBER, clock)
    uses = {r.resource: r for r in report.resources}
    paid = uses["Brøkbutikken"]
    assert (paid.terms, paid.uses, paid.pupils, paid.cost_per_use, paid.cost) == ("paid", 12, 6, 15.0, 180.0)
    licensed = uses["Tallinja"]  # two pupils of 4A: no figure
    assert (licensed.terms, licensed.uses, licensed.pupils, licensed.cost) == ("licence", None, None, None)
    assert report.cost_total() == 180.0
    classes = {c.group: c for c in report.classes}
    assert classes["4A"].suppressed and classes["4A"].pupils is None
    assert (classes["9B"].pupils, classes["9B"].active_pupils, classes["9B"].uses) == (6, 6, 12)


def test_a_school_admin_gets_their_school_and_a_teacher_nothing(session, school, clock) -> None:
    assert set(statistics.owner_report(session, school.rektor, *NOVEMBER, clock).schools) == {"Solbakken skole"}
    with pytest.raises(AccessDenied):
        statistics.owner_report(session, school.liv, *NOVEMBER, clock)


def test_the_monthly_report_is_queued_once_for_e_mail(session, school, clock) -> None:
    assert statistics.enqueue_monthly_report(session, school.kommune, "2026-11", clock) is True
    assert statistics.enqueue_monthly_report(session, school.kommune, "2026-11", clock) is False
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == school.kommune.id)).one()
    assert (row.template, row.payload) == ("owner_report", {
        "month": "2026-11", "first": "2026-11-01", "last": "2026-11-30", "only_channel": "email"})
    with pytest.raises(AccessDenied):
        statistics.enqueue_monthly_report(session, school.kari, "2026-11", clock)
    with pytest.raises(ValueError):
        statistics.month_bounds("2026-13")
    assert statistics.month_bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
