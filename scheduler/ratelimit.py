"""Per-channel rate limits for outgoing messages.

Telegram allows about 30 messages a second per bot and one a second per chat; Twilio sends
a configured number of SMS segments a second per sender number (a long message costs
several), and places a configured number of calls a second. A channel that answers 429 says
how long to wait; the whole channel then waits that long.

The limiter is a set of GCRA buckets (the "virtual scheduling" form of a token bucket):
each key remembers the earliest time its next unit may go. Asking for a slot reserves it and
returns how long to wait, or ``None`` when the wait would be longer than the caller is
willing to hold the message, in which case nothing is reserved and the dispatcher puts the
row back with that delay. Time here is the process's monotonic clock: rate limits are about
seconds passing, not about school time, so a fixed school clock does not freeze them.

The buckets live in one process. With several dispatch processes, give each its share of
the channel's limit (``Limits.shared(n)``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.models import Channel
from bot.sms_segments import count as sms_count
from bot.sms_segments import smart_gsm


def sms_segments(text: str) -> int:
    """What an SMS costs against the per-sender limit, counted as the SMS adapter sends it."""
    return sms_count(smart_gsm(text)).segments


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: float = 1.0

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second


@dataclass(frozen=True)
class Limits:
    """Rates per channel (overall) and per address within a channel."""

    overall: dict[Channel, Rate] = field(default_factory=dict)
    per_address: dict[Channel, Rate] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(
            overall={
                Channel.TELEGRAM: Rate(settings.telegram_messages_per_second, burst=settings.telegram_messages_per_second),
                Channel.SMS: Rate(settings.sms_segments_per_second, burst=settings.sms_segments_per_second),
                Channel.VOICE: Rate(settings.voice_calls_per_second),
            },
            per_address={Channel.TELEGRAM: Rate(settings.telegram_messages_per_chat_per_second)},
        )

    def shared(self, processes: int) -> Limits:
        """This process's share when ``processes`` dispatchers send through the same accounts."""
        if processes <= 1:
            return self
        return Limits(
            overall={c: replace(r, per_second=r.per_second / processes, burst=max(1.0, r.burst / processes))
                     for c, r in self.overall.items()},
            per_address=dict(self.per_address),  # one chat's messages go to one process at a time, mostly
        )


class _Bucket:
    __slots__ = ("rate", "tat")

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tat = now  # theoretical arrival time of the next unit

    def earliest(self, now: float) -> float:
        tolerance = (self.rate.burst - 1) * self.rate.interval
        return max(now, self.tat - tolerance)

    def take(self, at: float, cost: float) -> None:
        self.tat = max(self.tat, at) + cost * self.rate.interval


class RateLimiter:
    def __init__(self, limits: Limits, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.monotonic = monotonic
        self._overall: dict[Channel, _Bucket] = {}
        self._addresses: dict[tuple[Channel, str], _Bucket] = {}
        self._paused_until: dict[Channel, float] = {}

    def reserve(self, channel: Channel, address: str, cost: float = 1.0, max_wait: float = 2.0) -> float | None:
        """Reserve a slot for one message; the seconds to wait, or None if longer than max_wait."""
        now = self.monotonic()
        buckets = []
        rate = self.limits.overall.get(channel)
        if rate is not None:
            buckets.append((self._overall.setdefault(channel, _Bucket(rate, now)), cost))
        rate = self.limits.per_address.get(channel)
        if rate is not None:
            key = (channel, address)
            if key not in self._addresses:
                if len(self._addresses) > 50_000:
                    self._forget_idle(now)
                self._addresses[key] = _Bucket(rate, now)
            buckets.append((self._addresses[key], 1.0))
        at = max([now, self._paused_until.get(channel, 0.0), *(b.earliest(now) for b, _ in buckets)])
        if at - now > max_wait:
            return None
        for bucket, units in buckets:
            bucket.take(at, units)
        return at - now

    def wait_hint(self, channel: Channel, address: str) -> float:
        """Roughly how long until this address could be served (for putting a row back)."""
        now = self.monotonic()
        hints = [self._paused_until.get(channel, 0.0) - now]
        if channel in self._overall:
            hints.append(self._overall[channel].earliest(now) - now)
        if (channel, address) in self._addresses:
            hints.append(self._addresses[(channel, address)].earliest(now) - now)
        return max(0.0, *hints)

    def pause(self, channel: Channel, seconds: float) -> None:
        """The channel said "too many requests, retry after N seconds": stop it that long."""
        until = self.monotonic() + max(0.0, seconds)
        self._paused_until[channel] = max(self._paused_until.get(channel, 0.0), until)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, b in self._addresses.items() if b.tat <= now]:
            del self._addresses[key]
