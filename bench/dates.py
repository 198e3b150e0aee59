"""Cost of reading dates in a message (bot.dates.find_span), which runs on every turn.

    .venv/bin/python bench/dates.py
    .venv/bin/python bench/dates.py --rounds 5000

Prints p50/p95 microseconds per message for: messages without a date, with a plain date,
with a joined expression ("fredag neste uke"), and with a break or term ("før jul"), the
last both with the school calendar given and with conventions only; and the ratio of each
to the no-date case (what every turn pays).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import Clock  # noqa: E402
from bot.dates import Period, SchoolCalendar, find_span  # noqa: E402

MESSAGES = {
    "no date": ["hvordan går det med Emma i matte?", "send meg påminnelser som tale",
                "Emma er syk, hun har feber og blir hjemme", "can you tell the teacher Olivia forgot her book"],
    "plain date": ["hva er leksene i morgen?", "kva har vi på fredag?", "what's due on December 14th?",
                   "ukeplan for uke 50"],
    "joined": ["hva er leksene på fredag neste uke?", "what's due on Thursday the 10th?",
               "har vi prøve mandag den 14.?", "next week on friday, what do we need?"],
    "break or term": ["kva har vi av prøvar før jul?", "what do we do after half term?",
                      "hvilke prøver har vi i vår?", "hva skjer etter påske?"],
}
CALENDAR = SchoolCalendar(
    breaks=(Period("christmas", date(2026, 12, 21), date(2027, 1, 3)),
            Period("winter", date(2027, 3, 1), date(2027, 3, 5))),
    terms=(Period("autumn", date(2026, 8, 19), date(2026, 12, 20)),),
)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def measure(texts: list[str], clock: Clock, calendar: SchoolCalendar | None, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            find_span(text, clock, calendar)
            samples.append((time.perf_counter() - start) * 1e6)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    clock = Clock(zone=ZoneInfo("Europe/Oslo"), fixed=datetime.fromisoformat("2026-12-01T10:00:00+01:00"))
    for texts in MESSAGES.values():  # warm caches (Easter, the calendar around today)
        measure(texts, clock, CALENDAR, 1)
    print(f"{'messages':<34}{'p50 µs':>9}{'p95 µs':>9}{'× no date':>11}")
    baseline = None
    for label, texts in MESSAGES.items():
        for calendar, note in ((None, ""), (CALENDAR, " + calendar")) if label == "break or term" else ((None, ""),):
            samples = measure(texts, clock, calendar, args.rounds)
            p50, p95 = pct(samples, 0.5), pct(samples, 0.95)
            baseline = baseline or p50
            print(f"{label + note:<34}{p50:>9.0f}{p95:>9.0f}{p50 / baseline:>11.2f}")


if __name__ == "__main__":
    main()
