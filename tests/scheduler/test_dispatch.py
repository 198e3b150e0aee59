"""The dispatcher: retries with backoff and jitter, dead letters, 429s, leases, claiming."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import db
from bot.models import Channel, DeliveryEvent, OutboxMessage, OutboxStatus, Person
from bot.delivery import DeliveryResult, DeliveryStatus
from scheduler.recording import MemoryAdapter
from scheduler.dispatch import DispatchConfig, Dispatcher
from bot.outbox import claim, enqueue, finish
from scheduler.ratelimit import Limits, Rate, RateLimiter
from scheduler.render import register

RETRY = DeliveryResult(DeliveryStatus.RETRY, error="http_503")


def urgent_note(session, clock, recipient_id: int, key: str = "n1", template: str = "broadcast") -> int:  # noqa: ANN001
    from bot.models import Audience, BroadcastScope
    from bot.services.broadcasts import send_broadcast

    if template == "broadcast":
        from bot.models import School

        for found in session.scalars(select(School)):
            found.teachers_broadcast_widely = True  # teachers may send urgent messages here
        b = send_broadcast(session, session.get(Person, 1), text=f"Viktig {key}", clock=clock,
                           scope=BroadcastScope.GROUP, group="4A", audience=Audience.GUARDIANS, urgent=True)
        session.commit()
        return session.scalars(select(OutboxMessage.id).where(OutboxMessage.broadcast_id == b.id,
                                                               OutboxMessage.recipient_id == recipient_id)).one()
    enqueue(session, key=key, recipient_id=recipient_id, category="urgent", template=template, payload={},
            due_at=clock.now(), now=clock.now(), critical=True)
    session.commit()
    return session.scalars(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).one()


def dispatcher(sessions, clock, adapter, **config) -> Dispatcher:  # noqa: ANN001
    return Dispatcher(sessions, clock, {adapter.channel: adapter, Channel.SMS: MemoryAdapter(Channel.SMS)},
                      config=DispatchConfig(**config), rng=random.Random(7), worker="w1")


def row(session, row_id: int) -> OutboxMessage:  # noqa: ANN001
    session.expire_all()
    return session.get(OutboxMessage, row_id)


def test_a_temporary_failure_is_retried_with_growing_jittered_delays(sessions, session, school, clock) -> None:  # noqa: ANN001
    rid = urgent_note(session, clock, school.kari)
    telegram = MemoryAdapter(Channel.TELEGRAM, [RETRY, RETRY])
    d = dispatcher(sessions, clock, telegram, backoff_base=60)

    delays = []
    for _ in range(2):
        asyncio.run(d.drain())
        r = row(session, rid)
        assert (r.status, r.last_error) == (OutboxStatus.PENDING, "http_503")
        delays.append((r.next_attempt_at - clock.utcnow()).total_seconds())
        clock.advance(r.next_attempt_at - clock.utcnow())
    asyncio.run(d.drain())

    assert 30 <= delays[0] <= 60 and 60 <= delays[1] <= 120  # "equal jitter": half fixed, half random
    r = row(session, rid)
    assert (r.status, r.attempts, r.external_id) == (OutboxStatus.SENT, 3, f"mem-{rid}")
    assert [m.text for m in telegram.sent] == ["VIKTIG! Melding fra Liv Andersen til 4A:\nViktig n1"]


def test_after_the_last_attempt_the_message_is_dead_with_the_reason(sessions, session, school, clock) -> None:  # noqa: ANN001
    rid = urgent_note(session, clock, school.kari)
    d = dispatcher(sessions, clock, MemoryAdapter(Channel.TELEGRAM, [RETRY] * 5), max_attempts=3)

    for _ in range(4):
        asyncio.run(d.drain())
        clock.advance(timedelta(hours=2))

    r = row(session, rid)
    assert (r.status, r.attempts, r.last_error) == (OutboxStatus.DEAD, 3, "gave up after 3 attempts: http_503")


def test_a_permanent_failure_is_dead_at_once(sessions, session, school, clock) -> None:  # noqa: ANN001
    rid = urgent_note(session, clock, school.kari)
    d = dispatcher(sessions, clock, MemoryAdapter(Channel.TELEGRAM, [DeliveryResult(DeliveryStatus.FAILED, error="blocked")]))

    asyncio.run(d.drain())

    r = row(session, rid)
    assert (r.status, r.last_error) == (OutboxStatus.DEAD, "failed: blocked")
    assert session.scalars(select(DeliveryEvent.status).where(DeliveryEvent.outbox_id == rid)).all() == ["dead"]


def test_a_429_waits_as_long_as_the_channel_says_and_pauses_the_channel(sessions, session, school, clock) -> None:  # noqa: ANN001
    first = urgent_note(session, clock, school.kari, "a")
    second = urgent_note(session, clock, school.kari, "b")
    limited = DeliveryResult(DeliveryStatus.RETRY, retry_after=30, error="429")
    d = dispatcher(sessions, clock, MemoryAdapter(Channel.TELEGRAM, [limited]), batch_size=1)

    asyncio.run(d.drain())

    r = row(session, first)
    assert r.status is OutboxStatus.PENDING and r.attempts == 0  # rate limits do not use up attempts
    assert 30 <= (r.next_attempt_at - clock.utcnow()).total_seconds() <= 31
    r2 = row(session, second)  # the next message on the paused channel waits too
    assert r2.status is OutboxStatus.PENDING and r2.attempts == 0
    assert 28 <= (r2.next_attempt_at - clock.utcnow()).total_seconds() <= 32


def test_a_template_without_a_builder_goes_to_the_dead_letters(sessions, session, school, clock) -> None:  # noqa: ANN001
    rid = urgent_note(session, clock, school.kari, "x", template="no_such_message")

    asyncio.run(dispatcher(sessions, clock, MemoryAdapter(Channel.TELEGRAM)).drain())

    assert (row(session, rid).status, row(session, rid).last_error) == (OutboxStatus.DEAD, "NoBuilder: no_such_message")


def test_a_builder_that_crashes_is_retried_not_lost(sessions, session, school, clock) -> None:  # noqa: ANN001
    def build_flaky(session, recipient, payload, clock):  # noqa: ANN001, ANN202
        raise RuntimeError("bug")

    register("flaky_message", build_flaky)
    rid = urgent_note(session, clock, school.kari, "y", template="flaky_message")

    asyncio.run(dispatcher(sessions, clock, MemoryAdapter(Channel.TELEGRAM)).drain())

    r = row(session, rid)
    assert (r.status, r.last_error, r.attempts) == (OutboxStatus.PENDING, "render: RuntimeError", 1)


def test_a_worker_that_dies_leaves_its_rows_to_others_after_the_lease(sessions, session, school, clock) -> None:  # noqa: ANN001
    rid = urgent_note(session, clock, school.kari)
    lease = timedelta(minutes=5)
    with sessions.begin() as s:
        assert rid in [r.id for r in claim(s, worker="dead-worker", now=clock.now(), lease=lease, limit=10)]
    with sessions.begin() as s:
        assert claim(s, worker="other", now=clock.now() + timedelta(minutes=4), lease=lease, limit=10) == []
    clock.advance(timedelta(minutes=6))
    telegram = MemoryAdapter(Channel.TELEGRAM)

    asyncio.run(dispatcher(sessions, clock, telegram).drain())
    # The first worker wakes up and reports: its outcome no longer counts.
    with sessions.begin() as s:
        finish(s, worker="dead-worker", outcomes=[Dispatcher._outcome(row(session, rid), OutboxStatus.DEAD, clock.now(), error="late")])

    r = row(session, rid)
    assert (r.status, r.attempts, len(telegram.sent)) == (OutboxStatus.SENT, 2, 1)


def test_concurrent_workers_on_postgresql_claim_disjoint_rows_without_waiting(pg_url, clock) -> None:  # noqa: ANN001
    engine = db.make_engine(pg_url)
    sessions = db.session_factory(engine)
    with sessions.begin() as s:
        p = Person(sourced_id="p", given_name="A", family_name="B")
        s.add(p)
        s.flush()
        for i in range(10):
            enqueue(s, key=f"k{i}", recipient_id=p.id, category="c", template="t", payload={}, due_at=clock.now(), now=clock.now())
    first, second = sessions(), sessions()
    try:
        a = claim(first, worker="a", now=clock.now(), lease=timedelta(minutes=5), limit=4)  # not committed: rows locked
        first.flush()
        second.execute(select(1))
        second.connection().exec_driver_sql("SET lock_timeout = '2s'")
        b = claim(second, worker="b", now=clock.now(), lease=timedelta(minutes=5), limit=4)
        assert len(a) == 4 and len(b) == 4 and not {r.id for r in a} & {r.id for r in b}
    finally:
        first.rollback(), second.rollback(), first.close(), second.close()
        engine.dispose()


def test_the_teachers_summary_shows_what_the_channels_report_later(sessions, session, school, clock) -> None:  # noqa: ANN001
    from bot.outbox import record_status
    from bot.services.broadcasts import summary

    rid = urgent_note(session, clock, school.kari)
    asyncio.run(dispatcher(sessions, clock, MemoryAdapter(Channel.TELEGRAM)).drain())
    with sessions.begin() as s:  # Twilio's callback for Per's SMS, the web page's "read" ...
        per_row = s.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == school.per)).one()
        assert record_status(s, per_row.external_id, OutboxStatus.DELIVERED, clock.utcnow())
        assert record_status(s, f"mem-{rid}", OutboxStatus.READ, clock.utcnow())

    broadcast = row(session, rid).broadcast_id
    from bot.models import Broadcast

    sent = session.get(Broadcast, broadcast)
    result = summary(session, sent, session.get(Person, sent.author_id), clock.today())
    assert [(r.name, r.status, r.channel) for r in result.recipients] == [
        ("Kari Hansen", "read", "telegram"), ("Per Lie", "delivered", "sms")]
    assert result.totals == {"read": 1, "delivered": 1}


# --- the rate limiter on its own (a fake monotonic clock) -----------------------------------


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_telegram_allows_thirty_a_second_overall_and_one_a_second_per_chat() -> None:
    ticks = Ticks()
    limiter = RateLimiter(Limits(overall={Channel.TELEGRAM: Rate(30, burst=30)}, per_address={Channel.TELEGRAM: Rate(1)}), ticks)

    waits = [limiter.reserve(Channel.TELEGRAM, f"chat{i}", max_wait=10) for i in range(60)]
    assert waits[:30] == [0.0] * 30  # a burst of 30
    assert waits[30] == pytest.approx(1 / 30) and waits[59] == pytest.approx(1.0)  # then 30 a second

    # chat0 again: a second after its first message, and after the 60 already queued.
    assert limiter.reserve(Channel.TELEGRAM, "chat0", max_wait=10) == pytest.approx(1 + 1 / 30)
    assert limiter.reserve(Channel.TELEGRAM, "chat0", max_wait=1.5) is None  # would wait 2 s: not reserved
    assert limiter.reserve(Channel.TELEGRAM, "chat0", max_wait=2.5) == pytest.approx(2 + 1 / 30)


def test_sms_is_limited_in_segments_per_second_per_sender() -> None:
    from scheduler.ratelimit import sms_segments

    ticks = Ticks()
    limiter = RateLimiter(Limits(overall={Channel.SMS: Rate(2)}), ticks)
    assert sms_segments("Hei! Husk gymtøy og håndkle i morgen.") == 1  # æøå are GSM-7
    assert sms_segments("x" * 161) == 2 and sms_segments("«Husk» – i morgen") == 1  # counted as the SMS adapter sends

    assert limiter.reserve(Channel.SMS, "+47", cost=3, max_wait=10) == 0.0
    assert limiter.reserve(Channel.SMS, "+47", cost=1, max_wait=10) == pytest.approx(1.5)
    limiter.pause(Channel.SMS, 20)
    assert limiter.reserve(Channel.SMS, "+47", cost=1, max_wait=10) is None


class _SlowChannel(MemoryAdapter):
    """A channel that takes 0.3 s a message; school time moves on as it does."""

    def __init__(self, channel: Channel, clock) -> None:  # noqa: ANN001
        super().__init__(channel)
        self.clock = clock

    async def send(self, message):  # noqa: ANN001, ANN201
        await asyncio.sleep(0.3)
        self.clock.advance(timedelta(seconds=0.3))
        return await super().send(message)


def test_a_live_worker_keeps_its_batch_while_a_slow_channel_outlasts_the_lease(sessions, session, school, clock) -> None:  # noqa: ANN001
    for key in "abc":  # to every guardian in 4A, three times
        urgent_note(session, clock, school.kari, key)
    ids = set(session.scalars(select(OutboxMessage.id)))
    lease = timedelta(seconds=0.6)  # sending one by one takes several leases
    slow = {c: _SlowChannel(c, clock) for c in (Channel.TELEGRAM, Channel.SMS)}
    fast = {c: MemoryAdapter(c) for c in (Channel.TELEGRAM, Channel.SMS)}
    first = Dispatcher(sessions, clock, slow, worker="first", rng=random.Random(1),
                       config=DispatchConfig(lease=lease, concurrency=1))
    second = Dispatcher(sessions, clock, fast, worker="second", rng=random.Random(2), config=DispatchConfig(lease=lease))

    async def both() -> int:
        sending = asyncio.create_task(first.run_once())
        taken = 0
        while not sending.done():  # another worker looks for due rows all the while
            await asyncio.sleep(0.1)
            taken += await second.run_once()
        await sending
        return taken

    assert len(ids) >= 6
    assert asyncio.run(both()) == 0
    assert sorted(m.outbox_id for a in slow.values() for m in a.sent) == sorted(ids)
    assert [m for a in fast.values() for m in a.sent] == []
    assert {row(session, i).status for i in ids} == {OutboxStatus.SENT}
