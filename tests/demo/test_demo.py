"""The demo school holds the people, relations and dates other features' tests rely on."""

import filecmp
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.demo.generate import DEMO_DIR, write_demo
from bot.demo.load import load_demo
from bot.models import (
    Assignment,
    AssignmentKind,
    CalendarEvent,
    Channel,
    ContactPoint,
    EventKind,
    GearRule,
    Group,
    Guardianship,
    Lesson,
    MemberRole,
    Membership,
    Person,
    Role,
    SchoolBreak,
)
from bot.runtime import Runtime
from tests.importers.conftest import dump

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def demo(settings):  # noqa: ANN001, ANN201
    runtime = Runtime(settings)
    load_demo(runtime)
    with Session(runtime.engine) as session:
        yield session
    runtime.close()


def person(session: Session, username: str) -> Person:
    return session.scalars(select(Person).where(Person.username == username)).one()


def group(session: Session, sourced_id: str) -> Group:
    return session.scalars(select(Group).where(Group.sourced_id == sourced_id)).one()


def children(session: Session, username: str) -> dict[str, bool]:
    links = session.scalars(select(Guardianship).where(Guardianship.guardian_id == person(session, username).id))
    return {g.pupil.username: g.parental_responsibility for g in links}


def classes_of(session: Session, username: str, role: MemberRole) -> set[str]:
    rows = session.scalars(select(Membership).where(Membership.person_id == person(session, username).id, Membership.role == role))
    return {m.group.sourced_id for m in rows}


def local(moment: datetime) -> datetime:
    return moment.astimezone(OSLO)


def test_shipped_demo_files_are_what_the_generator_writes(tmp_path) -> None:  # noqa: ANN001
    write_demo(tmp_path)

    shipped = sorted(p.name for p in (DEMO_DIR / "oneroster").glob("*.csv"))
    _match, mismatch, errors = filecmp.cmpfiles(DEMO_DIR / "oneroster", tmp_path / "oneroster", shipped, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert (DEMO_DIR / "ransel.yaml").read_text(encoding="utf-8") == (tmp_path / "ransel.yaml").read_text(encoding="utf-8")


def test_the_named_families_are_there_with_their_languages_and_links(demo) -> None:  # noqa: ANN001
    assert children(demo, "kari.hansen") == {"emma.hansen": True, "jonas.hansen": True}
    assert children(demo, "per.lie") == {"nora.lie": True}
    assert children(demo, "anne.lie") == {"nora.lie": True}
    assert children(demo, "james.smith") == {"olivia.smith": True}
    assert children(demo, "ola.berg") == {"sindre.berg": True}
    assert children(demo, "bestemor.hansen") == {"emma.hansen": False}  # a relative, no responsibility
    languages = {u: person(demo, u).language for u in (
        "kari.hansen", "per.lie", "anne.lie", "james.smith", "olivia.smith", "sindre.berg", "ola.berg",
        "gunnar.vik", "sarah.jones", "liv.andersen", "emma.hansen")}
    assert languages == {
        "kari.hansen": "nb", "per.lie": "nn", "anne.lie": "nb", "james.smith": "en", "olivia.smith": "en",
        "sindre.berg": "nn", "ola.berg": "nn", "gunnar.vik": "nn", "sarah.jones": "en", "liv.andersen": "nb",
        "emma.hansen": "nb",
    }


def test_pupils_are_in_their_class_with_birth_dates_fitting_the_grade(demo) -> None:  # noqa: ANN001
    for username, cls, born in (("emma.hansen", "4a", 2017), ("nora.lie", "4a", 2017), ("sindre.berg", "4a", 2017),
                                ("jonas.hansen", "9b", 2012), ("olivia.smith", "9b", 2012)):
        assert cls in classes_of(demo, username, MemberRole.PUPIL)
        assert person(demo, username).birth_date.year == born
    for cls in ("4a", "9b"):
        pupils = [m for m in group(demo, cls).memberships if m.role == MemberRole.PUPIL]
        assert 18 <= len(pupils) <= 22
        for m in pupils:
            assert m.person.has_role(Role.PUPIL) and m.person.birth_date is not None
            guardians = demo.scalars(select(Guardianship).where(Guardianship.pupil_id == m.person_id)).all()
            assert any(g.parental_responsibility for g in guardians)


def test_teachers_teach_their_groups_and_the_contact_teachers_are_marked(demo) -> None:  # noqa: ANN001
    assert classes_of(demo, "liv.andersen", MemberRole.TEACHER) == {"4a", "4a-mat", "4a-nor"}
    assert classes_of(demo, "tor.haugen", MemberRole.TEACHER) == {"9b", "9b-mat", "9b-nat"}
    assert classes_of(demo, "gunnar.vik", MemberRole.TEACHER) == {"4a-kro", "9b-kro"}
    assert classes_of(demo, "sarah.jones", MemberRole.TEACHER) == {"9b-eng"}
    contact = {(m.group.sourced_id, m.person.username) for m in demo.scalars(select(Membership).where(Membership.is_contact_teacher))}
    assert contact == {("4a", "liv.andersen"), ("9b", "tor.haugen")}
    assert person(demo, "rektor.solbakken").has_role(Role.SCHOOL_ADMIN)
    owner_admin = person(demo, "skolesjef.fjellby").roles
    assert [(r.role, r.school_id, r.owner_id is not None) for r in owner_admin] == [(Role.OWNER_ADMIN, None, True)]
    subjects = {g.subject_code for g in demo.scalars(select(Group).where(Group.sourced_id.like("4a-%")))}
    assert subjects == {"MAT01-05", "NOR01-07", "ENG01-05", "NAT01-04", "SAF01-04", "RLE01-03", "KRO01-05", "MUS01-02", "KHV01-02"}
    assert group(demo, "9b-mhe").subject_code == "MHE01-02"


def test_everyone_has_an_email_and_guardians_a_norwegian_mobile(demo) -> None:  # noqa: ANN001
    people = demo.scalars(select(Person)).all()
    assert all(p.email and "@" in p.email for p in people)
    sms = {c.person_id: c.address for c in demo.scalars(select(ContactPoint).where(ContactPoint.channel == Channel.SMS))}
    guardians = [p for p in people if p.has_role(Role.GUARDIAN)]
    assert guardians and all(sms.get(p.id, "").startswith("+47") and len(sms[p.id]) == 11 for p in guardians)
    chats = {c.person_id: c.address for c in demo.scalars(select(ContactPoint).where(ContactPoint.channel == Channel.TELEGRAM))}
    assert chats[person(demo, "kari.hansen").id] == "700001"
    assert chats[person(demo, "james.smith").id] == "700002"


def test_the_week_has_pe_in_the_gym_swimming_and_lunch(demo) -> None:  # noqa: ANN001
    def days(sourced_id: str, place: str) -> set[int]:
        lessons = demo.scalars(select(Lesson).where(Lesson.group_id == group(demo, sourced_id).id, Lesson.place == place))
        return {l.weekday for l in lessons}

    assert days("4a-kro", "gymsal") == {1, 3}  # Tuesday and Thursday
    assert days("4a-kro", "svommehall") == {2}  # Wednesday
    assert days("9b-kro", "gymsal") == {0, 3}  # Monday and Thursday

    def first_start(classes: tuple[str, ...]) -> set[time]:
        ids = [group(demo, c).id for c in classes]
        starts = {}
        for l in demo.scalars(select(Lesson).where(Lesson.group_id.in_(ids))):
            starts[l.weekday] = min(starts.get(l.weekday, time(23)), l.starts)
        assert set(starts) == {0, 1, 2, 3, 4}
        return set(starts.values())

    assert first_start(("4a", "4a-mat", "4a-nor", "4a-kro", "4a-eng", "4a-saf")) == {time(8, 30)}
    assert first_start(("9b", "9b-mat", "9b-nor", "9b-kro", "9b-eng", "9b-nat", "9b-saf")) == {time(8, 15)}
    lunches = {(l.group.sourced_id, l.weekday) for l in demo.scalars(select(Lesson).where(Lesson.slot_key == "lunch"))}
    assert lunches == {(c, d) for c in ("4a", "9b") for d in range(5)}
    gear = {(g.place, g.item_key) for g in demo.scalars(select(GearRule))}
    assert gear == {("gymsal", "gym_clothes"), ("svommehall", "swimwear"), ("svommehall", "towel"),
                    ("skoytebane", "skates"), ("skoytebane", "helmet")}


def test_calendar_has_the_skating_day_the_planning_day_and_the_breaks(demo) -> None:  # noqa: ANN001
    events = {e.kind: e for e in demo.scalars(select(CalendarEvent))}
    skating = events[EventKind.SKATING_DAY]
    assert local(skating.starts_at).date() == date(2026, 12, 4) and skating.place == "skoytebane"
    assert {"skates", "helmet"} <= set(skating.bring) and skating.group_id == group(demo, "4a").id
    planning = events[EventKind.PLANNING_DAY]
    assert planning.no_teaching and local(planning.starts_at) == datetime(2027, 1, 4, tzinfo=OSLO)
    breaks = {(b.name_key, b.first_day, b.last_day) for b in demo.scalars(select(SchoolBreak))}
    assert breaks == {
        ("autumn", date(2026, 9, 28), date(2026, 10, 2)), ("christmas", date(2026, 12, 21), date(2027, 1, 1)),
        ("winter", date(2027, 2, 22), date(2027, 2, 26)), ("easter", date(2027, 3, 22), date(2027, 3, 29)),
        ("summer", date(2027, 6, 19), date(2027, 8, 15)),
    }
    assert date(2026, 9, 28).isocalendar().week == 40 and date(2027, 2, 22).isocalendar().week == 8


def test_homework_and_tests_every_week_with_aims_of_the_right_grade(demo) -> None:  # noqa: ANN001
    assignments = demo.scalars(select(Assignment)).all()
    weeks = {(a.group.sourced_id[:2], local(a.due_at).isocalendar().week, a.kind) for a in assignments}
    for cls in ("4a", "9b"):
        for week in range(46, 52):
            assert (cls, week, AssignmentKind.HOMEWORK) in weeks
            assert (cls, week, AssignmentKind.TEST) in weeks
    for a in assignments:
        grade = a.group.grade
        for aim in a.aims:
            assert aim.after_grade == (grade if aim.subject_code == "MAT01-05" else {4: 4, 9: 10}[grade]), (a.title, aim.code)
    with_aims = [a for a in assignments if a.kind in (AssignmentKind.HOMEWORK, AssignmentKind.TEST)]
    assert all(a.aims for a in with_aims)


def test_the_fractions_test_and_the_upcoming_tests_are_on_their_dates(demo) -> None:  # noqa: ANN001
    def test(title: str) -> Assignment:
        return demo.scalars(select(Assignment).where(Assignment.title == title)).one()

    fractions = test("Prøve i brøk og prosent")
    assert fractions.group.sourced_id == "9b-mat" and fractions.kind == AssignmentKind.TEST
    assert local(fractions.due_at) == datetime(2026, 11, 24, 8, 15, tzinfo=OSLO)  # Tuesday, first lesson
    pupils = {m.person_id for m in fractions.group.memberships if m.role == MemberRole.PUPIL}
    graded = {r.pupil_id for r in fractions.results}
    assert graded < pupils and len(pupils - graded) == 3  # most, not all
    missing = {demo.get(Person, i).username for i in pupils - graded}
    assert missing == {"hanna.jacobsen", "odin.solberg", "adrian.karlsen"}  # as data/demo/README.md says
    scores = {r.pupil_id: r.score for r in fractions.results}
    assert (scores[person(demo, "jonas.hansen").id], scores[person(demo, "olivia.smith").id]) == (21, 36)
    assert local(test("Gangeprøve").due_at).date() == date(2026, 12, 10)
    assert test("Gangeprøve").group.sourced_id == "4a-mat"
    assert local(test("Gloseprøve i engelsk").due_at).date() == date(2026, 12, 3)
    bring = test("Ta med matpakke og drikkeflaske til turen")
    assert bring.kind == AssignmentKind.BRING and bring.group.sourced_id == "9b"
    assert not [a for a in demo.scalars(select(Assignment)) if a.results and a.due_at.date() >= date(2026, 11, 30)]


def test_loading_the_demo_twice_changes_nothing(settings) -> None:  # noqa: ANN001
    runtime = Runtime(settings)
    load_demo(runtime)
    before = dump(runtime.engine)

    again = load_demo(runtime)

    assert not (again.lk20.stats.changed or again.oneroster.stats.changed or again.extras.stats.changed)
    assert dump(runtime.engine) == before
    runtime.close()


def test_the_demo_greeting_gives_each_person_a_sign_in_link_that_works_once(settings) -> None:  # noqa: ANN001
    import re

    from ransel.cli import AppContext
    from ransel.cli.demo import TRY_AS, try_this
    from channels import contacts

    runtime = Runtime(settings)
    load_demo(runtime)
    app = AppContext()
    app._settings = settings
    text = try_this(app)
    codes = re.findall(r"/chat\?code=(\w+)", text)
    assert len(codes) == len(TRY_AS)
    assert "sms --from +47" in text and "telegram --chat 700002" in text
    with runtime.transaction() as session:
        now = runtime.clock.utcnow()
        linked = [contacts.redeem(session, settings.sender_secret, c, now=now, used_for="web") for c in codes]
        assert [session.get(Person, pid).username for pid in linked] == [u for u, _ in TRY_AS]
        assert contacts.redeem(session, settings.sender_secret, codes[0], now=now, used_for="web") is None
    runtime.close()
