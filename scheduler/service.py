"""``ransel scheduler serve``: APScheduler drives time, dispatch workers drain the outbox.

One process runs:

- **APScheduler** (``AsyncIOScheduler``) with its job store in the configured database
  (``apscheduler_jobs``). Its persistent job ``ransel.plan`` plans the coming reminders every
  few minutes (today and tomorrow; idempotent), and runs once at start. After downtime the
  missed runs are coalesced into one, which plans everything not yet expired, so reminders
  that fell due while the scheduler was down go out late rather than never.
- a **dispatch loop** (:class:`scheduler.dispatch.Dispatcher`) that claims due rows and
  delivers them. Broadcasts set for later are outbox rows with a future ``due_at``; the loop
  picks them up when they come due.
- the nightly job ``ransel.retention`` (03:30 school time, run by the planning leader) that
  deletes conversation history older than each school's retention from the dialogue
  engine's tracker store (:func:`bot.conversations.purge_expired`).

Several processes may run on PostgreSQL: all of them dispatch (rows are claimed with
``FOR UPDATE SKIP LOCKED``), and only one at a time plans: the one holding a PostgreSQL
advisory lock, taken on its own connection and released when the process dies, so another
takes over within ``leader_retry``. On SQLite run one process.

APScheduler stores jobs by reference, so the planning job is the module-level function
:func:`plan_job`, which finds its service in :data:`_running` (one entry per process).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Connection, text

from bot import conversations
from bot.delivery import DeliveryAdapter
from bot.models import Channel
from bot.runtime import Runtime
from scheduler.dispatch import DispatchConfig, Dispatcher
from scheduler.planner import plan
from scheduler.ratelimit import Limits, RateLimiter

log = logging.getLogger(__name__)

PLAN_JOB_ID = "ransel.plan"
RETENTION_JOB_ID = "ransel.retention"
RETENTION_AT = (3, 30)  # hour, minute: nightly, school time
LEADER_LOCK = 0x52414E53454C  # "RANSEL": the advisory lock key of the planning leader

# The services running in this process, by name, for APScheduler's stored job references.
_running: dict[str, SchedulerService] = {}


def plan_job(name: str = "default") -> None:
    service = _running.get(name)
    if service is None:  # a job from the store fired before its service registered
        return
    service.plan_now()


def retention_job(name: str = "default") -> None:
    service = _running.get(name)
    if service is None:
        return
    service.purge_conversations()


class SchedulerService:
    def __init__(
        self,
        runtime: Runtime,
        adapters: dict[Channel, DeliveryAdapter],
        *,
        plan_every: timedelta = timedelta(minutes=5),
        dispatch: DispatchConfig | None = None,
        processes: int = 1,
        leader_retry: timedelta = timedelta(seconds=30),
        name: str = "default",
    ) -> None:
        self.runtime = runtime
        self.name = name
        self.plan_every = plan_every
        self.leader_retry = leader_retry
        limiter = RateLimiter(Limits.from_settings(runtime.settings).shared(processes))
        self.dispatcher = Dispatcher(runtime.sessions, runtime.clock, adapters, limiter=limiter, config=dispatch)
        self.scheduler: AsyncIOScheduler | None = None
        self._leader_connection: Connection | None = None

    # -- planning

    def plan_now(self) -> int:
        with self.runtime.transaction() as session:
            result = plan(session, self.runtime.clock)
        return result.written

    # -- retention

    def purge_conversations(self) -> int:
        """Delete conversation events older than their school's retention (nightly)."""
        tracker = conversations.tracker_engine(self.runtime.settings.engine_tracker_url)
        if tracker is None:
            return 0
        try:
            with self.runtime.transaction() as session:
                return conversations.purge_expired(session, tracker, self.runtime.clock)
        finally:
            tracker.dispose()

    # -- leadership (PostgreSQL); SQLite has one process

    def _try_lead(self) -> bool:
        engine = self.runtime.engine
        if engine.dialect.name != "postgresql":
            return True
        if self._leader_connection is None:
            self._leader_connection = engine.connect()
        connection = self._leader_connection
        got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}).scalar()
        connection.commit()
        return bool(got)

    def _release_lead(self) -> None:
        # The lock belongs to the database session: unlock before the connection goes back to
        # the pool, or a pooled connection would keep it. (A dead process's connection closes.)
        if self._leader_connection is None:
            return
        try:
            if self.runtime.engine.dialect.name == "postgresql":
                self._leader_connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK})
                self._leader_connection.commit()
        finally:
            self._leader_connection.close()
            self._leader_connection = None

    def _start_scheduler(self) -> None:
        scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.runtime.engine, tablename="apscheduler_jobs")},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=self.runtime.clock.zone,
        )
        scheduler.start()
        scheduler.add_job(
            "scheduler.service:plan_job", "interval", kwargs={"name": self.name}, id=PLAN_JOB_ID,
            replace_existing=True, seconds=self.plan_every.total_seconds(),
        )
        scheduler.add_job(plan_job, kwargs={"name": self.name}, id=f"{PLAN_JOB_ID}.start", jobstore="default",
                          replace_existing=True)  # once, now
        scheduler.add_job(
            "scheduler.service:retention_job", "cron", kwargs={"name": self.name}, id=RETENTION_JOB_ID,
            replace_existing=True, hour=RETENTION_AT[0], minute=RETENTION_AT[1],
        )
        self.scheduler = scheduler
        log.info("scheduler leading: planning every %s", self.plan_every)

    # -- the process

    async def run(self, stop: asyncio.Event) -> None:
        _running[self.name] = self
        dispatching = asyncio.create_task(self.dispatcher.serve(stop))
        try:
            while not stop.is_set():
                if self.scheduler is None:
                    try:
                        if self._try_lead():
                            self._start_scheduler()
                    except Exception:
                        log.exception("could not take the planning lead")
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.leader_retry.total_seconds())
                except TimeoutError:
                    pass
        finally:
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=False)
            await dispatching
            for adapter in self.dispatcher.adapters.values():  # HTTP clients made in this loop
                close = getattr(adapter, "aclose", None)
                if close is not None:
                    await close()
            self._release_lead()
            _running.pop(self.name, None)


def serve(service: SchedulerService) -> None:
    """Run in the foreground until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await service.run(stop)

    asyncio.run(main())
