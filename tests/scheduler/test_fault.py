"""Crash safety: three dispatch processes on PostgreSQL, one killed with SIGKILL mid-run and
started again. Every due message reaches the channel exactly once; none is lost.

The channel is an HTTP server in this test process (it outlives the workers). Like a real
API with idempotency keys, it records every request it gets (append-only, duplicates
included) and delivers a message only the first time it sees its key. Requests beyond one
per message can only come from the rows the killed worker had in flight: the window between
the channel accepting a message and the worker recording that (see scheduler/dispatch.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot import db
from bot.clock import Clock
from bot.models import (
    Audience,
    BroadcastScope,
    Channel,
    ContactPoint,
    Group,
    GroupKind,
    MemberRole,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Role,
    School,
)
from bot.services.broadcasts import send_broadcast

WORKER = Path(__file__).with_name("fault_worker.py")
MESSAGES = 400
BATCH = 20  # fault_worker's batch size: the most one crash can leave in flight


class RecordingChannel(ThreadingHTTPServer):
    request_queue_size = 128  # twelve senders at once must not overflow the listen backlog

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[int] = []  # every request, in order, duplicates included
        self.delivered: Counter[int] = Counter()  # what actually went out to the chats

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: RecordingChannel

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(0.02)  # a channel takes a while: workers are killed with requests in flight
        key = self.headers["Idempotency-Key"]
        with self.server.lock:
            self.server.requests.append(body["outbox_id"])
            if key != f"outbox-{body['outbox_id']}":
                raise AssertionError("every request carries its outbox id as idempotency key")
            if self.server.requests.count(body["outbox_id"]) == 1:
                self.server.delivered[body["outbox_id"]] += 1
        reply = json.dumps({"id": f"rec-{body['outbox_id']}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


def _school_with_many_pupils(url: str, clock: Clock) -> None:
    engine = db.make_engine(url)
    with db.session_factory(engine).begin() as session:
        school = School(sourced_id="s", name="Stor skole", teachers_broadcast_widely=True)
        session.add(school)
        session.flush()
        group = Group(sourced_id="g", school_id=school.id, name="Alle", kind=GroupKind.BASIS, grade=8)
        teacher = Person(sourced_id="t", username="laerer", given_name="Liv", family_name="Lærer")
        teacher.roles.append(PersonRole(role=Role.TEACHER, school_id=school.id))
        session.add_all([group, teacher])
        session.flush()
        session.add(Membership(group_id=group.id, person_id=teacher.id, role=MemberRole.TEACHER))
        for i in range(MESSAGES):
            pupil = Person(sourced_id=f"p{i}", given_name=f"Elev{i}", family_name="X")
            pupil.roles.append(PersonRole(role=Role.PUPIL, school_id=school.id))
            session.add(pupil)
            session.flush()
            session.add(Membership(group_id=group.id, person_id=pupil.id, role=MemberRole.PUPIL))
            session.add(ContactPoint(person_id=pupil.id, channel=Channel.TELEGRAM, address=str(5000 + i),
                                     created_at=clock.utcnow()))
        session.flush()
        send_broadcast(session, teacher, text="Skolen er stengt i dag.", clock=clock, scope=BroadcastScope.GROUP,
                       group="Alle", audience=Audience.PUPILS, urgent=True)
    engine.dispose()


def _start(pg_url: str, channel: RecordingChannel, now: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), pg_url, channel.url, now, "3"])


@pytest.mark.slow
def test_killing_a_dispatch_process_loses_nothing_and_sends_nothing_twice(pg_url) -> None:  # noqa: ANN001
    # The wall clock, as in production: leases are compared across processes.
    clock = Clock(zone=ZoneInfo("Europe/Oslo"))
    _school_with_many_pupils(pg_url, clock)
    channel = RecordingChannel()
    threading.Thread(target=channel.serve_forever, daemon=True).start()
    now = ""
    workers = [_start(pg_url, channel, now) for _ in range(3)]
    engine = db.make_engine(pg_url)
    try:
        victim = workers[1]
        holding = select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.CLAIMED, OutboxMessage.claimed_by.like(f"%:{victim.pid}:%"))
        deadline = time.monotonic() + 60
        with engine.connect() as conn:  # a quarter through, while the victim has a batch in flight
            while time.monotonic() < deadline and not (
                len(channel.requests) >= MESSAGES // 4 and conn.execute(holding).scalar()
            ):
                time.sleep(0.005)
                conn.rollback()
        victim.kill()  # SIGKILL: no cleanup, its claimed rows stay claimed until the lease ends
        victim.wait()
        workers[1] = _start(pg_url, channel, now)  # and it comes back
        for w in workers:
            assert w.wait(timeout=180) == 0
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
        channel.shutdown()

    with db.session_factory(engine)() as session:
        statuses = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        ids = set(session.scalars(select(OutboxMessage.id)))
        reclaimed = set(session.scalars(select(OutboxMessage.id).where(OutboxMessage.attempts > 1)))
    engine.dispose()

    assert statuses == {OutboxStatus.SENT: MESSAGES}  # none lost, none stuck
    assert set(channel.delivered) == ids and set(channel.delivered.values()) == {1}  # each exactly once
    repeated = {i for i, n in Counter(channel.requests).items() if n > 1}
    assert repeated <= reclaimed  # only rows the killed worker held were asked for again ...
    assert len(channel.requests) - MESSAGES <= BATCH  # ... at most one batch of them
    print(f"\n{MESSAGES} messages, {len(channel.requests)} requests, {len(reclaimed)} taken over after the kill")
    assert reclaimed  # and the kill really did leave rows behind for the others to take over
