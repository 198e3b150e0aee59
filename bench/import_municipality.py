"""Import a whole municipality's OneRoster export into fresh stores; print speed and memory.

    .venv/bin/python bench/import_municipality.py                  # SQLite (the target)
    .venv/bin/python bench/import_municipality.py --postgres postgresql://root@127.0.0.1:5432/test

The export is generated with the demo generator's building blocks, scaled: 20 schools,
10,000 pupils, 18,000 guardians and 200,000 lineItems + results (defaults). The import runs
in a child process so its peak memory (ru_maxrss of that process) is the import's alone,
not the generator's. Targets on SQLite: under 60 s and under 500 MB. A second import of the
same export (nothing changes) is timed too, and a nightly delta: 1 % of the users, enrollments,
lineItems and results changed (manifest ``delta``, the rest absent), target under 5 s.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg import fresh_database  # noqa: E402

TARGET_SECONDS = 60.0
TARGET_MB = 500.0
TARGET_DELTA_SECONDS = 5.0
DELTA_FILES = ("users", "enrollments", "lineItems", "results")


def make_delta(export: Path, target: Path, share: float = 0.01) -> int:
    """A delta export of ``export``: every 1/share-th row of DELTA_FILES, changed a little."""
    import csv

    target.mkdir(parents=True, exist_ok=True)
    stamp = "2026-12-02T02:00:00Z"
    step = round(1 / share)
    rows_out = 0
    for name in DELTA_FILES:
        with open(export / f"{name}.csv", encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header, rows = list(reader.fieldnames or []), list(reader)
        changed = rows[::step]
        for row in changed:
            row["status"], row["dateLastModified"] = "active", stamp
            if name == "users":
                row["givenName"] += "-Marie"
            elif name == "lineItems":
                row["title"] += " (flyttet)"
            elif name == "results" and row.get("score"):
                row["score"] = str(max(0.0, float(row["score"]) - 0.5))
        with open(target / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, header, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(changed)
        rows_out += len(changed)
    with open(export / "manifest.csv", encoding="utf-8", newline="") as fh:
        manifest = list(csv.reader(fh))
    with open(target / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        for key, value in manifest:
            if key.startswith("file."):
                value = "delta" if key.removeprefix("file.") in DELTA_FILES else "absent"
            writer.writerow([key, value])
    return rows_out
NOW = datetime.fromisoformat("2026-12-01T10:00:00+01:00")


def _import_child(url: str, export: str, progress: bool, queue: multiprocessing.Queue) -> None:
    from bot import db
    from bot.clock import Clock
    from bot.importers.oneroster import import_oneroster

    engine = db.make_engine(url)
    clock = Clock(zone=ZoneInfo("Europe/Oslo"), fixed=NOW)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_at_start = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    result = import_oneroster(engine, Path(export), clock, progress=progress)
    seconds = time.perf_counter() - started
    engine.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024  # kB on Linux
    cpu = usage.ru_utime + usage.ru_stime - cpu_at_start
    queue.put((seconds, cpu, peak_mb, sum(result.rows.values()), result.stats.summary()))


def run_import(url: str, export: Path, progress: bool) -> tuple[float, float, float, int, str]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_import_child, args=(url, str(export), progress, queue))
    child.start()
    outcome = queue.get()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"import failed (exit {child.exitcode})")
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--pupils", type=int, default=10_000)
    parser.add_argument("--guardians", type=int, default=18_000)
    parser.add_argument("--gradebook", type=int, default=200_000, help="lineItems + results")
    parser.add_argument("--export", type=Path, help="use (or create) the export in this directory")
    parser.add_argument("--postgres", metavar="URL", help="import into a fresh database on this server instead")
    parser.add_argument("--progress", action="store_true", help="show the importer's progress bars")
    args = parser.parse_args(argv)

    from bot import db
    from bot.demo.generate import build_municipality, write_oneroster
    from bot.importers.lk20 import import_lk20

    work = Path(tempfile.mkdtemp(prefix="ransel-bench-"))
    export = args.export or work / "oneroster"
    if not (export / "manifest.csv").exists():
        started = time.perf_counter()
        roster = build_municipality(args.schools, args.pupils, args.guardians, args.gradebook)
        write_oneroster(roster, export, system="Ransel benchmark generator")
        del roster
        print(f"generated {export} in {time.perf_counter() - started:.1f} s")
    size_mb = sum(p.stat().st_size for p in export.glob("*.csv")) / 2**20

    if args.postgres:
        url, drop = fresh_database(args.postgres)
        backend = "PostgreSQL"
    else:
        url, drop, backend = f"sqlite:///{work / 'ransel.db'}", (lambda: None), "SQLite"
    try:
        db.upgrade(url)
        engine = db.make_engine(url)
        import_lk20(engine, ROOT / "data" / "lk20")
        engine.dispose()

        seconds, cpu, peak_mb, rows, summary = run_import(url, export, args.progress)
        again_s, again_cpu, again_mb, _rows, again_summary = run_import(url, export, args.progress)
        delta = work / "delta"
        make_delta(export, delta)
        delta_s, delta_cpu, delta_mb, delta_rows, delta_summary = run_import(url, delta, args.progress)
    finally:
        drop()

    print(f"\nOneRoster import of a municipality into {backend} ({args.schools} schools, "
          f"{args.pupils} pupils, {args.guardians} guardians, {args.gradebook} lineItems+results; "
          f"{rows} CSV rows, {size_mb:.0f} MB)")
    print(f"  first import : {seconds:6.1f} s  {rows / seconds:8.0f} rows/s  (CPU {cpu:5.1f} s)  peak {peak_mb:5.0f} MB")
    print(f"                 {summary}")
    print(f"  second import: {again_s:6.1f} s  {rows / again_s:8.0f} rows/s  (CPU {again_cpu:5.1f} s)  "
          f"peak {again_mb:5.0f} MB  ({again_summary})")
    print(f"  delta (1 %)  : {delta_s:6.1f} s  {delta_rows} rows  (CPU {delta_cpu:5.1f} s)  peak {delta_mb:5.0f} MB  "
          f"({delta_summary})")
    ok = True
    if backend == "SQLite":
        time_ratio, mem_ratio = seconds / TARGET_SECONDS, peak_mb / TARGET_MB
        delta_ratio = delta_s / TARGET_DELTA_SECONDS
        ok = time_ratio < 1 and mem_ratio < 1 and delta_ratio < 1
        print(f"  targets      : time {seconds:.1f}/{TARGET_SECONDS:.0f} s = {time_ratio:.2f}, "
              f"memory {peak_mb:.0f}/{TARGET_MB:.0f} MB = {mem_ratio:.2f}, "
              f"delta {delta_s:.1f}/{TARGET_DELTA_SECONDS:.0f} s = {delta_ratio:.2f}  -> {'met' if ok else 'MISSED'}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  ({os.cpu_count()} cores, load average {load}; wall time on a busy machine exceeds CPU time; "
          "peak = ru_maxrss of the importing process)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
