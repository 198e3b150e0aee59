import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ransel.cli import _register, cli
from tests.importers.conftest import DEMO_ONEROSTER, LK20, edit_csv


@pytest.fixture
def run(sqlite_url, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("RANSEL_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RANSEL_NOW", "2026-12-01T10:00:00+01:00")
    _register()

    def invoke(*args: str):  # noqa: ANN202
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_an_administrator_imports_the_curriculum_the_roster_and_the_extras(run) -> None:  # noqa: ANN001
    lk20 = run("import", "lk20", str(LK20))
    roster = run("import", "oneroster", "--no-progress", str(DEMO_ONEROSTER))
    extras = run("import", "extras", str(DEMO_ONEROSTER.parent / "ransel.yaml"))
    again = run("import", "oneroster", "--no-progress", str(DEMO_ONEROSTER))

    assert lk20.exit_code == roster.exit_code == extras.exit_code == 0, lk20.output + roster.output + extras.output
    assert lk20.output.startswith("LK20: 13 subjects, 46 grade bands, 559 competence aims")
    assert "people 117" in roster.output and "results 1057" in roster.output
    assert "lessons 71" in extras.output
    assert again.output.strip() == "OneRoster: 1847 rows read (no changes)"


def test_a_broken_row_is_skipped_and_named_and_strict_imports_nothing(run, tmp_path) -> None:  # noqa: ANN001
    export = tmp_path / "export"
    shutil.copytree(DEMO_ONEROSTER, export)

    def break_date(rows):  # noqa: ANN001, ANN202
        rows[0]["birthDate"] = "14.03.2017"

    edit_csv(export / "demographics.csv", break_date)
    run("import", "lk20", str(LK20))

    strict = run("import", "oneroster", "--no-progress", "--strict", str(export))
    assert strict.exit_code == 1
    assert "nothing imported: 1 problem found" in strict.output
    assert 'demographics.csv, line 2, column birthDate: "14.03.2017" is not a date (YYYY-MM-DD)' in strict.output

    result = run("import", "oneroster", "--no-progress", str(export))
    assert result.exit_code == 0, result.output
    assert ('warning: demographics.csv, line 2, column birthDate: "14.03.2017" is not a date (YYYY-MM-DD): '
            "row skipped") in result.output
    assert "1 rows skipped" in result.output and "people 117" in result.output


def test_a_dry_run_with_a_report_for_the_sis_team_changes_nothing(run, tmp_path) -> None:  # noqa: ANN001
    import csv

    roster_hub = Path(__file__).resolve().parents[1] / "importers" / "fixtures" / "roster-hub-en"
    run("import", "lk20", str(LK20))
    report = tmp_path / "report.csv"
    dry = run("import", "oneroster", "--no-progress", "--dry-run", "--report", str(report), str(roster_hub))
    assert dry.exit_code == 0, dry.output
    assert "dry run, nothing changed; would have inserted" in dry.output and "people 20" in dry.output
    with open(report, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {"outcome", "file", "line", "column", "message"} <= set(rows[0])
    assert any(r["file"] == "enrollments.csv" and r["column"] == "role" and r["line"] for r in rows)
    real = run("import", "oneroster", "--no-progress", str(roster_hub))
    assert "inserted" in real.output and "people 20" in real.output  # the dry run left nothing behind
