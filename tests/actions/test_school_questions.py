"""Homework, tests, what to bring, timetable and week plan, as guardians and pupils ask."""

from tests.actions.conftest import person, subject

from actions.bring import BringAction
from actions.children import ChooseChildAction
from actions.homework import HomeworkAction, TestsAction
from actions.timetable import TimetableAction, WeekPlanAction


def test_guardian_with_two_children_is_asked_which_child(world) -> None:
    said = world.run(HomeworkAction(), "kari", "hva er leksene til i morgen?", "ask_homework")
    assert said.text == "Hvem gjelder det – Emma eller Jonas?"
    assert [b["title"] for b in said.buttons[0]] == ["Emma", "Jonas"]
    assert said.buttons[0][0]["payload"] == '/choose_child{"person": "Emma"}'
    assert said.slot("pending") == {"action": "action_homework", "text": "hva er leksene til i morgen?",
                                    "entities": [], "intent": "ask_homework", "confidence": 0.9}


def test_choosing_the_child_answers_the_waiting_question(world) -> None:
    pending = {"action": "action_homework", "text": "hva er leksene til i morgen?", "entities": []}
    said = world.run(ChooseChildAction(), "kari", "Emma", "choose_child", entities=[person("Emma")],
                     slots={"pending": pending})
    assert "Lekser for Emma til onsdag 2. desember" in said.text
    assert "Gangetabellen: 6-gangen (Øv på 6-gangen, side 42)" in said.text
    assert said.slot("pending") is None


def test_choosing_by_typing_the_name_without_an_entity_also_works(world) -> None:
    pending = {"action": "action_tests", "text": "når er neste prøve", "entities": []}
    said = world.run(ChooseChildAction(), "kari", "jonas takk", "choose_child", slots={"pending": pending})
    assert "torsdag 3. desember: Vocabulary test: Christmas (engelsk)" in said.text


def test_choosing_someone_elses_child_is_refused(world) -> None:
    pending = {"action": "action_homework", "text": "lekser", "entities": []}
    said = world.run(ChooseChildAction(), "kari", "Nora", "choose_child", entities=[person("Nora")],
                     slots={"pending": pending})
    assert said.text == "Det kan jeg dessverre ikke svare på."


def test_naming_a_child_without_a_waiting_question_asks_what_to_know(world) -> None:
    said = world.run(ChooseChildAction(), "kari", "Jonas", "choose_child", entities=[person("Jonas")])
    assert said.text.startswith("Greit, Jonas. Hva vil du vite?")


def test_homework_by_name_and_subject(world) -> None:
    said = world.run(HomeworkAction(), "kari", "hva har Emma i matte til i morgen", "ask_homework",
                     entities=[person("Emma"), subject("MAT01-05")])
    assert said.text.startswith("Lekser i matematikk for Emma til onsdag 2. desember:")
    assert "Gangetabellen: 6-gangen" in said.text


def test_pupil_asks_about_own_homework_in_nynorsk(world) -> None:
    said = world.run(HomeworkAction(), "nora", "kva er leksa i morgon", "ask_homework")
    assert said.text.startswith("Lekser for deg til onsdag 2. desember:")
    assert "Gangetabellen: 6-gangen" in said.text


def test_no_homework_is_said_plainly(world) -> None:
    said = world.run(HomeworkAction(), "james", "homework for friday", "ask_homework")
    assert said.text == "Olivia has no homework for Friday 4 December."


def test_homework_without_a_date_lists_the_coming_week(world) -> None:
    said = world.run(HomeworkAction(), "jonas", "lekser", "ask_homework")
    assert said.text.startswith("Lekser for deg den neste uka:")
    assert "torsdag 3. desember: engelsk: Read chapter 4" in said.text


def test_upcoming_tests_for_a_pupil_and_in_a_named_week(world) -> None:
    assert "torsdag 3. desember: Vocabulary test: Christmas (engelsk)" in world.run(
        TestsAction(), "jonas", "når er neste prøve?", "ask_tests").text
    said = world.run(TestsAction(), "emma", "prøver neste uke", "ask_tests")
    assert "torsdag 10. desember: Gangeprøve (matematikk)" in said.text
    assert "Vocabulary" not in said.text


def test_what_to_bring_on_the_skating_day(world) -> None:
    said = world.run(BringAction(), "kari", "hva må Emma ha med på fredag?", "ask_bring", entities=[person("Emma")])
    assert said.text.startswith("Emma må ha med fredag 4. desember:")
    for item in ("skøyter (Skøytedag)", "hjelm (Skøytedag)", "matpakke (Skøytedag)"):
        assert item in said.text


def test_what_to_bring_for_pe_in_the_gym_in_english_and_nynorsk(world) -> None:
    # Thursday 3 December: PE in the gym, and the trip's packed lunch.
    said = world.run(BringAction(), "nora", "kva må eg ha med på torsdag", "ask_bring")
    assert "- gymtøy (kroppsøving)\n- matpakke\n- drikkeflaske" in said.text
    english = world.run(BringAction(), "james", "what does Olivia need to bring on thursday", "ask_bring")
    assert english.text == "Olivia doesn't need to bring anything extra on Thursday 3 December."


def test_bring_on_a_day_without_school_says_why(world) -> None:
    assert world.run(BringAction(), "emma", "hva må jeg ha med på lørdag", "ask_bring").text == \
        "Lørdag 5. desember er det ikke skole – det er helg."
    assert "det er juleferie" in world.run(BringAction(), "emma", "hva må jeg ha med 22. desember", "ask_bring").text


def test_after_lunch_and_when_school_starts(world) -> None:
    assert world.run(TimetableAction(), "emma", "hva har vi etter lunsj?", "ask_timetable").text == \
        "Etter lunsj tirsdag 1. desember:\n- 11:30–12:30 kroppsøving (gymsalen)"
    assert world.run(TimetableAction(), "emma", "når begynner skolen på torsdag?", "ask_timetable").text == \
        "Torsdag 3. desember begynner du kl. 08:30."
    assert world.run(TimetableAction(), "olivia", "when does school finish today", "ask_timetable").text == \
        "On Tuesday 1 December you finish at 09:45."


def test_next_lesson_of_a_subject(world) -> None:
    said = world.run(TimetableAction(), "emma", "når har vi gym", "ask_timetable", entities=[subject("KRO01-05")])
    assert said.text == "Neste gang du har kroppsøving: tirsdag 1. desember, 11:30–12:30 kroppsøving (gymsalen)."


def test_full_day_timetable_for_a_guardian(world) -> None:
    said = world.run(TimetableAction(), "per", "timeplanen på tysdag", "ask_timetable")
    assert said.text.startswith("Timeplan for Nora tysdag 1. desember:")
    assert "- 08:30–09:15 matematikk (4A)" in said.text and "- 11:00–11:30 lunsj" in said.text


def test_week_plan_has_days_homework_and_what_to_bring(world) -> None:
    said = world.run(WeekPlanAction(), "emma", "ukeplan", "ask_week_plan")
    assert said.text.startswith("Ukeplan uke 49 for deg:")
    assert "Fredag 4. desember: ingen timer. Skøytedag. Ha med: skøyter, hjelm, matpakke" in said.text
    assert "- onsdag: Gangetabellen: 6-gangen" in said.text
    nynorsk = world.run(WeekPlanAction(), "per", "vekeplan neste veke", "ask_week_plan")
    assert nynorsk.text.startswith("Vekeplan veke 50 for Nora:") and "- torsdag: Gangeprøve" in nynorsk.text


def test_a_lone_word_that_names_nobody_is_treated_as_not_understood(world) -> None:
    said = world.run(ChooseChildAction(), "emma", "hmm", "choose_child")
    assert said.text.startswith("Beklager, det skjønte jeg ikke helt.")
    assert said.slot("fallback_asked") is True


def test_an_answer_to_which_child_the_model_did_not_understand_still_resumes_the_question(world) -> None:
    from actions.fallback import FallbackAction

    pending = {"action": "action_tests", "text": "når er neste prøve", "entities": []}
    # The reply follows the language of the answer when it has one; else the conversation's.
    for text, expected in (("nr 2, Jonas", "torsdag 3. desember: Vocabulary test: Christmas (engelsk)"),
                           ("Jonas's", "torsdag 3. desember: Vocabulary test: Christmas (engelsk)"),
                           ("it's about Jonas", "Thursday 3 December: Vocabulary test: Christmas (English)")):
        said = world.run(FallbackAction(), "kari", text, "nlu_fallback", slots={"pending": pending, "fallback_asked": True})
        assert expected in said.text, text
        cleared = {e["name"] for e in said.events if e.get("event") == "slot" and e.get("value") is None}
        assert {"pending", "fallback_asked"} <= cleared, text


def test_a_message_naming_both_children_or_none_after_which_child_is_not_taken_as_a_choice(world) -> None:
    from actions.fallback import FallbackAction

    pending = {"action": "action_tests", "text": "når er neste prøve", "entities": []}
    for text in ("Emma og Jonas", "blablabla"):
        said = world.run(FallbackAction(), "kari", text, "nlu_fallback", slots={"pending": pending})
        assert "Vocabulary test" not in said.text and said.slot("fallback_asked") is True, text


def test_whats_on_a_day_not_understood_is_answered_with_that_days_plan(world) -> None:
    from actions.fallback import FallbackAction

    said = world.run(FallbackAction(), "kari", "Hva skjer for Jonas på torsdag?", "nlu_fallback", confidence=0.3)
    assert "torsdag" in said.text.lower() and "Jonas" in said.text
    unrelated = world.run(FallbackAction(), "kari", "Hva skjer?", "nlu_fallback", confidence=0.3)
    assert unrelated.text == world.run(FallbackAction(), "kari", "hmm", "nlu_fallback", confidence=0.3).text
