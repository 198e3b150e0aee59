"""One dispatch process for the fault test: delivers to the recording HTTP channel.

Usage: python fault_worker.py DATABASE_URL CHANNEL_URL NOW LEASE_SECONDS   (NOW "": the wall clock)
Runs until the outbox has nothing pending or claimed, then exits 0.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select

from bot.config import load_settings
from bot.models import Channel, OutboxMessage, OutboxStatus
from bot.runtime import Runtime
from bot.delivery import DeliveryResult, DeliveryStatus, OutgoingMessage
from scheduler.dispatch import DispatchConfig, Dispatcher


class HttpRecordingAdapter:
    """Sends each message to the recording channel with the outbox id as idempotency key."""

    channel = Channel.TELEGRAM

    def __init__(self, url: str) -> None:
        self.client = httpx.AsyncClient(base_url=url, timeout=10)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        response = await self.client.post(
            "/send", json={"outbox_id": message.outbox_id, "chat": message.address, "text": message.text},
            headers={"Idempotency-Key": f"outbox-{message.outbox_id}"},
        )
        if response.status_code != 200:
            return DeliveryResult(DeliveryStatus.RETRY, error=f"http_{response.status_code}")
        return DeliveryResult(DeliveryStatus.SENT, external_id=response.json()["id"])


async def main(database_url: str, channel_url: str, now: str, lease: float) -> None:
    fixed = {"now": datetime.fromisoformat(now), "clock_runs": True} if now else {}
    runtime = Runtime(load_settings(database_url=database_url, **fixed))
    dispatcher = Dispatcher(
        runtime.sessions, runtime.clock, {Channel.TELEGRAM: HttpRecordingAdapter(channel_url)},
        config=DispatchConfig(batch_size=20, concurrency=4, lease=timedelta(seconds=lease), backoff_base=0.5),
    )
    open_statuses = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)
    while True:
        if await dispatcher.run_once():
            continue
        with runtime.sessions() as session:
            left = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(open_statuses)))
        if not left:
            break
        await asyncio.sleep(0.2)
    runtime.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
