"""Reading IMS OneRoster 1.1 CSV files: the manifest, headers, rows with line numbers, fields.

Spec rules followed here (OneRoster 1.1 CSV tables): UTF-8 with an optional byte-order mark;
RFC 4180 quoting; a header row with case-sensitive column names; extension columns are named
``metadata.*``; lists inside a field are comma-separated (and so quoted); dates are
``YYYY-MM-DD``; date-times ISO 8601; ``status`` is ``active`` or ``tobedeleted``.

Leniency, on purpose: columns may come in any order (we match by name; the spec prescribes
the order but nothing depends on it) and optional spec columns may be left out. Unknown
columns that are not ``metadata.*`` are errors, because they are usually misspelt names.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from bot.importers._problems import Problems

BULK, DELTA, ABSENT = "bulk", "delta", "absent"
ACTIVE, TOBEDELETED = "active", "tobedeleted"

# Column names per file, in the spec's order (OneRoster 1.1 CSV tables).
COLUMNS: dict[str, tuple[str, ...]] = {
    "academicSessions": (
        "sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
        "parentSourcedId", "schoolYear",
    ),
    "categories": ("sourcedId", "status", "dateLastModified", "title"),
    "classes": (
        "sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
        "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects",
        "subjectCodes", "periods",
    ),
    "courses": (
        "sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode",
        "grades", "orgSourcedId", "subjects", "subjectCodes",
    ),
    "demographics": (
        "sourcedId", "status", "dateLastModified", "birthDate", "sex",
        "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation",
        "cityOfBirth", "publicSchoolResidenceStatus",
    ),
    "enrollments": (
        "sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
        "userSourcedId", "role", "primary", "beginDate", "endDate",
    ),
    "lineItems": (
        "sourcedId", "status", "dateLastModified", "title", "description", "assignDate",
        "dueDate", "classSourcedId", "categorySourcedId", "gradingPeriodSourcedId",
        "resultValueMin", "resultValueMax",
    ),
    "orgs": ("sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"),
    "results": (
        "sourcedId", "status", "dateLastModified", "lineItemSourcedId", "studentSourcedId",
        "scoreStatus", "score", "scoreDate", "comment",
    ),
    "users": (
        "sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
        "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email",
        "sms", "phone", "agentSourcedIds", "grades", "password",
    ),
    "resources": (
        "sourcedId", "status", "dateLastModified", "vendorResourceId", "title", "roles",
        "importance", "vendorId", "applicationId",
    ),
    "classResources": ("sourcedId", "status", "dateLastModified", "title", "classSourcedId", "resourceSourcedId"),
    "courseResources": ("sourcedId", "status", "dateLastModified", "title", "courseSourcedId", "resourceSourcedId"),
}
# OneRoster 1.2 CSV: columns added to 1.1's files, and its new files. users.csv has no role
# or orgSourcedIds any more: roles.csv holds them (read into users' rows, see ``Source``).
COLUMNS_12_ADDED: dict[str, tuple[str, ...]] = {
    "categories": ("weight",),
    "lineItems": ("scoreScaleSourcedId", "academicSessionSourcedId", "schoolSourcedId",
                  "learningObjectiveSet", "learningObjectiveIds", "learningObjectiveType",
                  "learningObjectiveResultSet"),
    "results": ("scoreScaleSourcedId", "scorePercentile", "textScore", "classSourcedId", "inProgress",
                "incomplete", "late", "missing", "learningObjectiveSet", "learningObjectiveIds",
                "learningObjectiveType", "learningObjectiveScore", "learningObjectiveTextScore"),
    "users": ("userMasterIdentifier", "resourceSourcedIds", "preferredGivenName", "preferredMiddleName",
              "preferredFamilyName", "primaryOrgSourcedId", "pronouns"),
    "courses": ("courseCodes", "resourceSourcedIds"),
    "classes": ("resourceSourcedIds",),
}
FILES_12 = {
    "roles": ("sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "beginDate",
              "endDate", "orgSourcedId", "userProfileSourcedId"),
    "userProfiles": ("sourcedId", "status", "dateLastModified", "userSourcedId", "profileId", "profileType",
                     "vendorId", "applicationId", "description", "credentialType", "username", "password"),
    "scoreScales": ("sourcedId", "status", "dateLastModified", "title", "type", "courseSourcedId",
                    "classSourcedId", "scoreScaleType", "scoreScaleValue"),
}
# 1.2 roles Ransel knows under a 1.1 name; anyone else (counselor ...) is skipped like an aide.
ROLES_12 = {"districtAdministrator": "administrator", "siteAdministrator": "administrator",
            "systemAdministrator": "administrator", "principal": "administrator", "counselor": "aide"}


def columns(file: str, version: str) -> tuple[str, ...]:
    """The column names ``file`` may have in this OneRoster version."""
    if version == "1.2":
        if file in FILES_12:
            return FILES_12[file]
        return COLUMNS[file] + COLUMNS_12_ADDED.get(file, ())
    return COLUMNS[file]


# Files Ransel reads; the resource files are valid OneRoster but carry nothing Ransel uses.
IMPORTED = (
    "orgs", "academicSessions", "courses", "classes", "users", "demographics", "enrollments",
    "categories", "lineItems", "results",
)


@dataclass(frozen=True)
class Manifest:
    modes: dict[str, str]  # file name (without .csv) -> bulk | delta | absent
    source: str | None
    version: str = "1.1"


class Source:
    """A directory or a zip file holding manifest.csv and the data files."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._zip = zipfile.ZipFile(self.path) if self.path.is_file() else None

    def exists(self, filename: str) -> bool:
        if self._zip is not None:
            return filename in self._zip.namelist()
        return (self.path / filename).is_file()

    def size(self, filename: str) -> int:
        if self._zip is not None:
            return self._zip.getinfo(filename).file_size
        return (self.path / filename).stat().st_size

    @contextmanager
    def open(self, filename: str) -> Iterator[IO[str]]:
        if self._zip is not None:
            with self._zip.open(filename) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        else:
            with open(self.path / filename, encoding="utf-8-sig", newline="") as fh:
                yield fh

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def read_manifest(source: Source, problems: Problems) -> Manifest | None:
    name = "manifest.csv"
    if not source.exists(name):
        problems.add(name, None, None, "missing: a OneRoster export must include manifest.csv")
        return None
    props: dict[str, tuple[int, str]] = {}
    with source.open(name) as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != ["propertyName", "value"]:
            problems.add(name, 1, None, 'the header must be "propertyName,value"')
            return None
        for values in reader:
            if not values:
                continue
            if len(values) != 2:
                problems.add(name, reader.line_num, None, f"expected 2 fields, found {len(values)}")
                continue
            props[values[0].strip()] = (reader.line_num, values[1].strip())
    version = props.get("oneroster.version")
    if version is None:
        problems.add(name, None, "propertyName", "oneroster.version is missing (Ransel reads 1.1 and 1.2)")
    elif version[1] not in ("1.1", "1.2"):
        problems.add(name, version[0], "value", f'oneroster.version is "{version[1]}"; Ransel reads 1.1 and 1.2')
    release = version[1] if version is not None and version[1] in ("1.1", "1.2") else "1.1"
    modes: dict[str, str] = {}
    for key, (line, value) in props.items():
        if not key.startswith("file."):
            continue
        file = key.removeprefix("file.")
        value = value.lower()  # "Bulk", "DELTA": the same modes
        if release == "1.2" and file in FILES_12:
            if value not in (BULK, DELTA, ABSENT):
                problems.add(name, line, "value", f'{key} must be bulk, delta or absent, not "{value}"')
            else:
                modes[file] = value
            continue
        if file not in COLUMNS:
            problems.add(name, line, "propertyName", f'unknown file "{file}" in {key}')
        elif value not in (BULK, DELTA, ABSENT):
            problems.add(name, line, "value", f'{key} must be bulk, delta or absent, not "{value}"')
        else:
            modes[file] = value
    for file in (*COLUMNS, *(FILES_12 if release == "1.2" else ())):
        modes.setdefault(file, ABSENT)
        if modes[file] != ABSENT and not source.exists(f"{file}.csv"):
            problems.add(name, props[f"file.{file}"][0], "value", f"says {file}.csv is {modes[file]}, but the file is missing")
    system = props.get("source.systemName")
    return Manifest(modes, system[1] if system else None, release)


class Row:
    """One data row: its line number and fields by column name."""

    __slots__ = ("_index", "_values", "line")

    def __init__(self, line: int, values: list[str], index: dict[str, int]) -> None:
        self.line = line
        self._values = values
        self._index = index

    def __getitem__(self, column: str) -> str:
        i = self._index.get(column)
        return self._values[i] if i is not None else ""


def _extension(column: str) -> bool:
    """``metadata.*`` (the standard's extension point) and vendors' ``ext_*`` / ``ext.*``."""
    lowered = column.lower()
    return lowered.startswith(("metadata.", "ext_", "ext.", "x-", "x_"))


def read_rows(
    source: Source, file: str, problems: Problems, required: tuple[str, ...], on_row=None,
    version: str = "1.1",
) -> Iterator[Row]:
    """Rows of ``file``.csv; header problems end the file, row-shape problems skip the row."""
    filename = f"{file}.csv"
    known = set(columns(file, version))
    with source.open(filename) as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            problems.add(filename, 1, None, f"not readable as CSV ({exc})")
            return
        if not header:
            problems.add(filename, 1, None, "the header row is missing")
            return
        header = [h.strip() for h in header]
        index: dict[str, int] = {}
        bad = False
        extensions = [c for c in header if c not in known and _extension(c)]
        if extensions:
            problems.note(filename, 1, None, f"extension columns ignored: {', '.join(extensions)}")
        for i, column in enumerate(header):
            if column in index:
                problems.add(filename, 1, column, "this column appears twice in the header")
                bad = True
            elif column not in known and not _extension(column):
                problems.add(
                    filename, 1, column,
                    f'unknown column "{column}" (OneRoster {version} {filename} has: '
                    f'{", ".join(columns(file, version))})',
                )
                bad = True
            index[column] = i
        for column in required:
            if column not in index:
                problems.add(filename, 1, column, "this required column is missing from the header")
                bad = True
        if bad:
            return
        width = len(header)
        last = reader.line_num
        rows = 0
        try:
            for values in reader:
                line = last + 1
                last = reader.line_num
                if on_row is not None:
                    on_row(1)
                if not values or (len(values) == 1 and not values[0].strip()):
                    continue
                rows += 1
                if len(values) != width:
                    problems.add(filename, line, None, f"expected {width} fields like the header, found {len(values)}")
                    continue
                yield Row(line, [v.strip() for v in values], index)
        except csv.Error as exc:
            problems.add(filename, reader.line_num, None, f"not readable as CSV ({exc})")
        if rows == 0:
            # OneRoster 1.1: a file in the set must hold data rows; send "absent" instead.
            problems.add(filename, None, None, "has no data rows (mark it absent in the manifest instead)")


# --- field values --------------------------------------------------------------------------


class Fields:
    """Parses the fields of one row, recording a problem (file, line, column) for bad ones."""

    def __init__(self, file: str, row: Row, problems: Problems) -> None:
        self.filename = f"{file}.csv"
        self.row = row
        self.problems = problems
        self.ok = True

    def error(self, column: str | None, message: str, row_level: bool = True) -> None:
        self.ok = False
        self.problems.add(self.filename, self.row.line, column, message, row_level)

    def text(self, column: str, required: bool = False) -> str | None:
        row = self.row
        i = row._index.get(column)
        value = row._values[i] if i is not None else ""
        if not value:
            if required:
                self.error(column, "a value is required here")
            return None
        return value

    def ref(self, column: str, required: bool = False) -> str | None:
        value = self.text(column, required)
        return sys.intern(value) if value else None

    def refs(self, column: str, required: bool = False) -> list[str]:
        value = self.text(column, required)
        return [sys.intern(v.strip()) for v in value.split(",") if v.strip()] if value else []

    def choice(self, column: str, allowed: tuple[str, ...], required: bool = False) -> str | None:
        """One of ``allowed``, matched without regard to case ("Scheduled" is "scheduled")."""
        value = self.text(column, required)
        if value is None or value in allowed:
            return value
        for option in allowed:
            if option.casefold() == value.casefold():
                return option
        self.error(column, f'"{value}" is not one of: {", ".join(allowed)}')
        return None

    def boolean(self, column: str, required: bool = False) -> bool | None:
        value = self.text(column, required)
        if value is None:
            return None
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.error(column, f'"{value}" is not true or false')
        return None

    def number(self, column: str, required: bool = False) -> float | None:
        value = self.text(column, required)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            self.error(column, f'"{value}" is not a number')
            return None

    def integer(self, column: str, required: bool = False) -> int | None:
        value = self.text(column, required)
        if value is None:
            return None
        if re.fullmatch(r"\d{1,9}", value):
            return int(value)
        self.error(column, f'"{value}" is not a whole number')
        return None

    def day(self, column: str, required: bool = False) -> date | None:
        value = self.text(column, required)
        if value is None:
            return None
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            # Some systems write a date-time where the standard has a date: its date counts.
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            self.error(column, f'"{value}" is not a date (YYYY-MM-DD)')
            return None

    def moment(self, column: str, zone: ZoneInfo, date_only_at: time, required: bool = False) -> datetime | None:
        """An instant. A bare date means ``date_only_at`` that day, a time without offset
        is school time (``zone``)."""
        value = self.text(column, required)
        if value is None:
            return None
        try:
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), date_only_at, tzinfo=zone)
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.error(column, f'"{value}" is not a date-time (ISO 8601, e.g. 2026-12-01T08:30:00+01:00)')
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)

