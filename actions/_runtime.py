"""The one Runtime of an action-server process (settings, clock, database), built on first use.

rasa-sdk instantiates actions itself, so they cannot be handed a Runtime; they ask here.
Tests install their own with :func:`use`.
"""

from __future__ import annotations

from bot.runtime import Runtime, settle_heap

_current: Runtime | None = None


def get() -> Runtime:
    global _current
    if _current is None:
        _current = Runtime.from_env()
        # The first action call: rasa-sdk has imported every action module by now.
        settle_heap()
    return _current


def use(runtime: Runtime | None) -> None:
    """Install ``runtime`` for this process (tests); None forgets it."""
    global _current
    _current = runtime
