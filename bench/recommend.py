"""Latency of the learning services on a municipality-sized store.

    .venv/bin/python bench/recommend.py                      # 2,000 resources, 10,000 pupils
    .venv/bin/python bench/recommend.py --resources 5000     # the issue's 5,000-resource target
    .venv/bin/python bench/recommend.py --url postgresql://root@127.0.0.1:5432/test

Prints p50/p95 of: top-10 for one pupil (a subject asked, and nothing asked: the pupil's
plan/grade) with the catalogue cache a long-running process keeps, and without it; and recording one activity statement (knowledge tracing + resource profile;
pace is refreshed per request and measured with it). Targets from issue 6: top-10 over
5,000 resources <= 50 ms p95; one statement <= 5 ms (the mastery update itself).
The cached runs settle the heap after warm-up as the action server does
(bot.runtime.settle_heap).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import learning_world  # noqa: E402
from bench.pg import fresh_database  # noqa: E402
from bot import db  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.learning import activity, mastery  # noqa: E402
from bot.learning.activity import Observation  # noqa: E402
from bot.learning.recommend import CatalogueCache, recommend  # noqa: E402
from bot.models import Person  # noqa: E402
from bot.runtime import settle_heap  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


class Timer:
    """Wall time and this process's CPU time of each call: on a shared machine (load above
    the core count) the wall-time tail is mostly waiting for a core, the CPU time is ours."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __enter__(self) -> "Timer":
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall.append((time.perf_counter() - self._w) * 1000)
        self.cpu.append((time.process_time() - self._c) * 1000)


def row(name: str, t: Timer, target: float | None) -> str:
    p50, p95, c50, c95 = pct(t.wall, 0.5), pct(t.wall, 0.95), pct(t.cpu, 0.5), pct(t.cpu, 0.95)
    verdict = "" if target is None else (
        f"wall {p95 / target:4.2f}x, cpu {c95 / target:4.2f}x of {target:g} ms" + ("" if p95 <= target else " (wall missed)")
    )
    return f"{name:<44} {len(t.wall):>5} {p50:>8.2f} {p95:>8.2f} {c50:>8.2f} {c95:>8.2f}   {verdict}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resources", type=int, default=2000)
    ap.add_argument("--pupils", type=int, default=10000)
    ap.add_argument("--history", type=int, default=12, help="past activity statements per pupil")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--statements", type=int, default=300)
    ap.add_argument("--url", default=None, help="a database to create a fresh one in (default: temporary SQLite)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    tmp = tempfile.TemporaryDirectory()
    drop = None
    if args.url and args.url.startswith("postgresql"):
        url, drop = fresh_database(args.url)
    else:
        url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    try:
        run(url, args, rng)
    finally:
        if drop:
            drop()
        tmp.cleanup()


def run(url: str, args: argparse.Namespace, rng: random.Random) -> None:
    t0 = time.perf_counter()
    db.upgrade(url)
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    with db.transaction(sessions) as s:
        world = learning_world.build(s, pupils=args.pupils, resources=args.resources, rng=rng)
        n_hist = learning_world.add_history(s, world, per_pupil=args.history, rng=rng)
    setup_s = time.perf_counter() - t0
    clock = Clock(zone=ZoneInfo("Europe/Oslo"), fixed=datetime(2026, 12, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))))
    subjects = list(learning_world.SUBJECTS)
    pupils = rng.sample(world.pupil_ids, k=min(args.queries, len(world.pupil_ids)))

    subject_ms, open_ms, cold_ms, sizes = Timer(), Timer(), Timer(), []
    cache = CatalogueCache()  # as a long-running action server keeps one
    with sessions() as s:
        for pid in pupils[:1]:  # warm-up: the catalogue cache, prepared statements
            recommend(s, s.get(Person, pid), pid, subject_code="MAT01-05", clock=clock, cache=cache)
        settle_heap()  # as the action server does on its first call (bot.runtime.settle_heap)
        for pid in pupils:
            asker = s.get(Person, pid)
            subject = rng.choice(subjects)
            with subject_ms:
                recs = recommend(s, asker, pid, subject_code=subject, clock=clock, cache=cache)
            sizes.append(len(recs))
            with open_ms:
                recommend(s, asker, pid, clock=clock, cache=cache)
            with cold_ms:
                recommend(s, asker, pid, subject_code=subject, clock=clock)

    # One statement at a time, each in its own transaction as the API does it.
    res_by_pupil = {}
    record_ms, trace_ms = Timer(), Timer()
    for i in range(args.statements):
        pid = rng.choice(world.pupil_ids)
        grade = world.pupil_grade[pid]
        subject = rng.choice(subjects)
        band = learning_world.band_for([g for (s_, g) in world.aims_by_subject_grade if s_ == subject], grade)
        aim = rng.choice(world.aims_by_subject_grade[(subject, band)])
        rid = res_by_pupil.get(pid) or rng.choice(world.resource_ids)
        obs = Observation(f"bench-{i}", pid, rid, [aim], "answered", float(rng.random() < 0.6),
                          clock.utcnow() - timedelta(minutes=args.statements - i), "api")
        with db.transaction(sessions) as s, record_ms:
            activity.record(s, [obs], clock=clock)
        with db.transaction(sessions) as s, trace_ms:
            mastery.observe(s, pid, aim, 1.0, clock.utcnow(), start=lambda: 0.3)
            s.flush()
    engine.dispose()

    backend = url.split(":", 1)[0]
    print(f"learning bench on {backend}: {len(world.resource_ids)} resources, {len(world.pupil_ids)} pupils, "
          f"{n_hist} past statements (setup {setup_s:.1f} s); median {statistics.median(sizes):.0f} results per top-10")
    load = os.getloadavg()[0]
    print(f"machine load {load:.1f} on {os.cpu_count()} cores" + (" (shared: wall-time tails include waiting for a core)" if load > (os.cpu_count() or 1) else ""))
    print(f"{'operation':<44} {'n':>5} {'wall p50':>8} {'p95':>8} {'cpu p50':>8} {'p95':>8}   (ms)")
    print(row("recommend top-10, subject asked", subject_ms, 50.0))
    print(row("recommend top-10, plan/grade (no subject)", open_ms, 50.0))
    print(row("recommend top-10, subject, no catalogue cache", cold_ms, None))
    print(row("record one statement (trace+profile+pace)", record_ms, None))
    print(row("mastery update from one outcome (BKT)", trace_ms, 5.0))


if __name__ == "__main__":
    main()
