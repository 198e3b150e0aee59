"""Reminders keep their local wall time across the DST changes, fire once, and skip nothing.

Europe/Oslo leaves summer time on Sunday 25 October 2026 (03:00 CEST → 02:00 CET: 02:00-02:59
happens twice) and enters it on Sunday 28 March 2027 (02:00 CET → 03:00 CEST: 02:00-02:59
does not exist). A rule at a time in the repeated hour fires at its first occurrence; a
rule at a time in the missing hour fires an hour later (02:30 → 03:30).
"""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

from bot.models import School
from bot import reminder_rules as rules
from bot.services.facts import local_at
from scheduler_helpers import DEMO_RULES, homework, oslo, prefer

NIGHT_RULES = DEMO_RULES.read_text(encoding="utf-8").replace(
    'when: {weekday: sunday, at: "18:00"}', 'when: {weekday: sunday, at: "02:30"}'
)


def at(sent, clock, who, needle):  # noqa: ANN001, ANN201
    return [
        (s.at.astimezone(clock.zone).strftime("%Y-%m-%d %H:%M %Z"), s.at.astimezone(UTC).strftime("%H:%M"))
        for s in sent if s.recipient_id == who and needle in s.text
    ]


def said(sent, clock, who, needle):  # noqa: ANN001, ANN201
    """Like ``at``, with the text: the day a reminder names must not slip across the change."""
    return [
        (s.at.astimezone(clock.zone).strftime("%Y-%m-%d %H:%M %Z"), s.at.astimezone(UTC).strftime("%H:%M"), s.text)
        for s in sent if s.recipient_id == who and needle in s.text
    ]


def test_wall_times_on_the_change_nights_have_one_instant_each(clock) -> None:  # noqa: ANN001
    zone = clock.zone
    assert local_at(date(2026, 10, 25), time(2, 30), zone).astimezone(UTC).strftime("%H:%M") == "00:30"  # first 02:30
    assert local_at(date(2026, 10, 25), time(17, 0), zone).astimezone(UTC).strftime("%H:%M") == "16:00"
    assert local_at(date(2027, 3, 28), time(2, 30), zone).strftime("%H:%M %Z") == "03:30 CEST"  # 02:30 does not exist
    assert local_at(date(2027, 3, 28), time(17, 0), zone).astimezone(UTC).strftime("%H:%M") == "15:00"


def test_five_pm_homework_reminder_stays_at_five_across_the_october_change(world, school, session, clock) -> None:  # noqa: ANN001
    for day, title in [("2026-10-23", "Fredagslekse"), ("2026-10-26", "Mandagslekse"), ("2026-10-27", "Tirsdagslekse")]:
        homework(session, school.g9b, oslo(clock, f"{day}T08:30"), title, subject="NOR01-07")
    clock.set(oslo(clock, "2026-10-22T12:00"))

    sent = world.run_until(oslo(clock, "2026-10-24T23:00"))
    sent += world.run_until(oslo(clock, "2026-10-25T05:00"), timedelta(minutes=5))
    sent += world.run_until(oslo(clock, "2026-10-27T12:00"))

    assert said(sent, clock, school.jonas, "Lekser") == [
        ("2026-10-22 17:00 CEST", "15:00", "Lekser til i morgen, fredag 23. oktober:\n- norsk: Fredagslekse"),
        ("2026-10-25 17:00 CET", "16:00", "Lekser til i morgen, mandag 26. oktober:\n- norsk: Mandagslekse"),
        ("2026-10-26 17:00 CET", "16:00", "Lekser til i morgen, tirsdag 27. oktober:\n- norsk: Tirsdagslekse"),
    ]


def test_five_pm_reminder_stays_at_five_across_the_march_change(world, school, session, clock) -> None:  # noqa: ANN001
    homework(session, school.g9b, oslo(clock, "2027-03-24T08:30"), "Onsdagslekse", subject="NOR01-07")
    homework(session, school.g9b, oslo(clock, "2027-03-30T08:30"), "Tirsdagslekse", subject="NOR01-07")
    clock.set(oslo(clock, "2027-03-23T12:00"))

    sent = world.run_until(oslo(clock, "2027-03-27T23:00"))
    sent += world.run_until(oslo(clock, "2027-03-28T05:00"), timedelta(minutes=5))
    sent += world.run_until(oslo(clock, "2027-03-29T20:00"))

    # Monday 29 March 2027 is Easter Monday: its eve gets no homework reminder, but the week
    # plan on the DST Sunday and Tuesday's homework on the holiday evening do come at local time.
    assert said(sent, clock, school.jonas, "Lekser") == [
        ("2027-03-23 17:00 CET", "16:00", "Lekser til i morgen, onsdag 24. mars:\n- norsk: Onsdagslekse"),
        ("2027-03-29 17:00 CEST", "15:00", "Lekser til i morgen, tirsdag 30. mars:\n- norsk: Tirsdagslekse"),
    ]
    assert at(sent, clock, school.kari, "Ukeplan") == [("2027-03-28 18:00 CEST", "16:00")]


def test_a_rule_in_the_repeated_hour_fires_once_at_the_first_0230(world, school, session, clock) -> None:  # noqa: ANN001
    with session.begin():
        rules.store(session, session.get(School, school.school), NIGHT_RULES, now=clock.now())
    prefer(session, school.kari, clock, quiet_start=time(0), quiet_end=time(0))  # no quiet hours
    clock.set(oslo(clock, "2026-10-24T22:00"))

    sent = world.run_until(oslo(clock, "2026-10-25T06:00"), timedelta(minutes=5))

    assert at(sent, clock, school.kari, "Ukeplan") == [("2026-10-25 02:30 CEST", "00:30")]


def test_a_rule_in_the_missing_hour_fires_once_an_hour_later(world, school, session, clock) -> None:  # noqa: ANN001
    with session.begin():
        rules.store(session, session.get(School, school.school), NIGHT_RULES, now=clock.now())
    prefer(session, school.kari, clock, quiet_start=time(0), quiet_end=time(0))
    clock.set(oslo(clock, "2027-03-27T22:00"))

    sent = world.run_until(oslo(clock, "2027-03-28T06:00"), timedelta(minutes=5))

    assert at(sent, clock, school.kari, "Ukeplan") == [("2027-03-28 03:30 CEST", "01:30")]


def test_quiet_hours_end_at_seven_local_on_the_change_mornings(world, school, session, clock) -> None:  # noqa: ANN001
    with session.begin():
        rules.store(session, session.get(School, school.school), NIGHT_RULES, now=clock.now())
    clock.set(oslo(clock, "2026-10-24T22:00"))

    sent = world.run_until(oslo(clock, "2026-10-25T08:00"), timedelta(minutes=5))

    assert at(sent, clock, school.kari, "Ukeplan") == [("2026-10-25 07:00 CET", "06:00")]
