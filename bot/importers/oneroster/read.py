"""Reading an export: the manifest's files, row by row, into records (a row with a problem of
its own is noted and skipped)."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from bot.importers._csvfiles import (
    ABSENT,
    ACTIVE,
    IMPORTED,
    ROLES_12,
    TOBEDELETED,
    Fields,
    Manifest,
    Row,
    read_rows,
)
from bot.importers.oneroster.records import (
    _NOT_IN_12,
    _REQUIRED,
    ASSIGN_TIME,
    CLASS_TYPES,
    DUE_TIME,
    ENROLLMENT_ROLES,
    ORG_TYPES,
    SCORE_STATUSES,
    SESSION_TYPES,
    USER_ROLES,
    ClassRec,
    CourseRec,
    EnrollRec,
    FileData,
    ImportState,
    LineItemRec,
    OrgRec,
    ResultRec,
    SessionRec,
    UserRec,
    category_kind,
)
from bot.models import (
    AssignmentKind,
    ScoreStatus,
)
from bot.phones import e164, is_mobile
from bot.services.identifiers import parse_user_ids


class Reader(ImportState):
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
        user_ids = self._user_ids(f)
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
            user_ids,
        )

    def _user_ids(self, f: Fields) -> list[tuple[str, str]] | None:
        """The person's identifiers in other systems (Feide, national identity number). A
        cell that is not a list of {scheme:value} is noted and changes nothing stored: the
        person imports and keeps the identifiers they had."""
        cell = f.text("userIds")
        if cell is None:
            return []
        parsed = parse_user_ids(cell)
        if parsed.broken:
            # The cell itself is not repeated: it may hold a national identity number.
            self.problems.note(f.filename, f.row.line, "userIds",
                               "is not a list of {scheme:value} (e.g. {Feide:name@school.no},{NIN:...}): "
                               "this person's identifiers are left as they were")
            return None
        return parsed.pairs

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
