"""Phone PINs: caller ID can be forged, so a call gets personal answers only after a PIN.

A person sets the PIN in a chat whose identity was proven by a link code (Telegram, web
chat): ``/pin 4821``; ``/pin av`` / ``/pin off`` deletes it. SMS cannot set one (a sender
number can be forged too). Only a salted scrypt hash is stored. Five wrong tries lock the
PIN for an hour; a correct try resets the count.

A call that passed the PIN carries a proof in the URLs Ransel gives Twilio for the rest of
the call: an HMAC of the call's ``CallSid`` and the person, under the installation's sender
secret. Twilio signs every request including that URL, so the proof cannot be moved to
another call or made up.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from sqlalchemy import delete

from bot.i18n import render
from bot.models import Channel, PhonePin
from bot.runtime import Runtime

MIN_DIGITS, MAX_DIGITS = 4, 8
MAX_FAILURES = 5
LOCK = timedelta(hours=1)
# The command: "/pin 4821", "pin 4821", "/pin@RanselBot 4821", "/pin av", "/pin".
_COMMAND = re.compile(r"^\s*/pin(?:@\w+)?(?:\s+(?P<arg>\S+))?\s*$|^\s*pin(?:-?kode)?\s+(?P<digits>\d+)\s*$", re.I)
_OFF = {"av", "off", "slett", "delete", "fjern", "remove"}
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class PinCheck(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    NONE = "none"  # no PIN set


def _hash(pin: str, salt: bytes) -> str:
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _matches(pin: str, stored: str) -> bool:
    try:
        _, salt_hex, _ = stored.split("$")
    except ValueError:
        return False
    return hmac.compare_digest(_hash(pin, bytes.fromhex(salt_hex)), stored)


def too_easy(pin: str) -> bool:
    """All one digit, or a run up or down (1234, 98765): the first codes anyone tries."""
    steps = {int(b) - int(a) for a, b in pairwise(pin)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def command(runtime: Runtime, person_id: int, language: str, channel: Channel, text: str) -> str | None:
    """The reply to a PIN command, or None when ``text`` is not one (it goes to the engine)."""
    found = _COMMAND.match(text or "")
    if not found:
        return None
    if channel in (Channel.SMS, Channel.VOICE):
        return render("pin_not_here", language)
    arg = (found.group("arg") or found.group("digits") or "").strip()
    if arg.lower() in _OFF:
        with runtime.transaction() as session:
            session.execute(delete(PhonePin).where(PhonePin.person_id == person_id))
        return render("pin_removed", language)
    if not (arg.isdigit() and MIN_DIGITS <= len(arg) <= MAX_DIGITS) or too_easy(arg):
        return render("pin_help", language)
    now = runtime.clock.utcnow()
    with runtime.transaction() as session:
        row = session.get(PhonePin, person_id)
        if row is None:
            row = PhonePin(person_id=person_id, pin_hash="", set_at=now, failures=0)
            session.add(row)
        row.pin_hash, row.set_at, row.failures, row.locked_until = _hash(arg, secrets.token_bytes(16)), now, 0, None
    return render("pin_set", language)


def has_pin(runtime: Runtime, person_id: int) -> bool:
    with runtime.transaction() as session:
        return session.get(PhonePin, person_id) is not None


def check(runtime: Runtime, person_id: int, digits: str) -> PinCheck:
    """Try ``digits`` against the person's PIN, counting failures (atomic per row)."""
    now = runtime.clock.utcnow()
    with runtime.transaction() as session:
        row = session.get(PhonePin, person_id, with_for_update=True)
        if row is None:
            return PinCheck.NONE
        if row.locked_until is not None and _aware(row.locked_until) > now:
            return PinCheck.LOCKED
        if digits and _matches(digits, row.pin_hash):
            row.failures, row.locked_until = 0, None
            return PinCheck.OK
        row.failures += 1
        if row.failures >= MAX_FAILURES:
            row.failures, row.locked_until = 0, now + LOCK
            return PinCheck.LOCKED
        return PinCheck.WRONG


def _aware(value: datetime) -> datetime:

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def call_proof(secret: str, call_sid: str, person_id: int) -> str:
    return hmac.new(secret.encode(), f"voice-pin:{call_sid}:{person_id}".encode(), hashlib.sha256).hexdigest()[:32]


def proven(secret: str, call_sid: str, person_id: int, proof: str) -> bool:
    return bool(call_sid and proof) and hmac.compare_digest(call_proof(secret, call_sid, person_id), proof)
