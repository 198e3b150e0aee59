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

The steps live apart: ``read.py`` turns the files into records (``records.py``), ``check.py``
checks them against each other and the stores, ``write.py`` writes them; this module runs
them in order inside one transaction.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.importers._csvfiles import ABSENT, IMPORTED, Source, read_manifest
from bot.importers._problems import ImportFailed, Problem, Problems
from bot.importers._sync import SyncStats
from bot.importers.oneroster.read import Reader
from bot.importers.oneroster.records import FileData, OneRosterResult, _DbState, category_kind
from bot.importers.oneroster.write import Writer
from bot.models import Person, PersonRole, Role

__all__ = ["OneRosterResult", "category_kind", "import_oneroster"]

log = logging.getLogger(__name__)


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


class _Importer(Reader, Writer):
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
