"""Progress for pupils, guardians and teachers; who lacks a result; what to practise."""

from datetime import datetime, timezone

from tests.actions.conftest import person, subject

from actions.progress import MissingResultsAction, ProgressAction
from actions.practice import PracticeAction
from bot.models import AimStatus, Dimension, LearningResource, Source


def test_guardian_asks_how_a_child_is_doing_in_maths(world) -> None:
    said = world.run(ProgressAction(), "kari", "hvordan går det med Jonas i matte?", "ask_progress",
                     entities=[person("Jonas"), subject("MAT01-05")])
    assert said.text == "Slik går det for Jonas:\n- Matematikk: snitt 78 % (sist: Prøve i brøk og prosent, 31 av 40)"


def test_asked_about_the_tests_so_far_every_result_is_listed(world) -> None:
    said = world.run(ProgressAction(), "kari", "Korleis går det med Jonas på prøvane så langt?", "ask_progress",
                     entities=[person("Jonas")])
    assert "Prøve i brøk og prosent: 31 av 40" in said.text


def test_guardian_with_two_children_and_no_name_is_asked_which(world) -> None:
    said = world.run(ProgressAction(), "kari", "hvordan går det med henne?", "ask_progress")
    assert said.text == "Hvem gjelder det – Emma eller Jonas?"
    assert said.slot("pending")["action"] == "action_progress"


def test_guardian_asking_about_the_children_gets_each_childs_answer(world) -> None:
    said = world.run(ProgressAction(), "kari", "hvordan går det med barna?", "ask_progress")
    assert said.texts == ["Slik går det for Emma:\n- Matematikk: snitt 90 % (sist: Tiervenner, 9 av 10)",
                          "Slik går det for Jonas:\n- Matematikk: snitt 78 % (sist: Prøve i brøk og prosent, 31 av 40)"]
    assert said.slot("pending") is None


def test_pupil_sees_missing_hand_ins_in_own_progress(world) -> None:
    said = world.run(ProgressAction(), "nora", "korleis ligg eg an", "ask_progress")
    assert said.text.startswith("Slik går det for deg:")
    assert "manglar: Tiervenner" in said.text


def test_pupil_progress_in_english(world) -> None:
    said = world.run(ProgressAction(), "olivia", "how am I doing in maths", "ask_progress",
                     entities=[subject("MAT01-05")])
    assert said.text == "How you are doing:\n- maths: average 90 % (latest: Prøve i brøk og prosent, 36 of 40)"


def test_teacher_asks_who_is_missing_a_result_on_the_fractions_test(world) -> None:
    said = world.run(MissingResultsAction(), "tor", "hvem mangler resultat på brøkprøven?", "ask_missing_results")
    assert said.text == ("Prøve i brøk og prosent (9B matematikk, 24. november): "
                         "1 av 3 mangler resultat: Mats Dahl.")


def test_teacher_asking_how_a_test_went_gets_the_test_not_a_pupil_question(world) -> None:
    said = world.run(ProgressAction(), "tor", "hvordan gikk brøkprøven", "ask_progress")
    assert "1 av 3 mangler resultat: Mats Dahl" in said.text


def test_teacher_without_a_name_is_asked_which_pupil(world) -> None:
    said = world.run(ProgressAction(), "gunnar", "korleis går det", "ask_progress")
    assert said.text.startswith("Kva elev gjeld det?")


def test_practice_suggests_resources_for_the_pupil_and_subject(world) -> None:
    with world.runtime.transaction() as session:
        now = datetime(2026, 11, 30, tzinfo=timezone.utc)
        for i, (title, level) in enumerate([("Brøkbingo", 9.0), ("Prosentjakt", 8.5), ("Algebra for viderekomne", 10.0),
                                            ("Gangespill", 3.5)]):
            session.add(LearningResource(external_id=f"r{i}", title=title, url=f"https://example.org/{i}",
                                         subject_code="MAT01-05", level=level, licence="CC-BY-SA-4.0"))
        session.flush()
        resource = session.query(LearningResource).filter_by(title="Prosentjakt").one()
        from bot.models import resource_aims
        session.execute(resource_aims.insert().values(resource_id=resource.id, aim_code="KM282"))
        session.add(AimStatus(pupil_id=world.ids["jonas"], aim_code="KM282", dimension=Dimension.SKILLS,
                              level=0.3, source=Source.COMPUTED, set_at=now))
    said = world.run(PracticeAction(), "jonas", "hva bør jeg øve på i matte?", "ask_practice",
                     entities=[subject("MAT01-05")])
    lines = said.text.splitlines()
    assert lines[0] == "Dette kan du øve på i matematikk:"
    assert lines[1] == "- Prosentjakt – https://example.org/1"  # the only one on one of his aims
    assert "Gangespill" not in said.text  # far below grade 9


def test_practice_for_someone_elses_child_is_refused(world) -> None:
    said = world.run(PracticeAction(), "james", "what should Jonas practise", "ask_practice", entities=[person("Jonas")])
    assert said.text == "I'm afraid I can't answer that."


def test_a_test_already_marked_is_a_question_about_results_whatever_the_model_read(world) -> None:
    from actions.homework import TestsAction

    for text in ("Har Jonas fått tilbake noen prøver i høst?", "På hvilken prøve gjorde Jonas det best?",
                 "Has Jonas got any tests back yet?"):
        said = world.run(TestsAction(), "kari", text, "ask_tests")
        assert said.text.startswith(("Slik går det for Jonas", "How Jonas is doing")), (text, said.text)
    coming = world.run(TestsAction(), "kari", "Har Jonas noen prøver neste uke?", "ask_tests")
    assert not coming.text.startswith("Slik går det")  # coming tests stay coming tests
