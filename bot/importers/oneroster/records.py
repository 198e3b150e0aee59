"""What a OneRoster import reads and holds: the record shapes, the values it accepts, and
the slice of the stores it checks against."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select
from tqdm import tqdm

from bot.clock import Clock
from bot.importers._csvfiles import (
    BULK,
    COLUMNS,
    IMPORTED,
    Source,
)
from bot.importers._problems import Problem, Problems
from bot.importers._sync import SyncStats
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
    PersonIdentifier,
    PersonRole,
    Result,
    Role,
    School,
    ScoreStatus,
    Subject,
)
from bot.services.identifiers import identifier_key

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
    # userIds as (scheme, value), e.g. ("Feide", "liv.andersen@fjellby.kommune.no"); None when
    # the cell could not be read, so the identifiers stored for the person stay as they are.
    user_ids: list[tuple[str, str]] | None = None

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
    # (scheme, value) folded as sign-in matches them -> the sourcedId of the person holding it
    identifier_owner: dict[tuple[str, str], str]
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

        pi = PersonIdentifier.__table__
        identifier_owner = {
            identifier_key(scheme, value): person_sid[person_id]
            for person_id, scheme, value in conn.execute(select(pi.c.person_id, pi.c.scheme, pi.c.value))
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
            identifier_owner=identifier_owner,
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



class ImportState:
    """What one import knows while it runs, shared by reading, checking and writing."""

    source: Source
    clock: Clock
    zone: ZoneInfo
    phone_region: str
    dry_run: bool
    strict: bool
    show_progress: bool
    version: str
    problems: Problems
    warnings: list[str]
    files: dict[str, FileData]
    stats: SyncStats
    db: _DbState
    conn: Connection
    _line_sid: dict[tuple[str, int], str]
    _pending_skips: list[tuple[str, str]]

    def _bar(self, total: int, desc: str) -> tqdm:
        return tqdm(total=total, desc=desc, unit=" rows", disable=not self.show_progress, leave=False)
