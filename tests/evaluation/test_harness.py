"""The answer evaluation: a generated school that is not the demo, imported from OneRoster
only, and grading that catches a wrong fact, a wrong language, a change and a leak."""

from pathlib import Path

import pytest

from bot.evaluation.run import evaluation_stack, grade, load_questions, run_answers, summary
from bot.evaluation.school import DEMO_GIVEN, build_school, write_school
from bot.models import Assignment, Person


def test_the_school_is_the_same_for_a_seed_and_another_for_another_seed(tmp_path: Path) -> None:
    one = write_school(3, tmp_path / "a")
    again = write_school(3, tmp_path / "b")
    other = write_school(4, tmp_path / "c")
    assert (tmp_path / "a" / "FACTS.md").read_text() == (tmp_path / "b" / "FACTS.md").read_text()
    assert (tmp_path / "a" / "oneroster" / "lineItems.csv").read_bytes() == \
        (tmp_path / "b" / "oneroster" / "lineItems.csv").read_bytes()
    assert [i.title for i in one.items] == [i.title for i in again.items]
    assert {p.given for p in one.people.values()} != {p.given for p in other.people.values()}


def test_no_demo_name_and_no_extras_file(tmp_path: Path) -> None:
    for seed in range(1, 9):
        school, _ = build_school(seed)
        assert not {p.given for p in school.people.values()} & DEMO_GIVEN
    write_school(2, tmp_path)
    assert not list(tmp_path.rglob("*.yaml")) and (tmp_path / "oneroster" / "manifest.csv").exists()


def test_the_export_imports_and_facts_name_its_items(sqlite_url: str, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from bot.config import load_settings
    from bot.evaluation.run import load_school
    from bot.runtime import Runtime

    school = write_school(6, tmp_path / "school")
    settings = load_settings(database_url=sqlite_url, data_dir=tmp_path, now=school.now)
    load_school(settings, tmp_path / "school")
    runtime = Runtime(settings)
    try:
        with runtime.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Assignment)) == len(school.items)
            assert session.scalar(select(func.count()).select_from(Person)) == len(school.people)
    finally:
        runtime.close()
    facts = (tmp_path / "school" / "FACTS.md").read_text()
    for item in school.items:
        assert item.title in facts


QUESTION = {"id": "t-1", "as": "x", "lang": "nb", "kind": "test", "text": "når er brøkprøven?",
            "must": ["Prøve i brøk", ["7. desember", "7 December"]], "must_not": ["Geografiquiz"]}


def test_grading_passes_the_right_answer_and_catches_each_kind_of_wrong() -> None:
    right = "Prøve i brøk (matematikk): mandag 7. desember kl. 11:30. Ta med kalkulator."
    assert grade(QUESTION, right, [], []).passed
    wrong_fact = grade(QUESTION, "Prøve i brøk (matematikk): fredag 11. desember.", [], [])
    assert not wrong_fact.passed and wrong_fact.missing == [["7. desember", "7 December"]]
    other_item = grade(QUESTION, right + " Geografiquiz: Europa onsdag.", [], [])
    assert not other_item.passed and other_item.forbidden == ["Geografiquiz"]
    english = grade(QUESTION, "Prøve i brøk (maths): Monday 7 December at 11:30. Bring the calculator, "
                              "it is allowed on part 2 and you will need it.", [], [])
    assert not english.passed and english.wrong_language
    changed = grade(QUESTION, right, ["absence", "outbox"], [])
    assert not changed.passed and changed.unexpected_change
    leak = grade(QUESTION, right + " Sigrid Halvorsen fikk 8,5.", [], ["Sigrid Halvorsen"])
    assert not leak.passed and leak.leaks == ["Sigrid Halvorsen"]


def test_the_reply_language_is_that_of_ransels_words_not_of_the_school_text_it_quotes() -> None:
    question = {**QUESTION, "lang": "en", "must": ["64"], "must_not": []}
    description = "Regn oppgave 3–6 på side 64 i Multi. Vis utregningen, og skriv svaret med to desimaler."
    quoting = f"Lekse i matte: desimaltall (maths): Thursday 10 December. {description}"
    assert not grade(question, quoting, [], []).passed  # read as a whole, it is Norwegian
    assert grade(question, quoting, [], [], [description, "Lekse i matte: desimaltall"]).passed
    # Ransel's own words in the wrong language still fail, whatever it quotes.
    norwegian = f"Lekse i matte: desimaltall (matematikk): torsdag 10. desember. Det er leksa til i morgen. {description}"
    assert not grade(question, norwegian, [], [], [description]).passed
    # A part of a description quoted (the things it lists) is the school's words too.
    party = "Juleavslutning for elever og foresatte i gymsalen. Ta med noe å bidra med til kakebordet."
    bring = ("Juleavslutning i gymsalen: Tuesday 15 December at 17:00.\n"
             "You need to bring: noe å bidra med til kakebordet.")
    assert grade({**question, "must": []}, bring, [], [], [party, "Juleavslutning i gymsalen"]).passed
    assert not grade({**question, "must": []}, bring.replace("You need to bring", "Du må ha med"), [], [],
                     [party, "Juleavslutning i gymsalen"]).passed


def test_an_expected_absence_passes_only_when_an_absence_was_recorded() -> None:
    q = {**QUESTION, "kind": "absence", "changes": "absence", "must": [], "must_not": []}
    assert grade(q, "Takk, fraværet er registrert.", ["absence", "outbox"], []).passed
    assert not grade(q, "Skal jeg melde henne borte? Svar ja eller nei.", [], []).passed


@pytest.mark.engine
def test_the_smoke_round_runs_through_the_real_engine(tmp_path: Path) -> None:
    meta, questions = load_questions(Path(__file__).parents[2] / "data" / "evaluation" / "smoke.yml")
    write_school(meta["seed"], tmp_path / "school")
    with evaluation_stack(tmp_path / "school", tmp_path / "run") as stack:
        graded = run_answers(questions, stack)
    report = summary(graded)
    assert "privacy leaks: 0; unexpected state changes: 0" in report
    # The absence question really recorded an absence; the alarm request changed nothing.
    by_id = {g.id: g for g in graded}
    assert by_id["s-007"].changed == ["absence", "outbox"] and by_id["s-008"].changed == []
    assert sum(g.passed for g in graded) >= 9, report
