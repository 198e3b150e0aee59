"""Link-code attempts, counted so that codes cannot be guessed by trying many.

A code has 31^8 (about 8.5e11) values and few are live at a time. Each source (a browser's
network: the IPv4 address or the IPv6 /64, a Telegram chat) may make at most
``max_failures`` wrong tries within ``window``; and when wrong tries from everywhere pass
``hourly_budget`` in an hour, every try is slowed down (someone is spraying codes from
many addresses).

Counts live in the database (``attempt_counters``), so every process of an installation
shares them and a restart forgives nothing. A try *reserves* a failure before the code is
checked (one atomic ``INSERT .. ON CONFLICT DO UPDATE .. RETURNING``) and gives it back when
the code was right: 200 wrong tries sent at once from one network are counted exactly, and
at most ``max_failures`` of them are ever checked. A school's pupils signing in from one
address with right codes do not use up each other's tries.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.models import AttemptCounter
from bot.runtime import Runtime

GLOBAL = "global"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    slow: bool = False  # the hourly budget is spent: answer, but only after a pause
    key: str = ""


def network_of(address: str) -> str:
    """The unit a limit applies to: an IPv4 address, an IPv6 /64 (one subscriber's network)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"host:{address[:64]}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        return f"net:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"net:{ip}"


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: list[str]) -> str:
    """The client's address: the TCP peer, or, when the peer is a configured trusted proxy,
    the right-most address in X-Forwarded-For that is not a trusted proxy."""
    peer = peer or "unknown"
    proxies = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in proxies)

    if not proxies or not trusted(peer) or not forwarded_for:
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not trusted(hop):
            return hop
    return peer


class AttemptLimiter:
    def __init__(self, runtime: Runtime, kind: str, max_failures: int = 10,
                 window: timedelta = timedelta(minutes=15), hourly_budget: int = 1000) -> None:
        self.runtime, self.kind = runtime, kind
        self.max_failures, self.window, self.hourly_budget = max_failures, window, hourly_budget

    def _bucket(self, now: datetime, span: timedelta) -> tuple[str, datetime]:
        seconds = int(span.total_seconds())
        start = int(now.timestamp()) // seconds * seconds
        return str(start), datetime.fromtimestamp(start + seconds, UTC)

    def _add(self, session, key: str, expires_at: datetime, delta: int) -> int:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(AttemptCounter).values(key=key, count=delta, expires_at=expires_at)
        stmt = stmt.on_conflict_do_update(index_elements=["key"],
                                          set_={"count": AttemptCounter.count + delta})
        return int(session.execute(stmt.returning(AttemptCounter.count)).scalar_one())

    def reserve(self, source: str) -> Verdict:
        """Count a failure for ``source`` before its code is checked; refuse over the limit."""
        now = self.runtime.clock.utcnow()
        window, window_end = self._bucket(now, self.window)
        hour, hour_end = self._bucket(now, timedelta(hours=1))
        key = f"{self.kind}|{source}|{window}"[:190]
        with self.runtime.transaction() as session:
            count = self._add(session, key, window_end, 1)
            spent = self._add(session, f"{self.kind}|{GLOBAL}|{hour}", hour_end, 1)
            if count == 1:  # a new window somewhere: forget windows that are over
                session.execute(delete(AttemptCounter).where(AttemptCounter.expires_at < now))
        if count > self.max_failures:
            return Verdict(False, key=key)
        return Verdict(True, slow=spent > self.hourly_budget, key=key)

    def refund(self, verdict: Verdict) -> None:
        """The code was right: the reserved failure is given back (also to the hourly budget)."""
        now = self.runtime.clock.utcnow()
        hour, _ = self._bucket(now, timedelta(hours=1))
        with self.runtime.transaction() as session:
            for key in (verdict.key, f"{self.kind}|{GLOBAL}|{hour}"):
                session.execute(update(AttemptCounter).where(AttemptCounter.key == key, AttemptCounter.count > 0)
                                .values(count=AttemptCounter.count - 1))

    def failures(self, source: str) -> int:
        now = self.runtime.clock.utcnow()
        window, _ = self._bucket(now, self.window)
        with self.runtime.sessions() as session:
            row = session.get(AttemptCounter, f"{self.kind}|{source}|{window}"[:190])
            return row.count if row else 0
