"""The 18-year rule never fails open: pupils without a birth date are reported by the import,
and the school's policy decides; parental responsibility can be set per pair."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.access import children_of, visible_pupil_ids
from bot.importers.extras import import_extras
from bot.importers.lk20 import import_lk20
from bot.importers.oneroster import import_oneroster
from bot.services.people import find_person
from bot import access
from tests.importers.conftest import LK20, export, set_manifest  # noqa: F401 - the fixture

TODAY = date(2026, 12, 1)


@pytest.fixture
def no_demographics(export: Path) -> Path:
    (export / "demographics.csv").unlink()
    set_manifest(export, demographics="absent")
    return export


def _extras(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(f"version: 1\nschool: solbakken\n{body}", encoding="utf-8")
    return path


def test_the_import_lists_pupils_without_a_birth_date_and_by_default_guardians_keep_access(
        engine, no_demographics, clock) -> None:  # noqa: ANN001
    import_lk20(engine, LK20)
    result = import_oneroster(engine, no_demographics, clock)
    assert "u-emma.hansen" in result.no_birth_date and "u-nora.lie" in result.no_birth_date
    assert any("have no birth date" in w and "u-emma.hansen" in w for w in result.warnings)
    with Session(engine) as session:
        kari = find_person(session, "kari.hansen")
        assert {c.username for c in children_of(session, kari, TODAY)} == {"emma.hansen", "jonas.hansen"}


def test_under_the_strict_policy_an_unknown_birth_date_gives_guardians_no_access(
        engine, no_demographics, clock, tmp_path) -> None:  # noqa: ANN001
    import_lk20(engine, LK20)
    import_oneroster(engine, no_demographics, clock)
    import_extras(engine, _extras(tmp_path, "policy: {unknown_birth_date: adult}\n"), clock)
    with Session(engine) as session:
        kari = find_person(session, "kari.hansen")
        emma = find_person(session, "emma.hansen")
        assert children_of(session, kari, TODAY) == []
        assert visible_pupil_ids(session, kari, TODAY) == set()
        assert access.guardians_of(session, [emma.id], TODAY) == {}  # no reminders about her either
        # The pupil herself is unaffected.
        assert visible_pupil_ids(session, emma, TODAY) == {emma.id}


def test_parental_responsibility_is_set_per_pair_in_the_extras_file(engine, export, clock, tmp_path) -> None:  # noqa: ANN001
    import_lk20(engine, LK20)
    import_oneroster(engine, export, clock)
    body = "guardianships:\n  - {guardian: kari.hansen, pupil: jonas.hansen, parental_responsibility: false}\n"
    import_extras(engine, _extras(tmp_path, body), clock)
    with Session(engine) as session:
        kari = find_person(session, "kari.hansen")
        assert {c.username for c in children_of(session, kari, TODAY)} == {"emma.hansen"}
