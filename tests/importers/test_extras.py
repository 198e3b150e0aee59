from datetime import datetime, time, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.importers import ImportFailed
from bot.importers.extras import import_extras
from bot.importers.lk20 import import_lk20
from bot.importers.oneroster import import_oneroster
from bot.models import (
    Assignment,
    CalendarEvent,
    Channel,
    ContactPoint,
    GearRule,
    Lesson,
    NotificationPreference,
    Person,
    SchoolBreak,
)
from tests.importers.conftest import DEMO_ONEROSTER, LK20, dump

DEMO_EXTRAS = DEMO_ONEROSTER.parent / "ransel.yaml"

SMALL = """\
version: 1
school: solbakken
people:
  - user: kari.hansen
    language: nn
    contact_points:
      - {channel: telegram, address: "555001"}
lessons:
  - {group: 4a-kro, weekday: tuesday, starts: 10:15, ends: 11:45, place: gymsal}
  - {group: 4a, weekday: tuesday, starts: 11:45, ends: 12:15, slot: lunch}
gear:
  - {place: gymsal, items: [gym_clothes]}
events:
  - id: ev-test
    kind: skating_day
    group: 4a
    title: {nb: Skøytedag}
    starts: 2026-12-04T09:00
    ends: 2026-12-04T12:30
    place: skoytebane
    bring: [skates, helmet]
breaks:
  - {name: christmas, first_day: 2026-12-21, last_day: 2027-01-01}
aims:
  - {line_item: li-4a-mat-2026-12-10-gangeprove, aims: [KM289]}
"""


@pytest.fixture
def school(engine, clock):  # noqa: ANN001, ANN201
    import_lk20(engine, LK20)
    import_oneroster(engine, DEMO_ONEROSTER, clock)
    return engine


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ransel.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _lines(failed: pytest.ExceptionInfo[ImportFailed]) -> dict[int | None, str]:
    return {p.line: p.message for p in failed.value.problems}


def test_extras_land_in_the_stores_with_local_times_as_utc(school, clock, tmp_path) -> None:  # noqa: ANN001
    import_extras(school, _write(tmp_path, SMALL), clock)

    with Session(school) as session:
        kari = session.scalars(select(Person).where(Person.username == "kari.hansen")).one()
        chat = session.scalars(select(ContactPoint).where(ContactPoint.channel == Channel.TELEGRAM)).one()
        lessons = session.scalars(select(Lesson).order_by(Lesson.starts)).all()
        event = session.scalars(select(CalendarEvent)).one()
        gangeprove = session.scalars(select(Assignment).where(Assignment.sourced_id == "li-4a-mat-2026-12-10-gangeprove")).one()
        assert kari.language == "nn"
        assert (chat.person_id, chat.address) == (kari.id, "555001")
        assert [(l.weekday, l.starts, l.place, l.slot_key, l.subject_code) for l in lessons] == [
            (1, time(10, 15), "gymsal", None, "KRO01-05"),  # the group's subject by default
            (1, time(11, 45), None, "lunch", None),
        ]
        # 09:00 in Oslo in December (UTC+1) is 08:00 UTC.
        assert event.starts_at == datetime(2026, 12, 4, 8, 0, tzinfo=timezone.utc)
        assert event.bring == ["skates", "helmet"] and event.group_id is not None
        assert gangeprove.title == "Gangeprøve" and [a.code for a in gangeprove.aims] == ["KM289"]


def test_importing_the_demo_extras_twice_changes_nothing(school, clock) -> None:  # noqa: ANN001
    first = import_extras(school, DEMO_EXTRAS, clock)
    before = dump(school)

    again = import_extras(school, DEMO_EXTRAS, clock)

    assert first.stats.inserted["lessons"] > 50
    assert not again.stats.changed, again.stats.summary()
    assert dump(school) == before


def test_a_present_section_is_the_whole_truth_and_an_absent_one_is_left_alone(school, clock, tmp_path) -> None:  # noqa: ANN001
    import_extras(school, _write(tmp_path, SMALL), clock)
    fewer = SMALL.replace("  - {group: 4a, weekday: tuesday, starts: 11:45, ends: 12:15, slot: lunch}\n", "")
    fewer = fewer.replace("starts: 2026-12-04T09:00", "starts: 2026-12-04T09:30")
    fewer = fewer.split("gear:")[0] + "events:" + fewer.split("events:")[1]  # drop the gear section

    result = import_extras(school, _write(tmp_path, fewer), clock)

    assert result.stats.deleted == {"lessons": 1}
    assert result.stats.updated == {"calendar_events": 1}
    with Session(school) as session:
        assert session.scalar(select(func.count()).select_from(Lesson)) == 1
        assert session.scalar(select(func.count()).select_from(GearRule)) == 1  # untouched
        assert session.scalars(select(CalendarEvent.starts_at)).one() == datetime(2026, 12, 4, 8, 30, tzinfo=timezone.utc)
        assert session.scalar(select(func.count()).select_from(SchoolBreak)) == 1


def test_schema_errors_name_the_yaml_line(school, clock, tmp_path) -> None:  # noqa: ANN001
    text = SMALL.replace("weekday: tuesday, starts: 10:15", "weekday: tirsdag, starts: 10:15")
    text = text.replace("    place: skoytebane\n", "    place: skoytebane\n    colour: blue\n")
    text = text.replace("ends: 2026-12-04T12:30", "ends: 4 December")

    with pytest.raises(ImportFailed) as failed:
        import_extras(school, _write(tmp_path, text), clock)

    lines = _lines(failed)
    assert set(lines) == {9, 19, 21}
    assert lines[9].startswith("lessons[0].weekday: 'tirsdag' is not one of")
    assert lines[19].startswith("events[0].ends:")
    assert lines[21] == 'events[0].colour: unknown key "colour" (allowed: bring, description, ends, group, id, kind, no_teaching, place, starts, title)'
    assert "ransel.yaml, line 9: lessons[0].weekday" in str(failed.value)
    assert session_count(school, Lesson) == 0


def session_count(engine, model) -> int:  # noqa: ANN001
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_unknown_references_and_terms_name_the_yaml_line_and_import_nothing(school, clock, tmp_path) -> None:  # noqa: ANN001
    text = SMALL.replace("group: 4a-kro", "group: 4c-kro").replace("items: [gym_clothes]", "items: [gym_shoes]")
    text = text.replace("aims: [KM289]", "aims: [KM99999]").replace("user: kari.hansen", "user: kari.hanssen")

    with pytest.raises(ImportFailed) as failed:
        import_extras(school, _write(tmp_path, text), clock)

    lines = _lines(failed)
    assert lines[4] == 'people[0].user: no person "kari.hanssen" (sourcedId or username) in the stores'
    assert lines[9].startswith('lessons[0].group: no group "4c-kro"')
    assert lines[12].startswith('gear[0].items[0]: unknown item "gym_shoes"')
    assert lines[25].startswith('aims[0].aims[0]: "KM99999" is not a competence aim')
    assert session_count(school, Lesson) == 0 and session_count(school, GearRule) == 0


def test_notification_preferences_are_seeded_but_never_overwritten(school, clock, tmp_path) -> None:  # noqa: ANN001
    seeded = SMALL.replace('      - {channel: telegram, address: "555001"}\n',
                           '      - {channel: telegram, address: "555001"}\n    notifications: {channel: sms, preferred_time: "18:00"}\n')
    import_extras(school, _write(tmp_path, seeded), clock)
    import_extras(school, _write(tmp_path, seeded.replace('"18:00"', '"20:00"')), clock)

    with Session(school) as session:
        preference = session.scalars(select(NotificationPreference)).one()
        assert (preference.channel, preference.preferred_time) == (Channel.SMS, time(18, 0))
