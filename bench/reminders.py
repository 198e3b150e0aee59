"""Plan one evening's reminders for a municipality and dispatch them; print the rates.

    .venv/bin/python bench/reminders.py                  # SQLite (the default store)
    .venv/bin/python bench/reminders.py --postgres postgresql://root@127.0.0.1:5432/test

The municipality is generated straight into fresh stores: 20 schools, 10,000 pupils in 400
classes (grades 1-10), 18,000 guardians (1,000 families with two children), contact points
(guardians on Telegram or SMS, pupils from grade 5 on Telegram), some preferences (digests,
preferred times), PE twice a week, homework due tomorrow in every class, tests in some, and
the demo school's rules for every school.

Then, each in its own process (so peak memory is that step's alone):

- **planning** the evening of Tuesday 1 December 2026 (one fire day, all rules, all schools),
  written to the outbox in one transaction: occurrences/s and messages/s;
- **dispatch** at 18:00 of everything due, rendered from current data, to a recording
  channel that only counts (no rate limits: the channels' limits are not the bench's):
  messages/s and the dispatcher's own time per message.

Targets: planning within 10 s; dispatch overhead within 1 ms per message. Exit status 1 if
a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg import fresh_database  # noqa: E402
OSLO = ZoneInfo("Europe/Oslo")
EVENING = date(2026, 12, 1)  # a Tuesday
TARGET_PLAN_SECONDS = 10.0
TARGET_DISPATCH_MS = 1.0
SCHOOLS, PUPILS, GUARDIANS, TWO_CHILD_FAMILIES = 20, 10_000, 18_000, 1_000


def generate(url: str, seed: int = 7) -> dict[str, int]:
    """The municipality, with Core bulk inserts (seconds, not minutes)."""
    from sqlalchemy import insert

    from bot import db
    from bot.models import (
        Assignment, CategoryPreference, ContactPoint, GearRule, Group, Guardianship, Lesson, Membership,
        NotificationPreference, Owner, Person, PersonRole, ReminderRuleSet, School, Subject,
    )

    rng = random.Random(seed)
    db.upgrade(url)
    engine = db.make_engine(url)
    now = datetime(2026, 12, 1, 8, 0, tzinfo=OSLO)
    rules_text = (ROOT / "data" / "demo" / "reminders.yaml").read_text(encoding="utf-8")
    with engine.begin() as conn:
        def put(model, rows):  # noqa: ANN001, ANN202
            for i in range(0, len(rows), 5000):
                conn.execute(insert(model), rows[i : i + 5000])

        put(Subject, [{"code": c, "name_nb": n, "name_nn": n, "name_en": n, "curriculum_title_nb": n, "curriculum_title_en": n}
                      for c, n in [("MAT01-05", "matematikk"), ("NOR01-07", "norsk"), ("KRO01-05", "kroppsøving")]])
        put(Owner, [{"id": 1, "sourced_id": "kommune", "name": "Benchmark kommune"}])
        put(School, [{"id": s, "sourced_id": f"school-{s}", "owner_id": 1, "name": f"Skole {s}"} for s in range(1, SCHOOLS + 1)])
        put(ReminderRuleSet, [{"school_id": s, "source": rules_text, "updated_at": now} for s in range(1, SCHOOLS + 1)])
        put(GearRule, [{"school_id": s, "place": "gymsal", "item_key": "gym_clothes"} for s in range(1, SCHOOLS + 1)])

        groups, lessons, assignments = [], [], []
        per_school = PUPILS // SCHOOLS
        per_class = per_school // 20  # two classes per grade
        gid = 0
        for s in range(1, SCHOOLS + 1):
            for grade in range(1, 11):
                for letter in "AB":
                    gid += 1
                    groups.append({"id": gid, "sourced_id": f"g{gid}", "school_id": s, "name": f"{grade}{letter}",
                                   "kind": "basis", "grade": grade})
                    pe_days = rng.sample(range(5), 2)
                    for wd in range(5):
                        lessons.append({"group_id": gid, "weekday": wd, "starts": clock_time(8, 30), "ends": clock_time(9, 15),
                                        "subject_code": "MAT01-05", "place": "classroom"})
                    for wd in pe_days:
                        lessons.append({"group_id": gid, "weekday": wd, "starts": clock_time(10), "ends": clock_time(11),
                                        "subject_code": "KRO01-05", "place": "gymsal"})
                    due = datetime(2026, 12, 2, 8, 30, tzinfo=OSLO)
                    assignments.append({"sourced_id": f"hw{gid}", "group_id": gid, "kind": "homework",
                                        "subject_code": "NOR01-07", "title": f"Les side {gid % 90 + 10}", "due_at": due})
                    if gid % 5 == 0:
                        for days in (1, 3):
                            assignments.append({"sourced_id": f"t{gid}-{days}", "group_id": gid, "kind": "test",
                                                "subject_code": "MAT01-05", "title": "Brøk",
                                                "due_at": due + timedelta(days=days - 1)})
        put(Group, groups)
        put(Lesson, lessons)
        put(Assignment, assignments)

        people, roles, members, contacts, guardianships, prefs, modes = [], [], [], [], [], [], []
        pid = 0
        pupils = []  # (pupil id, school id, grade)
        for g in groups:
            for _ in range(per_class):
                pid += 1
                pupils.append((pid, g["school_id"], g["grade"]))
                people.append({"id": pid, "sourced_id": f"p{pid}", "given_name": f"Elev{pid}", "family_name": "Bench",
                               "language": "nb", "birth_date": date(2026 - 6 - g["grade"], 5, 5), "enabled": True})
                roles.append({"person_id": pid, "role": "pupil", "school_id": g["school_id"]})
                members.append({"group_id": g["id"], "person_id": pid, "role": "pupil", "is_contact_teacher": False})
                if g["grade"] >= 5:
                    contacts.append({"person_id": pid, "channel": "telegram", "address": str(10_000_000 + pid),
                                     "verified": True, "created_at": now})
        families = []
        order = list(pupils)
        rng.shuffle(order)
        families = [order[i : i + 2] for i in range(0, 2 * TWO_CHILD_FAMILIES, 2)]
        families += [[p] for p in order[2 * TWO_CHILD_FAMILIES :]]
        for children in families:
            for _ in range(2):
                pid += 1
                people.append({"id": pid, "sourced_id": f"p{pid}", "given_name": f"Foresatt{pid}", "family_name": "Bench",
                               "language": rng.choice(["nb"] * 8 + ["nn", "en"]), "enabled": True})
                roles.append({"person_id": pid, "role": "guardian", "school_id": children[0][1]})
                for child, _, _ in children:
                    guardianships.append({"guardian_id": pid, "pupil_id": child, "relation": "parent",
                                          "parental_responsibility": True})
                sms = rng.random() < 0.3
                contacts.append({"person_id": pid, "channel": "sms" if sms else "telegram",
                                 "address": f"+479{pid:07d}" if sms else str(20_000_000 + pid), "verified": True,
                                 "created_at": now})
                roll = rng.random()
                if roll < 0.05:
                    modes += [{"person_id": pid, "category": c, "mode": "daily"} for c in ("homework", "bring", "test")]
                elif roll < 0.10:
                    prefs.append({"person_id": pid, "preferred_time": clock_time(19, 30), "form": "text",
                                  "quiet_start": clock_time(21), "quiet_end": clock_time(7), "quiet_weekdays": [],
                                  "opted_out": False, "updated_at": now})
        put(Person, people)
        put(PersonRole, roles)
        put(Membership, members)
        put(ContactPoint, contacts)
        put(Guardianship, guardianships)
        put(NotificationPreference, prefs)
        put(CategoryPreference, modes)
    engine.dispose()
    return {"pupils": len(pupils), "guardians": pid - len(pupils), "groups": len(groups), "contacts": len(contacts)}


def _plan_child(url: str, queue: multiprocessing.Queue) -> None:
    from bot import db
    from bot.clock import Clock
    from scheduler.planner import plan

    engine = db.make_engine(url)
    clock = Clock(zone=OSLO, fixed=datetime(2026, 12, 1, 8, 0, tzinfo=OSLO))
    started = time.perf_counter()
    with db.transaction(db.session_factory(engine)) as session:
        result = plan(session, clock, first_day=EVENING, last_day=EVENING)
    seconds = time.perf_counter() - started
    engine.dispose()
    queue.put((seconds, len(result.occurrences), len(result.messages), result.written,
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


class CountingChannel:
    """Accepts everything instantly: the bench measures the dispatcher, not a channel."""

    def __init__(self, channel) -> None:  # noqa: ANN001
        self.channel = channel
        self.count = 0

    async def send(self, message):  # noqa: ANN001, ANN201
        from bot.delivery import DeliveryResult, DeliveryStatus

        self.count += 1
        return DeliveryResult(DeliveryStatus.SENT, external_id=f"b{message.outbox_id}")


def _dispatch_child(url: str, queue: multiprocessing.Queue) -> None:
    from bot import db
    from bot.clock import Clock
    from bot.models import Channel
    from scheduler.dispatch import DispatchConfig, Dispatcher

    engine = db.make_engine(url)
    clock = Clock(zone=OSLO, fixed=datetime(2026, 12, 1, 20, 0, tzinfo=OSLO))  # all of the evening is due
    adapters = {c: CountingChannel(c) for c in Channel}
    dispatcher = Dispatcher(db.session_factory(engine), clock, adapters, config=DispatchConfig(batch_size=500))
    started = time.perf_counter()
    stats = asyncio.run(dispatcher.drain())
    seconds = time.perf_counter() - started
    engine.dispose()
    sent = sum(a.count for a in adapters.values())
    queue.put((seconds, sent, dict(stats), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def _in_child(target, url: str):  # noqa: ANN001, ANN202
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=target, args=(url, queue))
    child.start()
    outcome = queue.get()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"{target.__name__} failed (exit {child.exitcode})")
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="Run on a fresh PostgreSQL database instead of SQLite.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ransel-bench-") as tmp:
        if args.postgres:
            url, drop = fresh_database(args.postgres)
        else:
            url, drop = f"sqlite:///{Path(tmp) / 'bench.db'}", lambda: None
        try:
            started = time.perf_counter()
            sizes = generate(url)
            print(f"municipality: {sizes['pupils']} pupils, {sizes['guardians']} guardians, {sizes['groups']} classes,"
                  f" {sizes['contacts']} contact points ({time.perf_counter() - started:.1f} s to generate)")

            seconds, occurrences, messages, written, peak = _in_child(_plan_child, url)
            print(f"planning {EVENING}: {occurrences} occurrences, {messages} messages ({written} new outbox rows)"
                  f" in {seconds:.2f} s = {occurrences / seconds:,.0f} occurrences/s, {messages / seconds:,.0f} messages/s;"
                  f" peak memory {peak:.0f} MB  [target ≤ {TARGET_PLAN_SECONDS:.0f} s]")

            d_seconds, sent, stats, d_peak = _in_child(_dispatch_child, url)
            per_message = 1000 * d_seconds / max(stats.get("claimed", 1), 1)
            outcome = ", ".join(f"{k} {v}" for k, v in sorted(stats.items()) if k != "claimed")
            print(f"dispatch: {stats.get('claimed', 0)} rows ({outcome}) in {d_seconds:.2f} s ="
                  f" {sent / d_seconds:,.0f} messages/s, {per_message:.3f} ms per row; peak memory {d_peak:.0f} MB"
                  f"  [target ≤ {TARGET_DISPATCH_MS:.0f} ms]")
        finally:
            drop()
    ok = seconds <= TARGET_PLAN_SECONDS and per_message <= TARGET_DISPATCH_MS
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
