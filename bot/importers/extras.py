"""``ransel import extras FILE.yaml``: what a OneRoster export cannot carry, per school.

The file (schema: ``extras.schema.json`` beside this module) names one school by its
OneRoster sourcedId and may hold these sections:

- ``people``: a person's language (authoritative: the school's register), extra contact
  points (Telegram chats, SMS numbers) and notification preferences. Preferences are a
  person's own choice, so the file only seeds them: a person who already has preferences
  keeps them. Contact points are added, never removed (people link chats themselves too).
- ``lessons``: the weekly timetable (group, weekday, start/end in school time, subject or
  slot such as lunch, place such as gymsal, room).
- ``gear``: what to bring for lessons at a place (gymsal -> gym_clothes ...).
- ``events``: dated events (skating day, trip, planning day); local times are converted to
  UTC for the stores; a bare date means the whole day.
- ``breaks``: school breaks (høstferie ...).
- ``aims``: LK20 competence aims of OneRoster lineItems (OneRoster 1.1 has no field for them).
- ``policy``: the school's policies: ``unknown_birth_date`` (``minor``, the default: a pupil
  in grades 1-10 without a birth date counts as a minor; ``adult``: strict, their guardians
  get no access) and ``teachers_broadcast_widely`` (teachers may broadcast to a grade, the
  whole school or urgently; otherwise only school admins).
- ``guardianships``: parental responsibility per guardian and pupil, where the school's
  register knows better than the OneRoster role (a parent without responsibility, say).

A section that is present is the complete truth for this school: lessons, gear rules,
events and breaks it no longer lists are removed; a line item listed under ``aims`` gets
exactly those aims. A section that is absent leaves the stores alone. Keys, places, slots,
breaks and items must exist in the locale catalog so every user can read them.
Every problem is reported with the YAML line it is on; nothing is written unless all is well.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from sqlalchemy import Connection, Engine, and_, delete, insert, select, update

from bot.clock import Clock
from bot.db import chunks
from bot.i18n import catalog
from bot.importers._problems import Problems
from bot.importers._sync import SyncStats, load_existing, sync_table
from bot.models import (
    Assignment,
    CalendarEvent,
    Channel,
    CompetenceAim,
    ContactPoint,
    EventKind,
    Form,
    GearRule,
    Group,
    Guardianship,
    Lesson,
    NotificationPreference,
    Person,
    School,
    SchoolBreak,
    Subject,
    assignment_aims,
)
from bot.phones import e164

SCHEMA_PATH = Path(__file__).with_name("extras.schema.json")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LESSON_PREFIX = "extras:"

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class ExtrasResult:
    stats: SyncStats


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


# --- YAML with line numbers ----------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML without 1.1 surprises: times like 10:45 stay strings (not base-60 numbers),
    dates stay strings (the schema checks them), only true/false are booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (
        "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(0|[1-9][0-9]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class _Document:
    """The parsed document and a way back from a path in it to its line in the file."""

    def __init__(self, text: str) -> None:
        self.node = yaml.compose(text, Loader=_Loader)
        self.data = yaml.load(text, Loader=_Loader) if self.node is not None else None

    def line(self, path: JsonPath, key: str | None = None) -> int | None:
        node = self.node
        if node is None:
            return None
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
            if child is None:
                break
            node = child
        if key is not None and isinstance(node, yaml.MappingNode):
            for k, _v in node.value:
                if k.value == key:
                    return k.start_mark.line + 1
        return node.start_mark.line + 1


def _where(path: JsonPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- the import ----------------------------------------------------------------------------


def import_extras(engine: Engine, path: Path, clock: Clock) -> ExtrasResult:
    path = Path(path)
    problems = Problems()
    name = path.name
    try:
        doc = _Document(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(name, mark.line + 1 if mark else None, None, f"not valid YAML ({getattr(exc, 'problem', exc)})")
        problems.raise_if_any()
        raise AssertionError("unreachable") from exc  # pragma: no cover
    if not isinstance(doc.data, dict):
        problems.add(name, 1, None, "the file must be a mapping with at least version and school")
        problems.raise_if_any()
    _validate_schema(doc, name, problems)
    problems.raise_if_any()
    with engine.begin() as conn:
        importer = _Extras(conn, doc, name, clock, problems)
        importer.check()
        problems.raise_if_any()
        importer.write()
        return ExtrasResult(importer.stats)


def _validate_schema(doc: _Document, name: str, problems: Problems) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    for error in validator.iter_errors(doc.data):
        path = tuple(error.absolute_path)
        key = None
        message = error.message
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            extra = sorted(k for k in error.instance if k not in allowed)
            if extra:
                key = extra[0]
                message = f'unknown key "{key}" (allowed: {", ".join(sorted(allowed))})'
        elif error.validator == "pattern":
            message = f"{error.instance!r} does not have the expected form ({error.schema.get('description') or error.schema['pattern']})"
        where = _where(path + ((key,) if key else ()))
        problems.add(name, doc.line(path, key), None, f"{where}: {message}" if where else message)


def _local(value: str, zone, end: bool) -> datetime:
    """School time -> aware datetime. A bare date is the whole day: from 00:00 to the next 00:00."""
    if len(value) == 10:
        day = date.fromisoformat(value) + (timedelta(days=1) if end else timedelta(0))
        return datetime.combine(day, time(0), tzinfo=zone)
    return datetime.fromisoformat(value).replace(tzinfo=zone)


class _Extras:
    def __init__(self, conn: Connection, doc: _Document, name: str, clock: Clock, problems: Problems) -> None:
        self.conn, self.doc, self.name, self.clock, self.problems = conn, doc, name, clock, problems
        self.data: dict[str, Any] = doc.data or {}
        self.stats = SyncStats()
        self.zone = clock.zone
        nb = catalog("nb")
        self.terms = {section: set(nb.get(section, {})) for section in ("items", "places", "slots", "breaks")}

    def err(self, path: JsonPath, message: str) -> None:
        self.problems.add(self.name, self.doc.line(path), None, f"{_where(path)}: {message}")

    # ---- checks

    def check(self) -> None:
        c = self.conn
        s = School.__table__
        school = c.execute(select(s.c.id).where(s.c.sourced_id == self.data["school"])).scalar()
        if school is None:
            self.err(("school",), f'no school "{self.data["school"]}" in the stores (import the OneRoster export first)')
        self.school_id = school
        g = Group.__table__
        self.groups = {row.sourced_id: (row.id, row.school_id, row.subject_code) for row in c.execute(select(g.c.id, g.c.sourced_id, g.c.school_id, g.c.subject_code))}
        p = Person.__table__
        self.people: dict[str, int] = {}
        for row in c.execute(select(p.c.id, p.c.sourced_id, p.c.username)):
            self.people[row.sourced_id] = row.id
            if row.username:
                self.people.setdefault(row.username, row.id)
        self.subjects = set(c.execute(select(Subject.__table__.c.code)).scalars())
        self._check_people()
        self._check_lessons()
        self._check_gear()
        self._check_events()
        self._check_breaks()
        self._check_aims()
        self._check_guardianships()

    def _check_guardianships(self) -> None:
        gt = Guardianship.__table__
        pairs = {(row.guardian_id, row.pupil_id): row.id
                 for row in self.conn.execute(select(gt.c.id, gt.c.guardian_id, gt.c.pupil_id))}
        self.guardianship_updates: list[tuple[int, bool]] = []
        for i, entry in enumerate(self.data.get("guardianships", [])):
            guardian, pupil = self.people.get(entry["guardian"]), self.people.get(entry["pupil"])
            for key, found in (("guardian", guardian), ("pupil", pupil)):
                if found is None:
                    self.err(("guardianships", i, key), f'no person "{entry[key]}" (sourcedId or username) in the stores')
            if guardian is None or pupil is None:
                continue
            row = pairs.get((guardian, pupil))
            if row is None:
                self.err(("guardianships", i), f'"{entry["guardian"]}" is not a guardian of "{entry["pupil"]}" in the '
                                               "OneRoster export (agents)")
                continue
            self.guardianship_updates.append((row, bool(entry["parental_responsibility"])))

    def _term(self, path: JsonPath, section: str, key: str | None, what: str) -> None:
        if key is not None and key not in self.terms[section]:
            known = ", ".join(sorted(self.terms[section]))
            self.err(path, f'unknown {what} "{key}" (bot/locale has: {known})')

    def _group(self, path: JsonPath, sid: str | None) -> int | None:
        if sid is None:
            return None
        found = self.groups.get(sid)
        if found is None:
            self.err(path, f'no group "{sid}" in the stores (a OneRoster class sourcedId)')
            return None
        if self.school_id is not None and found[1] != self.school_id:
            self.err(path, f'group "{sid}" belongs to another school')
            return None
        return found[0]

    def _check_people(self) -> None:
        cp = ContactPoint.__table__
        owners = {(ch, a): pid for pid, ch, a in self.conn.execute(select(cp.c.person_id, cp.c.channel, cp.c.address))}
        seen: dict[tuple[Channel, str], int] = {}
        self.contact_rows: list[tuple[int, Channel, str]] = []
        self.person_entries: list[tuple[int, dict[str, Any]]] = []
        for i, entry in enumerate(self.data.get("people", [])):
            person = self.people.get(entry["user"])
            if person is None:
                self.err(("people", i, "user"), f'no person "{entry["user"]}" (sourcedId or username) in the stores')
                continue
            self.person_entries.append((person, entry))
            for j, point in enumerate(entry.get("contact_points", [])):
                path = ("people", i, "contact_points", j, "address")
                channel, address = Channel(point["channel"]), str(point["address"]).strip()
                if channel is Channel.TELEGRAM and not re.fullmatch(r"-?[0-9]{1,20}", address):
                    self.err(path, f'"{address}" is not a Telegram chat id (digits)')
                    continue
                if channel is Channel.SMS:
                    number = e164(address)
                    if number is None:
                        self.err(path, f'"{address}" is not a valid phone number')
                        continue
                    address = number
                key = (channel, address)
                if seen.get(key) == person:
                    continue  # listed twice for the same person
                holder = owners.get(key, seen.get(key))
                if holder is not None and holder != person:
                    self.err(path, f"this {channel.value} address already belongs to another person")
                    continue
                seen[key] = person
                if owners.get(key) is None:
                    self.contact_rows.append((person, channel, address))

    def _check_lessons(self) -> None:
        self.lessons: dict[str, tuple] = {}
        for i, lesson in enumerate(self.data.get("lessons", [])):
            path = ("lessons", i)
            group = self._group(path + ("group",), lesson["group"])
            starts, ends = time.fromisoformat(lesson["starts"]), time.fromisoformat(lesson["ends"])
            if ends <= starts:
                self.err(path + ("ends",), f"ends ({lesson['ends']}) at or before it starts ({lesson['starts']})")
            if "subject" in lesson and "slot" in lesson:
                self.err(path + ("slot",), "a lesson has a subject or a slot (lunch, break ...), not both")
            subject = lesson.get("subject")
            if subject is not None and subject not in self.subjects:
                self.err(path + ("subject",), f'"{subject}" is not an LK20 curriculum code in the stores')
            self._term(path + ("slot",), "slots", lesson.get("slot"), "slot")
            self._term(path + ("place",), "places", lesson.get("place"), "place")
            valid_from = date.fromisoformat(lesson["valid_from"]) if "valid_from" in lesson else None
            valid_to = date.fromisoformat(lesson["valid_to"]) if "valid_to" in lesson else None
            weekday = WEEKDAYS.index(lesson["weekday"])
            key = f"{LESSON_PREFIX}{lesson['group']}:{lesson['weekday']}:{lesson['starts']}"
            if key in self.lessons:
                self.err(path, f"{lesson['group']} already has a lesson on {lesson['weekday']} at {lesson['starts']}")
            if group is None:
                continue
            if subject is None and "slot" not in lesson:
                subject = self.groups[lesson["group"]][2]
            self.lessons[key] = (
                group, weekday, starts, ends, subject, lesson.get("slot"), lesson.get("place"),
                lesson.get("room"), valid_from, valid_to,
            )

    def _check_gear(self) -> None:
        self.gear: set[tuple[str, str]] = set()
        for i, rule in enumerate(self.data.get("gear", [])):
            self._term(("gear", i, "place"), "places", rule["place"], "place")
            for j, item in enumerate(rule["items"]):
                self._term(("gear", i, "items", j), "items", item, "item")
                self.gear.add((rule["place"], item))

    def _check_events(self) -> None:
        self.events: dict[str, tuple] = {}
        t = CalendarEvent.__table__
        elsewhere = set(self.conn.execute(
            select(t.c.external_id).where(and_(t.c.external_id.is_not(None), t.c.school_id != self.school_id))
        ).scalars()) if self.school_id is not None else set()
        for i, event in enumerate(self.data.get("events", [])):
            path = ("events", i)
            if event["id"] in self.events:
                self.err(path + ("id",), f'the id "{event["id"]}" is used twice')
            elif event["id"] in elsewhere:
                self.err(path + ("id",), f'the id "{event["id"]}" is already another school\'s event')
            group = self._group(path + ("group",), event.get("group"))
            starts, ends = _local(event["starts"], self.zone, False), _local(event["ends"], self.zone, True)
            if ends <= starts:
                self.err(path + ("ends",), "ends at or before it starts")
            self._term(path + ("place",), "places", event.get("place"), "place")
            for j, item in enumerate(event.get("bring", [])):
                self._term(path + ("bring", j), "items", item, "item")
            title = event["title"]
            self.events[event["id"]] = (
                group, EventKind(event["kind"]), title["nb"], title.get("nn"), title.get("en"),
                event.get("description"), starts, ends, event.get("place"), list(event.get("bring", [])),
                bool(event.get("no_teaching", False)),
            )

    def _check_breaks(self) -> None:
        self.breaks: set[tuple[str, date, date]] = set()
        for i, entry in enumerate(self.data.get("breaks", [])):
            path = ("breaks", i)
            self._term(path + ("name",), "breaks", entry["name"], "break")
            try:
                first, last = date.fromisoformat(entry["first_day"]), date.fromisoformat(entry["last_day"])
            except ValueError as exc:
                self.err(path, f"not a date ({exc})")
                continue
            if last < first:
                self.err(path + ("last_day",), "the last day is before the first day")
            self.breaks.add((entry["name"], first, last))

    def _check_aims(self) -> None:
        a = Assignment.__table__
        items = dict(self.conn.execute(select(a.c.sourced_id, a.c.id)).tuples().all())
        known = set(self.conn.execute(select(CompetenceAim.__table__.c.code)).scalars())
        self.aims: dict[int, set[str]] = {}
        for i, entry in enumerate(self.data.get("aims", [])):
            path = ("aims", i)
            assignment = items.get(entry["line_item"])
            if assignment is None:
                self.err(path + ("line_item",), f'no lineItem "{entry["line_item"]}" in the stores')
                continue
            for j, code in enumerate(entry["aims"]):
                if code not in known:
                    self.err(path + ("aims", j), f'"{code}" is not a competence aim in the stores (import LK20 first)')
            self.aims[assignment] = set(entry["aims"])

    # ---- writing

    def write(self) -> None:
        self._write_people()
        if "lessons" in self.data:
            self._write_lessons()
        if "gear" in self.data:
            self._write_gear()
        if "events" in self.data:
            self._write_events()
        if "breaks" in self.data:
            self._write_breaks()
        if "aims" in self.data:
            self._write_aims()
        if "policy" in self.data:
            policy = self.data["policy"]
            values = {"unknown_birth_date": policy.get("unknown_birth_date", "minor"),
                      "teachers_broadcast_widely": bool(policy.get("teachers_broadcast_widely", False))}
            self.conn.execute(update(School.__table__).where(School.__table__.c.id == self.school_id).values(**values))
            self.stats.add("updated", "schools", 1)
        gt = Guardianship.__table__
        for row_id, responsible in self.guardianship_updates:
            changed = self.conn.execute(update(gt).where(gt.c.id == row_id, gt.c.parental_responsibility != responsible)
                                        .values(parental_responsibility=responsible)).rowcount
            self.stats.add("updated", "guardianships", changed)

    def _write_people(self) -> None:
        c, p = self.conn, Person.__table__
        now = self.clock.utcnow()
        current = {row.id: row.language for row in c.execute(select(p.c.id, p.c.language))}
        prefs = NotificationPreference.__table__
        has_prefs = set(c.execute(select(prefs.c.person_id)).scalars())
        for person, entry in self.person_entries:
            language = entry.get("language")
            if language and current.get(person) != language:
                c.execute(update(p).where(p.c.id == person).values(language=language))
                self.stats.add("updated", "people", 1)
            wanted = entry.get("notifications")
            if wanted is not None and person not in has_prefs:
                row = {
                    "person_id": person,
                    "channel": Channel(wanted["channel"]) if "channel" in wanted else None,
                    "form": Form(wanted.get("form", "text")),
                    "language": wanted.get("language"),
                    "preferred_time": time.fromisoformat(wanted["preferred_time"]) if "preferred_time" in wanted else None,
                    "quiet_start": time.fromisoformat(wanted.get("quiet_start", "21:00")),
                    "quiet_end": time.fromisoformat(wanted.get("quiet_end", "07:00")),
                    "quiet_weekdays": list(wanted.get("quiet_weekdays", [])),
                    "opted_out": False,
                    "updated_at": now,
                }
                c.execute(insert(prefs), [row])
                has_prefs.add(person)
                self.stats.add("inserted", prefs.name, 1)
        if self.contact_rows:
            cp = ContactPoint.__table__
            rows = [
                {"person_id": pid, "channel": ch, "address": a, "verified": True, "created_at": now}
                for pid, ch, a in self.contact_rows
            ]
            c.execute(insert(cp), rows)
            self.stats.add("inserted", cp.name, len(rows))

    def _school_scoped(self, table, key_col: str, where) -> dict:
        return {row[1]: row[0] for row in self.conn.execute(select(table.c.id, table.c[key_col]).where(where))}

    def _remove(self, table, ids: list[int]) -> None:
        for batch in chunks(sorted(ids), 900):
            self.conn.execute(delete(table).where(table.c.id.in_(batch)))
        self.stats.add("deleted", table.name, len(ids))

    def _write_lessons(self) -> None:
        t, g = Lesson.__table__, Group.__table__
        school_groups = select(g.c.id).where(g.c.school_id == self.school_id)
        scope = and_(t.c.group_id.in_(school_groups), t.c.external_id.like(f"{LESSON_PREFIX}%"))
        cols = ("group_id", "weekday", "starts", "ends", "subject_code", "slot_key", "place", "room", "valid_from", "valid_to")
        existing = load_existing(self.conn, t, ("external_id",), cols, where=scope)
        self._remove(t, [found[0] for key, found in existing.items() if key not in self.lessons])
        sync_table(self.conn, t, ("external_id",), cols, self.lessons, existing, self.stats, want_ids=False)

    def _write_gear(self) -> None:
        t = GearRule.__table__
        existing = {
            (row.place, row.item_key): row.id
            for row in self.conn.execute(select(t.c.id, t.c.place, t.c.item_key).where(t.c.school_id == self.school_id))
        }
        self._remove(t, [i for key, i in existing.items() if key not in self.gear])
        new = [{"school_id": self.school_id, "place": p, "item_key": k} for p, k in sorted(self.gear) if (p, k) not in existing]
        if new:
            self.conn.execute(insert(t), new)
            self.stats.add("inserted", t.name, len(new))

    def _write_events(self) -> None:
        t = CalendarEvent.__table__
        cols = ("group_id", "kind", "title_nb", "title_nn", "title_en", "description", "starts_at", "ends_at", "place", "bring", "no_teaching")
        scope = and_(t.c.school_id == self.school_id, t.c.external_id.is_not(None))
        existing = load_existing(self.conn, t, ("external_id",), cols, where=scope)
        self._remove(t, [found[0] for key, found in existing.items() if key not in self.events])
        sync_table(
            self.conn, t, ("external_id",), cols, self.events, existing, self.stats,
            insert_only_cols={"school_id": self.school_id}, want_ids=False,
        )

    def _write_breaks(self) -> None:
        t = SchoolBreak.__table__
        existing = {
            (row.name_key, row.first_day, row.last_day): row.id
            for row in self.conn.execute(select(t.c.id, t.c.name_key, t.c.first_day, t.c.last_day).where(t.c.school_id == self.school_id))
        }
        self._remove(t, [i for key, i in existing.items() if key not in self.breaks])
        new = [
            {"school_id": self.school_id, "name_key": n, "first_day": f, "last_day": last}
            for n, f, last in sorted(self.breaks) if (n, f, last) not in existing
        ]
        if new:
            self.conn.execute(insert(t), new)
            self.stats.add("inserted", t.name, len(new))

    def _write_aims(self) -> None:
        t = assignment_aims
        current: dict[int, set[str]] = {}
        for batch in chunks(sorted(self.aims), 900):
            for assignment, code in self.conn.execute(select(t.c.assignment_id, t.c.aim_code).where(t.c.assignment_id.in_(batch))):
                current.setdefault(assignment, set()).add(code)
        for assignment, wanted in self.aims.items():
            have = current.get(assignment, set())
            stale = have - wanted
            if stale:
                self.conn.execute(delete(t).where(and_(t.c.assignment_id == assignment, t.c.aim_code.in_(sorted(stale)))))
                self.stats.add("deleted", t.name, len(stale))
            new = [{"assignment_id": assignment, "aim_code": code} for code in sorted(wanted - have)]
            if new:
                self.conn.execute(insert(t), new)
                self.stats.add("inserted", t.name, len(new))
