"""The one interface between the scheduler's dispatcher and the channels.

The dispatcher renders a message for a recipient and hands it to the adapter for the
recipient's channel; the adapter reports what the channel said. Channel status callbacks
(delivered, failed, read) arrive later through the HTTP app and update the outbox row by
``external_id``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bot.gateway import Choice
from bot.models import Channel, Form


@dataclass(frozen=True)
class OutgoingMessage:
    outbox_id: int
    recipient_id: int
    channel: Channel
    address: str  # Telegram chat id, E.164 number, web session id
    text: str
    language: str
    form: Form = Form.TEXT
    choices: list[Choice] = field(default_factory=list)
    speaking_rate: int | None = None  # words per minute for voice, from the profile


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"  # accepted by the channel
    DELIVERED = "delivered"  # the channel confirmed delivery synchronously
    RETRY = "retry"  # temporary: rate limited (429), 5xx, network
    FAILED = "failed"  # permanent: bad address, blocked, STOP


@dataclass(frozen=True)
class DeliveryResult:
    status: DeliveryStatus
    external_id: str | None = None
    retry_after: float | None = None  # seconds, when the channel said so (429 Retry-After)
    error: str | None = None  # a code or short reason; never message text or numbers


@runtime_checkable
class DeliveryAdapter(Protocol):
    channel: Channel

    async def send(self, message: OutgoingMessage) -> DeliveryResult: ...
