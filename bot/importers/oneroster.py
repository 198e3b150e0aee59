"""``ransel import oneroster DIR``: an IMS OneRoster 1.1 CSV export (directory or zip).

What becomes what:
- orgs: ``district`` -> Owner (kommune), ``school`` -> School (owned by its parent district);
  other org types are only used to resolve references.
- academicSessions -> AcademicSession; courses -> Course (kept for later delta imports).
- classes: ``homeroom`` -> basisgruppe, ``scheduled`` -> undervisningsgruppe; the LK20
  curriculum code comes from the class's ``subjectCodes``, else its course's.
- users: student -> pupil, teacher -> teacher, parent/guardian/relative -> guardian,
  administrator -> school admin (of each school in ``orgSourcedIds``; owner admin when it is
  only a district). ``agentSourcedIds`` links pupils and guardians (either side may list the
  other); parent and guardian get parental responsibility, relative does not. ``sms`` (else a
  mobile ``phone``) becomes the person's SMS contact point, in E.164 (region NO).
  aide and proctor users are skipped with a warning: Ransel has no such role.
- demographics ``birthDate`` -> the person's birth date.
- enrollments -> memberships; a ``primary`` teacher of a homeroom is its contact teacher.
- categories: the title decides the assignment kind (see ``CATEGORY_KINDS``); an unknown
  title is an error, because guessing would send the wrong reminders.
- lineItems -> assignments (``dueDate`` without a time: 08:00 school time that day);
  results -> results with their ``scoreStatus``.

Import semantics:
- Idempotent on ``sourcedId``: rows that did not change are not written.
- ``delta`` files: rows add or update; ``status=tobedeleted`` removes the record.
- ``bulk`` files: the file is the complete set of its kind, so records of that kind that it
  does not hold are removed too (``tobedeleted`` rows are also honoured).
- Removing a record removes what refers to it (a removed pupil's results, guardianships,
  contact points and messages; a removed class's lessons and assignments).
- Everything is validated before anything is written, all problems are reported (file,
  line, column), and the write is one transaction: a bad file imports nothing.
- Ransel owns some fields the export does not carry (a person's language, Telegram chats,
  competence aims on assignments): an import never touches them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from tqdm import tqdm

from bot.clock import Clock
from bot.db import chunks
from bot.importers._csvfiles import (
    ABSENT,
    ACTIVE,
    BULK,
    COLUMNS,
    IMPORTED,
    ROLES_12,
    TOBEDELETED,
    Fields,
    Manifest,
    Row,
    Source,
    read_manifest,
    read_rows,
)
from bot.importers._problems import ImportFailed, Problem, Problems
from bot.importers._sync import SyncStats, purge, sync_table
from bot.models import (
    AcademicSession,
    Assignment,
    AssignmentCategory,
    AssignmentKind,
    Channel,
    ContactPoint,
    Course,
    Group,
    GroupKind,
    Guardianship,
    MemberRole,
    Membership,
    Owner,
    Person,
    PersonRole,
    Result,
    Role,
    School,
    ScoreStatus,
    SessionKind,
    Subject,
)
from bot.phones import e164, is_mobile

log = logging.getLogger(__name__)

# A due date without a time of day means "for that school day": due when school starts.
DUE_TIME = time(8, 0)
ASSIGN_TIME = time(0, 0)

ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
USER_ROLES = ("administrator", "aide", "guardian", "parent", "proctor", "relative", "student", "teacher")
ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher")
CLASS_TYPES = ("homeroom", "scheduled")
SCORE_STATUSES = tuple(s.value for s in ScoreStatus)
AGENT_ROLES = ("parent", "guardian", "relative")
# Who has parental responsibility (foreldreansvar): parents and guardians, not other relatives.
RESPONSIBLE = {"parent": True, "guardian": True, "relative": False}

# Category titles (nb, nn, en; compared case-insensitively) and the kind of assignment.
CATEGORY_KINDS: dict[str, AssignmentKind] = {
    **dict.fromkeys(
        ["lekse", "lekser", "hjemmelekse", "heimelekse", "hjemmearbeid", "heimearbeid", "homework"],
        AssignmentKind.HOMEWORK,
    ),
    **dict.fromkeys(
        ["prøve", "prøver", "prøvar", "test", "tests", "kartlegging", "kartleggingsprøve",
         "kartleggingsprøver", "kartleggingsprøvar", "quiz", "assessment"],
        AssignmentKind.TEST,
    ),
    **dict.fromkeys(["ta med", "husk å ta med", "bring", "things to bring"], AssignmentKind.BRING),
    **dict.fromkeys(["prosjekt", "prosjekter", "prosjektarbeid", "project", "projects"], AssignmentKind.PROJECT),
    **dict.fromkeys(
        ["arrangement", "arrangementer", "arrangement og turer", "hendelse", "hendelser", "hending", "hendingar",
         "aktivitet", "aktiviteter", "aktivitetar", "tur", "turer", "turar", "event", "events", "activity",
         "activities", "trip", "trips"],
        AssignmentKind.EVENT,
    ),
}


def category_kind(title: str) -> AssignmentKind | None:
    key = " ".join(title.casefold().split()).strip(" .:!")
    return CATEGORY_KINDS.get(key)


# --- parsed rows ---------------------------------------------------------------------------


@dataclass(slots=True)
class OrgRec:
    line: int
    name: str
    type: str
    identifier: str | None
    parent: str | None


@dataclass(slots=True)
class SessionRec:
    line: int
    title: str
    type: str
    start: date
    end: date
    parent: str | None
    school_year: int


@dataclass(slots=True)
class CourseRec:
    line: int
    title: str
    code: str | None
    org: str
    subject_codes: list[str]


@dataclass(slots=True)
class ClassRec:
    line: int
    title: str
    grade: int | None
    course: str
    class_type: str
    school: str
    terms: list[str]
    subject_codes: list[str]


@dataclass(slots=True)
class UserRec:
    line: int
    enabled: bool
    orgs: list[str]
    role: str
    username: str
    given: str
    family: str
    email: str | None
    sms: str | None
    agents: list[str]


@dataclass(slots=True)
class EnrollRec:
    line: int
    cls: str
    school: str
    user: str
    role: str
    primary: bool
    begin: date | None
    end: date | None


@dataclass(slots=True)
class LineItemRec:
    line: int
    title: str
    description: str | None
    assigned: datetime
    due: datetime
    cls: str
    category: str
    period: str
    max_score: float | None


@dataclass(slots=True)
class ResultRec:
    line: int
    line_item: str
    student: str
    status: ScoreStatus
    score: float | None
    scored_on: date | None
    comment: str | None


@dataclass
class FileData:
    """One file's rows: active records by sourcedId, and sourcedIds marked tobedeleted."""

    name: str
    mode: str
    active: dict[str, Any] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)  # sourcedId -> line
    # Rows with problems of their own: references to them are not reported again.
    broken: set[str] = field(default_factory=set)

    @property
    def bulk(self) -> bool:
        return self.mode == BULK


@dataclass
class OneRosterResult:
    stats: SyncStats
    warnings: list[str]
    rows: dict[str, int]  # data rows read per file
    # Pupils with no birth date after the import (demographics absent or incomplete): the
    # school's policy decides whether their guardians keep access (bot/access.py).
    no_birth_date: list[str] = field(default_factory=list)
    # What was tolerated, located (also at the head of ``warnings`` as text).
    notes: list[Problem] = field(default_factory=list)


# --- the import ----------------------------------------------------------------------------


def import_oneroster(
    engine: Engine, path: Path, clock: Clock, *, progress: bool = False, phone_region: str = "NO",
    dry_run: bool = False, strict: bool = False,
) -> OneRosterResult:
    """Import the export at ``path`` (a directory or a .zip) into the stores at ``engine``.

    ``phone_region``: where phone numbers without a +prefix are (RANSEL_PHONE_REGION).
    ``dry_run``: check and count everything as a real import would, then write nothing.
    ``strict``: every problem stops the import; otherwise a row with a problem of its own (a
    bad date, an unknown value) is skipped with what depends on it, and the rest imports."""
    source = Source(Path(path))
    try:
        return _Importer(source, clock, progress, phone_region, dry_run, strict).run(engine)
    finally:
        source.close()


class _Importer:
    def __init__(self, source: Source, clock: Clock, progress: bool, phone_region: str = "NO",
                 dry_run: bool = False, strict: bool = False) -> None:
        self.source = source
        self.phone_region = phone_region
        self.dry_run = dry_run
        self.clock = clock
        self.zone = clock.zone
        self.show_progress = progress
        self.problems = Problems()
        self.strict = strict
        self.version = "1.1"
        self._line_sid: dict[tuple[str, int], str] = {}
        self._pending_skips: list[tuple[str, str]] = []
        self.warnings: list[str] = []
        self.files: dict[str, FileData] = {}
        self.stats = SyncStats()

    # ---- orchestration

    def run(self, engine: Engine) -> OneRosterResult:
        manifest = read_manifest(self.source, self.problems)
        self.problems.raise_if_any()
        assert manifest is not None
        for file in ("resources", "classResources", "courseResources"):
            if manifest.modes[file] != ABSENT:
                self.warnings.append(f"{file}.csv is not imported: Ransel has its own learning-resource catalog")
        for file in IMPORTED:
            if manifest.modes[file] == ABSENT and self.source.exists(f"{file}.csv"):
                self.warnings.append(f"{file}.csv is not imported: the manifest says it is absent")
        self._read_all(manifest)
        with engine.connect() as conn:
            transaction = conn.begin()
            self.conn = conn
            try:
                self.db = _DbState.load(conn, self.files)
                self._check_references()
                self.problems.raise_if_any(strict=self.strict)
                self._write(conn)
                no_birth_date = self._pupils_without_birth_date(conn)
            except IntegrityError as exc:
                transaction.rollback()
                # Validation should make this unreachable; if not, still import nothing and
                # say so without leaking row contents into the message.
                log.error("oneroster import hit a constraint: %s", type(exc.orig).__name__)
                raise ImportFailed([Problem("(export)", None, None, f"conflicts with the stores: {exc.orig}")]) from None
            except BaseException:
                transaction.rollback()
                raise
            if self.dry_run:
                transaction.rollback()  # counted and checked, nothing kept
            else:
                transaction.commit()
        rows = {name: len(f.active) + len(f.deleted) for name, f in self.files.items() if f.mode != ABSENT}
        if no_birth_date:
            shown = ", ".join(no_birth_date[:20]) + (" …" if len(no_birth_date) > 20 else "")
            self.warnings.append(
                f"{len(no_birth_date)} pupils have no birth date (demographics.csv absent or without them): "
                f"{shown}. By the school's default policy they count as minors in grades 1-10 and their "
                "guardians keep access; with policy unknown_birth_date: adult they get none")
        notes = sorted(self.problems.notes, key=lambda p: (p.file, p.line or 0))
        return OneRosterResult(self.stats, [str(p) for p in notes] + self.warnings, rows, no_birth_date, notes)

    def _pupils_without_birth_date(self, conn: Connection) -> list[str]:
        people, roles = Person.__table__, PersonRole.__table__
        return sorted(conn.execute(
            select(people.c.sourced_id).join(roles, roles.c.person_id == people.c.id)
            .where(roles.c.role == Role.PUPIL, people.c.birth_date.is_(None), people.c.enabled.is_(True))
            .distinct()
        ).scalars())

    def _bar(self, total: int, desc: str) -> tqdm:
        return tqdm(total=total, desc=desc, unit=" rows", disable=not self.show_progress, leave=False)

    # ---- reading

    def _read_all(self, manifest: Manifest) -> None:
        self.version = manifest.version
        present = [f for f in IMPORTED if manifest.modes[f] != ABSENT]
        total = sum(self._count_lines(f) for f in present)
        roles = self._read_roles_12(manifest) if self.version == "1.2" else None
        for file in ("userProfiles", "scoreScales"):
            if manifest.modes.get(file, ABSENT) != ABSENT:
                self.problems.note(f"{file}.csv", None, None, "not imported: Ransel keeps no such records")
        with self._bar(total, "reading") as bar:
            for file in IMPORTED:
                mode = manifest.modes[file]
                if mode == ABSENT:
                    self.files[file] = FileData(file, ABSENT)
                    continue
                data = FileData(file, mode)
                self.files[file] = data
                parse = getattr(self, f"_parse_{file}")
                required = _REQUIRED[file]
                if self.version == "1.2":
                    required = tuple(c for c in required if c not in _NOT_IN_12.get(file, ()))
                for row in read_rows(self.source, file, self.problems, required, bar.update, self.version):
                    if roles is not None and file == "users":
                        row = self._with_roles(row, roles)
                    self._take_row(data, row, parse)

    def _read_roles_12(self, manifest: Manifest) -> dict[str, tuple[str, list[str]]]:
        """OneRoster 1.2: user sourcedId -> (primary role in 1.1 terms, the orgs of their roles)."""
        out: dict[str, tuple[str, list[str]]] = {}
        if manifest.modes.get("roles", ABSENT) == ABSENT:
            return out
        primary: dict[str, str] = {}
        for row in read_rows(self.source, "roles", self.problems, ("userSourcedId", "roleType", "role", "orgSourcedId"),
                             version="1.2"):
            if row["status"].lower() == TOBEDELETED:
                continue
            user, role, org = row["userSourcedId"], row["role"], row["orgSourcedId"]
            role = next((r for r in (*USER_ROLES, *ROLES_12) if r.casefold() == role.casefold()), role)
            role = ROLES_12.get(role, role)
            held = out.setdefault(user, ("", []))
            if org and org not in held[1]:
                held[1].append(org)
            if row["roleType"].casefold() == "primary" or user not in primary:
                primary[user] = role
        return {user: (primary.get(user, ""), orgs) for user, (_r, orgs) in out.items()}

    @staticmethod
    def _with_roles(row: Row, roles: dict[str, tuple[str, list[str]]]) -> Row:
        """A 1.2 users.csv row with the 1.1 columns role and orgSourcedIds, from roles.csv."""
        role, orgs = roles.get(row["sourcedId"], ("", []))
        if row["primaryOrgSourcedId"] and row["primaryOrgSourcedId"] not in orgs:
            orgs = [row["primaryOrgSourcedId"], *orgs]
        index = dict(row._index)
        values = list(row._values)
        for column, value in (("role", role), ("orgSourcedIds", ",".join(orgs))):
            if column not in index:
                index[column] = len(values)
                values.append(value)
        return Row(row.line, values, index)

    def _count_lines(self, file: str) -> int:
        with self.source.open(f"{file}.csv") as fh:
            return max(sum(1 for _ in fh) - 1, 0)

    def _take_row(self, data: FileData, row, parse) -> None:
        fields = Fields(data.name, row, self.problems)
        sid = fields.ref("sourcedId", required=True)
        status = fields.choice("status", (ACTIVE, TOBEDELETED), required=not data.bulk)
        fields.moment("dateLastModified", self.zone, time(0), required=not data.bulk)
        if sid is None:
            return
        if sid in data.active or sid in data.deleted:
            first = data.active[sid].line if sid in data.active else data.deleted[sid]
            fields.error("sourcedId", f'"{sid}" already appears on line {first}', row_level=False)
            return
        if status == TOBEDELETED:
            data.deleted[sid] = row.line
            return
        record = parse(fields)
        if record is not None and fields.ok:
            data.active[sid] = record
            self._line_sid[(data.name, row.line)] = sid
        else:
            data.broken.add(sid)

    def _parse_orgs(self, f: Fields) -> OrgRec | None:
        return OrgRec(
            f.row.line,
            f.text("name", required=True) or "",
            f.choice("type", ORG_TYPES, required=True) or "",
            f.text("identifier"),
            f.ref("parentSourcedId"),
        )

    def _parse_academicSessions(self, f: Fields) -> SessionRec | None:
        start, end = f.day("startDate", required=True), f.day("endDate", required=True)
        if start and end and end < start:
            f.error("endDate", f"ends ({end}) before it starts ({start})")
        school_year = f.integer("schoolYear", required=True)
        return SessionRec(
            f.row.line,
            f.text("title", required=True) or "",
            f.choice("type", SESSION_TYPES, required=True) or "",
            start or date.min,
            end or date.min,
            f.ref("parentSourcedId"),
            school_year or 0,
        )

    def _parse_courses(self, f: Fields) -> CourseRec | None:
        f.ref("schoolYearSourcedId")
        return CourseRec(
            f.row.line,
            f.text("title", required=True) or "",
            f.text("courseCode"),
            f.ref("orgSourcedId", required=True) or "",
            f.refs("subjectCodes"),
        )

    def _parse_classes(self, f: Fields) -> ClassRec | None:
        grades = f.refs("grades")
        numeric = [int(g) for g in grades if g.isdigit()]
        bad = [g for g in grades if not g.isdigit() or not 1 <= int(g) <= 13]
        if bad:
            f.error("grades", f'"{bad[0]}" is not a grade in Norwegian school (01-13)')
        return ClassRec(
            f.row.line,
            f.text("title", required=True) or "",
            numeric[0] if len(numeric) == 1 else None,
            f.ref("courseSourcedId", required=True) or "",
            f.choice("classType", CLASS_TYPES, required=True) or "",
            f.ref("schoolSourcedId", required=True) or "",
            f.refs("termSourcedIds", required=True),
            f.refs("subjectCodes"),
        )

    def _parse_users(self, f: Fields) -> UserRec | None:
        sms = f.text("sms")
        phone = f.text("phone")
        # A number that does not parse (in RANSEL_PHONE_REGION unless it has a +prefix) is
        # left out of the contact points with a note; the person is imported.
        sms_e164 = e164(sms, self.phone_region) if sms else None
        if sms and sms_e164 is None:
            self.problems.note(f.filename, f.row.line, "sms", f'"{sms}" is not a valid phone number: not used for SMS')
        phone_e164 = e164(phone, self.phone_region) if phone else None
        if phone and phone_e164 is None:
            self.problems.note(f.filename, f.row.line, "phone", f'"{phone}" is not a valid phone number: not used')
        if sms_e164 is None and phone_e164 is not None and is_mobile(phone_e164, self.phone_region):
            sms_e164 = phone_e164
        email = f.text("email")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            f.error("email", f'"{email}" is not an email address')
        enabled = f.boolean("enabledUser", required=True)
        return UserRec(
            f.row.line,
            bool(enabled),
            f.refs("orgSourcedIds", required=True),
            f.choice("role", USER_ROLES, required=True) or "",
            f.text("username", required=True) or "",
            f.text("givenName", required=True) or "",
            f.text("familyName", required=True) or "",
            email,
            sms_e164,
            f.refs("agentSourcedIds"),
        )

    def _parse_demographics(self, f: Fields) -> tuple[int, date | None]:
        return (f.row.line, f.day("birthDate"))

    def _parse_enrollments(self, f: Fields) -> EnrollRec | None:
        return EnrollRec(
            f.row.line,
            f.ref("classSourcedId", required=True) or "",
            f.ref("schoolSourcedId", required=True) or "",
            f.ref("userSourcedId", required=True) or "",
            f.choice("role", ENROLLMENT_ROLES, required=True) or "",
            bool(f.boolean("primary")),
            f.day("beginDate"),
            f.day("endDate"),
        )

    def _parse_categories(self, f: Fields) -> tuple[int, str, AssignmentKind] | None:
        title = f.text("title", required=True)
        if title is None:
            return None
        kind = category_kind(title)
        if kind is None:
            f.error(
                "title",
                f'unknown category "{title}": Ransel must know if it is homework, a test, '
                "something to bring or a project (use e.g. Lekse/Homework, Prøve/Test/Kartlegging, "
                "Ta med/Bring, Prosjekt/Project)",
            )
            return None
        return (f.row.line, title, kind)

    def _parse_lineItems(self, f: Fields) -> LineItemRec | None:
        assigned = f.moment("assignDate", self.zone, ASSIGN_TIME, required=True)
        due = f.moment("dueDate", self.zone, DUE_TIME, required=True)
        if assigned and due and due < assigned:
            f.error("dueDate", "is before assignDate")
        f.number("resultValueMin")
        return LineItemRec(
            f.row.line,
            f.text("title", required=True) or "",
            f.text("description"),
            assigned or datetime.min,
            due or datetime.min,
            f.ref("classSourcedId", required=True) or "",
            f.ref("categorySourcedId", required=True) or "",
            # 1.2 names the period academicSessionSourcedId and makes it optional.
            f.ref("gradingPeriodSourcedId", required=self.version == "1.1")
            or f.ref("academicSessionSourcedId") or "",
            f.number("resultValueMax"),
        )

    def _parse_results(self, f: Fields) -> ResultRec | None:
        status = f.choice("scoreStatus", SCORE_STATUSES, required=True)
        return ResultRec(
            f.row.line,
            f.ref("lineItemSourcedId", required=True) or "",
            f.ref("studentSourcedId", required=True) or "",
            ScoreStatus(status) if status else ScoreStatus.NOT_SUBMITTED,
            f.number("score"),
            f.day("scoreDate"),
            f.text("comment"),
        )

    # ---- cross-file and database checks

    def removed(self, file: str) -> set[str]:
        """SourcedIds of ``file``'s kind that this import removes from the stores."""
        cached: dict[str, set[str]] | None = getattr(self, "_removed_cache", None)
        if cached is None:
            cached = {}
            self._removed_cache = cached
        if file not in cached:
            data = self.files[file]
            gone = set(data.deleted)
            if data.bulk:  # a stored record whose row was skipped stays as it was
                gone |= {sid for sid in self.db.sids(file) if sid not in data.active and sid not in data.broken}
            cached[file] = gone
        return cached[file]

    def alive(self, file: str, sid: str) -> bool:
        return sid in self.files[file].active or (sid in self.db.sids(file) and sid not in self.removed(file))

    def _err(self, file: str, line: int, column: str, message: str) -> None:
        self.problems.add(f"{file}.csv", line, column, message)

    def _ref(self, file: str, line: int, column: str, target: str, sid: str, what: str,
             cascade: bool = True) -> bool:
        if self.alive(target, sid):
            return True
        if sid in self.files[target].broken:
            if cascade:  # its row was skipped: so is this one, which depends on it
                self._skip(file, line, column, f'{what} "{sid}" was skipped')
            return False
        return self._missing(file, line, column, target, sid, what)

    def _skip(self, file: str, line: int, column: str, message: str) -> None:
        """Skip a row because a row it depends on was skipped (applied by _flush_skips)."""
        sid = self._line_sid.get((file, line))
        if sid is None:
            return
        self._pending_skips.append((file, sid))
        self.problems.add(f"{file}.csv", line, column, message, row_level=True)

    def _flush_skips(self) -> None:
        while self._pending_skips:
            file, sid = self._pending_skips.pop()
            data = self.files[file]
            if data.active.pop(sid, None) is not None:
                data.broken.add(sid)
        self._removed_cache = {}

    def _missing(self, file: str, line: int, column: str, target: str, sid: str, what: str) -> bool:
        if sid in self.db.sids(target) or sid in self.files[target].deleted:
            self._err(file, line, column, f'{what} "{sid}" is removed by this import but still referred to here')
        else:
            self._err(file, line, column, f'no {what} "{sid}" in {target}.csv or in the stores')
        return False

    def org_type(self, sid: str) -> str | None:
        rec = self.files["orgs"].active.get(sid)
        if rec is not None:
            return rec.type
        if self.alive("orgs", sid):
            return self.db.org_types.get(sid)
        return None

    def user_role(self, sid: str) -> str | None:
        """The OneRoster role of a user in this import, or what the stores say about them."""
        rec = self.files["users"].active.get(sid)
        if rec is not None:
            return rec.role
        if self.alive("users", sid):
            return self.db.user_roles.get(sid)
        return None

    def _check_references(self) -> None:
        orgs, sessions = self.files["orgs"], self.files["academicSessions"]
        for rec in orgs.active.values():
            if rec.parent and rec.parent not in orgs.active and rec.parent not in self.db.org_types:
                self._err("orgs", rec.line, "parentSourcedId", f'no org "{rec.parent}" in orgs.csv or in the stores')
        for type_ in sorted({r.type for r in orgs.active.values()} - {"school", "district"}):
            self.warnings.append(f'orgs of type "{type_}" are only used to resolve references')
        for rec in sessions.active.values():
            if rec.parent:
                self._ref("academicSessions", rec.line, "parentSourcedId", "academicSessions", rec.parent, "academic session")
        self._flush_skips()
        for rec in self.files["courses"].active.values():
            self._ref("courses", rec.line, "orgSourcedId", "orgs", rec.org, "org")
            self._subject_code("courses", rec.line, rec.subject_codes)
        self._flush_skips()
        self._check_classes()
        self._flush_skips()
        self._check_users()
        self._flush_skips()
        for sid, (line, _birth) in self.files["demographics"].active.items():
            self._ref("demographics", line, "sourcedId", "users", sid, "user")
        self._flush_skips()
        self._check_enrollments()
        self._flush_skips()
        self._check_gradebook()
        self._flush_skips()

    def _subject_code(self, file: str, line: int, codes: list[str]) -> str | None:
        """The LK20 curriculum code among ``codes`` (None if there are none)."""
        if not codes:
            return None
        for code in codes:
            if code in self.db.subjects:
                return code
        if not self.db.subjects:
            self._err(file, line, "subjectCodes", "the LK20 curriculum is not imported yet: run `ransel import lk20` first")
        else:
            self._err(file, line, "subjectCodes", f'"{codes[0]}" is not an LK20 curriculum code (e.g. MAT01-05)')
        return None

    def _check_classes(self) -> None:
        for rec in self.files["classes"].active.values():
            if self._ref("classes", rec.line, "schoolSourcedId", "orgs", rec.school, "school") and self.org_type(rec.school) != "school":
                self._err("classes", rec.line, "schoolSourcedId", f'org "{rec.school}" is not a school')
            if self.files["courses"].mode == ABSENT and not self.alive("courses", rec.course):
                # The manifest says the export has no courses: the class simply has none.
                self.problems.note("classes.csv", rec.line, "courseSourcedId",
                                   f'course "{rec.course}" is not in this export (courses absent): the class has no course')
            else:
                self._ref("classes", rec.line, "courseSourcedId", "courses", rec.course, "course")
            for term in rec.terms:
                self._ref("classes", rec.line, "termSourcedIds", "academicSessions", term, "academic session")
            self._subject_code("classes", rec.line, rec.subject_codes)

    def _check_users(self) -> None:
        users = self.files["users"]
        usernames: dict[str, int] = {}
        sms_owner: dict[str, str] = {}
        skipped = 0
        for sid, rec in list(users.active.items()):
            for org in rec.orgs:
                self._ref("users", rec.line, "orgSourcedIds", "orgs", org, "org")
            if rec.role in ("aide", "proctor"):
                skipped += 1
                continue
            first = usernames.setdefault(rec.username, rec.line)
            if first != rec.line:
                self._err("users", rec.line, "username", f'"{rec.username}" is already used on line {first}')
            owner = self.db.usernames.get(rec.username)
            if owner is not None and owner != sid and self.alive("users", owner) and owner not in users.active:
                self._err("users", rec.line, "username", f'"{rec.username}" already belongs to another person in the stores')
            for agent in rec.agents:
                # A skipped agent leaves this person without that link, not skipped.
                if not self._ref("users", rec.line, "agentSourcedIds", "users", agent, "user", cascade=False):
                    continue
                other = self.user_role(agent)
                pair = {rec.role, other}
                if not ("student" in pair and pair & set(AGENT_ROLES)):
                    self._err(
                        "users", rec.line, "agentSourcedIds",
                        f'"{agent}" ({other}) cannot be an agent of a {rec.role}: agents link '
                        "students with parents, guardians or relatives",
                    )
                elif rec.role == "student" and agent not in users.active and agent not in self.db.relations:
                    # Whether they have parental responsibility hangs on this: never guess.
                    self._err(
                        "users", rec.line, "agentSourcedIds",
                        f'"{agent}" is not in this users.csv and the stores do not say whether they '
                        "are a parent, guardian or relative: include their row",
                    )
            if rec.sms:
                owner_sid = sms_owner.setdefault(rec.sms, sid)
                db_owner = self.db.sms_owner.get(rec.sms)
                if owner_sid != sid or (db_owner is not None and db_owner != sid and self.alive("users", db_owner) and db_owner not in users.active):
                    self.warnings.append(
                        f"users.csv line {rec.line}: the SMS number is already another person's; "
                        "it is not added for this person"
                    )
                    rec.sms = None
        if skipped:
            self.warnings.append(f"{skipped} aide/proctor users skipped: Ransel has no such role")

    def _check_enrollments(self) -> None:
        data = self.files["enrollments"]
        triples: dict[tuple[str, str, str], tuple[str, int]] = {}
        skipped = 0
        for sid, rec in data.active.items():
            ok = self._ref("enrollments", rec.line, "classSourcedId", "classes", rec.cls, "class")
            ok &= self._ref("enrollments", rec.line, "userSourcedId", "users", rec.user, "user")
            self._ref("enrollments", rec.line, "schoolSourcedId", "orgs", rec.school, "school")
            if rec.role in ("administrator", "proctor"):
                skipped += 1
                continue
            if not ok:
                continue
            school = self.class_school(rec.cls)
            if school is not None and school != rec.school:
                self._err("enrollments", rec.line, "schoolSourcedId", f'class "{rec.cls}" belongs to school "{school}"')
            role = self.user_role(rec.user)
            if role in ("aide", "proctor"):
                skipped += 1  # the user is skipped, and so are their enrollments
                continue
            # The enrollment's role governs the membership in this class; say so when it
            # contradicts the user's primary role (a teacher enrolled as a student, say).
            if rec.role == "student" and role != "student":
                self.problems.note("enrollments.csv", rec.line, "role",
                                   f'user "{rec.user}" is a {role} in users.csv but enrolled as a student: '
                                   "a pupil of this class")
            elif rec.role == "teacher" and role not in ("teacher", "administrator"):
                self.problems.note("enrollments.csv", rec.line, "role",
                                   f'user "{rec.user}" is a {role} in users.csv but enrolled as a teacher: '
                                   "a teacher of this class")
            key = (rec.cls, rec.user, rec.role)
            first = triples.setdefault(key, (sid, rec.line))
            if first[0] != sid:
                self._err("enrollments", rec.line, "sourcedId", f"the same enrollment is already on line {first[1]}")
            elif sid not in self.db.ids["enrollments"]:  # a new enrollment: is its place taken?
                other = self.db.enrollment_keys(self.conn).get(key)
                if other is not None and other != sid and self.alive("enrollments", other) and other not in data.active:
                    self._err("enrollments", rec.line, "sourcedId", f'the stores already hold this enrollment as "{other}"')
        if skipped:
            self.warnings.append(f"{skipped} enrollments of administrators, aides or proctors skipped")

    def class_school(self, cls: str) -> str | None:
        rec = self.files["classes"].active.get(cls)
        if rec is not None:
            return rec.school
        return self.db.class_schools.get(cls)

    def _check_gradebook(self) -> None:
        for rec in self.files["lineItems"].active.values():
            self._ref("lineItems", rec.line, "classSourcedId", "classes", rec.cls, "class")
            self._ref("lineItems", rec.line, "categorySourcedId", "categories", rec.category, "category")
            self._ref("lineItems", rec.line, "gradingPeriodSourcedId", "academicSessions", rec.period, "academic session")
        self._flush_skips()
        data = self.files["results"]
        pairs: dict[tuple[str, str], int] = {}
        for sid, rec in data.active.items():
            ok = self._ref("results", rec.line, "lineItemSourcedId", "lineItems", rec.line_item, "lineItem")
            if self._ref("results", rec.line, "studentSourcedId", "users", rec.student, "user"):
                role = self.user_role(rec.student)
                if role != "student":
                    self._err("results", rec.line, "studentSourcedId", f'user "{rec.student}" is a {role}, not a student')
                    ok = False
            else:
                ok = False
            if not ok:
                continue
            key = (rec.line_item, rec.student)
            first = pairs.setdefault(key, rec.line)
            if first != rec.line:
                self._err("results", rec.line, "sourcedId", f"this student already has a result for this lineItem on line {first}")
            elif sid not in self.db.ids["results"]:  # a new result: is its place taken?
                other = self.db.result_keys(self.conn).get(key)
                if other is not None and other != sid and self.alive("results", other) and other not in data.active:
                    self._err("results", rec.line, "sourcedId", f'the stores already hold this result as "{other}"')

    # ---- writing

    def _write(self, conn: Connection) -> None:
        self._purge_removed(conn)
        total = sum(len(f.active) for f in self.files.values())
        with self._bar(total, "writing") as bar:
            self.bar = bar
            owners, schools = self._write_orgs(conn)
            sessions = self._write_sessions(conn)
            categories = self._write_categories(conn)
            courses = self._write_courses(conn, schools)
            groups = self._write_groups(conn, schools, sessions, courses)
            people = self._write_people(conn, schools, owners)
            self._write_memberships(conn, groups, people)
            assignments = self._write_assignments(conn, groups, categories)
            self._write_results(conn, assignments, people)

    def _purge_removed(self, conn: Connection) -> None:
        # Dependents first, so each purge removes only what this import asked for.
        plan = [
            ("results", Result), ("lineItems", Assignment), ("enrollments", Membership),
            ("users", Person), ("classes", Group), ("courses", Course),
            ("categories", AssignmentCategory), ("academicSessions", AcademicSession),
        ]
        for file, model in plan:
            ids = [self.db.ids[file][sid] for sid in self.removed(file) if sid in self.db.ids[file]]
            purge(conn, model.__table__, ids, self.stats)
        removed_orgs = self.removed("orgs")
        purge(conn, School.__table__, [i for s, i in self.db.school_ids.items() if s in removed_orgs], self.stats)
        purge(conn, Owner.__table__, [i for s, i in self.db.owner_ids.items() if s in removed_orgs], self.stats)
        # Bulk demographics: people it does not list have no known birth date any more.
        demographics = self.files["demographics"]
        gone = set(demographics.deleted)
        if demographics.bulk:
            gone |= set(self.db.ids["users"]) - set(demographics.active)
        ids = [self.db.ids["users"][s] for s in gone if s in self.db.ids["users"] and self.db.birth_dates.get(s)]
        for batch in chunks(ids, 900):
            conn.execute(update(Person.__table__).where(Person.__table__.c.id.in_(batch)).values(birth_date=None))
        self.stats.add("updated", "people", len(ids))

    def _sync(self, conn, model, values: tuple[str, ...], desired: dict, **kw) -> dict:
        table = model.__table__
        return sync_table(conn, table, ("sourced_id",), values, desired, None, self.stats, progress=self.bar.update, **kw)

    def _write_orgs(self, conn: Connection) -> tuple[dict[str, int], dict[str, int]]:
        orgs = self.files["orgs"].active
        owners = self._sync(
            conn, Owner, ("name", "identifier"),
            {sid: (r.name, r.identifier) for sid, r in orgs.items() if r.type == "district"},
        )
        desired = {}
        for sid, r in orgs.items():
            if r.type == "school":
                owner = owners.get(r.parent) if r.parent and self.org_type(r.parent) == "district" else None
                desired[sid] = (owner, r.name, r.identifier)
        schools = self._sync(conn, School, ("owner_id", "name", "identifier"), desired)
        return owners, schools

    def _write_sessions(self, conn: Connection) -> dict[str, int]:
        sessions = self.files["academicSessions"].active
        cols = ("title", "kind", "start_date", "end_date", "school_year")
        ids = self._sync(
            conn, AcademicSession, cols,
            {sid: (r.title, SessionKind(r.type), r.start, r.end, r.school_year) for sid, r in sessions.items()},
        )
        # Parents in a second pass: a term may come before its school year in the file.
        table = AcademicSession.__table__
        parents = {sid: (ids.get(r.parent) if r.parent else None,) for sid, r in sessions.items()}
        sync_table(conn, table, ("sourced_id",), ("parent_id",), parents, None, SyncStats(), want_ids=False)
        return ids

    def _write_categories(self, conn: Connection) -> dict[str, tuple[int, AssignmentKind]]:
        cats = self.files["categories"].active
        ids = self._sync(conn, AssignmentCategory, ("title", "kind"), {sid: (t, k) for sid, (_l, t, k) in cats.items()})
        kinds = dict(self.db.category_kinds)
        kinds.update({sid: k for sid, (_l, _t, k) in cats.items()})
        return {sid: (ids[sid], kinds[sid]) for sid in ids if sid in kinds}

    def _write_courses(self, conn: Connection, schools: dict[str, int]) -> dict[str, tuple[str | None, str | None]]:
        courses = self.files["courses"].active
        desired = {
            sid: (r.title, r.code, self._lk20(r.subject_codes), schools.get(r.org))
            for sid, r in courses.items()
        }
        self._sync(conn, Course, ("title", "course_code", "subject_code", "school_id"), desired, want_ids=False)
        info = dict(self.db.courses)
        info.update({sid: (v[1], v[2]) for sid, v in desired.items()})
        return info

    def _lk20(self, codes: list[str]) -> str | None:
        return next((c for c in codes if c in self.db.subjects), None)

    def _write_groups(self, conn, schools, sessions, courses) -> dict[str, int]:
        desired = {}
        for sid, r in self.files["classes"].active.items():
            course_code, course_subject = courses.get(r.course, (None, None))
            homeroom = r.class_type == "homeroom"
            subject = None if homeroom else (self._lk20(r.subject_codes) or course_subject)
            desired[sid] = (
                schools[r.school],
                sessions.get(r.terms[0]) if r.terms else None,
                r.title,
                GroupKind.BASIS if homeroom else GroupKind.TEACHING,
                r.grade,
                subject,
                course_code,
            )
        cols = ("school_id", "session_id", "name", "kind", "grade", "subject_code", "course_code")
        self.group_subjects = dict(self.db.group_subjects)
        self.group_subjects.update({sid: values[5] for sid, values in desired.items()})
        return self._sync(conn, Group, cols, desired)

    def _write_people(self, conn: Connection, schools: dict[str, int], owners: dict[str, int]) -> dict[str, int]:
        users = {s: r for s, r in self.files["users"].active.items() if r.role not in ("aide", "proctor")}
        cols = ("username", "email", "given_name", "family_name", "enabled")
        people = self._sync(
            conn, Person, cols,
            {sid: (r.username, r.email, r.given, r.family, r.enabled) for sid, r in users.items()},
            insert_only_cols={"language": "nb"},
        )
        touched = {people[sid] for sid in users}
        self._write_roles(conn, users, people, schools, owners, touched)
        self._write_contact_points(conn, users, people, touched)
        self._write_guardianships(conn, users, people, touched)
        self._write_birth_dates(conn, people)
        return people

    def _write_roles(self, conn, users, people, schools, owners, touched) -> None:
        # One role per school in orgSourcedIds. An administrator of only a district (kommune)
        # is an owner admin, bound to that owner.
        desired: set[tuple[int, Role, int | None, int | None]] = set()
        for sid, r in users.items():
            school_ids = [schools[o] for o in r.orgs if o in schools]
            if r.role == "administrator" and not school_ids:
                for owner_id in [owners[o] for o in r.orgs if o in owners] or [None]:
                    desired.add((people[sid], Role.OWNER_ADMIN, None, owner_id))
                continue
            for school_id in school_ids or [None]:
                desired.add((people[sid], _ROLE[r.role], school_id, None))
        table = PersonRole.__table__
        existing = {}
        columns = (table.c.id, table.c.person_id, table.c.role, table.c.school_id, table.c.owner_id)
        for batch in chunks(sorted(touched), 900):
            for row in conn.execute(select(*columns).where(table.c.person_id.in_(batch))):
                existing[(row.person_id, row.role, row.school_id, row.owner_id)] = row.id
        stale = [i for key, i in existing.items() if key not in desired]
        for batch in chunks(stale, 900):
            conn.execute(delete(table).where(table.c.id.in_(batch)))
        self.stats.add("deleted", table.name, len(stale))
        new = [
            {"person_id": p, "role": r, "school_id": s, "owner_id": o}
            for (p, r, s, o) in sorted(desired, key=repr) if (p, r, s, o) not in existing
        ]
        for batch in chunks(new, 5000):
            conn.execute(insert(table), list(batch))
        self.stats.add("inserted", table.name, len(new))

    def _write_contact_points(self, conn, users, people, touched) -> None:
        # The school's register is the authority for the SMS numbers it gives us (the school
        # checked them when it registered the family), so they count as verified. Telegram
        # chats and web sessions are Ransel's own and never touched here.
        table = ContactPoint.__table__
        desired = {(people[sid], r.sms) for sid, r in users.items() if r.sms}
        existing = {}
        for batch in chunks(sorted(touched), 900):
            query = select(table.c.id, table.c.person_id, table.c.address).where(
                and_(table.c.person_id.in_(batch), table.c.channel == Channel.SMS)
            )
            for row in conn.execute(query):
                existing[(row.person_id, row.address)] = row.id
        stale = [i for key, i in existing.items() if key not in desired]
        for batch in chunks(stale, 900):
            conn.execute(delete(table).where(table.c.id.in_(batch)))
        self.stats.add("deleted", table.name, len(stale))
        now = self.clock.utcnow()
        new = [
            {"person_id": p, "channel": Channel.SMS, "address": a, "verified": True, "created_at": now}
            for (p, a) in sorted(desired) if (p, a) not in existing
        ]
        for batch in chunks(new, 5000):
            conn.execute(insert(table), list(batch))
        self.stats.add("inserted", table.name, len(new))

    def _write_guardianships(self, conn, users, people, touched) -> None:
        desired: dict[tuple[int, int], tuple[str, bool]] = {}
        for sid, r in users.items():
            for agent in r.agents:
                other = self.user_role(agent)
                if r.role == "student":
                    guardian, pupil, relation = agent, sid, other
                else:
                    guardian, pupil, relation = sid, agent, r.role
                if relation not in AGENT_ROLES:
                    relation = self.db.relations.get(guardian, "guardian")
                gid, pid = people.get(guardian), people.get(pupil)
                if gid is None or pid is None:
                    continue
                desired[(gid, pid)] = (relation, RESPONSIBLE[relation])
        table = Guardianship.__table__
        existing = {}
        for column in (table.c.guardian_id, table.c.pupil_id):
            for batch in chunks(sorted(touched), 900):
                query = select(table.c.id, table.c.guardian_id, table.c.pupil_id, table.c.relation, table.c.parental_responsibility)
                for row in conn.execute(query.where(column.in_(batch))):
                    existing[(row.guardian_id, row.pupil_id)] = (row.id, (row.relation, row.parental_responsibility))
        stale = [found[0] for key, found in existing.items() if key not in desired]
        for batch in chunks(stale, 900):
            conn.execute(delete(table).where(table.c.id.in_(batch)))
        self.stats.add("deleted", table.name, len(stale))
        sync_table(
            conn, table, ("guardian_id", "pupil_id"), ("relation", "parental_responsibility"),
            desired, existing, self.stats, want_ids=False,
        )

    def _write_birth_dates(self, conn: Connection, people: dict[str, int]) -> None:
        births = self.files["demographics"].active
        changes = [
            {"v__id": people[sid], "v_birth_date": birth}
            for sid, (_line, birth) in births.items()
            if sid in people and self.db.birth_dates.get(sid) != birth
        ]
        table = Person.__table__
        if changes:
            statement = update(table).where(table.c.id == bindparam("v__id")).values(birth_date=bindparam("v_birth_date"))
            conn.execute(statement, changes)
            # People inserted by this import count as inserted, not also as updated.
            self.stats.add("updated", "people", sum(1 for sid in births if sid in self.db.birth_dates and self.db.birth_dates[sid] != births[sid][1]))

    def _write_memberships(self, conn, groups, people) -> None:
        desired = {}
        for sid, r in self.files["enrollments"].active.items():
            if r.role not in ("student", "teacher") or r.user not in people:
                continue
            contact = r.role == "teacher" and r.primary and self.class_type(r.cls) == "homeroom"
            role = MemberRole.PUPIL if r.role == "student" else MemberRole.TEACHER
            desired[sid] = (groups[r.cls], people[r.user], role, contact, r.begin, r.end)
        cols = ("group_id", "person_id", "role", "is_contact_teacher", "begin_date", "end_date")
        self._sync(conn, Membership, cols, desired, want_ids=False)

    def class_type(self, cls: str) -> str | None:
        rec = self.files["classes"].active.get(cls)
        return rec.class_type if rec is not None else self.db.class_types.get(cls)

    def _write_assignments(self, conn, groups, categories) -> dict[str, int]:
        desired = {
            sid: (
                groups[r.cls], categories[r.category][1], self.group_subjects.get(r.cls), r.title, r.description,
                r.assigned, r.due, r.max_score,
            )
            for sid, r in self.files["lineItems"].active.items()
        }
        cols = ("group_id", "kind", "subject_code", "title", "description", "assigned_at", "due_at", "max_score")
        return self._sync(conn, Assignment, cols, desired)

    def _write_results(self, conn, assignments, people) -> None:
        results = self.files["results"].active
        if not results:
            return
        desired = {
            sid: (assignments[r.line_item], people[r.student], r.score, r.status, r.scored_on, r.comment)
            for sid, r in results.items()
        }
        cols = ("assignment_id", "pupil_id", "score", "status", "scored_on", "comment")
        self._sync(conn, Result, cols, desired, want_ids=False)


_ROLE = {
    "student": Role.PUPIL,
    "teacher": Role.TEACHER,
    "parent": Role.GUARDIAN,
    "guardian": Role.GUARDIAN,
    "relative": Role.GUARDIAN,
    "administrator": Role.SCHOOL_ADMIN,
}

_REQUIRED: dict[str, tuple[str, ...]] = {
    "orgs": ("sourcedId", "name", "type"),
    "academicSessions": ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
    "courses": ("sourcedId", "title", "orgSourcedId"),
    "classes": ("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
    "users": ("sourcedId", "enabledUser", "orgSourcedIds", "role", "username", "givenName", "familyName"),
    "demographics": ("sourcedId", "birthDate"),
    "enrollments": ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    "categories": ("sourcedId", "title"),
    "lineItems": ("sourcedId", "title", "assignDate", "dueDate", "classSourcedId", "categorySourcedId", "gradingPeriodSourcedId"),
    "results": ("sourcedId", "lineItemSourcedId", "studentSourcedId", "scoreStatus"),
}
assert set(_REQUIRED) == set(IMPORTED) and all(set(v) <= set(COLUMNS[k]) for k, v in _REQUIRED.items())
# Required in 1.1, not in a 1.2 file (users' role and orgs come from roles.csv).
_NOT_IN_12: dict[str, tuple[str, ...]] = {"users": ("orgSourcedIds", "role"), "lineItems": ("gradingPeriodSourcedId",)}


# --- what the stores already hold ----------------------------------------------------------


@dataclass
class _DbState:
    """The slice of the stores an import needs to check references and plan removals."""

    ids: dict[str, dict[str, int]]  # file -> sourcedId -> row id
    owner_ids: dict[str, int]
    school_ids: dict[str, int]
    org_types: dict[str, str]
    subjects: set[str]
    courses: dict[str, tuple[str | None, str | None]]  # course sid -> (course code, subject)
    category_kinds: dict[str, AssignmentKind]
    class_schools: dict[str, str | None]
    class_types: dict[str, str]
    group_subjects: dict[str, str | None]
    user_roles: dict[str, str]
    usernames: dict[str, str]
    sms_owner: dict[str, str]
    relations: dict[str, str]
    birth_dates: dict[str, date | None]
    group_sids: dict[int, str]
    person_sids: dict[int, str]
    _enrollment_keys: dict[tuple[str, str, str], str] | None = None
    _result_keys: dict[tuple[str, str], str] | None = None

    def sids(self, file: str) -> dict[str, int]:
        return self.ids[file]

    def enrollment_keys(self, conn: Connection) -> dict[tuple[str, str, str], str]:
        """(class, user, role) -> sourcedId of the stored enrollment; loaded when first needed."""
        if self._enrollment_keys is None:
            m = Membership.__table__
            self._enrollment_keys = {
                (self.group_sids[g], self.person_sids[p], "student" if r == MemberRole.PUPIL else "teacher"): s
                for s, g, p, r in conn.execute(select(m.c.sourced_id, m.c.group_id, m.c.person_id, m.c.role))
                if s is not None
            }
        return self._enrollment_keys

    def result_keys(self, conn: Connection) -> dict[tuple[str, str], str]:
        """(lineItem, student) -> sourcedId of the stored result; loaded when first needed."""
        if self._result_keys is None:
            r = Result.__table__
            assignment_sids = {i: s for s, i in self.ids["lineItems"].items()}
            self._result_keys = {
                (assignment_sids[a], self.person_sids[p]): s
                for s, a, p in conn.execute(select(r.c.sourced_id, r.c.assignment_id, r.c.pupil_id))
                if s is not None
            }
        return self._result_keys

    @classmethod
    def load(cls, conn: Connection, files: dict[str, FileData]) -> _DbState:
        def sid_map(model) -> dict[str, int]:
            t = model.__table__
            return {s: i for i, s in conn.execute(select(t.c.id, t.c.sourced_id)) if s is not None}

        owners, schools = sid_map(Owner), sid_map(School)
        org_ids = {**owners, **schools}
        org_types = {**dict.fromkeys(owners, "district"), **dict.fromkeys(schools, "school")}
        school_sid = {i: s for s, i in schools.items()}

        c, g, p = Course.__table__, Group.__table__, Person.__table__
        courses = {row.sourced_id: (row.course_code, row.subject_code) for row in conn.execute(select(c.c.sourced_id, c.c.course_code, c.c.subject_code))}
        cat = AssignmentCategory.__table__
        category_kinds = {s: k for s, k in conn.execute(select(cat.c.sourced_id, cat.c.kind))}
        class_schools: dict[str, str | None] = {}
        class_types, group_subjects, group_ids = {}, {}, {}
        for row in conn.execute(select(g.c.id, g.c.sourced_id, g.c.school_id, g.c.kind, g.c.subject_code)):
            group_ids[row.sourced_id] = row.id
            class_schools[row.sourced_id] = school_sid.get(row.school_id)
            class_types[row.sourced_id] = "homeroom" if row.kind == GroupKind.BASIS else "scheduled"
            group_subjects[row.sourced_id] = row.subject_code

        people, usernames, birth_dates, person_sid = {}, {}, {}, {}
        for row in conn.execute(select(p.c.id, p.c.sourced_id, p.c.username, p.c.birth_date)):
            people[row.sourced_id] = row.id
            person_sid[row.id] = row.sourced_id
            birth_dates[row.sourced_id] = row.birth_date
            if row.username:
                usernames[row.username] = row.sourced_id
        roles = PersonRole.__table__
        user_roles: dict[str, str] = {}
        for person_id, role in conn.execute(select(roles.c.person_id, roles.c.role)):
            user_roles[person_sid[person_id]] = _ONEROSTER_ROLE[role]
        gs = Guardianship.__table__
        relations = {}
        for guardian_id, relation in conn.execute(select(gs.c.guardian_id, gs.c.relation)):
            relations[person_sid[guardian_id]] = relation
            user_roles[person_sid[guardian_id]] = relation if relation in AGENT_ROLES else "guardian"
        cp = ContactPoint.__table__
        sms_owner = {
            address: person_sid[person_id]
            for person_id, address in conn.execute(select(cp.c.person_id, cp.c.address).where(cp.c.channel == Channel.SMS))
        }

        m, r = Membership.__table__, Result.__table__
        # Rows made in Ransel itself (no sourcedId) are never an import's to remove.
        memberships = {s: i for i, s in conn.execute(select(m.c.id, m.c.sourced_id).where(m.c.sourced_id.is_not(None)))}
        results = {s: i for i, s in conn.execute(select(r.c.id, r.c.sourced_id).where(r.c.sourced_id.is_not(None)))}
        a = Assignment.__table__
        assignments = {s: i for i, s in conn.execute(select(a.c.id, a.c.sourced_id))}

        s = Subject.__table__
        return cls(
            ids={
                "orgs": org_ids,
                "academicSessions": sid_map(AcademicSession),
                "courses": sid_map(Course),
                "classes": group_ids,
                "users": people,
                "demographics": {},
                "enrollments": memberships,
                "categories": sid_map(AssignmentCategory),
                "lineItems": assignments,
                "results": results,
            },
            owner_ids=owners,
            school_ids=schools,
            org_types=org_types,
            subjects=set(conn.execute(select(s.c.code)).scalars()),
            courses=courses,
            category_kinds=category_kinds,
            class_schools=class_schools,
            class_types=class_types,
            group_subjects=group_subjects,
            user_roles=user_roles,
            usernames=usernames,
            sms_owner=sms_owner,
            relations=relations,
            birth_dates=birth_dates,
            group_sids={i: s for s, i in group_ids.items()},
            person_sids=person_sid,
        )


_ONEROSTER_ROLE = {
    Role.PUPIL: "student",
    Role.TEACHER: "teacher",
    Role.GUARDIAN: "guardian",
    Role.SCHOOL_ADMIN: "administrator",
    Role.OWNER_ADMIN: "administrator",
}
