"""The demo catalogue imports cleanly and idempotently; a broken file names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot import db
from ransel.cli import _register, cli
from bot.learning.catalog import CatalogError, import_catalog
from bot.models import LearningResource

from .conftest import build_world, load_lk20

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "resources.yaml"


def test_the_demo_catalogue_imports_once_and_then_changes_nothing(session, clock) -> None:  # noqa: ANN001
    load_lk20(session)
    first = import_catalog(session, DEMO, clock=clock)
    assert len(first.created) >= 60 and not first.updated
    again = import_catalog(session, DEMO, clock=clock)
    assert not again.created and not again.updated and len(again.unchanged) == len(first.created)
    assert session.scalar(select(func.count()).select_from(LearningResource)) == len(first.created)
    subjects = dict(session.execute(select(LearningResource.subject_code, func.count()).group_by(LearningResource.subject_code)).all())
    assert set(subjects) == {"MAT01-05", "NOR01-07", "ENG01-05", "NAT01-04"}


def test_an_edited_entry_is_updated_in_place(session, tmp_path, clock) -> None:  # noqa: ANN001
    load_lk20(session)
    import_catalog(session, DEMO, clock=clock)
    edited = tmp_path / "resources.yaml"
    edited.write_text(DEMO.read_text(encoding="utf-8").replace("level: 4.0\n", "level: 4.2\n", 1), encoding="utf-8")
    report = import_catalog(session, edited, clock=clock)
    assert report.updated == ["fjord-mat4-pizzadeling"] and not report.created


def test_problems_are_reported_with_file_and_line_and_nothing_is_stored(session, tmp_path, clock) -> None:  # noqa: ANN001
    load_lk20(session)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "resources:\n"
        "- id: a\n"                      # line 2
        "  title: Brøk\n"
        "  subject: MAT01-05\n"
        "  aims: [KM281, KM9999]\n"      # line 5
        "  level: 12\n"                  # line 6
        "  licence: stolen\n"            # line 7
        "  colour: blue\n"
        "- id: a\n"                      # line 9
        "  title: Igjen\n"
        "  subject: NOR01-07\n"
        "  aims: [KM281]\n"              # line 12
        "  level: 4\n"
        "  licence: free\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as err:
        import_catalog(session, bad, clock=clock)
    assert err.value.problems == [
        "bad.yaml:2: [0]: unknown field(s) ('colour' was unexpected)",
        "bad.yaml:6: [0].level: 12 is greater than the maximum of 10",
        "bad.yaml:7: [0].licence: 'stolen' is not a licence: use an open licence (CC-BY-4.0 ...) or one of "
        "municipal-licence, pay-per-use, free, school-licence",
    ]
    good_shape = bad.read_text(encoding="utf-8").replace("  level: 12\n", "  level: 5\n").replace(
        "  licence: stolen\n", "  licence: CC-BY-4.0\n").replace("  colour: blue\n", "")
    bad.write_text(good_shape, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        import_catalog(session, bad, clock=clock)
    assert err.value.problems == [
        "bad.yaml:5: [0].aims[1]: unknown competence aim 'KM9999' (run the LK20 import first)",
        "bad.yaml:8: [1].id: 'a' is already used on line 2",
        "bad.yaml:11: [1].aims[0]: KM281 is an aim of MAT01-05, not of NOR01-07",
    ]
    assert session.scalar(select(func.count()).select_from(LearningResource)) == 0


def test_ransel_import_resources_and_recommend_from_the_command_line(sqlite_url) -> None:  # noqa: ANN001
    engine = db.make_engine(sqlite_url)
    with db.transaction(db.session_factory(engine)) as s:
        build_world(s)
    engine.dispose()
    _register()
    runner = CliRunner()
    env = {"RANSEL_DATABASE_URL": sqlite_url, "RANSEL_NOW": "2026-12-01T10:00:00+01:00"}
    result = runner.invoke(cli, ["import", "resources", str(DEMO)], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.endswith("63 created, 0 updated, 0 unchanged\n")
    result = runner.invoke(cli, ["recommend", "--as", "laerer-tone", "--pupil", "elev-emma", "--subject", "MAT01-05"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Forslag til Emma:" and len(lines) >= 6  # Tone reads nynorsk
    assert "lydversjon for opplesing" in lines[1]
    refused = runner.invoke(cli, ["recommend", "--as", "laerer-per", "--pupil", "elev-emma"], env=env)
    assert refused.exit_code != 0 and "I can't answer that for this pupil." in refused.output
