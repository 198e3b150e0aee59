"""Answers memoised for the life of one database session, until it writes.

One action (or one service call) asks the same small questions several times: who the
asker's children are, which school a pupil is in. :func:`memo` keeps each answer in the
session's ``info`` and forgets them all when the session flushes or rolls back, so what the
session itself wrote is always read again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
_KEY = "ransel.memo"


def memo(session: Session, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()``'s answer for ``key``, computed once per session until it writes.
    Keep answers immutable (frozensets, tuples): callers share them."""
    cache: dict[tuple, object] = session.info.setdefault(_KEY, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]  # type: ignore[return-value]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, *_: object) -> None:
    session.info.pop(_KEY, None)
