"""The one clock. Everything that needs "now" takes a :class:`Clock`.

``RANSEL_NOW`` fixes it, which makes demos and tests repeatable. This is the only module
that reads the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass
class Clock:
    zone: ZoneInfo
    fixed: datetime | None = None
    # A fixed clock normally stands still; `runs` lets it move on in real time from `fixed`.
    runs: bool = False
    # A fixed clock may be advanced explicitly (tests, simulations); the wall clock never is.
    _offset: timedelta = field(default=timedelta(0), repr=False)
    _started: datetime = field(default_factory=lambda: datetime.now(UTC), repr=False)

    def now(self) -> datetime:
        """Aware datetime in school time."""
        wall = datetime.now(UTC)
        if self.fixed is None:
            base = wall
        elif self.runs:
            base = self.fixed.astimezone(UTC) + (wall - self._started)
        else:
            # In UTC: adding a timedelta to a zone-aware time would be wall-clock arithmetic
            # and lose or gain an hour across a DST change.
            base = self.fixed.astimezone(UTC)
        return (base + self._offset).astimezone(self.zone)

    def utcnow(self) -> datetime:
        return self.now().astimezone(UTC)

    def today(self) -> date:
        return self.now().date()

    def advance(self, delta: timedelta) -> None:
        if self.fixed is None:
            raise RuntimeError("only a fixed clock can be advanced")
        self._offset += delta

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("clock time must be timezone-aware")
        self.fixed, self._offset = when, timedelta(0)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """The aware local datetime for a wall-clock time on a school day (DST-correct)."""
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)

    @classmethod
    def from_settings(cls, settings) -> Clock:
        clock = cls(zone=settings.zone, fixed=settings.now, runs=settings.clock_runs)
        if settings.clock_anchor is not None:
            # Several processes (ransel up) share one running clock: all count from the anchor.
            clock._started = settings.clock_anchor
        return clock
