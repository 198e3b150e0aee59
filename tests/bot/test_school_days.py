"""One answer to "is this a teaching day?": the chat's day schedule and the reminders' bulk
calendar agree, also on a day when only one class has no teaching (SQLite and PostgreSQL)."""

from datetime import date, datetime

import pytest

from bot.models import CalendarEvent, EventKind, OutboxMessage
from bot.services.calendar import day_info, school_days
from bot.services.timetable import day_schedule
from scheduler.content import BatchContent
from tests.builders import build_school, local

MON, THU, FRI = date(2026, 11, 30), date(2026, 12, 3), date(2026, 12, 4)


@pytest.fixture
def school(session):  # noqa: ANN001, ANN201
    s = build_school(session)
    # 4A is out all Thursday (a trip without teaching); 9B has its lessons as usual.
    session.add(CalendarEvent(school_id=s.school.id, group_id=s.groups["4a"].id, kind=EventKind.TRIP,
                              title_nb="Tur til Bygdøy", starts_at=local(THU, 0), ends_at=local(FRI, 0),
                              no_teaching=True))
    session.commit()
    return s


def test_a_day_when_only_one_class_has_no_teaching(session, school, clock) -> None:  # noqa: ANN001
    sid, zone = school.school.id, clock.zone
    four_a = {school.groups[k].id for k in ("4a", "4a_mat", "4a_kro")}
    nine_b = {school.groups[k].id for k in ("9b", "9b_mat", "9b_eng")}

    # The school as a whole teaches; 4A's pupils do not, 9B's do.
    assert day_info(session, sid, THU, zone).teaching
    assert day_info(session, sid, THU, zone, four_a).reason == "no_teaching"
    assert day_info(session, sid, THU, zone, nine_b).teaching

    # The chat: Emma (4A) has no lessons on Thursday, Jonas (9B) has his English lesson.
    emma = day_schedule(session, school.kari, school.emma.id, THU, clock)
    jonas = day_schedule(session, school.kari, school.jonas.id, THU, clock)
    assert (emma.info.teaching, emma.info.reason, emma.slots) == (False, "no_teaching", [])
    assert jonas.info.teaching and [s.subject_code for s in jonas.slots] == ["ENG01-05"]

    # The reminders, for a week at once: the same days, the same lessons (no gym clothes for 4A).
    week = school_days(session, sid, MON, FRI, zone)
    assert [week.is_school_day(d, four_a) for d in (MON, THU, FRI)] == [True, False, True]
    assert [week.is_school_day(d, nine_b) for d in (MON, THU, FRI)] == [True, True, True]
    row = OutboxMessage(recipient_id=school.kari.id, template="reminder_gear", idempotency_key="gear",
                        payload={"pupils": [school.emma.id, school.jonas.id], "day": THU.isoformat()},
                        category="gear", due_at=datetime.fromisoformat("2026-12-02T18:00:00+01:00"))
    batch = BatchContent(session, clock, [row])
    assert batch.lessons(school.emma.id, THU) == []
    assert [lesson.subject_code for lesson in batch.lessons(school.jonas.id, THU)] == ["ENG01-05"]
