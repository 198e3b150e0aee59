import shutil
import zipfile
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.importers import ImportFailed
from bot.importers.lk20 import import_lk20
from bot.importers.oneroster import category_kind, import_oneroster
from bot.models import (
    Assignment,
    AssignmentKind,
    Channel,
    ContactPoint,
    Group,
    GroupKind,
    Guardianship,
    Membership,
    MemberRole,
    Person,
    PersonIdentifier,
    PersonRole,
    Result,
    Role,
    ScoreStatus,
)
from tests.importers.conftest import LK20, dump, edit_csv, line_of, read_csv, set_manifest, write_csv


@pytest.fixture
def stores(engine):  # noqa: ANN001, ANN201
    """Migrated stores with the LK20 curriculum (OneRoster classes refer to its codes)."""
    import_lk20(engine, LK20)
    return engine


def _person(session: Session, username: str) -> Person:
    return session.scalars(select(Person).where(Person.username == username)).one()


def _count(engine, model) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar()


def _problems(failed: pytest.ExceptionInfo[ImportFailed]) -> set[tuple[str, int | None, str | None]]:
    return {(p.file, p.line, p.column) for p in failed.value.problems}


# --- idempotency and updates ---------------------------------------------------------------


def test_importing_the_same_export_twice_gives_the_same_database(stores, export, clock) -> None:  # noqa: ANN001
    first = import_oneroster(stores, export, clock)
    after_first = dump(stores)

    second = import_oneroster(stores, export, clock)

    assert first.stats.inserted["people"] == 117
    assert not second.stats.changed, second.stats.summary()
    assert dump(stores) == after_first


def test_a_zipped_export_imports_like_a_directory(stores, export, clock, tmp_path) -> None:  # noqa: ANN001
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in export.glob("*.csv"):
            zf.write(path, path.name)

    import_oneroster(stores, archive, clock)

    assert _count(stores, Person) == 117
    assert not import_oneroster(stores, export, clock).stats.changed


def test_a_changed_file_updates_rows_in_place(stores, export, clock) -> None:  # noqa: ANN001
    import_oneroster(stores, export, clock)
    with Session(stores) as session:
        nora_id = _person(session, "nora.lie").id
        fractions_id = session.scalars(select(Assignment.id).where(Assignment.title == "Prøve i brøk og prosent")).one()

    def rename(rows):  # noqa: ANN001, ANN202
        for row in rows:
            if row["username"] == "nora.lie":
                row["familyName"] = "Lie Strand"

    def move_test(rows):  # noqa: ANN001, ANN202
        for row in rows:
            if row["title"] == "Prøve i brøk og prosent":
                row["title"] = "Prøve i brøk, desimaltall og prosent"
                row["dueDate"] = "2026-11-25T08:15:00+01:00"

    edit_csv(export / "users.csv", rename)
    edit_csv(export / "lineItems.csv", move_test)

    result = import_oneroster(stores, export, clock)

    assert result.stats.updated == {"people": 1, "assignments": 1}
    assert not result.stats.inserted and not result.stats.deleted
    with Session(stores) as session:
        nora = _person(session, "nora.lie")
        test = session.get(Assignment, fractions_id)
        assert (nora.id, nora.family_name) == (nora_id, "Lie Strand")
        assert test.title == "Prøve i brøk, desimaltall og prosent"
        assert test.due_at == datetime(2026, 11, 25, 7, 15, tzinfo=timezone.utc)
        assert len(test.results) == 17  # its results stay attached


def test_tobedeleted_in_a_delta_removes_the_pupil_and_what_refers_to_them(stores, export, clock, tmp_path) -> None:  # noqa: ANN001
    import_oneroster(stores, export, clock)
    delta = tmp_path / "delta"
    delta.mkdir()
    shutil.copy(export / "manifest.csv", delta / "manifest.csv")
    set_manifest(delta, **{name: "absent" for name in (
        "orgs", "academicSessions", "courses", "classes", "demographics", "enrollments", "categories",
        "lineItems", "results")}, users="delta")
    header, _rows = read_csv(export / "users.csv")
    write_csv(delta / "users.csv", header, [
        {**dict.fromkeys(header, ""), "sourcedId": "u-sindre.berg", "status": "tobedeleted",
         "dateLastModified": "2026-12-01T09:00:00Z"},
    ])
    with Session(stores) as session:
        sindre = _person(session, "sindre.berg").id
        ola = _person(session, "ola.berg").id

    result = import_oneroster(stores, delta, clock)

    with Session(stores) as session:
        assert session.get(Person, sindre) is None
        assert session.scalars(select(Result).where(Result.pupil_id == sindre)).all() == []
        assert session.scalars(select(Membership).where(Membership.person_id == sindre)).all() == []
        assert session.scalars(select(Guardianship).where(Guardianship.pupil_id == sindre)).all() == []
        assert session.get(Person, ola) is not None  # the guardian stays
    assert result.stats.deleted["people"] == 1
    assert _count(stores, Person) == 116


def test_a_record_missing_from_a_bulk_file_is_removed(stores, export, clock) -> None:  # noqa: ANN001
    import_oneroster(stores, export, clock)
    gone = "Gangeprøve"
    gone_ids = {r["sourcedId"] for r in read_csv(export / "lineItems.csv")[1] if r["title"] == gone}
    edit_csv(export / "lineItems.csv", lambda rows: [r for r in rows if r["title"] != gone])
    edit_csv(export / "results.csv", lambda rows: [r for r in rows if r["lineItemSourcedId"] not in gone_ids])

    result = import_oneroster(stores, export, clock)

    assert result.stats.deleted == {"assignments": 1}
    with Session(stores) as session:
        assert session.scalars(select(Assignment).where(Assignment.title == gone)).all() == []


def test_a_delta_lineitem_finds_the_category_an_earlier_import_sent(stores, export, clock, tmp_path) -> None:  # noqa: ANN001
    import_oneroster(stores, export, clock)
    delta = tmp_path / "delta"
    delta.mkdir()
    shutil.copy(export / "manifest.csv", delta / "manifest.csv")
    set_manifest(delta, **{name: "absent" for name in (
        "orgs", "academicSessions", "courses", "classes", "users", "demographics", "enrollments",
        "categories", "results")}, lineItems="delta")
    header, _rows = read_csv(export / "lineItems.csv")
    write_csv(delta / "lineItems.csv", header, [{
        **dict.fromkeys(header, ""), "sourcedId": "li-4a-nat-new", "status": "active",
        "dateLastModified": "2026-12-01T09:00:00Z", "title": "Ta med en kongle", "assignDate": "2026-12-01",
        "dueDate": "2026-12-03", "classSourcedId": "4a-nat", "categorySourcedId": "cat-ta-med",
        "gradingPeriodSourcedId": "term-2026-h",
    }])

    import_oneroster(stores, delta, clock)

    with Session(stores) as session:
        item = session.scalars(select(Assignment).where(Assignment.sourced_id == "li-4a-nat-new")).one()
        assert item.kind == AssignmentKind.BRING
        assert item.subject_code == "NAT01-04"
        # A bare due date means that school day, due when school starts (08:00 Oslo).
        assert item.due_at == datetime(2026, 12, 3, 7, 0, tzinfo=timezone.utc)


# --- all or nothing, with located errors ---------------------------------------------------


def test_one_broken_row_imports_nothing_and_names_file_line_and_column(stores, export, clock) -> None:  # noqa: ANN001
    def break_flag(rows):  # noqa: ANN001, ANN202
        for row in rows:
            if row["username"] == "anne.lie":
                row["enabledUser"] = "kanskje"

    edit_csv(export / "users.csv", break_flag)
    line = line_of(export / "users.csv", lambda r: r["username"] == "anne.lie")

    with pytest.raises(ImportFailed) as failed:
        import_oneroster(stores, export, clock, strict=True)

    assert _problems(failed) == {("users.csv", line, "enabledUser")}
    assert f"users.csv, line {line}, column enabledUser" in str(failed.value)
    assert "is not true or false" in str(failed.value)
    assert _count(stores, Person) == 0 and _count(stores, Group) == 0


def test_every_bad_row_is_reported_not_just_the_first(stores, export, clock) -> None:  # noqa: ANN001
    def break_dates(rows):  # noqa: ANN001, ANN202
        rows[3]["dueDate"] = "next friday"
        rows[7]["classSourcedId"] = "4c"

    def break_role(rows):  # noqa: ANN001, ANN202
        rows[0]["role"] = "janitor"

    edit_csv(export / "lineItems.csv", break_dates)
    edit_csv(export / "enrollments.csv", break_role)

    with pytest.raises(ImportFailed) as failed:
        import_oneroster(stores, export, clock)

    assert _problems(failed) >= {
        ("lineItems.csv", 5, "dueDate"), ("lineItems.csv", 9, "classSourcedId"), ("enrollments.csv", 2, "role"),
    }
    messages = {str(p) for p in failed.value.problems}
    assert 'lineItems.csv, line 9, column classSourcedId: no class "4c" in classes.csv or in the stores' in messages
    assert _count(stores, Assignment) == 0


def test_an_unknown_category_is_an_error_on_its_title(stores, export, clock) -> None:  # noqa: ANN001
    def rename(rows):  # noqa: ANN001, ANN202
        rows[0]["title"] = "Diverse"

    edit_csv(export / "categories.csv", rename)

    with pytest.raises(ImportFailed) as failed:
        import_oneroster(stores, export, clock, strict=True)

    assert ("categories.csv", 2, "title") in _problems(failed)
    assert 'unknown category "Diverse"' in str(failed.value)

    # Outside --strict the category is skipped, and with it its lineItems (never guessed).
    category = read_csv(export / "categories.csv")[1][0]["sourcedId"]
    of_it = [r for r in read_csv(export / "lineItems.csv")[1] if r["categorySourcedId"] == category]
    result = import_oneroster(stores, export, clock)
    skipped = [w for w in result.warnings if "row skipped" in w]
    assert any('unknown category "Diverse"' in w for w in skipped)
    assert sum(f'category "{category}" was skipped' in w for w in skipped) == len(of_it) > 0
    assert _count(stores, Assignment) == len(read_csv(export / "lineItems.csv")[1]) - len(of_it)


def test_a_missing_manifest_is_reported(stores, export, clock) -> None:  # noqa: ANN001
    (export / "manifest.csv").unlink()

    with pytest.raises(ImportFailed) as failed:
        import_oneroster(stores, export, clock)

    assert "manifest.csv: missing" in str(failed.value)


def test_classes_need_the_curriculum_imported_first(engine, export, clock) -> None:  # noqa: ANN001
    with pytest.raises(ImportFailed) as failed:
        import_oneroster(engine, export, clock)

    assert "run `ransel import lk20` first" in str(failed.value)


def test_a_guardian_not_in_the_delta_with_unknown_responsibility_is_refused(stores, export, clock, tmp_path) -> None:  # noqa: ANN001
    # A brand-new pupil names an adult the stores only know without any link: whether that
    # adult has parental responsibility must not be guessed.
    import_oneroster(stores, export, clock)
    with Session(stores) as session:
        teacher = _person(session, "liv.andersen").sourced_id
    delta = tmp_path / "delta"
    delta.mkdir()
    shutil.copy(export / "manifest.csv", delta / "manifest.csv")
    set_manifest(delta, **{name: "absent" for name in (
        "orgs", "academicSessions", "courses", "classes", "demographics", "enrollments", "categories",
        "lineItems", "results")}, users="delta")
    header, _rows = read_csv(export / "users.csv")
    write_csv(delta / "users.csv", header, [{
        **dict.fromkeys(header, ""), "sourcedId": "u-ny.elev", "status": "active",
        "dateLastModified": "2026-12-01T09:00:00Z", "enabledUser": "true", "orgSourcedIds": "solbakken",
        "role": "student", "username": "ny.elev", "givenName": "Ny", "familyName": "Elev",
        "agentSourcedIds": teacher,
    }])

    with pytest.raises(ImportFailed) as failed:
        import_oneroster(stores, delta, clock)

    assert _problems(failed) == {("users.csv", 2, "agentSourcedIds")}


# --- what the roster means -----------------------------------------------------------------


def test_guardians_and_relatives_are_linked_with_the_right_responsibility(stores, export, clock) -> None:  # noqa: ANN001
    import_oneroster(stores, export, clock)

    with Session(stores) as session:
        def links(username: str) -> dict[str, tuple[str, bool]]:
            person = _person(session, username)
            rows = session.scalars(select(Guardianship).where(Guardianship.guardian_id == person.id))
            return {g.pupil.username: (g.relation, g.parental_responsibility) for g in rows}

        assert links("kari.hansen") == {"emma.hansen": ("parent", True), "jonas.hansen": ("parent", True)}
        assert links("bestemor.hansen") == {"emma.hansen": ("relative", False)}
        nora = _person(session, "nora.lie")
        guardians = session.scalars(select(Guardianship).where(Guardianship.pupil_id == nora.id))
        assert {g.guardian.username for g in guardians} == {"per.lie", "anne.lie"}
        assert _person(session, "kari.hansen").has_role(Role.GUARDIAN)
        assert _person(session, "emma.hansen").has_role(Role.PUPIL)
        admin = _person(session, "rektor.solbakken")
        assert [(r.role, r.school_id is not None) for r in admin.roles] == [(Role.SCHOOL_ADMIN, True)]


def test_sms_numbers_become_e164_contact_points(stores, export, clock) -> None:  # noqa: ANN001
    def local_format(rows):  # noqa: ANN001, ANN202
        for row in rows:
            if row["username"] == "ola.berg":
                row["sms"] = "412 34 567"

    edit_csv(export / "users.csv", local_format)

    import_oneroster(stores, export, clock)

    with Session(stores) as session:
        ola = _person(session, "ola.berg")
        points = session.scalars(select(ContactPoint).where(ContactPoint.person_id == ola.id)).all()
        assert [(p.channel, p.address) for p in points] == [(Channel.SMS, "+4741234567")]
        with_sms = session.scalars(
            select(Person).join(PersonRole).where(PersonRole.role == Role.GUARDIAN)
        ).all()
        numbers = {p.id for p in with_sms} - set(
            session.scalars(select(ContactPoint.person_id).where(ContactPoint.channel == Channel.SMS))
        )
        assert numbers == set()  # every guardian has a mobile number


def test_the_primary_teacher_of_a_homeroom_is_its_contact_teacher(stores, export, clock) -> None:  # noqa: ANN001
    import_oneroster(stores, export, clock)

    with Session(stores) as session:
        contact = {
            (m.group.sourced_id, m.person.username)
            for m in session.scalars(select(Membership).where(Membership.is_contact_teacher))
        }
        assert contact == {("4a", "liv.andersen"), ("9b", "tor.haugen")}
        four_a = session.scalars(select(Group).where(Group.sourced_id == "4a")).one()
        maths = session.scalars(select(Group).where(Group.sourced_id == "4a-mat")).one()
        assert (four_a.kind, four_a.grade, four_a.subject_code) == (GroupKind.BASIS, 4, None)
        assert (maths.kind, maths.subject_code) == (GroupKind.TEACHING, "MAT01-05")
        pupils = [m for m in maths.memberships if m.role == MemberRole.PUPIL]
        assert len(pupils) == 20


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Lekse", AssignmentKind.HOMEWORK), ("lekser", AssignmentKind.HOMEWORK), ("Homework", AssignmentKind.HOMEWORK),
        ("Heimearbeid", AssignmentKind.HOMEWORK), ("Prøve", AssignmentKind.TEST), ("Test", AssignmentKind.TEST),
        ("Kartlegging", AssignmentKind.TEST), ("Ta med", AssignmentKind.BRING), ("Bring", AssignmentKind.BRING),
        ("Prosjekt", AssignmentKind.PROJECT), ("Project", AssignmentKind.PROJECT), ("Diverse", None),
    ],
)
def test_category_titles_in_nb_nn_and_en_map_to_kinds(title: str, kind: AssignmentKind | None) -> None:
    assert category_kind(title) == kind


def test_lineitems_become_assignments_of_the_kind_their_category_says(stores, export, clock) -> None:  # noqa: ANN001
    import_oneroster(stores, export, clock)

    with Session(stores) as session:
        def kind(title: str) -> AssignmentKind:
            return session.scalars(select(Assignment.kind).where(Assignment.title == title)).one()

        assert kind("Prøve i brøk og prosent") == AssignmentKind.TEST
        assert kind("Kartlegging i lesing") == AssignmentKind.TEST
        assert kind("Ta med matpakke og drikkeflaske til turen") == AssignmentKind.BRING
        assert kind("Prosjekt: Dyr i vinterskogen") == AssignmentKind.PROJECT
        assert kind("Gangetabellen: øv på 7-gangen") == AssignmentKind.HOMEWORK
        fractions = session.scalars(select(Assignment).where(Assignment.title == "Prøve i brøk og prosent")).one()
        statuses = {r.status for r in fractions.results}
        assert statuses == {ScoreStatus.FULLY_GRADED} and fractions.max_score == 40


def test_outside_strict_a_bad_row_is_skipped_with_what_depends_on_it_and_the_rest_imports(stores, export, clock) -> None:  # noqa: ANN001
    """Anne Lie's row has a bad flag: she is skipped; her child Nora (who lists her as an agent)
    is imported without that link; a bad lineItem date skips that lineItem and its results."""
    def break_flag(rows):  # noqa: ANN001, ANN202
        for row in rows:
            if row["username"] == "anne.lie":
                row["enabledUser"] = "kanskje"

    edit_csv(export / "users.csv", break_flag)
    items = read_csv(export / "lineItems.csv")[1]
    broken_item = items[0]["sourcedId"]
    edit_csv(export / "lineItems.csv", lambda rows: rows[0].update(dueDate="neste fredag"))
    results_of_it = sum(r["lineItemSourcedId"] == broken_item for r in read_csv(export / "results.csv")[1])

    result = import_oneroster(stores, export, clock)

    skipped = [w for w in result.warnings if "row skipped" in w]
    assert any("column enabledUser" in w for w in skipped) and any("column dueDate" in w for w in skipped)
    assert sum(f'lineItem "{broken_item}" was skipped' in w for w in skipped) == results_of_it
    with Session(stores) as session:
        assert session.scalar(select(Person).where(Person.username == "anne.lie")) is None
        nora = _person(session, "nora.lie")
        guardians = {g.guardian.username for g in session.scalars(select(Guardianship).where(Guardianship.pupil_id == nora.id))}
        assert guardians == {"per.lie"}
    assert _count(stores, Assignment) == len(items) - 1


def test_a_skipped_row_of_a_stored_record_keeps_the_stored_record(stores, export, clock) -> None:  # noqa: ANN001
    import_oneroster(stores, export, clock)
    def break_flag(rows):  # noqa: ANN001, ANN202
        for row in rows:
            if row["username"] == "anne.lie":
                row["enabledUser"] = "kanskje"

    edit_csv(export / "users.csv", break_flag)
    import_oneroster(stores, export, clock)  # bulk: a skipped row is not "missing from the file"
    with Session(stores) as session:
        assert _person(session, "anne.lie") is not None


# --- identifiers in other systems (userIds) -------------------------------------------------


def _identifiers(engine, username: str) -> list[tuple[str, str]]:  # noqa: ANN001
    with Session(engine) as session:
        person = _person(session, username)
        return sorted(session.execute(select(PersonIdentifier.scheme, PersonIdentifier.value)
                                      .where(PersonIdentifier.person_id == person.id)).tuples())


def test_user_ids_become_the_identifiers_sign_in_matches(stores, export, clock) -> None:  # noqa: ANN001
    def two_ids(rows):  # noqa: ANN001, ANN202
        for row in rows:
            if row["username"] == "ingrid.dahl":
                row["userIds"] = "{Feide:Ingrid.Dahl@fjellby.kommune.no}, {LDAP:idahl}"

    edit_csv(export / "users.csv", two_ids)
    import_oneroster(stores, export, clock)

    assert _identifiers(stores, "liv.andersen") == [("Feide", "liv.andersen@fjellby.kommune.no")]
    assert _identifiers(stores, "ingrid.dahl") == [("Feide", "Ingrid.Dahl@fjellby.kommune.no"), ("LDAP", "idahl")]
    assert [scheme for scheme, _ in _identifiers(stores, "kari.hansen")] == ["NIN"]
    assert _identifiers(stores, "anne.lie") == []
    assert not import_oneroster(stores, export, clock).stats.changed


def test_a_broken_user_ids_cell_is_reported_and_loses_nothing_else(stores, export, clock) -> None:  # noqa: ANN001
    import_oneroster(stores, export, clock)
    before = _identifiers(stores, "liv.andersen")

    def broken(rows):  # noqa: ANN001, ANN202
        for row in rows:
            if row["username"] == "liv.andersen":
                row["userIds"] = "Feide:liv.andersen@fjellby.kommune.no"
                row["givenName"] = "Liv Marit"

    edit_csv(export / "users.csv", broken)
    line = line_of(export / "users.csv", lambda row: row["username"] == "liv.andersen")
    result = import_oneroster(stores, export, clock)

    assert [(p.file, p.line, p.column) for p in result.notes if p.column == "userIds"] == [("users.csv", line, "userIds")]
    assert "liv.andersen@" not in " ".join(result.warnings)  # the report does not repeat the cell
    with Session(stores) as session:
        assert _person(session, "liv.andersen").given_name == "Liv Marit"  # the rest of her row imported
    assert _identifiers(stores, "liv.andersen") == before  # and her identifiers stayed as they were
    assert _identifiers(stores, "ingrid.dahl") == [("Feide", "ingrid.dahl@fjellby.kommune.no")]


def test_an_identifier_two_people_claim_stays_with_the_first(stores, export, clock) -> None:  # noqa: ANN001
    def twice(rows):  # noqa: ANN001, ANN202
        for row in rows:
            if row["username"] == "ingrid.dahl":
                row["userIds"] = "{feide:LIV.ANDERSEN@fjellby.kommune.no}"

    edit_csv(export / "users.csv", twice)
    line = line_of(export / "users.csv", lambda row: row["username"] == "ingrid.dahl")
    result = import_oneroster(stores, export, clock)

    assert ("users.csv", line, "userIds") in {(p.file, p.line, p.column) for p in result.notes}
    assert _identifiers(stores, "liv.andersen") == [("Feide", "liv.andersen@fjellby.kommune.no")]
    assert _identifiers(stores, "ingrid.dahl") == []
