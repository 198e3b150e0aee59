"""Failed link-code attempts per source, so codes cannot be guessed by trying many.

A code has 31^8 (about 8.5e11) values and few are live at a time; allowing at most
``max_failures`` wrong codes per source (a browser's address, a Telegram chat) within
``window`` keeps guessing hopeless. Kept in the process's memory: a restart forgives.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta


class AttemptLimiter:
    def __init__(self, now: Callable[[], datetime], max_failures: int = 10,
                 window: timedelta = timedelta(minutes=15)) -> None:
        self._now = now
        self._max = max_failures
        self._window = window
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, source: str) -> deque[datetime]:
        horizon = self._now() - self._window
        failures = self._failures.setdefault(source, deque())
        while failures and failures[0] <= horizon:
            failures.popleft()
        return failures

    def blocked(self, source: str) -> bool:
        with self._lock:
            return len(self._recent(source)) >= self._max

    def failed(self, source: str) -> None:
        with self._lock:
            self._recent(source).append(self._now())
            if len(self._failures) > 100_000:  # forget the oldest sources rather than grow
                for key in list(self._failures)[:50_000]:
                    del self._failures[key]
