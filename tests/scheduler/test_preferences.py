"""Per-person preferences: quiet hours, preferred time, digests, pause, opt-out, category off,
critical messages, SMS STOP. Exact texts and local times."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from bot.models import (
    Audience,
    AssignmentKind,
    BroadcastScope,
    Channel,
    ContactPoint,
    DeliveryMode,
    OutboxMessage,
    Person,
)
from bot.services.broadcasts import send_broadcast
from scheduler_helpers import category, homework, oslo, prefer, texts


def run(world, clock, end, step=timedelta(hours=1)):  # noqa: ANN001, ANN201
    return sorted(texts(world.run_until(oslo(clock, end), step), clock))


def for_(sent, who):  # noqa: ANN001, ANN201
    return [(at, text) for at, rid, text in sent if rid == who]


def wednesday_homework(session, school, clock) -> None:  # noqa: ANN001
    homework(session, school.g4a, oslo(clock, "2026-12-03T08:30"), "Side 43")
    homework(session, school.g9b, oslo(clock, "2026-12-03T08:30"), "Les kapittel 4", subject="NOR01-07")
    homework(session, school.g9b, oslo(clock, "2026-12-03T10:00"), "Gangetabellen", kind=AssignmentKind.TEST)


def broadcast(session, school, clock, text, *, author=None, urgent=False, at=None, group="4A"):  # noqa: ANN001, ANN201
    teacher = session.get(Person, author or school.liv)
    if urgent:  # this school lets teachers send urgent messages (by default only admins may)
        from bot.models import School

        session.get(School, school.school).teachers_broadcast_widely = True
    b = send_broadcast(session, teacher, text=text, clock=clock, scope=BroadcastScope.GROUP, group=group,
                       audience=Audience.GUARDIANS, urgent=urgent, send_at=at)
    session.commit()
    return b


def test_quiet_hours_hold_a_late_broadcast_until_seven_in_the_morning(world, school, session, clock) -> None:  # noqa: ANN001
    clock.set(oslo(clock, "2026-12-01T22:00"))
    broadcast(session, school, clock, "Husk foreldremøtet på torsdag.")

    sent = run(world, clock, "2026-12-02T08:00")

    assert sent == sorted([
        ("2026-12-02 07:00", school.kari, "Melding fra Liv Andersen til 4A:\nHusk foreldremøtet på torsdag."),
        ("2026-12-02 07:00", school.per, "Message from Liv Andersen to 4A:\nHusk foreldremøtet på torsdag."),
    ])


def test_an_urgent_broadcast_goes_out_at_once_even_at_night(world, school, session, clock) -> None:  # noqa: ANN001
    clock.set(oslo(clock, "2026-12-01T22:00"))
    broadcast(session, school, clock, "Skolen er stengt i morgen på grunn av uværet.", urgent=True)

    sent = run(world, clock, "2026-12-01T22:30")

    assert sent == sorted([
        ("2026-12-01 22:00", school.kari,
         "VIKTIG! Melding fra Liv Andersen til 4A:\nSkolen er stengt i morgen på grunn av uværet."),
        ("2026-12-01 22:00", school.per,
         "IMPORTANT! Message from Liv Andersen to 4A:\nSkolen er stengt i morgen på grunn av uværet."),
    ])


def test_own_quiet_hours_and_quiet_weekends_move_the_week_plan_to_monday_morning(world, school, session, clock) -> None:  # noqa: ANN001
    prefer(session, school.kari, clock, quiet_weekdays=[5, 6], quiet_end=time(6, 30))
    clock.set(oslo(clock, "2026-12-06T12:00"))

    sent = [s for s in for_(run(world, clock, "2026-12-07T08:00", timedelta(minutes=30)), school.kari) if "plan" in s[1]]

    assert [at for at, _ in sent] == ["2026-12-07 06:30"]


def test_preferred_time_replaces_the_rules_time(world, school, session, clock) -> None:  # noqa: ANN001
    prefer(session, school.kari, clock, preferred_time=time(19, 30))
    wednesday_homework(session, school, clock)
    clock.set(oslo(clock, "2026-12-02T12:00"))

    sent = for_(run(world, clock, "2026-12-02T21:00", timedelta(minutes=30)), school.kari)

    assert [at for at, _ in sent] == ["2026-12-02 19:30"] * 3


def test_daily_digest_gathers_a_guardians_reminders_for_both_children_in_one_message(world, school, session, clock) -> None:  # noqa: ANN001
    for name in ("homework", "bring", "test"):
        category(session, school.kari, name, DeliveryMode.DAILY)
    wednesday_homework(session, school, clock)
    clock.set(oslo(clock, "2026-12-02T12:00"))

    sent = run(world, clock, "2026-12-02T21:00")

    assert for_(sent, school.kari) == [(
        "2026-12-02 17:00",
        "Dagens påminnelser:\n\n"
        "Lekser til i morgen, torsdag 3. desember:\nEmma:\n- matematikk: Side 43\nJonas:\n- norsk: Les kapittel 4\n\n"
        "Jonas har prøve i matematikk i morgen, torsdag 3. desember: Gangetabellen.\n\n"
        "Husk gymtøy til kroppsøving i morgen, torsdag 3. desember (Emma og Jonas).",
    )]
    # Jonas chose nothing special: his reminders come one by one at their own times.
    assert [at for at, _ in for_(sent, school.jonas)] == ["2026-12-02 17:00", "2026-12-02 17:00", "2026-12-02 18:00"]


def test_switching_to_a_daily_digest_after_planning_still_gives_one_message(world, school, session, clock) -> None:  # noqa: ANN001
    wednesday_homework(session, school, clock)
    clock.set(oslo(clock, "2026-12-02T12:00"))
    run(world, clock, "2026-12-02T14:00")  # today's reminders are planned one by one
    for name in ("homework", "bring", "test"):
        category(session, school.kari, name, DeliveryMode.DAILY)

    sent = for_(run(world, clock, "2026-12-02T21:00"), school.kari)

    assert len(sent) == 1 and sent[0][0] == "2026-12-02 17:00"
    assert sent[0][1].startswith("Dagens påminnelser:\n\nLekser til i morgen") and "Husk gymtøy" in sent[0][1]


def test_weekly_digest_of_broadcasts_comes_on_sunday_evening(world, school, session, clock) -> None:  # noqa: ANN001
    category(session, school.per, "broadcast", DeliveryMode.WEEKLY)
    broadcast(session, school, clock, "Vi baker pepperkaker på fredag.")
    clock.set(oslo(clock, "2026-12-03T09:00"))
    broadcast(session, school, clock, "Husk lue og votter.")

    sent = [s for s in for_(run(world, clock, "2026-12-06T20:00"), school.per) if "Message" in s[1]]

    assert sent == [(
        "2026-12-06 18:00",
        "This week's reminders:\n\n"
        "Message from Liv Andersen to 4A:\nVi baker pepperkaker på fredag.\n\n"
        "Message from Liv Andersen to 4A:\nHusk lue og votter.",
    )]


def test_paused_until_a_date_skips_reminders_until_that_morning(world, school, session, clock) -> None:  # noqa: ANN001
    prefer(session, school.kari, clock, paused_until=date(2026, 12, 3))
    wednesday_homework(session, school, clock)

    sent = for_(run(world, clock, "2026-12-03T20:00"), school.kari)

    # Nothing on Tuesday or Wednesday; Thursday's skating-day reminder comes as usual.
    assert sent == [("2026-12-03 17:00", "Skøytedag for Emma i morgen, fredag 4. desember: husk skøyter og hjelm.")]


def test_a_paused_guardian_still_gets_an_urgent_message(world, school, session, clock) -> None:  # noqa: ANN001
    prefer(session, school.kari, clock, paused_until=date(2026, 12, 24))
    broadcast(session, school, clock, "Skolen stenger kl. 12 i dag.", urgent=True)

    assert for_(run(world, clock, "2026-12-01T11:00"), school.kari) == [
        ("2026-12-01 10:00", "VIKTIG! Melding fra Liv Andersen til 4A:\nSkolen stenger kl. 12 i dag."),
    ]


def test_opted_out_means_nothing_at_all_not_even_urgent(world, school, session, clock) -> None:  # noqa: ANN001
    prefer(session, school.kari, clock, opted_out=True)
    wednesday_homework(session, school, clock)
    broadcast(session, school, clock, "Skolen stenger kl. 12 i dag.", urgent=True)

    assert for_(run(world, clock, "2026-12-03T20:00"), school.kari) == []


def test_a_category_switched_off_is_not_sent_others_are(world, school, session, clock) -> None:  # noqa: ANN001
    category(session, school.kari, "homework", DeliveryMode.OFF)
    wednesday_homework(session, school, clock)
    clock.set(oslo(clock, "2026-12-02T12:00"))

    sent = for_(run(world, clock, "2026-12-02T17:30"), school.kari)

    assert sent == [("2026-12-02 17:00", "Jonas har prøve i matematikk i morgen, torsdag 3. desember: Gangetabellen.")]


def test_sms_stop_is_respected_even_for_urgent_messages(world, school, session, clock) -> None:  # noqa: ANN001
    sms = session.scalars(select(ContactPoint).where(ContactPoint.person_id == school.per)).one()
    sms.stopped_at = clock.utcnow()
    session.commit()
    homework(session, school.g4a, oslo(clock, "2026-12-02T08:30"), "Side 42")
    broadcast(session, school, clock, "Skolen stenger kl. 12 i dag.", urgent=True)

    sent = run(world, clock, "2026-12-01T18:00")

    assert for_(sent, school.per) == []
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == school.per)).all()
    assert {r.last_error for r in rows} == {"no_address"}


def test_urgent_message_takes_another_address_when_the_chosen_sms_is_stopped(world, school, session, clock) -> None:  # noqa: ANN001
    session.add(ContactPoint(person_id=school.kari, channel=Channel.SMS, address="+4791000001",
                             stopped_at=clock.utcnow(), created_at=clock.utcnow()))
    session.commit()
    prefer(session, school.kari, clock, channel=Channel.SMS)
    homework(session, school.g4a, oslo(clock, "2026-12-02T08:30"), "Side 42")
    broadcast(session, school, clock, "Skolen stenger kl. 12 i dag.", urgent=True)

    sent = [(s.text, s.channel) for s in world.run_until(oslo(clock, "2026-12-01T18:00")) if s.recipient_id == school.kari]

    assert sent == [("VIKTIG! Melding fra Liv Andersen til 4A:\nSkolen stenger kl. 12 i dag.", Channel.TELEGRAM)]


def test_language_preference_overrides_the_persons_language(world, school, session, clock) -> None:  # noqa: ANN001
    prefer(session, school.kari, clock, language="nn")
    homework(session, school.g4a, oslo(clock, "2026-12-02T08:30"), "Side 42")

    assert for_(run(world, clock, "2026-12-01T18:00"), school.kari) == [
        ("2026-12-01 17:00", "Lekser til i morgon, onsdag 2. desember:\nEmma:\n- matematikk: Side 42"),
    ]
