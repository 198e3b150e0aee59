"""``ransel scheduler serve``: APScheduler plans from its job store, the loop delivers."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import text

from bot.config import load_settings
from bot.models import Channel
from bot.runtime import Runtime
from scheduler.recording import MemoryAdapter
from scheduler.dispatch import DispatchConfig
from scheduler.service import SchedulerService
from scheduler_helpers import homework, oslo


async def serve_until(service: SchedulerService, done, timeout: float = 20.0) -> None:  # noqa: ANN001
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    deadline = asyncio.get_running_loop().time() + timeout
    while not done() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await task


def test_serve_plans_through_its_job_store_and_delivers(store_url, tmp_path, session, school, clock) -> None:  # noqa: ANN001
    homework(session, school.g9b, oslo(clock, "2026-12-02T08:30"), "Les kapittel 3", subject="NOR01-07")
    settings = load_settings(database_url=store_url, data_dir=tmp_path, now=datetime.fromisoformat("2026-12-01T17:00+01:00"))
    runtime = Runtime(settings)
    telegram = MemoryAdapter(Channel.TELEGRAM)
    service = SchedulerService(runtime, {Channel.TELEGRAM: telegram}, dispatch=DispatchConfig(idle_poll=0.1),
                               leader_retry=timedelta(seconds=0.2))

    asyncio.run(serve_until(service, lambda: len(telegram.sent) >= 2))

    assert sorted((m.recipient_id, m.text) for m in telegram.sent) == sorted([
        (school.jonas, "Lekser til i morgen, onsdag 2. desember:\n- norsk: Les kapittel 3"),
        (school.kari, "Lekser til i morgen, onsdag 2. desember:\nJonas:\n- norsk: Les kapittel 3"),
    ])
    with runtime.engine.connect() as conn:
        jobs = conn.execute(text("SELECT id FROM apscheduler_jobs")).scalars().all()
    assert "ransel.plan" in jobs  # the planning job lives in the database, for the next start
    runtime.close()


def test_only_one_process_plans_on_postgresql(pg_url, tmp_path) -> None:  # noqa: ANN001
    settings = load_settings(database_url=pg_url, data_dir=tmp_path)
    first, second = Runtime(settings), Runtime(settings)
    a = SchedulerService(first, {}, name="a")
    b = SchedulerService(second, {}, name="b")
    try:
        assert a._try_lead() is True
        assert b._try_lead() is False  # the second dispatches only
        a._leader_connection.invalidate()  # the leader dies: its lock goes with its connection
        a._leader_connection = None
        assert b._try_lead() is True
        b._release_lead()  # a clean stop hands the lead over at once
        assert a._try_lead() is True
    finally:
        a._release_lead(), b._release_lead()
        first.close(), second.close()
