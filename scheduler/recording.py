"""Adapters that deliver nowhere: a recording channel for demos, dry runs and benches (a
JSON-lines file), and one that keeps what it sends in memory (tests, benchmarks).

Which adapter delivers each channel is decided where Ransel is put together
(:func:`ransel.delivery.adapters_for`).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from pathlib import Path

from bot.delivery import DeliveryResult, DeliveryStatus, OutgoingMessage
from bot.models import Channel


class RecordingAdapter:
    """Appends what it would send to a JSON-lines file, one line per accepted message.

    It behaves like a channel that honours idempotency keys: a message whose ``outbox_id``
    it already accepted is answered with the first answer and not written again. The file is
    locked while it is checked and appended to, so several processes can share it. The
    ``external_id`` is derived from the outbox id, so a repeat gets the same one.
    """

    def __init__(self, channel: Channel, path: Path) -> None:
        self.channel = channel
        self.path = Path(path)
        self._seen: set[int] | None = None

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        external_id = f"rec-{message.outbox_id}"
        with open(self.path, "a+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                if message.outbox_id in self._accepted(fh):
                    return DeliveryResult(DeliveryStatus.SENT, external_id=external_id)
                fh.write(json.dumps(record(message), ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
                self._seen.add(message.outbox_id)  # type: ignore[union-attr]
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return DeliveryResult(DeliveryStatus.SENT, external_id=external_id)

    def _accepted(self, fh) -> set[int]:
        # Re-read what other processes appended since we last looked.
        fh.seek(0)
        self._seen = {json.loads(line)["outbox_id"] for line in fh if line.strip()}
        return self._seen


def record(message: OutgoingMessage) -> dict:
    return {
        "outbox_id": message.outbox_id,
        "recipient_id": message.recipient_id,
        "channel": message.channel.value,
        "address": message.address,
        "language": message.language,
        "form": message.form.value,
        "text": message.text,
    }


def read_recording(path: Path) -> list[dict]:
    if not Path(path).exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


class MemoryAdapter:
    """Keeps what it sends in a list (tests, benchmarks): ``sent`` in order of acceptance."""

    def __init__(self, channel: Channel, answers: Iterable[DeliveryResult] = ()) -> None:
        self.channel = channel
        self.sent: list[OutgoingMessage] = []
        self._answers = list(answers)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        if self._answers:
            answer = self._answers.pop(0)
            if answer.status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED):
                self.sent.append(message)
            return answer
        self.sent.append(message)
        return DeliveryResult(DeliveryStatus.SENT, external_id=f"mem-{message.outbox_id}")
