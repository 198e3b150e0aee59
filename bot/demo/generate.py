"""Deterministic generator of OneRoster 1.1 exports and Ransel extras.

``python -m bot.demo.generate`` (or ``ransel demo generate``) rewrites the shipped demo:
``data/demo/oneroster/*.csv`` and ``data/demo/ransel.yaml`` for Solbakken skole in the
fictional Fjellby kommune, school year 2026/27, seen from Tuesday 2026-12-01 10:00. The
same building blocks, scaled, make a whole municipality for ``bench/import_municipality.py``.

What the demo school holds (subjects, timetables, the fixed pupils and teachers, the work of
weeks 44-51) is data, in ``bot/demo/content.yaml``; this module turns it into the export.
Everything else comes from one seeded ``random.Random``: the same seed gives byte-identical files.
All people and places are fictional; e-mail domains are under ``.example`` (RFC 2606).
"""

from __future__ import annotations

import argparse
import csv
import random
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import yaml

from bot.config import PROJECT_ROOT
from bot.demo import names
from bot.importers._csvfiles import COLUMNS

OSLO = ZoneInfo("Europe/Oslo")
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
SEED = 20261201
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

STAFF_DOMAIN = "solbakken.fjellby.example"
PUPIL_DOMAIN = "elev.fjellby.example"
HOME_DOMAIN = "epost.example"

# The school year 2026/27 (OneRoster schoolYear is the year it ends).
YEAR_START, YEAR_END = date(2026, 8, 17), date(2027, 6, 18)
AUTUMN = ("term-2026-h", "Høsten 2026", date(2026, 8, 17), date(2026, 12, 20))
SPRING = ("term-2027-v", "Våren 2027", date(2027, 1, 4), date(2027, 6, 18))
# Results exist for work due before the demo's current week (the demo "now" is Tue 1 Dec).
GRADED_BEFORE = datetime(2026, 11, 30, tzinfo=OSLO)

# The demo's content (bot/demo/content.yaml): people, classes, timetables, work. Data, not code.
CONTENT: dict[str, Any] = yaml.safe_load((Path(__file__).with_name("content.yaml")).read_text(encoding="utf-8"))

# Short subject keys used in this file -> LK20 curriculum code and Norwegian title.
SUBJECTS: dict[str, tuple[str, str]] = {key: (code, title) for key, (code, title) in CONTENT["subjects"].items()}
CATEGORIES: dict[str, str] = CONTENT["categories"]


# --- the export being built ----------------------------------------------------------------


@dataclass
class Roster:
    """Rows per OneRoster file, each a dict by column name (missing columns are blank)."""

    files: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, file: str, **values: Any) -> None:
        self.files[file].append(values)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def write_oneroster(roster: Roster, directory: Path, system: str = "Ransel demo generator") -> None:
    """Write a bulk OneRoster 1.1 CSV export (manifest.csv and one file per kind)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.csv"):
        old.unlink()
    manifest = [("manifest.version", "1.0"), ("oneroster.version", "1.1")]
    for file in COLUMNS:
        manifest.append((f"file.{file}", "bulk" if roster.files.get(file) else "absent"))
    manifest += [("source.systemName", system), ("source.systemCode", "ransel-demo")]
    with open(directory / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(["propertyName", "value"])
        writer.writerows(manifest)
    for file, rows in roster.files.items():
        if not rows:
            continue
        columns = COLUMNS[file]
        with open(directory / f"{file}.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])


# --- people and groups ---------------------------------------------------------------------


@dataclass
class Person:
    sid: str
    username: str
    given: str
    family: str
    role: str  # OneRoster role
    email: str
    orgs: list[str]
    language: str = "nb"
    birth: date | None = None
    sms: str | None = None
    agents: list[str] = field(default_factory=list)
    grade: int | None = None
    user_ids: list[tuple[str, str]] = field(default_factory=list)  # OneRoster userIds (scheme, value)


@dataclass
class Group:
    sid: str
    title: str
    class_type: str  # homeroom | scheduled
    grade: int
    school: str
    course: str
    term_sids: list[str]
    subject: str | None = None  # short key in SUBJECTS
    code: str | None = None
    location: str | None = None
    teachers: list[tuple[Person, bool]] = field(default_factory=list)
    pupils: list[Person] = field(default_factory=list)


def slug(text: str, length: int = 32) -> str:
    """A short, stable, ASCII id part from a title ("Prøve i brøk" -> "prove-i-brok")."""
    words = ascii_name(text.replace("-", " ").replace("–", " ")).split()
    return "-".join(words)[:length].rstrip("-")


def ascii_name(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text if ch.isalnum() or ch in "- ")


class Builder:
    """Seeded source of names, usernames, phone numbers and the rows that use them."""

    def __init__(self, seed: int, reserved_given: Iterable[str] = ()) -> None:
        self.rng = random.Random(seed)
        self.roster = Roster()
        self.people: dict[str, Person] = {}
        self.usernames: set[str] = set()
        self.phones: set[str] = set()
        self.reserved_given = set(reserved_given)

    def username(self, given: str, family: str) -> str:
        base = f"{ascii_name(given)}.{ascii_name(family)}".replace(" ", "-")
        candidate, n = base, 1
        while candidate in self.usernames:
            n += 1
            candidate = f"{base}{n}"
        self.usernames.add(candidate)
        return candidate

    def phone(self) -> str:
        """A unique, valid Norwegian mobile number in E.164 (4[015-8]xxxxxx or 9xxxxxxx)."""
        while True:
            prefix = self.rng.choice(("40", "41", "45", "46", "47", "48", "90", "91", "92", "93", "94", "95", "97", "98", "99"))
            number = f"+47{prefix}{self.rng.randrange(0, 1_000_000):06d}"
            if number not in self.phones and phonenumbers.is_valid_number(phonenumbers.parse(number)):
                self.phones.add(number)
                return number

    def given_name(self, girl: bool) -> str:
        pool = names.GIRLS if girl else names.BOYS
        return self.rng.choice([n for n in pool if n not in self.reserved_given])

    def person(
        self, role: str, given: str, family: str, orgs: list[str], *, username: str | None = None,
        language: str = "nb", birth: date | None = None, sms: str | None = None, sid: str | None = None,
        domain: str | None = None,
    ) -> Person:
        username = username or self.username(given, family)
        self.usernames.add(username)
        domain = domain or {"student": PUPIL_DOMAIN, "teacher": STAFF_DOMAIN, "administrator": STAFF_DOMAIN}.get(role, HOME_DOMAIN)
        person = Person(
            sid=sid or f"u-{username}", username=username, given=given, family=family, role=role,
            email=f"{username}@{domain}", orgs=orgs, language=language, birth=birth, sms=sms,
        )
        self.people[person.sid] = person
        return person

    def birth_date(self, grade: int, school_year_start: int = 2026) -> date:
        """A birth date fitting a pupil in ``grade`` (grade 1 starts the year one turns six)."""
        year = school_year_start - 5 - grade
        return date(year, 1, 1) + timedelta(days=self.rng.randrange(365))

    # rows

    def emit_people(self) -> None:
        for p in self.people.values():
            self.roster.add(
                "users", sourcedId=p.sid, enabledUser=True, orgSourcedIds=p.orgs, role=p.role,
                username=p.username, userIds=[f"{{{scheme}:{value}}}" for scheme, value in p.user_ids],
                givenName=p.given, familyName=p.family, email=p.email, sms=p.sms, agentSourcedIds=sorted(p.agents),
                grades=f"{p.grade:02d}" if p.grade else None,
            )
            if p.birth:
                self.roster.add("demographics", sourcedId=p.sid, birthDate=p.birth.isoformat())

    def emit_group(self, g: Group) -> None:
        code, _title = SUBJECTS[g.subject] if g.subject else (None, None)
        self.roster.add(
            "classes", sourcedId=g.sid, title=g.title, grades=f"{g.grade:02d}", courseSourcedId=g.course,
            classCode=g.code, classType=g.class_type, location=g.location, schoolSourcedId=g.school,
            termSourcedIds=g.term_sids, subjectCodes=code,
        )
        for teacher, primary in g.teachers:
            self.roster.add(
                "enrollments", sourcedId=f"e-{g.sid}-{teacher.username}", classSourcedId=g.sid,
                schoolSourcedId=g.school, userSourcedId=teacher.sid, role="teacher", primary=primary,
            )
        for pupil in g.pupils:
            self.roster.add(
                "enrollments", sourcedId=f"e-{g.sid}-{pupil.username}", classSourcedId=g.sid,
                schoolSourcedId=g.school, userSourcedId=pupil.sid, role="student", primary=False,
            )


def link(guardian: Person, pupil: Person) -> None:
    """OneRoster agents: each side lists the other."""
    guardian.agents.append(pupil.sid)
    pupil.agents.append(guardian.sid)


def school_year_rows(b: Builder, school_sid: str | None = None) -> None:
    b.roster.add(
        "academicSessions", sourcedId="sy-2026-27", title="Skoleåret 2026/27", type="schoolYear",
        startDate=YEAR_START.isoformat(), endDate=YEAR_END.isoformat(), schoolYear=2027,
    )
    for sid, title, start, end in (AUTUMN, SPRING):
        b.roster.add(
            "academicSessions", sourcedId=sid, title=title, type="term", startDate=start.isoformat(),
            endDate=end.isoformat(), parentSourcedId="sy-2026-27", schoolYear=2027,
        )
    for sid, title in CATEGORIES.items():
        b.roster.add("categories", sourcedId=sid, title=title)


def term_of(day: date) -> str:
    return AUTUMN[0] if day <= AUTUMN[3] else SPRING[0]


# --- the demo school -----------------------------------------------------------------------

BREAK, LUNCH, CLASS_HOUR = "break", "lunch", "class_hour"
# Weekly timetables: (start, end, subject key[@place] or slot key). 4A starts 08:30, 9B 08:15.

def _timetable(cls: str) -> dict[str, list[tuple[str, str, str]]]:
    return {day: [(start, end, what) for start, end, what in slots] for day, slots in CONTENT["timetables"][cls].items()}


def _people(rows: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(row[k] for k in keys) for row in rows]


TIMETABLE_4A = _timetable("4a")
TIMETABLE_9B = _timetable("9b")
ROOMS: dict[str, str] = CONTENT["rooms"]

# Fixed people other engineers' tests rely on: (username, given, family, language, birth date).
FIXED_PUPILS_4A = _people(CONTENT["pupils"]["4a"], "username", "given", "family", "language", "birth")
FIXED_PUPILS_9B = _people(CONTENT["pupils"]["9b"], "username", "given", "family", "language", "birth")
# username, given, family, language, groups taught (group sid suffixes)
TEACHERS = _people(CONTENT["teachers"], "username", "given", "family", "language", "groups")
CONTACT_TEACHERS: dict[str, str] = CONTENT["contact_teachers"]
SUBJECTS_4A: list[str] = CONTENT["class_subjects"]["4a"]
SUBJECTS_9B: list[str] = CONTENT["class_subjects"]["9b"]
# Pupils' ability on the 0-1 scale behind generated scores (fixed people: fixed abilities).
ABILITY: dict[str, float] = CONTENT["ability"]
# Pupils of 9B absent from "Prøve i brøk og prosent" (no result): chosen among the others.
ABSENT_FROM_FRACTIONS_TEST = 3


def week_day(week: int, weekday: str, year: int = 2026) -> date:
    return date.fromisocalendar(year, week, WEEKDAYS.index(weekday) + 1)


@dataclass
class Work:
    """A lineItem in the making."""

    group: str
    subject: str | None  # key in SUBJECTS; None for the homeroom
    category: str
    title: str
    description: str
    due_day: date
    aims: list[str]
    max_score: float | None = None
    assign_day: date | None = None
    at: str | None = None  # due time "HH:MM"; default: the subject's first lesson that day


def demo_work() -> list[Work]:
    """Homework, tests, projects and things to bring for 4A and 9B, weeks 44-51 of 2026."""
    return [
        Work(item["group"], item["subject"], item["category"], item["title"], item["description"], item["due"],
             list(item["aims"]), item.get("max_score"), item.get("assigned"), item.get("at"))
        for item in CONTENT["work"]
    ]


def _first_lesson(timetable: dict, weekday: str, subject: str | None) -> str:
    slots = timetable[weekday]
    if subject is not None:
        for start, _end, what in slots:
            if what.split("@")[0] == subject:
                return start
    return slots[0][0]


def build_demo(seed: int = SEED) -> tuple[Roster, dict[str, Any]]:
    """The demo school: OneRoster rows and the Ransel extras document."""
    reserved = {g for _u, g, *_ in FIXED_PUPILS_4A + FIXED_PUPILS_9B} | {"Jonas"}
    b = Builder(seed, reserved_given=reserved)
    school, kommune = "solbakken", "fjellby"
    b.roster.add("orgs", sourcedId=kommune, name="Fjellby kommune", type="district", identifier="9999")
    b.roster.add("orgs", sourcedId=school, name="Solbakken skole", type="school", identifier="999888777",
                 parentSourcedId=kommune)
    school_year_rows(b)
    terms = [AUTUMN[0], SPRING[0]]

    # Staff.
    staff: dict[str, Person] = {}
    for username, given, family, language, _groups in TEACHERS:
        staff[username] = b.person("teacher", given, family, [school], username=username, language=language)
    rektor = b.person("administrator", "Randi", "Solbakken", [school], username="rektor.solbakken")
    staff[rektor.username] = rektor
    # The kommune's head of schools: an administrator of the district only (owner admin).
    b.person("administrator", "Eirik", "Fjellstad", [kommune], username="skolesjef.fjellby",
             domain="fjellby.example")

    # Pupils: fixed ones first, then generated classmates (20 per class).
    classes: dict[str, list[Person]] = {"4a": [], "9b": []}
    for cls, grade, fixed in (("4a", 4, FIXED_PUPILS_4A), ("9b", 9, FIXED_PUPILS_9B)):
        for username, given, family, language, birth in fixed:
            p = b.person("student", given, family, [school], username=username, language=language, birth=birth)
            p.grade = grade
            classes[cls].append(p)
        used_families = {"Hansen", "Smith", "Berg", "Lie"}
        while len(classes[cls]) < 20:
            family = b.rng.choice([f for f in names.SURNAMES if f not in used_families])
            used_families.add(family)
            given = b.given_name(girl=b.rng.random() < 0.5)
            language = "nn" if b.rng.random() < 0.15 else "nb"
            p = b.person("student", given, family, [school], language=language, birth=b.birth_date(grade))
            p.grade = grade
            classes[cls].append(p)

    # Guardians of the fixed families.
    pupil = {p.username: p for ps in classes.values() for p in ps}
    kari = b.person("parent", "Kari", "Hansen", [school], username="kari.hansen", sms=b.phone())
    link(kari, pupil["emma.hansen"])
    link(kari, pupil["jonas.hansen"])
    bestemor = b.person("relative", "Solveig", "Hansen", [school], username="bestemor.hansen", sms=b.phone())
    link(bestemor, pupil["emma.hansen"])
    per = b.person("parent", "Per", "Lie", [school], username="per.lie", language="nn", sms=b.phone())
    anne = b.person("parent", "Anne", "Lie", [school], username="anne.lie", sms=b.phone())
    link(per, pupil["nora.lie"])
    link(anne, pupil["nora.lie"])
    james = b.person("parent", "James", "Smith", [school], username="james.smith", language="en", sms=b.phone())
    link(james, pupil["olivia.smith"])
    ola = b.person("parent", "Ola", "Berg", [school], username="ola.berg", language="nn", sms=b.phone())
    link(ola, pupil["sindre.berg"])
    # Guardians of the generated pupils: one or two parents, same language as the child.
    fixed_usernames = {u for u, *_ in FIXED_PUPILS_4A + FIXED_PUPILS_9B}
    for p in [p for ps in classes.values() for p in ps if p.username not in fixed_usernames]:
        count = 2 if b.rng.random() < 0.7 else 1
        mother_first = b.rng.random() < 0.5
        for k in range(count):
            woman = (k == 0) == mother_first
            given = b.rng.choice(names.WOMEN if woman else names.MEN)
            family = p.family if k == 0 or b.rng.random() < 0.7 else b.rng.choice(names.SURNAMES)
            g = b.person("parent" if b.rng.random() < 0.9 else "guardian", given, family, [school],
                         language=p.language, sms=b.phone())
            link(g, p)

    # Courses, groups and enrollments.
    groups: dict[str, Group] = {}
    for cls, grade, subjects in (("4a", 4, SUBJECTS_4A), ("9b", 9, SUBJECTS_9B)):
        label = cls.upper()
        b.roster.add("courses", sourcedId=f"crs-{grade}-basis", schoolYearSourcedId="sy-2026-27",
                     title=f"Basisgruppe {grade}. trinn", courseCode=f"BASIS-{grade}", grades=f"{grade:02d}",
                     orgSourcedId=school)
        groups[cls] = Group(cls, label, "homeroom", grade, school, f"crs-{grade}-basis", terms,
                            code=label, location=ROOMS[cls], pupils=list(classes[cls]))
        for subject in subjects:
            code, title = SUBJECTS[subject]
            course = f"crs-{grade}-{subject}"
            b.roster.add("courses", sourcedId=course, schoolYearSourcedId="sy-2026-27",
                         title=f"{title} {grade}. trinn", courseCode=f"{subject.upper()}-{grade}",
                         grades=f"{grade:02d}", orgSourcedId=school, subjectCodes=code)
            sid = f"{cls}-{subject}"
            groups[sid] = Group(sid, f"{label} {title}", "scheduled", grade, school, course, terms,
                                subject=subject, code=f"{label}-{subject.upper()}",
                                location=ROOMS["mhe"] if subject == "mhe" else ROOMS[cls],
                                pupils=list(classes[cls]))
    # Foreign languages in grade 9: Spanish or German, by pupil.
    b.roster.add("courses", sourcedId="crs-9-spansk", schoolYearSourcedId="sy-2026-27", title="Spansk 9. trinn",
                 courseCode="SPA-9", grades="09", orgSourcedId=school, subjectCodes="FSP01-04")
    b.roster.add("courses", sourcedId="crs-9-tysk", schoolYearSourcedId="sy-2026-27", title="Tysk 9. trinn",
                 courseCode="TYS-9", grades="09", orgSourcedId=school, subjectCodes="FSP01-04")
    spanish = [p for i, p in enumerate(classes["9b"]) if p.username == "jonas.hansen" or (i % 2 == 0 and p.username != "olivia.smith")]
    german = [p for p in classes["9b"] if p not in spanish]
    groups["9-spansk"] = Group("9-spansk", "9 Spansk", "scheduled", 9, school, "crs-9-spansk", terms,
                               subject="fsp", code="9-SPA", location=ROOMS["9-spansk"], pupils=spanish)
    groups["9-tysk"] = Group("9-tysk", "9 Tysk", "scheduled", 9, school, "crs-9-tysk", terms,
                             subject="fsp", code="9-TYS", location=ROOMS["9-tysk"], pupils=german)
    for username, _g, _f, _l, taught in TEACHERS:
        for sid in taught:
            # Primary teacher: the subject teacher of a teaching group; of a homeroom only
            # the contact teacher (kontaktlærer).
            primary = sid not in CONTACT_TEACHERS or CONTACT_TEACHERS[sid] == username
            groups[sid].teachers.append((staff[username], primary))
    for group in groups.values():
        b.emit_group(group)

    # Gradebook.
    ability = {p.username: ABILITY.get(p.username, min(0.97, max(0.3, b.rng.gauss(0.72, 0.13))))
               for ps in classes.values() for p in ps}
    timetables = {"4a": TIMETABLE_4A, "9b": TIMETABLE_9B, "9": TIMETABLE_9B}
    aims_by_item: dict[str, list[str]] = {}
    seen_items: set[str] = set()
    fraction_test_absent = set(b.rng.sample(
        [p.username for p in classes["9b"] if p.username not in ABILITY], ABSENT_FROM_FRACTIONS_TEST))
    for work in demo_work():
        group = groups[work.group]
        weekday = WEEKDAYS[work.due_day.weekday()]
        timetable = timetables[work.group.split("-")[0]]
        hhmm = work.at or _first_lesson(timetable, weekday, work.subject)
        due = datetime.combine(work.due_day, time.fromisoformat(hhmm), tzinfo=OSLO)
        assign_day = work.assign_day or (work.due_day - timedelta(days=work.due_day.weekday() + 3))
        assigned = datetime.combine(assign_day, time(14, 0), tzinfo=OSLO)
        sid = f"li-{work.group}-{work.due_day.isoformat()}-{slug(work.title)}"
        assert sid not in aims_by_item and sid not in seen_items, sid
        seen_items.add(sid)
        b.roster.add(
            "lineItems", sourcedId=sid, title=work.title, description=work.description, assignDate=assigned,
            dueDate=due, classSourcedId=group.sid, categorySourcedId=work.category,
            gradingPeriodSourcedId=term_of(work.due_day),
            resultValueMin=0 if work.max_score else None, resultValueMax=work.max_score,
        )
        if work.aims:
            aims_by_item[sid] = work.aims
        if due >= GRADED_BEFORE or work.category in ("cat-ta-med",) or work.max_score is None:
            continue
        for p in group.pupils:
            if work.title == "Prøve i brøk og prosent" and p.username in fraction_test_absent:
                continue
            _result(b, sid, p, work, ability[p.username], due.date())

    sign_in_identifiers(b, guardians_with_nin=(kari, per, james, ola))
    b.emit_people()
    extras = demo_extras(b, groups, aims_by_item)
    return b.roster, extras


def _result(b: Builder, line_item: str, pupil: Person, work: Work, ability: float, due: date) -> None:
    sid = f"r-{line_item}-{pupil.username}"
    scored_on = (due + timedelta(days=3 if due.weekday() < 2 else 5)).isoformat()
    if work.category == "cat-lekse":
        done = b.rng.random() < 0.55 + 0.45 * ability
        b.roster.add("results", sourcedId=sid, lineItemSourcedId=line_item, studentSourcedId=pupil.sid,
                     scoreStatus="submitted" if done else "not submitted", score=1.0 if done else None,
                     scoreDate=due.isoformat())
        return
    assert work.max_score is not None
    if work.max_score == 6:  # a grade (karakter 1-6)
        score = float(min(6, max(1, round(1 + 5 * ability + b.rng.gauss(0, 0.6)))))
    else:
        share = min(1.0, max(0.05, ability + b.rng.gauss(0, 0.08)))
        score = float(round(share * work.max_score))
    b.roster.add("results", sourcedId=sid, lineItemSourcedId=line_item, studentSourcedId=pupil.sid,
                 scoreStatus="fully graded", score=score, scoreDate=scored_on)


def demo_extras(b: Builder, groups: dict[str, Group], aims_by_item: dict[str, list[str]]) -> dict[str, Any]:
    """What OneRoster cannot carry: languages, timetable, gear, calendar, breaks, aims, chats."""
    people = []
    telegram = {"kari.hansen": "700001", "james.smith": "700002", "per.lie": "700003", "olivia.smith": "700004"}
    notifications = {
        "kari.hansen": {"channel": "sms", "form": "text", "preferred_time": "18:00"},
        "james.smith": {"channel": "telegram", "form": "text", "preferred_time": "19:00",
                        "quiet_start": "22:00", "quiet_end": "07:00"},
        "per.lie": {"channel": "telegram", "form": "text", "preferred_time": "17:30", "quiet_weekdays": [5, 6]},
        "olivia.smith": {"channel": "telegram", "form": "voice"},
    }
    for p in b.people.values():
        entry: dict[str, Any] = {"user": p.username}
        if p.language != "nb":
            entry["language"] = p.language
        if p.username in telegram:
            entry["contact_points"] = [{"channel": "telegram", "address": telegram[p.username]}]
        if p.username in notifications:
            entry["notifications"] = notifications[p.username]
        if len(entry) > 1:
            people.append(entry)

    lessons: list[dict[str, str | None]] = []
    for cls, timetable in (("4a", TIMETABLE_4A), ("9b", TIMETABLE_9B)):
        for weekday, slots in timetable.items():
            for start, end, what in slots:
                subject, _, place = what.partition("@")
                if subject in (BREAK, LUNCH, CLASS_HOUR):
                    lessons.append({"group": cls, "weekday": weekday, "starts": start, "ends": end, "slot": subject})
                    continue
                targets = ["9-spansk", "9-tysk"] if subject == "fsp" else [f"{cls}-{subject}"]
                for target in targets:
                    lesson: dict[str, str | None] = {"group": target, "weekday": weekday, "starts": start, "ends": end,
                              "subject": SUBJECTS[subject][0]}
                    if place:
                        lesson["place"] = place
                    else:
                        lesson["room"] = groups[target].location
                    lessons.append(lesson)

    return {
        "version": 1,
        "school": "solbakken",
        "people": people,
        "lessons": lessons,
        "gear": [
            {"place": "gymsal", "items": ["gym_clothes"]},
            {"place": "svommehall", "items": ["swimwear", "towel"]},
            {"place": "skoytebane", "items": ["skates", "helmet"]},
        ],
        "events": [
            {"id": "ev-skoytedag-4a", "kind": "skating_day", "group": "4a",
             "title": {"nb": "Skøytedag på Fjellby kunstisbane", "nn": "Skeisedag på Fjellby kunstisbane",
                       "en": "Skating day at Fjellby ice rink"},
             "description": "Vi går samlet fra skolen kl. 08.45. Husk varme klær og matpakke.",
             "starts": "2026-12-04T09:00", "ends": "2026-12-04T12:30", "place": "skoytebane",
             "bring": ["skates", "helmet", "warm_clothes", "packed_lunch"]},
            {"id": "ev-juletur-9b", "kind": "trip", "group": "9b",
             "title": {"nb": "Juletur til Storåsen", "nn": "Juletur til Storåsen", "en": "Christmas trip to Storåsen"},
             "starts": "2026-12-11T08:15", "ends": "2026-12-11T14:00",
             "bring": ["packed_lunch", "drinking_bottle", "outdoor_clothes"]},
            {"id": "ev-juleavslutning-2026", "kind": "other",
             "title": {"nb": "Juleavslutning", "nn": "Juleavslutning", "en": "End-of-term Christmas celebration"},
             "starts": "2026-12-18T08:30", "ends": "2026-12-18T12:00"},
            {"id": "ev-planleggingsdag-2027-01-04", "kind": "planning_day",
             "title": {"nb": "Planleggingsdag – elevene har fri", "nn": "Planleggingsdag – elevane har fri",
                       "en": "Staff planning day – no school for pupils"},
             "starts": "2027-01-04", "ends": "2027-01-04", "no_teaching": True},
        ],
        "breaks": [
            {"name": "autumn", "first_day": "2026-09-28", "last_day": "2026-10-02"},
            {"name": "christmas", "first_day": "2026-12-21", "last_day": "2027-01-01"},
            {"name": "winter", "first_day": "2027-02-22", "last_day": "2027-02-26"},
            {"name": "easter", "first_day": "2027-03-22", "last_day": "2027-03-29"},
            {"name": "summer", "first_day": "2027-06-19", "last_day": "2027-08-15"},
        ],
        "aims": [{"line_item": sid, "aims": aims} for sid, aims in aims_by_item.items()],
    }


EXTRAS_HEADER = """\
# Ransel extras for the demo school: what a OneRoster export cannot carry (languages,
# timetable, gear, calendar, breaks, competence aims on lineItems, Telegram chats).
# Generated by bot/demo/generate.py (seed {seed}); change the generator, not this file.
# Competence-aim codes refer to LK20 (Udir, NLOD 2.0; see data/lk20/NOTICE.md).
"""


def sign_in_identifiers(b: Builder, guardians_with_nin: Iterable[Person]) -> None:
    """Feide user ids for staff and pupils, national identity numbers for some guardians (the
    others sign in with a code from the school, as families whose NIN the school has not
    registered do). The numbers are synthetic (Skatteetaten's test numbers: month + 80), so
    no real person has one; they come from their own seeded generator so that adding them
    changed nothing else in the export."""
    for p in b.people.values():
        if p.role in ("student", "teacher", "administrator"):
            p.user_ids.append(("Feide", f"{p.username}@{FEIDE_REALM}"))
    rng = random.Random(f"{SEED}-nin")
    for p in guardians_with_nin:
        p.user_ids.append(("NIN", synthetic_nin(rng, 1970 + rng.randrange(20))))


FEIDE_REALM = "fjellby.kommune.no"


def synthetic_nin(rng: random.Random, year: int) -> str:
    """A valid synthetic Norwegian national identity number (fødselsnummer): birth date with
    month + 80, an individual number for the century, and both mod-11 check digits."""
    while True:
        day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        individual = rng.randrange(0, 500) if year < 2000 else rng.randrange(500, 1000)
        digits = [int(c) for c in f"{day.day:02d}{day.month + 80:02d}{day.year % 100:02d}{individual:03d}"]
        k1 = 11 - sum(w * d for w, d in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), digits, strict=True)) % 11
        k1 = 0 if k1 == 11 else k1
        if k1 == 10:
            continue
        digits.append(k1)
        k2 = 11 - sum(w * d for w, d in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
        k2 = 0 if k2 == 11 else k2
        if k2 == 10:
            continue
        return "".join(str(d) for d in [*digits, k2])


def write_extras(extras: dict[str, Any], path: Path, seed: int = SEED) -> None:
    text = yaml.safe_dump(extras, allow_unicode=True, sort_keys=False, width=110, default_flow_style=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(EXTRAS_HEADER.format(seed=seed) + text, encoding="utf-8")


def write_demo(directory: Path = DEMO_DIR, seed: int = SEED) -> None:
    roster, extras = build_demo(seed)
    write_oneroster(roster, Path(directory) / "oneroster")
    write_extras(extras, Path(directory) / "ransel.yaml", seed)


# --- a whole municipality (benchmark) ------------------------------------------------------

MUNICIPAL_SUBJECTS = {
    **{g: ["mat", "nor", "eng", "nat", "saf", "krle", "kro", "mus", "khv"] for g in range(1, 5)},
    **{g: ["mat", "nor", "eng", "nat", "saf", "krle", "kro", "mus", "khv", "mhe"] for g in range(5, 8)},
    **{g: ["mat", "nor", "eng", "nat", "saf", "krle", "kro", "mus", "khv", "mhe", "utv", "fsp"] for g in range(8, 11)},
}
GENERIC_WORK = {  # subject -> (category, title) cycle for generated lineItems
    "default": [("cat-lekse", "Ukelekse"), ("cat-lekse", "Oppgaver til timen"), ("cat-prove", "Prøve"),
                ("cat-lekse", "Repetisjon"), ("cat-kartlegging", "Kartlegging")],
}


def build_municipality(
    schools: int = 20, pupils: int = 10_000, guardians: int = 18_000, gradebook_rows: int = 200_000,
    seed: int = SEED,
) -> Roster:
    """A OneRoster export of a kommune: ``schools`` schools of grades 1-10, two classes a grade,
    ``pupils`` pupils, ``guardians`` guardians, and ``gradebook_rows`` lineItems + results."""
    b = Builder(seed)
    kommune = "kommune"
    b.roster.add("orgs", sourcedId=kommune, name="Fjellby kommune", type="district", identifier="9999")
    school_year_rows(b)
    terms = [AUTUMN[0], SPRING[0]]
    per_school = _spread(pupils, schools)
    guardians_left = guardians
    all_groups: list[Group] = []
    for s in range(schools):
        school = f"s{s:02d}"
        b.roster.add("orgs", sourcedId=school, name=f"{names.SURNAMES[s % len(names.SURNAMES)]}haugen skole",
                     type="school", identifier=f"9{s:08d}", parentSourcedId=kommune)
        classes_here = 20
        sizes = _spread(per_school[s], classes_here)
        teachers = [
            b.person("teacher", b.rng.choice(names.WOMEN + names.MEN), b.rng.choice(names.SURNAMES), [school],
                     sid=f"{school}t{t}")
            for t in range(40)
        ]
        b.person("administrator", b.rng.choice(names.WOMEN), b.rng.choice(names.SURNAMES), [school], sid=f"{school}a")
        school_pupils: list[Person] = []
        for c in range(classes_here):
            grade = c // 2 + 1
            label = f"{grade}{'AB'[c % 2]}"
            cls_sid = f"{school}c{c}"
            members = []
            for _ in range(sizes[c]):
                given = b.given_name(b.rng.random() < 0.5)
                p = b.person("student", given, b.rng.choice(names.SURNAMES), [school],
                             birth=b.birth_date(grade), sid=f"{school}p{len(b.people)}")
                p.grade = grade
                members.append(p)
            school_pupils += members
            if c % 2 == 0:
                for key in ["basis", *MUNICIPAL_SUBJECTS[grade]]:
                    code = SUBJECTS[key][0] if key != "basis" else None
                    b.roster.add("courses", sourcedId=f"{school}k{grade}{key}", schoolYearSourcedId="sy-2026-27",
                                 title=f"{key} {grade}", courseCode=f"{key.upper()}-{grade}", grades=f"{grade:02d}",
                                 orgSourcedId=school, subjectCodes=code)
            home = Group(cls_sid, label, "homeroom", grade, school, f"{school}k{grade}basis", terms, pupils=members)
            home.teachers.append((teachers[c % len(teachers)], True))
            all_groups.append(home)
            for j, subject in enumerate(MUNICIPAL_SUBJECTS[grade]):
                g = Group(f"{cls_sid}{subject}", f"{label} {subject}", "scheduled", grade, school,
                          f"{school}k{grade}{subject}", terms, subject=subject, pupils=members)
                g.teachers.append((teachers[(c + j * 7) % len(teachers)], True))
                all_groups.append(g)
        # Families: siblings share guardians; enough guardians per family to reach the total.
        share = round(guardians_left * len(school_pupils) / max(1, pupils - sum(per_school[:s])))
        guardians_left -= _families(b, school, school_pupils, share)
    for g in all_groups:
        b.emit_group(g)
    _municipal_gradebook(b, [g for g in all_groups if g.class_type == "scheduled"], gradebook_rows)
    b.emit_people()
    return b.roster


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _families(b: Builder, school: str, pupils: list[Person], guardian_count: int) -> int:
    """Group pupils into families (mostly one child, some siblings) and give them exactly
    ``guardian_count`` guardians: two parents each, then relatives, fewer if needed."""
    order = list(pupils)
    b.rng.shuffle(order)
    families: list[list[Person]] = []
    i = 0
    while i < len(order):
        size = 2 if b.rng.random() < 0.2 else 1
        families.append(order[i : i + size])
        i += size
    per_family = _spread(guardian_count, len(families))
    made = 0
    for family, count in zip(families, per_family, strict=True):
        surname = family[0].family
        for k in range(count):
            role = "parent" if k < 2 else "relative"
            woman = k % 2 == 0
            g = b.person(role, b.rng.choice(names.WOMEN if woman else names.MEN), surname, [school],
                         sms=b.phone(), sid=f"{school}g{len(b.people)}")
            for child in family:
                link(g, child)
            made += 1
    return made


def _municipal_gradebook(b: Builder, groups: list[Group], target_rows: int) -> None:
    """LineItems round-robin over teaching groups, each with a result per pupil, until
    lineItems + results reach ``target_rows`` exactly."""
    rows, n, week = 0, 0, 44
    cycle = GENERIC_WORK["default"]
    while rows < target_rows:
        for g in groups:
            if rows >= target_rows:
                break
            category, title = cycle[n % len(cycle)]
            due_day = week_day(week, WEEKDAYS[n % 5])
            due = datetime.combine(due_day, time(8, 30), tzinfo=OSLO)
            sid = f"l{n}"
            max_score = 1.0 if category == "cat-lekse" else 30.0
            assert g.subject is not None  # teaching groups have a subject
            b.roster.add("lineItems", sourcedId=sid, title=f"{title} {SUBJECTS[g.subject][1].lower()}",
                         assignDate=due - timedelta(days=7), dueDate=due, classSourcedId=g.sid,
                         categorySourcedId=category, gradingPeriodSourcedId=term_of(due_day),
                         resultValueMin=0, resultValueMax=max_score)
            rows += 1
            for p in g.pupils:
                if rows >= target_rows:
                    break
                score = float(round(max_score * min(1.0, max(0.0, b.rng.gauss(0.7, 0.15)))))
                b.roster.add("results", sourcedId=f"r{n}.{p.sid}", lineItemSourcedId=sid, studentSourcedId=p.sid,
                             scoreStatus="fully graded", score=score, scoreDate=due_day.isoformat())
                rows += 1
            n += 1
        week = 44 + (week - 43) % 8


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO_DIR, help="where to write (default: data/demo)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    write_demo(args.out, args.seed)
    print(f"demo school written to {args.out}")


if __name__ == "__main__":  # pragma: no cover
    main()
