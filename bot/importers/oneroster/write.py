"""Writing what was read and checked, in one transaction: each kind synced by sourcedId,
removed records purged with what refers to them."""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from bot.db import chunks
from bot.importers._sync import SyncStats, purge, sync_table
from bot.importers.oneroster.check import Checker
from bot.importers.oneroster.records import (
    _ROLE,
    AGENT_ROLES,
    RESPONSIBLE,
)
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
    SessionKind,
)


class Writer(Checker):
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
        self._write_identifiers(conn, users, people)
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

    def _write_identifiers(self, conn, users, people) -> None:
        # Only people whose userIds cell was read: a broken cell leaves theirs as they were.
        read = {people[sid] for sid, r in users.items() if r.user_ids is not None}
        desired = {(people[sid], scheme, value) for sid, r in users.items() for scheme, value in (r.user_ids or [])}
        table = PersonIdentifier.__table__
        existing = {}
        for batch in chunks(sorted(read), 900):
            query = select(table.c.id, table.c.person_id, table.c.scheme, table.c.value)
            for row in conn.execute(query.where(table.c.person_id.in_(batch))):
                existing[(row.person_id, row.scheme, row.value)] = row.id
        stale = [i for key, i in existing.items() if key not in desired]
        for batch in chunks(stale, 900):
            conn.execute(delete(table).where(table.c.id.in_(batch)))
        self.stats.add("deleted", table.name, len(stale))
        new = [{"person_id": p, "scheme": s, "value": v} for (p, s, v) in sorted(desired) if (p, s, v) not in existing]
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
