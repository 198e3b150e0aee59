"""Each kind of reminder on the demo-like school: exact texts, recipients and local times.

The clock starts on Tuesday 1 December 2026 at 10:00 (Europe/Oslo); the world plans every hour
and dispatches what is due, as ``ransel scheduler serve`` does.
"""

from __future__ import annotations

from datetime import timedelta

from bot.models import AssignmentKind, CalendarEvent, EventKind
from scheduler_helpers import homework, oslo, texts


def sent_between(world, clock, end):  # noqa: ANN001, ANN201
    return sorted(texts(world.run_until(oslo(clock, end)), clock))


def test_homework_digest_comes_at_five_the_evening_before_with_both_children_in_one(world, school, session, clock) -> None:  # noqa: ANN001
    homework(session, school.g4a, oslo(clock, "2026-12-02T08:30"), "Side 42, oppgave 1–5")
    homework(session, school.g9b, oslo(clock, "2026-12-02T08:30"), "Les kapittel 3", subject="NOR01-07")

    sent = sent_between(world, clock, "2026-12-01T20:00")

    assert sent == sorted([
        ("2026-12-01 17:00", school.kari,
         "Lekser til i morgen, onsdag 2. desember:\nEmma:\n- matematikk: Side 42, oppgave 1–5\nJonas:\n- norsk: Les kapittel 3"),
        ("2026-12-01 17:00", school.jonas, "Lekser til i morgen, onsdag 2. desember:\n- norsk: Les kapittel 3"),
        ("2026-12-01 17:00", school.per, "Homework for tomorrow, Wednesday 2 December:\nSofie:\n- maths: Side 42, oppgave 1–5"),
    ])


def test_homework_added_in_the_afternoon_is_still_in_the_evening_digest(world, school, session, clock) -> None:  # noqa: ANN001
    world.run_until(oslo(clock, "2026-12-01T15:00"))
    homework(session, school.g9b, oslo(clock, "2026-12-02T08:30"), "Les kapittel 3", subject="NOR01-07")

    sent = sent_between(world, clock, "2026-12-01T18:00")

    assert [(at, who) for at, who, _ in sent] == sorted([("2026-12-01 17:00", school.kari), ("2026-12-01 17:00", school.jonas)])


def test_homework_removed_before_the_evening_is_not_reminded(world, school, session, clock) -> None:  # noqa: ANN001
    from bot.models import Assignment

    hw = homework(session, school.g9b, oslo(clock, "2026-12-02T08:30"), "Les kapittel 3", subject="NOR01-07")
    world.run_until(oslo(clock, "2026-12-01T16:00"))
    session.delete(session.get(Assignment, hw))
    session.commit()

    assert sent_between(world, clock, "2026-12-01T18:00") == []


def test_husk_gymtoy_the_evening_before_pe_for_each_class(world, school, clock) -> None:  # noqa: ANN001
    clock.set(oslo(clock, "2026-12-02T12:00"))  # Wednesday; both classes have PE on Thursday

    sent = sent_between(world, clock, "2026-12-02T20:00")

    assert sent == sorted([
        ("2026-12-02 18:00", school.kari, "Husk gymtøy til kroppsøving i morgen, torsdag 3. desember (Emma og Jonas)."),
        ("2026-12-02 18:00", school.jonas, "Husk gymtøy til kroppsøving i morgen, torsdag 3. desember."),
        ("2026-12-02 18:00", school.per, "Remember PE clothes for PE tomorrow, Thursday 3 December (Sofie)."),
    ])


def test_gym_reminder_only_goes_to_the_class_with_pe_tomorrow(world, school, clock) -> None:  # noqa: ANN001
    clock.set(oslo(clock, "2026-12-06T12:00"))  # Sunday: only 9B has PE on Monday

    sent = [s for s in sent_between(world, clock, "2026-12-06T18:30") if "gym" in s[2]]

    assert sent == sorted([
        ("2026-12-06 18:00", school.kari, "Husk gymtøy til kroppsøving i morgen, mandag 7. desember (Jonas)."),
        ("2026-12-06 18:00", school.jonas, "Husk gymtøy til kroppsøving i morgen, mandag 7. desember."),
    ])


def test_skates_and_helmet_the_day_before_the_skating_day(world, school, clock) -> None:  # noqa: ANN001
    clock.set(oslo(clock, "2026-12-03T12:00"))

    sent = sent_between(world, clock, "2026-12-03T20:00")

    assert sent == sorted([
        ("2026-12-03 17:00", school.kari, "Skøytedag for Emma i morgen, fredag 4. desember: husk skøyter og hjelm."),
        ("2026-12-03 17:00", school.per, "Skating day for Sofie tomorrow, Friday 4 December: remember skates and a helmet."),
    ])


def test_a_moved_skating_day_is_reminded_on_its_new_eve_only(world, school, session, clock) -> None:  # noqa: ANN001
    from sqlalchemy import select

    world.run_until(oslo(clock, "2026-12-03T12:00"))  # the reminder for Friday is planned
    event = session.scalars(select(CalendarEvent).where(CalendarEvent.kind == EventKind.SKATING_DAY)).one()
    event.starts_at += timedelta(days=4)  # to Tuesday 8 December
    event.ends_at += timedelta(days=4)
    session.commit()

    sent = [s for s in sent_between(world, clock, "2026-12-07T20:00") if s[2].startswith("Skøytedag")]

    assert sent == [("2026-12-07 17:00", school.kari, "Skøytedag for Emma i morgen, tirsdag 8. desember: husk skøyter og hjelm.")]


def test_test_reminder_three_days_before_and_the_day_before(world, school, session, clock) -> None:  # noqa: ANN001
    homework(session, school.g9b, oslo(clock, "2026-12-04T08:30"), "Brøk og desimaltall", kind=AssignmentKind.TEST)

    sent = [s for s in sent_between(world, clock, "2026-12-04T08:00") if "prøve" in s[2]]

    assert sent == sorted([
        ("2026-12-01 17:00", school.kari, "Jonas har prøve i matematikk fredag 4. desember: Brøk og desimaltall."),
        ("2026-12-01 17:00", school.jonas, "Du har prøve i matematikk fredag 4. desember: Brøk og desimaltall."),
        ("2026-12-03 17:00", school.kari, "Jonas har prøve i matematikk i morgen, fredag 4. desember: Brøk og desimaltall."),
        ("2026-12-03 17:00", school.jonas, "Du har prøve i matematikk i morgen, fredag 4. desember: Brøk og desimaltall."),
    ])


def test_week_plan_on_sunday_at_six_covers_each_child(world, school, session, clock) -> None:  # noqa: ANN001
    homework(session, school.g4a, oslo(clock, "2026-12-07T08:30"), "Side 44")
    homework(session, school.g9b, oslo(clock, "2026-12-10T08:30"), "Likninger", kind=AssignmentKind.TEST)
    session.add(CalendarEvent(
        school_id=school.school, group_id=school.g4a, kind=EventKind.TRIP, title_nb="Tur til skogen",
        title_en="Trip to the woods", starts_at=oslo(clock, "2026-12-09T09:00"), ends_at=oslo(clock, "2026-12-09T14:00"),
        bring=["packed_lunch", "warm_clothes"],
    ))
    session.commit()
    clock.set(oslo(clock, "2026-12-06T12:00"))

    sent = [s for s in sent_between(world, clock, "2026-12-06T19:00") if "plan" in s[2]]

    assert sent == sorted([
        ("2026-12-06 18:00", school.kari,
         "Ukeplan for uke 50 (7. desember–11. desember):\n"
         "Emma:\n- mandag: lekse i matematikk: Side 44\n- onsdag: Tur til skogen (ta med matpakke og varme klær)\n"
         "Jonas:\n- torsdag: prøve i matematikk: Likninger"),
        ("2026-12-06 18:00", school.per,
         "Week plan for week 50 (7 December–11 December):\n"
         "Sofie:\n- Monday: homework in maths: Side 44\n- Wednesday: Trip to the woods (bring a packed lunch and warm clothes)"),
    ])


def test_no_school_reminders_for_days_in_the_christmas_break(world, school, session, clock) -> None:  # noqa: ANN001
    homework(session, school.g9b, oslo(clock, "2026-12-21T08:30"), "Juleoppgave", subject="NOR01-07")
    homework(session, school.g9b, oslo(clock, "2027-01-04T08:30"), "Nyttårsforsett", subject="NOR01-07")
    homework(session, school.g9b, oslo(clock, "2027-01-05T08:30"), "Brøk igjen", kind=AssignmentKind.TEST)
    clock.set(oslo(clock, "2026-12-18T12:00"))

    sent = [s for s in sent_between(world, clock, "2027-01-04T20:00") if s[1] == school.jonas]

    # No homework reminder for Monday 21 December (juleferie), no gym reminders in the break;
    # school starts on Monday 4 January: its homework and gym reminders come on the last
    # Sunday of the break, and the test reminder three days ahead (a Saturday in the break)
    # is not sent, the one the day before is.
    assert sent == [
        ("2027-01-03 17:00", school.jonas, "Lekser til i morgen, mandag 4. januar:\n- norsk: Nyttårsforsett"),
        ("2027-01-03 18:00", school.jonas, "Husk gymtøy til kroppsøving i morgen, mandag 4. januar."),
        ("2027-01-04 17:00", school.jonas, "Du har prøve i matematikk i morgen, tirsdag 5. januar: Brøk igjen."),
    ]


def test_no_reminders_for_a_public_holiday_or_a_pupil_free_day(world, school, session, clock) -> None:  # noqa: ANN001
    # Ascension Day, Thursday 6 May 2027: no PE reminder the evening before, no homework.
    homework(session, school.g9b, oslo(clock, "2027-05-06T08:30"), "Helligdagslekse")
    # A planning day for 4A only on Tuesday 11 May: Emma's homework is not reminded; Jonas's is.
    session.add(CalendarEvent(school_id=school.school, group_id=school.g4a, kind=EventKind.PLANNING_DAY,
                              title_nb="Planleggingsdag", starts_at=oslo(clock, "2027-05-11T00:00"),
                              ends_at=oslo(clock, "2027-05-12T00:00"), no_teaching=True))
    homework(session, school.g4a, oslo(clock, "2027-05-11T08:30"), "Skal ikke minnes")
    homework(session, school.g9b, oslo(clock, "2027-05-11T08:30"), "Side 90")
    session.commit()
    clock.set(oslo(clock, "2027-05-05T12:00"))

    sent = [s for s in sent_between(world, clock, "2027-05-10T20:00") if s[1] == school.kari]

    assert sent == [
        ("2027-05-09 18:00", school.kari, "Husk gymtøy til kroppsøving i morgen, mandag 10. mai (Jonas)."),
        ("2027-05-09 18:00", school.kari,
         "Ukeplan for uke 19 (10. mai–14. mai):\nEmma:\n- tirsdag: fri\nJonas:\n- tirsdag: lekse i matematikk: Side 90"),
        ("2027-05-10 17:00", school.kari, "Lekser til i morgen, tirsdag 11. mai:\nJonas:\n- matematikk: Side 90"),
    ]
