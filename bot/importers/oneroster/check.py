"""Checking the records against each other and the stores before anything is written: every
reference, every role, every class and grade book entry (problems named by file, line and column)."""

from __future__ import annotations

from bot.importers._csvfiles import (
    ABSENT,
)
from bot.importers.oneroster.records import (
    AGENT_ROLES,
    ImportState,
)
from bot.services.identifiers import identifier_key


class Checker(ImportState):
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
        identifier_owner: dict[tuple[str, str], str] = {}
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
            self._check_identifiers(sid, rec, identifier_owner)
        if skipped:
            self.warnings.append(f"{skipped} aide/proctor users skipped: Ransel has no such role")

    def _check_identifiers(self, sid: str, rec, seen: dict[tuple[str, str], str]) -> None:
        """An identifier names one person: sign-in could not choose between two. One that is
        already another person's (in this file or in the stores) is not added to this one."""
        if not rec.user_ids:
            return
        users = self.files["users"]
        kept = []
        for scheme, value in rec.user_ids:
            key = identifier_key(scheme, value)
            first = seen.setdefault(key, sid)
            stored = self.db.identifier_owner.get(key)
            keeps_stored = stored not in users.active or users.active[stored].user_ids is None
            if first != sid or (stored is not None and stored != sid and self.alive("users", stored) and keeps_stored):
                self.problems.note("users.csv", rec.line, "userIds",
                                   f"the {scheme} identifier is already another person's: not added for this person")
                continue
            if (scheme, value) not in kept:
                kept.append((scheme, value))
        rec.user_ids = kept

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
