"""Which adapter delivers each channel (the scheduler's dispatcher sends through these).

The channels package provides the real adapters (Telegram, SMS, voice, web); each provider
in :data:`DELIVERY_PROVIDERS` returns the adapters it can build, and the first adapter for a
channel wins. Channels without one go to the :class:`~scheduler.recording.RecordingAdapter`
when the caller gives a file (``ransel scheduler serve`` does), and otherwise wait in the
outbox (retried with backoff) until an adapter exists. ``run-once --record-to FILE`` records
every channel instead of sending: an operator's dry run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from bot.delivery import DeliveryAdapter
from bot.models import Channel
from bot.runtime import Runtime
from channels import delivery_adapters
from scheduler.recording import RecordingAdapter

# Functions ``(runtime) -> adapters``; the first adapter per channel wins.
DELIVERY_PROVIDERS: list[Callable[[Runtime], Iterable[DeliveryAdapter]]] = [delivery_adapters.adapters]


def adapters_for(
    runtime: Runtime, record_to: Path | None = None, *, record_all: bool = False
) -> dict[Channel, DeliveryAdapter]:
    """The adapters to deliver with. ``record_to``: where channels without an adapter are
    recorded; with ``record_all`` every channel is (an operator's dry run)."""
    if record_all and record_to is not None:
        return {channel: RecordingAdapter(channel, record_to) for channel in Channel}
    found: dict[Channel, DeliveryAdapter] = {}
    for provider in DELIVERY_PROVIDERS:
        for adapter in provider(runtime):
            found.setdefault(adapter.channel, adapter)
    if record_to is not None:
        for channel in Channel:
            found.setdefault(channel, RecordingAdapter(channel, record_to))
    return found


def provider_names() -> list[str]:
    """The providers, named for an operator's message."""
    return [f"{p.__module__}.{p.__qualname__}" for p in DELIVERY_PROVIDERS]
