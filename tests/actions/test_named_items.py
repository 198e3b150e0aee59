"""Questions about one thing by name, answered about that thing: its day and time, what its
description says, what to bring, and the result exactly as recorded with the comment."""

from datetime import date

import pytest
from sqlalchemy import select
from tests.actions.conftest import person
from tests.builders import local

from actions.bring import BringAction
from actions.homework import HomeworkAction, TestsAction
from actions.progress import ProgressAction
from actions.timetable import TimetableAction
from bot.i18n import render
from bot.models import Assignment, AssignmentKind, Group, Person, Result, ScoreStatus


@pytest.fixture
def items(world):  # noqa: ANN001, ANN201
    """What a OneRoster-only school exports: facts in titles and descriptions."""
    with world.runtime.sessions() as session:
        groups = {g.sourced_id: g.id for g in session.scalars(select(Group))}

        def add(key, group, kind, title, due, description=None, subject=None, max_score=None):  # noqa: ANN001, ANN202
            a = Assignment(sourced_id=f"x-{key}", group_id=groups[group], kind=kind, title=title, due_at=due,
                           description=description, subject_code=subject, max_score=max_score)
            session.add(a)
            session.flush()
            return a

        add("aktivitetsdag", "g-4a", AssignmentKind.EVENT, "Aktivitetsdag på Frognerseteren",
            local(date(2026, 12, 3), 9, 0),
            "Vi er ute hele dagen, 09:00–14:00. Ta med matpakke, drikkeflaske, varme klær og sitteunderlag.")
        add("foredrag", "g-9b_eng", AssignmentKind.PROJECT, "Presentation: a country in Europe",
            local(date(2026, 12, 8), 10, 0), "Talk for 3–5 minutes with slides. Hand in the slides on Monday.",
            subject="ENG01-05")
        geometri = add("geometri", "g-9b_mat", AssignmentKind.TEST, "Prøve i geometri", local(date(2026, 11, 26), 8, 15),
                       "Vinkler og areal. Del 1 uten hjelpemidler, del 2 med kalkulator, passer og linjal.",
                       subject="MAT01-05", max_score=20)
        session.add(Result(assignment_id=geometri.id, pupil_id=world.ids["jonas"], score=12.5,
                           status=ScoreStatus.FULLY_GRADED, scored_on=date(2026, 11, 30),
                           comment="Godt arbeid med vinkler, øv mer på areal av trekanter."))
        session.add(Result(assignment_id=geometri.id, pupil_id=world.ids["olivia"], score=17,
                           status=ScoreStatus.FULLY_GRADED, scored_on=date(2026, 11, 30),
                           comment="Very good work."))
        session.commit()


def test_what_to_bring_to_a_named_event_lists_the_things_its_description_names(world, items) -> None:
    said = world.run(BringAction(), "kari", "hva skal Emma ha med til aktivitetsdagen og når er den?", "ask_bring",
                     entities=[person("Emma")])
    # The description's other times (when it ends, when to meet) come with the things.
    assert said.text == ("Aktivitetsdag på Frognerseteren: torsdag 3. desember kl. 09:00.\n"
                         "Emma må ha med: matpakke, drikkeflaske, varme klær og sitteunderlag. "
                         "Vi er ute hele dagen, 09:00–14:00.")


def test_a_guardian_of_two_naming_only_the_event_gets_the_child_it_belongs_to(world, items) -> None:
    said = world.run(BringAction(), "kari", "hva må vi ha med til aktivitetsdagen?", "ask_bring")
    assert said.text.startswith("Aktivitetsdag på Frognerseteren: torsdag 3. desember kl. 09:00.\nEmma må ha med:")


def test_the_result_of_a_named_test_is_given_exactly_with_the_comment(world, items) -> None:
    said = world.run(ProgressAction(), "kari", "hvordan gikk geometriprøven til Jonas?", "ask_progress",
                     entities=[person("Jonas")])
    assert said.text == ("Prøve i geometri (matematikk): torsdag 26. november kl. 08:15.\n"
                         "Jonas fikk 12,5 av 20 (30. november). Kommentar fra læreren: "
                         "«Godt arbeid med vinkler, øv mer på areal av trekanter.»")
    en = world.run(ProgressAction(), "olivia", "what did I get on the geometry test?", "ask_progress")
    assert en.text.endswith("You got 17 out of 20 (30 November). The teacher's comment: \"Very good work.\"")


def test_what_is_allowed_on_a_named_test_comes_from_its_description(world, items) -> None:
    said = world.run(TestsAction(), "per", "får Jonas bruke passer på geometriprøva?", "ask_tests",
                     entities=[person("Jonas")])
    # Per has no child in 9B: the same refusal as for any name he may not ask about.
    assert said.text == "Det kan eg dessverre ikkje svare på."
    said = world.run(TestsAction(), "jonas", "får jeg bruke passer på geometriprøven?", "ask_tests")
    assert "Del 1 uten hjelpemidler, del 2 med kalkulator, passer og linjal." in said.text


def test_a_named_presentation_in_english_gives_its_date_and_what_to_do(world, items) -> None:
    said = world.run(HomeworkAction(), "james", "when is Olivia's presentation and what does she have to do?",
                     "ask_homework", entities=[person("Olivia")])
    assert said.text == ("Presentation: a country in Europe (English): Tuesday 8 December at 10:00.\n"
                         "Talk for 3–5 minutes with slides. Hand in the slides on Monday.")


def test_a_named_item_asked_as_a_timetable_question_is_still_that_item(world, items) -> None:
    said = world.run(TimetableAction(), "per", "når er aktivitetsdagen?", "ask_timetable")
    assert said.text.startswith("Aktivitetsdag på Frognerseteren: torsdag 3. desember kl. 09:00.")


def test_what_to_bring_on_a_day_lists_the_things_in_the_days_descriptions(world, items) -> None:
    said = world.run(BringAction(), "nora", "kva må eg ha med på torsdag?", "ask_bring")
    assert "- varme klær (Aktivitetsdag på Frognerseteren)" in said.text
    assert "- sitteunderlag (Aktivitetsdag på Frognerseteren)" in said.text


def test_a_list_question_is_not_taken_for_one_item(world, items) -> None:
    said = world.run(HomeworkAction(), "jonas", "hva er leksene i matte?", "ask_homework")
    assert said.text.startswith("Lekser") and "Prøve i geometri" not in said.text


def test_a_message_the_model_could_not_place_that_names_an_item_is_answered_about_it(world, items) -> None:
    from actions.fallback import FallbackAction

    said = world.run(FallbackAction(), "olivia", "how long should my presentation be", "nlu_fallback")
    assert said.text.startswith("Presentation: a country in Europe (English): Tuesday 8 December at 10:00.")
    assert "3–5 minutes" in said.text
    # Nothing named: still the clarifying question.
    assert world.run(FallbackAction(), "olivia", "blorp fnord", "nlu_fallback").text == render("fallback_clarify", "en", has_choices=False)


def test_what_to_practise_for_a_named_test_is_what_the_test_covers(world, items) -> None:
    from actions.practice import PracticeAction

    said = world.run(PracticeAction(), "kari", "hva skal Jonas øve på til geometriprøven?", "ask_practice",
                     entities=[person("Jonas")])
    assert said.text.startswith("Prøve i geometri (matematikk):") and "Vinkler og areal." in said.text


def test_a_question_about_a_test_without_bring_words_gets_what_it_covers_not_only_the_things(world, items) -> None:
    said = world.run(BringAction(), "jonas", "er det lov med kalkulator på geometriprøven?", "ask_bring")
    assert "del 2 med kalkulator" in said.text
