"""Privacy in dialogue: a question about someone the asker may not see gets one refusal,
word for word the same whether that pupil exists or not."""

import pytest
from tests.actions.conftest import person, subject

from actions.bring import BringAction
from actions.homework import HomeworkAction, TestsAction
from actions.progress import MissingResultsAction, ProgressAction
from actions.timetable import TimetableAction, WeekPlanAction

REFUSAL = {"nb": "Det kan jeg dessverre ikke svare på.", "nn": "Det kan eg dessverre ikkje svare på.",
           "en": "I'm afraid I can't answer that."}


@pytest.mark.parametrize("action", [HomeworkAction, TestsAction, BringAction, TimetableAction, WeekPlanAction,
                                    ProgressAction])
def test_guardian_asking_about_a_child_not_theirs_gets_the_same_refusal_as_for_a_made_up_name(world, action) -> None:
    real = world.run(action(), "kari", "hva med Nora i morgen", "ask_homework", entities=[person("Nora")])
    made_up = world.run(action(), "kari", "hva med Sofie i morgen", "ask_homework", entities=[person("Sofie")])
    assert real.text == made_up.text == REFUSAL["nb"]
    assert real.buttons == made_up.buttons == [[]]


def test_pupil_asking_about_another_pupil_is_refused(world) -> None:
    for who, other, lang, question in (("emma", "Nora", "nb", "hvordan går det med Nora"),
                                       ("nora", "Emma", "nn", "korleis går det med Emma"),
                                       ("olivia", "Jonas", "en", "how is Jonas doing")):
        said = world.run(ProgressAction(), who, question, "ask_progress", entities=[person(other)])
        assert said.text == REFUSAL[lang]
        # ... even their own sibling: pupils see only themselves.
    assert world.run(HomeworkAction(), "emma", "hva har Jonas i lekse", "ask_homework",
                     entities=[person("Jonas")]).text == REFUSAL["nb"]


def test_teacher_asking_about_a_pupil_in_a_group_they_do_not_teach_is_refused(world) -> None:
    said = world.run(ProgressAction(), "tor", "hvordan går det med Emma", "ask_progress", entities=[person("Emma")])
    made_up = world.run(ProgressAction(), "tor", "hvordan går det med Sofie", "ask_progress", entities=[person("Sofie")])
    assert said.text == made_up.text == REFUSAL["nb"]


def test_teacher_sees_the_pupils_they_teach(world) -> None:
    said = world.run(ProgressAction(), "tor", "hvordan går det med Jonas i matte", "ask_progress",
                     entities=[person("Jonas"), subject("MAT01-05")])
    assert "Prøve i brøk og prosent, 31 av 40" in said.text


def test_relative_without_parental_responsibility_is_refused(world) -> None:
    said = world.run(HomeworkAction(), "bestemor", "hva har Emma i lekse", "ask_homework", entities=[person("Emma")])
    assert said.text == REFUSAL["nb"]
    alone = world.run(HomeworkAction(), "bestemor", "hva er leksene", "ask_homework")
    assert alone.text == "Jeg finner ingen elever knyttet til deg, så det kan jeg ikke svare på."


def test_teacher_asking_about_a_test_in_another_teachers_group_finds_nothing(world) -> None:
    # Liv teaches 4A; the fractions test belongs to 9B. Same answer as for a test that does not exist.
    other_group = world.run(MissingResultsAction(), "liv", "hvem mangler resultat på brøkprøven", "ask_missing_results")
    no_such_test = world.run(MissingResultsAction(), "liv", "hvem mangler resultat på zebraprøven", "ask_missing_results")
    assert other_group.text == no_such_test.text
    assert other_group.text.startswith("Jeg finner ingen prøve eller oppgave som passer i gruppene dine.")


def test_guardians_and_pupils_cannot_ask_who_lacks_results(world) -> None:
    assert world.run(MissingResultsAction(), "kari", "hvem mangler resultat på brøkprøven",
                     "ask_missing_results").text == REFUSAL["nb"]
    assert world.run(MissingResultsAction(), "olivia", "who is missing a result on the fractions test",
                     "ask_missing_results").text == REFUSAL["en"]
