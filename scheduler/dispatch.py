"""Dispatch: claim due outbox rows, decide, render from current data, deliver, record.

One pass (:meth:`Dispatcher.run_once`) is three short transactions around the sending:

1. **claim** a batch: rows become ``claimed`` by this worker until ``now + lease``;
2. **prepare**: per row, apply the recipient's current preferences (opted out, paused,
   category off → ``skipped``; daily/weekly digest → ``digested`` into the digest row;
   quiet hours → back to ``pending`` at the end of them), pick the address, render the text
   (nothing left to say → ``skipped``; no builder/template → ``dead``); these outcomes are
   committed before anything is sent;
3. **send** through the channel's :class:`~bot.delivery.DeliveryAdapter`, within the
   channel's rate limits, then **finish**: ``sent``/``delivered`` with the channel's
   ``external_id``; temporary failures back to ``pending`` with exponential backoff and
   jitter (or the channel's ``retry_after``, which also pauses the channel); permanent
   failures and too many attempts → ``dead`` with the reason.

Crash guarantee (nothing lost, nothing twice):

- A worker that dies at any point leaves its rows ``claimed``; when the lease runs out any
  worker claims them again. Nothing is lost: a row leaves ``claimed`` only by a committed
  outcome.
- A row whose outcome was committed is never sent again: claims only take ``pending`` rows
  and expired leases, and :func:`bot.outbox.finish` only writes rows still claimed by
  the same worker.
- The one window: the channel accepted a message and the worker died before step 3's commit
  (at most one batch of that worker). Those rows are sent again after the lease. Every
  request carries ``OutgoingMessage.outbox_id``, stable across attempts; an adapter closes
  the window by sending it as the channel's idempotency key (an ``Idempotency-Key`` header,
  a client reference the channel deduplicates on, or a lookup of the ``external_id`` it
  recorded before sending). With such a channel delivery is exactly once; with one that
  cannot deduplicate, the duplicates are bounded by the batch size and only follow a crash.

While a batch is being sent its worker renews the lease every third of it, so only a dead
(or frozen) worker's rows are taken over; a row that would wait longer than
``max_rate_wait`` for its channel is put back instead of holding the batch.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jinja2 import TemplateNotFound
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.delivery import DeliveryAdapter, DeliveryResult, DeliveryStatus, OutgoingMessage
from bot.models import Channel, DeliveryMode, Form, OutboxMessage, OutboxStatus, Person
from bot.outbox import claim, finish, fold_into_digest, renew
from bot.services import facts
from bot.services import reach as preferences
from bot.services.reach import Reach
from scheduler import content
from scheduler.planner import DIGEST_CATEGORY, digest_key, open_digests
from scheduler.ratelimit import Limits, RateLimiter, sms_segments
from scheduler.render import NoBuilder, render_row

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchConfig:
    batch_size: int = 100
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 8
    backoff_base: float = 30.0  # seconds before the first retry
    backoff_cap: float = 3600.0
    concurrency: int = 32  # sends in flight per worker
    send_timeout: float = 30.0
    max_rate_wait: float = 2.0  # longer waits for a rate limit put the row back
    idle_poll: float = 1.0


@dataclass
class _Send:
    row: OutboxMessage
    message: OutgoingMessage
    cost: float


def gather(session: Session, digests: list[OutboxMessage], reach: dict[int, Reach], clock: Clock) -> int:
    """Fold into digests about to go out their recipients' other pending rows of the day.

    Rows are folded when they are planned or come due; this catches the ones planned before
    the person switched a category to digests and due later the same day (a gym reminder at
    18:00 joins the 17:00 digest rather than waiting for tomorrow's). Rows another worker
    has already claimed are left to it.
    """
    wanted: dict[int, tuple[OutboxMessage, set[str], datetime]] = {}
    for digest in digests:
        mode = DeliveryMode(digest.payload["mode"])
        categories = {c for c, m in reach[digest.recipient_id].modes.items() if m is mode}
        if categories:
            slot = datetime.fromisoformat(digest.payload["slot"]).astimezone(clock.zone)
            wanted[digest.recipient_id] = (digest, categories, facts.day_bounds(slot.date(), clock.zone)[1])
    if not wanted:
        return 0
    # Find them by recipient (an index SQLite picks reliably), then update by id.
    folds: dict[int, list[int]] = defaultdict(list)
    for row_id, recipient_id, status, critical, category, due_at in session.execute(
        select(OutboxMessage.id, OutboxMessage.recipient_id, OutboxMessage.status, OutboxMessage.critical,
               OutboxMessage.category, OutboxMessage.due_at).where(OutboxMessage.recipient_id.in_(list(wanted)))
    ):
        digest, categories, end_of_day = wanted[recipient_id]
        if (status is OutboxStatus.PENDING and not critical and category in categories and due_at < end_of_day
                and row_id != digest.id):
            folds[digest.id].append(row_id)
    now = clock.utcnow()
    return sum(fold_into_digest(session, digest_id, ids, now=now) for digest_id, ids in folds.items())


def only_channel(row: OutboxMessage) -> Channel | None:
    """The one channel a row was written for (payload ``only_channel``: the owner's report is
    e-mail), or None: the recipient's preferred channel, as for every other message."""
    named = (row.payload or {}).get("only_channel")
    return Channel(named) if named else None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        adapters: Mapping[Channel, DeliveryAdapter],
        *,
        limiter: RateLimiter | None = None,
        config: DispatchConfig | None = None,
        worker: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.adapters = dict(adapters)
        self.limiter = limiter or RateLimiter(Limits())
        self.config = config or DispatchConfig()
        self.worker = worker or worker_name()
        self.rng = rng or random.Random()
        self.stats: Counter[str] = Counter()

    # -- the loop

    async def serve(self, stop: asyncio.Event) -> None:
        """Dispatch until ``stop`` is set; poll when idle, back off when the database is away."""
        failures = 0
        while not stop.is_set():
            try:
                claimed = await self.run_once()
                failures = 0
            except Exception:
                failures += 1
                log.exception("dispatch pass failed worker=%s failures=%d", self.worker, failures)
                claimed = 0
            if claimed == 0:
                delay = self.config.idle_poll * (min(2 ** failures, 30) if failures else 1)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                except TimeoutError:
                    pass

    async def drain(self) -> Counter[str]:
        """Dispatch everything due now, then return what happened (``run-once``, tests)."""
        while await self.run_once():
            pass
        return self.stats

    async def run_once(self) -> int:
        """Claim one batch and see it through. Returns how many rows were claimed."""
        now = self.clock.now()
        with self.sessions() as session, session.begin():
            rows = claim(session, worker=self.worker, now=now, lease=self.config.lease, limit=self.config.batch_size)
        if not rows:
            return 0
        self.stats["claimed"] += len(rows)
        sends = self._prepare(rows, now)
        if sends:
            slots = asyncio.Semaphore(self.config.concurrency)

            async def send(item: _Send) -> dict[str, Any]:
                async with slots:
                    return await self._send(item)

            ids = [s.row.id for s in sends]
            self._renew(ids)  # preparing took some of the lease
            done = asyncio.Event()
            heartbeat = asyncio.create_task(self._keep_claim(ids, done))
            try:
                outcomes = await asyncio.gather(*(send(s) for s in self._ordered(sends)))
            finally:
                done.set()
                await heartbeat
            with self.sessions() as session, session.begin():
                finish(session, worker=self.worker, outcomes=outcomes)
        return len(rows)

    async def _keep_claim(self, ids: list[int], done: asyncio.Event) -> None:
        """Renew the lease on the batch every third of it while the batch is being sent, so
        a slow channel or a busy machine never lets another worker take over (and send
        again) rows this live worker is still sending; only a dead worker's lease runs out."""
        interval = self.config.lease.total_seconds() / 3
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), timeout=interval)
            except TimeoutError:
                await asyncio.to_thread(self._renew, ids)

    def _renew(self, ids: list[int]) -> None:
        with self.sessions() as session, session.begin():
            renew(session, worker=self.worker, ids=ids, until=self.clock.now() + self.config.lease)

    # -- step 2: decide and render

    def _prepare(self, rows: list[OutboxMessage], now: datetime) -> list[_Send]:
        """Decide every row; commit the decisions that need no sending; render the rest.

        Folding into digests is committed before anything is rendered, so a digest in this
        batch renders with the items this same batch folded into it.
        """
        decided: list[dict[str, Any]] = []
        folds: list[tuple[OutboxMessage, DeliveryMode]] = []
        to_send: list[OutboxMessage] = []
        with self.sessions() as session:
            reach = preferences.load(session, {r.recipient_id for r in rows})
            for row in rows:
                decision = self._decide(row, reach.get(row.recipient_id), now)
                if decision == "send":
                    to_send.append(row)
                elif isinstance(decision, DeliveryMode):
                    folds.append((row, decision))
                else:
                    decided.append(decision)
            if folds:
                decided.extend(self._fold(session, folds, reach, now, [r for r in to_send if r.category == DIGEST_CATEGORY]))
            finish(session, worker=self.worker, outcomes=decided)
            gather(session, [r for r in to_send if r.category == DIGEST_CATEGORY], reach, self.clock)
            session.commit()

            # Digests last: their builders read the rows folded into them above.
            to_send.sort(key=lambda r: r.category == DIGEST_CATEGORY)
            # What the batch's messages say, loaded in bulk once (scheduler.content).
            batch = content.BatchContent(session, self.clock, to_send)
            batch.languages = {pid: r.language for pid, r in reach.items()}
            session.info[content.SESSION_KEY] = batch
            sends: list[_Send] = []
            rendered: list[dict[str, Any]] = []
            try:
                for row in to_send:
                    result = self._render(session, row, batch.persons[row.recipient_id], reach[row.recipient_id], now)
                    (sends if isinstance(result, _Send) else rendered).append(result)
            finally:
                session.info.pop(content.SESSION_KEY, None)
            session.rollback()  # rendering only read
            if rendered:
                finish(session, worker=self.worker, outcomes=rendered)
                session.commit()
        for o in decided + rendered:
            self.stats[str(o["status"])] += 1
        return sends

    def _decide(self, row: OutboxMessage, reach: Reach | None, now: datetime) -> Any:
        """"send", a digest mode to fold into, or a finished outcome."""
        critical = row.critical
        if reach is None or not reach.enabled:
            return self._outcome(row, OutboxStatus.SKIPPED, now, error="no_person")
        if reach.opted_out:
            return self._outcome(row, OutboxStatus.SKIPPED, now, error="opted_out")
        if not critical and reach.paused_on(now.date()):
            return self._outcome(row, OutboxStatus.SKIPPED, now, error="paused")
        if row.category != DIGEST_CATEGORY and not critical:
            mode = reach.mode(row.category, critical)
            if mode is DeliveryMode.OFF:
                return self._outcome(row, OutboxStatus.SKIPPED, now, error="category_off")
            if mode in (DeliveryMode.DAILY, DeliveryMode.WEEKLY):
                return mode
        if not critical and reach.is_quiet(now):
            later = reach.after_quiet(now)
            return self._outcome(row, OutboxStatus.PENDING, now, due_at=later, attempts=row.attempts - 1, event=False)
        if reach.address(critical, only_channel(row)) is None:
            return self._outcome(row, OutboxStatus.SKIPPED, now, error="no_address")
        return "send"

    def _render(self, session: Session, row: OutboxMessage, person: Person, reach: Reach, now: datetime) -> Any:
        address = reach.address(row.critical, only_channel(row))
        assert address is not None
        try:
            text = render_row(session, row, person, reach.language, self.clock)
        except (NoBuilder, TemplateNotFound) as exc:
            log.error("no way to render outbox=%s template=%s", row.id, row.template)
            return self._outcome(row, OutboxStatus.DEAD, now, error=f"{type(exc).__name__}: {row.template}")
        except Exception as exc:
            log.exception("rendering failed outbox=%s template=%s", row.id, row.template)
            session.rollback()  # rendering only reads; start clean for the next row
            return self._retry(row, now, f"render: {type(exc).__name__}")
        if text is None:
            return self._outcome(row, OutboxStatus.SKIPPED, now, error="nothing_to_say")
        form = Form.VOICE if address.channel is Channel.VOICE else reach.form
        message = OutgoingMessage(
            outbox_id=row.id, recipient_id=row.recipient_id, channel=address.channel, address=address.address,
            text=text, language=reach.language, form=form,
        )
        cost = float(sms_segments(text)) if address.channel is Channel.SMS else 1.0
        return _Send(row, message, cost)

    def _fold(
        self, session: Session, folds: list[tuple[OutboxMessage, DeliveryMode]], reach: dict[int, Reach], now: datetime,
        own_digests: list[OutboxMessage],
    ) -> list[dict[str, Any]]:
        """Rows whose category the recipient now wants as a digest join the next open one
        (or a digest this batch is about to send: it is claimed, so no longer pending)."""
        zone = self.clock.zone
        mine = {row.idempotency_key: row.id for row in own_digests}
        wanted, ids = {}, {}
        for row, mode in folds:
            r = reach[row.recipient_id]
            slot = r.digest_slot(mode, now.date(), zone)
            while slot.astimezone(UTC) < now.astimezone(UTC):
                slot = r.next_digest_slot(mode, slot, zone)
            key = digest_key(row.recipient_id, mode, slot)
            if key in mine:
                ids[str(row.id)] = mine[key]
            else:
                wanted[str(row.id)] = (row.recipient_id, mode, slot)
        if wanted:
            ids.update(open_digests(session, wanted, reach, self.clock, now=now))
        out = []
        for row, _ in folds:
            digest_id = ids.get(str(row.id))
            if digest_id is None:
                out.append(self._retry(row, now, "no_open_digest"))
            else:
                out.append(self._outcome(row, OutboxStatus.DIGESTED, now, digest_id=digest_id, attempts=row.attempts - 1))
        return out

    # -- step 3: send

    def _ordered(self, sends: list[_Send]) -> list[_Send]:
        # Per address in due order, so one person's messages keep their order.
        by_address: dict[tuple[Channel, str], list[_Send]] = defaultdict(list)
        for s in sends:
            by_address[(s.message.channel, s.message.address)].append(s)
        return [s for group in by_address.values() for s in group]

    async def _send(self, item: _Send) -> dict[str, Any]:
        message, row = item.message, item.row
        adapter = self.adapters.get(message.channel)
        if adapter is None:
            return self._retry(row, self.clock.now(), f"no adapter for {message.channel.value}")
        wait = self.limiter.reserve(message.channel, message.address, item.cost, self.config.max_rate_wait)
        if wait is None:
            hint = self.limiter.wait_hint(message.channel, message.address)
            now = self.clock.now()
            self.stats["deferred"] += 1
            return self._outcome(
                row, OutboxStatus.PENDING, now, next_attempt_at=now + timedelta(seconds=hint + self.rng.random()),
                attempts=row.attempts - 1, event=False,
            )
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            result = await asyncio.wait_for(adapter.send(message), timeout=self.config.send_timeout)
        except Exception as exc:  # noqa: BLE001 - an adapter's bug or a network error is a retry
            log.warning("send raised outbox=%s channel=%s error=%s", row.id, message.channel.value, type(exc).__name__)
            result = DeliveryResult(DeliveryStatus.RETRY, error=type(exc).__name__)
        outcome = self._result(row, message, result)
        self.stats[str(outcome["status"])] += 1
        return outcome

    def _result(self, row: OutboxMessage, message: OutgoingMessage, result: DeliveryResult) -> dict[str, Any]:
        now = self.clock.now()
        if result.status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED):
            delivered = result.status is DeliveryStatus.DELIVERED
            return self._outcome(
                row, OutboxStatus.DELIVERED if delivered else OutboxStatus.SENT, now, channel=message.channel,
                external_id=result.external_id, sent_at=now, delivered_at=now if delivered else None,
            )
        if result.status is DeliveryStatus.RETRY and result.retry_after is not None:
            self.limiter.pause(message.channel, result.retry_after)
            return self._outcome(
                row, OutboxStatus.PENDING, now, channel=message.channel, error=result.error or "rate_limited",
                next_attempt_at=now + timedelta(seconds=result.retry_after + self.rng.uniform(0, 1)),
                attempts=row.attempts - 1, event=False,
            )
        if result.status is DeliveryStatus.RETRY:
            return self._retry(row, now, result.error or "retry", channel=message.channel)
        return self._outcome(row, OutboxStatus.DEAD, now, channel=message.channel, error=f"failed: {result.error or 'unknown'}")

    # -- outcomes

    def _retry(self, row: OutboxMessage, now: datetime, error: str, channel: Channel | None = None) -> dict[str, Any]:
        if row.attempts >= self.config.max_attempts:
            return self._outcome(row, OutboxStatus.DEAD, now, channel=channel, error=f"gave up after {row.attempts} attempts: {error}")
        delay = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (row.attempts - 1))
        delay = delay / 2 + self.rng.uniform(0, delay / 2)  # "equal jitter": spread, never immediate
        return self._outcome(
            row, OutboxStatus.PENDING, now, channel=channel, error=error, next_attempt_at=now + timedelta(seconds=delay),
            event=False,
        )

    @staticmethod
    def _outcome(
        row: OutboxMessage, status: OutboxStatus, at: datetime, *, error: str | None = None, event: bool = True,
        **changes: Any,
    ) -> dict[str, Any]:
        values = {
            "id": row.id, "status": status, "attempts": row.attempts, "due_at": row.due_at,
            "next_attempt_at": None, "last_error": error, "external_id": row.external_id, "channel": row.channel,
            "sent_at": row.sent_at, "delivered_at": row.delivered_at, "digest_id": row.digest_id,
            "at": at, "detail": error, "event": event,
        }
        values.update(changes)
        return values

