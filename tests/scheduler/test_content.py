"""The dispatcher's bulk answers (scheduler.content) say exactly what bot.services say."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.models import AssignmentKind, DeliveryMode, OutboxMessage, Person, Result, ScoreStatus
from scheduler import content
from scheduler.planner import plan
from scheduler.render import render_row
from scheduler_helpers import category, homework, oslo


def test_every_reminder_reads_the_same_in_bulk_and_through_the_services(session, school, clock) -> None:  # noqa: ANN001
    homework(session, school.g4a, oslo(clock, "2026-12-02T08:30"), "Side 42")
    handed_in = homework(session, school.g4a, oslo(clock, "2026-12-02T09:30"), "Tegning", subject="NOR01-07")
    session.add(Result(assignment_id=handed_in, pupil_id=school.emma, status=ScoreStatus.SUBMITTED))
    homework(session, school.g9b, oslo(clock, "2026-12-03T08:30"), "Les kapittel 3", subject="NOR01-07")
    homework(session, school.g9b, oslo(clock, "2026-12-04T08:30"), "Brøk", kind=AssignmentKind.TEST)
    session.commit()
    category(session, school.per, "bring", DeliveryMode.DAILY)
    with session.begin():
        plan(session, clock, first_day=date(2026, 12, 1), last_day=date(2026, 12, 7))

    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    templates = {r.template for r in rows}
    assert {"reminder_homework", "reminder_gear", "reminder_event", "reminder_test", "reminder_weekplan", "digest"} <= templates

    compared = 0
    for row in rows:
        clock.set(row.due_at)
        recipient = session.get(Person, row.recipient_id)
        # A digest renders in its recipient's own language (its builder looks it up).
        for language in ("nb", "en") if row.template != "digest" else (recipient.language,):
            alone = render_row(session, row, recipient, language, clock)
            session.info[content.SESSION_KEY] = batch = content.BatchContent(session, clock, [row])
            batch.languages = {row.recipient_id: language}
            try:
                bulk = render_row(session, row, recipient, language, clock)
            finally:
                session.info.pop(content.SESSION_KEY)
            assert bulk == alone, (row.idempotency_key, language)
            compared += alone is not None
    assert compared >= 25
    # Emma handed the drawing in: her reminder leaves it out, Sofie's keeps it (both ways).
    clock.set(oslo(clock, "2026-12-01T17:00"))
    texts = {r.recipient_id: render_row(session, r, session.get(Person, r.recipient_id), "nb", clock)
             for r in rows if r.idempotency_key.startswith("rule:1:lekser:2026-12-02")}
    assert texts[school.kari] == "Lekser til i morgen, onsdag 2. desember:\nEmma:\n- matematikk: Side 42"
    assert texts[school.per] == "Lekser til i morgen, onsdag 2. desember:\nSofie:\n- matematikk: Side 42\n- norsk: Tegning"
