"""Codes that confirm a change asked for by SMS.

A sender number can be forged, but the reply goes to the real number. So a change asked for
by SMS (an absence, a message to a teacher, settings) waits for the code sent in that reply:
someone who forged the sender never sees it. The plan carries only an HMAC of the code,
bound to the person, the kind of change and its exact data, an expiry and a count of tries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

TTL = timedelta(minutes=10)
MAX_TRIES = 3
DIGITS = 6


def _digest(secret: str, code: str, person_id: int, kind: str, data: dict[str, Any]) -> str:
    message = json.dumps([code, person_id, kind, data], sort_keys=True, ensure_ascii=False).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def issue(secret: str, person_id: int, kind: str, data: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    """A fresh code and what the plan keeps of it (never the code itself)."""
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    kept = {"code_hash": _digest(secret, code, person_id, kind, data), "expires": (now + TTL).isoformat(), "tries": 0}
    return code, kept


@dataclass(frozen=True)
class Check:
    ok: bool
    expired: bool = False
    tries_left: int = 0


def verify(secret: str, code: str | None, person_id: int, kind: str, data: dict[str, Any],
           kept: dict[str, Any], now: datetime) -> Check:
    """Whether ``code`` confirms exactly this plan; a wrong one uses up a try."""
    if now > datetime.fromisoformat(kept["expires"]):
        return Check(False, expired=True)
    left = MAX_TRIES - int(kept.get("tries", 0)) - 1
    if code is None or not hmac.compare_digest(_digest(secret, code, person_id, kind, data), kept["code_hash"]):
        return Check(False, tries_left=max(0, left))
    return Check(True)
