"""Who is talking: signed conversation ids between the gateway and the action server.

The engine only knows a conversation id (Rasa's ``sender_id``). The gateway, which has
authenticated the person on their channel, hands the engine ``"<person>.<channel>.<mac>"``;
actions accept a conversation only if the MAC verifies with the shared secret. So the person
always comes from the channel, never from anything typed, and a caller that reaches the
engine directly cannot pose as someone else.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from bot.models import Channel


class UnknownSender(Exception):
    """The conversation id was not issued by our gateway."""


@dataclass(frozen=True)
class Sender:
    person_id: int
    channel: Channel


def _mac(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()[:24]


def conversation_id(secret: str, person_id: int, channel: Channel | str) -> str:
    body = f"{person_id}.{Channel(channel).value}"
    return f"{body}.{_mac(secret, body)}"


def verify(secret: str, sender_id: str) -> Sender:
    try:
        person, channel, mac = sender_id.split(".")
        body = f"{int(person)}.{Channel(channel).value}"
    except ValueError:
        raise UnknownSender("malformed conversation id") from None
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise UnknownSender("conversation id not signed by this gateway")
    return Sender(int(person), Channel(channel))
