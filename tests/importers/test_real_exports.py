"""Exports written by others import: tolerant where the standard or practice is, with a note
for each thing tolerated; strict where data would be wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.importers import ImportFailed
from bot.importers.lk20 import import_lk20
from bot.importers.oneroster import import_oneroster
from bot.models import ContactPoint, Group, MemberRole, Membership, Person
from tests.importers.conftest import LK20, edit_csv, read_csv, write_csv

ROSTER_HUB = Path(__file__).parent / "fixtures" / "roster-hub-en"


@pytest.fixture
def stores(engine):  # noqa: ANN001, ANN201
    import_lk20(engine, LK20)
    return engine


def _count(engine, model) -> int:  # noqa: ANN001
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_roster_hub_sample_export_imports_with_notes(stores, clock) -> None:  # noqa: ANN001
    """lepo-project/roster-hub's sample (AGPL-3.0, see fixtures/roster-hub-en/SOURCE.md)."""
    result = import_oneroster(stores, ROSTER_HUB, clock)
    assert _count(stores, Person) == 20 and _count(stores, Group) == len(read_csv(ROSTER_HUB / "classes.csv")[1])
    notes = "\n".join(result.warnings)
    assert "extension columns ignored: metadata.phoneticGivenName, metadata.phoneticFamilyName" in notes
    assert 'is a student in users.csv but enrolled as a teacher' in notes
    with Session(stores) as session:
        teaching = session.scalar(select(func.count()).select_from(Membership).where(Membership.role == MemberRole.TEACHER))
        assert teaching == 5  # the enrollment's role governs the membership
    again = import_oneroster(stores, ROSTER_HUB, clock)
    assert not again.stats.changed


def test_a_dry_run_reports_and_changes_nothing(stores, clock) -> None:  # noqa: ANN001
    result = import_oneroster(stores, ROSTER_HUB, clock, dry_run=True)
    assert result.stats.inserted.get("people") == 20
    assert _count(stores, Person) == 0 and _count(stores, Group) == 0


@pytest.fixture
def export(tmp_path: Path) -> Path:
    target = tmp_path / "oneroster"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data" / "demo" / "oneroster", target)
    return target


def test_enumerations_match_without_case_and_date_times_are_dates(stores, export, clock) -> None:  # noqa: ANN001
    def shout(rows: list[dict[str, str]]) -> None:
        for row in rows:
            row["classType"] = row["classType"].capitalize()  # "Scheduled", "Homeroom"

    edit_csv(export / "classes.csv", shout)

    def with_time(rows: list[dict[str, str]]) -> None:
        for row in rows:
            if row["birthDate"]:
                row["birthDate"] += "T00:00:00Z"

    edit_csv(export / "demographics.csv", with_time)
    import_oneroster(stores, export, clock)
    with Session(stores) as session:
        emma = session.scalar(select(Person).where(Person.username == "emma.hansen"))
        assert str(emma.birth_date) == "2017-03-14"
        kinds = set(session.scalars(select(Group.kind)))
    assert {k.value for k in kinds} == {"basis", "teaching"}


def test_vendor_columns_are_noted_not_refused_but_misspelt_ones_stop(stores, export, clock) -> None:  # noqa: ANN001
    header, rows = read_csv(export / "users.csv")
    for row in rows:
        row["ext_sis_id"] = "X1"
    write_csv(export / "users.csv", [*header, "ext_sis_id"], rows)
    result = import_oneroster(stores, export, clock)
    assert any("extension columns ignored: ext_sis_id" in w for w in result.warnings)

    header, rows = read_csv(export / "orgs.csv")
    for row in rows:
        row["nmae"] = row["name"]
    write_csv(export / "orgs.csv", [*header, "nmae"], rows)
    with pytest.raises(ImportFailed) as failed:
        import_oneroster(stores, export, clock)
    assert any('unknown column "nmae"' in p.message for p in failed.value.problems)


def test_a_phone_number_that_does_not_parse_is_left_out_and_the_person_imported(stores, export, clock) -> None:  # noqa: ANN001
    def us_numbers(rows: list[dict[str, str]]) -> None:
        for row in rows:
            if row["username"] == "kari.hansen":
                row["sms"], row["phone"] = "(555) 010-9999 ext. 12", ""

    edit_csv(export / "users.csv", us_numbers)
    result = import_oneroster(stores, export, clock)
    assert any('"(555) 010-9999 ext. 12" is not a valid phone number' in w for w in result.warnings)
    with Session(stores) as session:
        kari = session.scalar(select(Person).where(Person.username == "kari.hansen"))
        assert kari is not None
        assert session.scalar(select(func.count()).select_from(ContactPoint).where(ContactPoint.person_id == kari.id)) == 0


def test_us_numbers_parse_with_the_configured_region(stores, export, clock) -> None:  # noqa: ANN001
    def us_numbers(rows: list[dict[str, str]]) -> None:
        for row in rows:
            if row["username"] == "kari.hansen":
                row["sms"], row["phone"] = "(201) 555-0123", ""

    edit_csv(export / "users.csv", us_numbers)
    import_oneroster(stores, export, clock, phone_region="US")
    with Session(stores) as session:
        kari = session.scalar(select(Person).where(Person.username == "kari.hansen"))
        numbers = set(session.scalars(select(ContactPoint.address).where(ContactPoint.person_id == kari.id)))
    assert numbers == {"+12015550123"}


def test_a_class_whose_course_the_manifest_marks_absent_gets_no_course(stores, export, clock) -> None:  # noqa: ANN001
    (export / "courses.csv").unlink()

    def absent(rows: list[dict[str, str]]) -> None:
        for row in rows:
            if row["propertyName"] == "file.courses":
                row["value"] = "absent"

    edit_csv(export / "manifest.csv", absent)
    result = import_oneroster(stores, export, clock)
    assert any("courses absent): the class has no course" in w for w in result.warnings)
    assert _count(stores, Group) > 0


def _as_oneroster_12(export: Path) -> None:
    """The demo export rewritten the OneRoster 1.2 way: roles.csv holds users' roles and orgs,
    users.csv has primaryOrgSourcedId and no role, lineItems name academicSessionSourcedId,
    categories carry a weight, and a userProfiles.csv rides along."""
    header, users = read_csv(export / "users.csv")
    roles = []
    for user in users:
        orgs = [o.strip() for o in user["orgSourcedIds"].split(",") if o.strip()]
        for n, org in enumerate(orgs):
            roles.append({"sourcedId": f"r-{user['sourcedId']}-{n}", "status": user["status"],
                          "dateLastModified": user["dateLastModified"], "userSourcedId": user["sourcedId"],
                          "roleType": "primary" if n == 0 else "secondary",
                          "role": "districtAdministrator" if user["role"] == "administrator" and n else user["role"],
                          "beginDate": "", "endDate": "", "orgSourcedId": org, "userProfileSourcedId": ""})
        user["primaryOrgSourcedId"] = orgs[0] if orgs else ""
        del user["role"], user["orgSourcedIds"]
    write_csv(export / "users.csv", [c for c in header if c not in ("role", "orgSourcedIds")] + ["primaryOrgSourcedId"], users)
    write_csv(export / "roles.csv", list(roles[0]), roles)
    write_csv(export / "userProfiles.csv", ["sourcedId", "status", "dateLastModified", "userSourcedId", "profileId",
                                            "profileType", "vendorId", "applicationId", "description",
                                            "credentialType", "username", "password"],
              [{"sourcedId": "up-1", "status": "", "dateLastModified": "", "userSourcedId": users[0]["sourcedId"],
                "profileId": "x", "profileType": "lms", "vendorId": "v", "applicationId": "", "description": "",
                "credentialType": "", "username": "", "password": ""}])
    header, items = read_csv(export / "lineItems.csv")
    for item in items:
        item["academicSessionSourcedId"] = item.pop("gradingPeriodSourcedId")
    write_csv(export / "lineItems.csv", [("academicSessionSourcedId" if c == "gradingPeriodSourcedId" else c)
                                         for c in header], items)
    header, cats = read_csv(export / "categories.csv")
    for cat in cats:
        cat["weight"] = "1"
    write_csv(export / "categories.csv", [*header, "weight"], cats)

    def manifest(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for row in rows:
            if row["propertyName"] == "oneroster.version":
                row["value"] = "1.2"
        return rows + [{"propertyName": "file.roles", "value": "bulk"},
                       {"propertyName": "file.userProfiles", "value": "bulk"}]

    edit_csv(export / "manifest.csv", manifest)


def test_a_oneroster_12_export_gives_the_same_stores_as_its_11_twin(engine, export, clock, tmp_path) -> None:  # noqa: ANN001
    from tests.importers.conftest import dump

    import_lk20(engine, LK20)
    import_oneroster(engine, export, clock)
    as_11 = dump(engine)
    twin = tmp_path / "twin"
    shutil.copytree(export, twin)
    _as_oneroster_12(twin)
    result = import_oneroster(engine, twin, clock)
    assert not result.stats.changed, result.stats.summary()  # the same people, roles, classes, results
    assert dump(engine) == as_11
    assert any("userProfiles.csv: not imported" in w for w in result.warnings)


OAT_TAO = Path(__file__).parent / "fixtures" / "oat-tao-v1p1"


def test_the_oat_tao_sample_stops_naming_each_column_the_standard_does_not_have(stores, clock) -> None:  # noqa: ANN001
    """oat-sa/oneroster-import's sample (GPL-2.0, see fixtures/oat-tao-v1p1/SOURCE.md): its
    vendor columns are tolerated, its misspelt standard columns stop the import, named."""
    with pytest.raises(ImportFailed) as failed:
        import_oneroster(stores, OAT_TAO, clock)
    unknown = {(p.file, p.column) for p in failed.value.problems if p.message.startswith("unknown column")}
    assert {("classes.csv", "grade"), ("users.csv", "agents"), ("users.csv", "userId"),
            ("demographics.csv", "birthdate")} <= unknown
    assert not any(c.startswith(("ext_", "metadata.")) for _, c in unknown)  # tolerated, not refused
    assert _count(stores, Person) == 0


def test_a_byte_order_mark_crlf_and_quoted_empty_fields_are_fine(stores, export, clock) -> None:  # noqa: ANN001
    import csv

    path = export / "users.csv"
    header, rows = read_csv(path)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:  # BOM, CRLF, every field quoted
        writer = csv.DictWriter(fh, header, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf\"sourcedId\"") and b'""' in path.read_bytes()
    import_oneroster(stores, export, clock)
    assert _count(stores, Person) == len(rows)
