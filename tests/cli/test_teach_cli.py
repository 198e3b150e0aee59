import pytest
from click.testing import CliRunner

from ransel.cli import _register, cli
from tests.builders import build_school


@pytest.fixture
def run(session, store_url, monkeypatch):  # noqa: ANN001, ANN201
    build_school(session)
    monkeypatch.setenv("RANSEL_DATABASE_URL", store_url)
    monkeypatch.setenv("RANSEL_NOW", "2026-12-01T10:00:00+01:00")
    _register()

    def invoke(*args: str):  # noqa: ANN202
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_teacher_adds_homework_from_the_command_line_in_their_language(run) -> None:  # noqa: ANN001
    result = run("homework", "add", "--as", "gunnar", "--group", "4a kroppsøving",
                 "--title", "Ta med gymsko", "--due", "2026-12-03T09:30", "--kind", "bring")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Lagt til for 4A kroppsøving: «Ta med gymsko» (ta med), frist torsdag 3. desember kl. 09:30."
    )
    behind = run("behind", "--as", "SARAH@fjellby.kommune.no", "--group", "9B engelsk")
    assert behind.output.strip() == "Nobody in 9B engelsk is behind over the last six weeks."


def test_who_is_behind_and_an_unknown_group_lists_the_teachers_groups(run) -> None:  # noqa: ANN001
    assert run("behind", "--as", "tor", "--group", "9B matematikk").output.strip() == (
        "Ligger etter i 9B matematikk (siste seks uker):\n- Mats Dahl: mangler Prøve i brøk og prosent"
    )
    wrong = run("behind", "--as", "tor", "--group", "4A matematikk")
    assert wrong.exit_code == 1
    assert "Du underviser ikke en gruppe som heter «4A matematikk». Dine grupper: 9B og 9B matematikk." in wrong.output


def test_a_past_due_time_is_refused_in_the_teachers_language(run) -> None:  # noqa: ANN001
    result = run("homework", "add", "--as", "sarah", "--group", "9B engelsk", "--title", "Essay",
                 "--due", "2026-11-30T08:00")
    assert result.exit_code == 1 and "That due time has already passed." in result.output
