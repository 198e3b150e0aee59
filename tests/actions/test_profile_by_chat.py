"""The pupil profile by chat: a change is asked first with exactly what will be noted, made
after a yes, said back, undone by "angre"; "nei" and misread messages change nothing; each
person sets only what their role may; "hva står i profilen min?" shows who set what."""

from sqlalchemy import select

from actions.confirm import ConfirmAction, UndoAction
from actions.profile import SetProfileAction, ShowProfileAction
from bot.models import ProfileHistory, ProfileSetting
from tests.actions.conftest import person

UNDO_HINT = "Skriv «angre» innen 10 minutter hvis det var feil."


def settings(world, pupil: str) -> dict:
    with world.runtime.sessions() as session:
        return {(r.key, r.source.value): r.value for r in session.scalars(
            select(ProfileSetting).where(ProfileSetting.pupil_id == world.ids[pupil]))}


def history(world) -> list:
    with world.runtime.sessions() as session:
        return list(session.scalars(select(ProfileHistory).where(ProfileHistory.set_by_id.is_not(None))))


def test_a_guardian_says_the_child_needs_read_aloud_and_it_is_noted_after_a_yes(world) -> None:
    asked = world.run(SetProfileAction(), "kari", "Emma trenger opplesing", "set_profile", entities=[person("Emma")])
    assert asked.text == "Skal jeg notere i profilen til Emma at Emma trenger opplesing? Svar ja eller nei."
    assert settings(world, "emma") == {}
    done = world.run(ConfirmAction(), "kari", "ja", "affirm", slots={"confirm": asked.slot("confirm")})
    assert done.text == ("Jeg har notert i profilen til Emma at Emma trenger opplesing. Det gjelder fra nå, også "
                         f"for hva jeg foreslår å øve på. {UNDO_HINT}")
    assert settings(world, "emma") == {("read_aloud", "guardian"): True}

    undone = world.run(UndoAction(), "kari", "angre", "undo")
    assert undone.text == "Angret: profilen til Emma er som før."
    assert settings(world, "emma") == {}
    assert [(h.value, h.undone_at is not None) for h in history(world)] == [(True, True), (None, False)]


def test_no_changes_nothing_and_a_misread_message_is_not_a_profile_change(world) -> None:
    asked = world.run(SetProfileAction(), "kari", "vi har ikke PC hjemme", "set_profile", entities=[])
    assert asked.text == "Hvem gjelder det – Emma eller Jonas?"
    asked = world.run(SetProfileAction(), "kari", "Jonas har ikke PC hjemme", "set_profile",
                      entities=[person("Jonas")])
    assert asked.text == "Skal jeg notere i profilen til Jonas at Jonas ikke har PC hjemme? Svar ja eller nei."
    no = world.run(ConfirmAction(), "kari", "nei", "deny", slots={"confirm": asked.slot("confirm")})
    assert no.text == "Greit, da gjør jeg ingenting. Profilen er som før."
    misread = world.run(SetProfileAction(), "kari", "hva er leksene til Emma i morgen?", "set_profile",
                        entities=[person("Emma")], confidence=0.5,
                        ranking=[{"name": "set_profile", "confidence": 0.5},
                                 {"name": "ask_homework", "confidence": 0.4}])
    assert misread.text.startswith("Lekser for Emma til onsdag 2. desember:")
    assert misread.slot("confirm") is None and history(world) == []


def test_what_is_noted_for_equipment_starts_from_what_the_school_assumes(world) -> None:
    said = world.confirmed(SetProfileAction(), "kari", "Jonas har ikke PC hjemme", "set_profile",
                           entities=[person("Jonas")])
    assert said.text.startswith("Jeg har notert i profilen til Jonas at Jonas ikke har PC hjemme.")
    assert settings(world, "jonas") == {("equipment", "guardian"): ["chromebook", "headphones", "printer", "tablet"]}


def test_a_pupil_notes_how_they_learn_best_in_nynorsk_and_english(world) -> None:
    said = world.confirmed(SetProfileAction(), "nora", "eg likar best å læra med video", "set_profile")
    assert said.text.startswith("Eg har notert at du lærer best med video.")
    said = world.confirmed(SetProfileAction(), "olivia", "I learn best with games and videos", "set_profile")
    assert said.text.startswith("I've noted that you learn best with games and videos. It counts from now on")
    assert settings(world, "olivia") == {("learning_methods", "self"): ["game", "video"]}


def test_each_role_sets_only_what_the_schools_policy_lets_it(world) -> None:
    said = world.run(SetProfileAction(), "emma", "jeg har dysleksi", "set_profile")
    assert said.text == ("Etter skolens regler kan ikke du endre særskilte behov i profilen. Ingenting er endret – "
                         "snakk med kontaktlæreren hvis det bør endres.")
    assert said.slot("confirm") is None
    teacher = world.confirmed(SetProfileAction(), "liv", "Emma har dysleksi", "set_profile",
                              entities=[person("Emma")])
    assert teacher.text.startswith("Jeg har notert i profilen til Emma at Emma har lese- og skrivevansker.")
    refused = world.run(SetProfileAction(), "per", "Emma trenger opplesing", "set_profile",
                        entities=[person("Emma")])
    assert refused.text == world.run(SetProfileAction(), "per", "Ukjentnavn trenger opplesing", "set_profile",
                                     entities=[person("Ukjentnavn")]).text  # the same refusal either way
    assert settings(world, "emma") == {("special_needs", "teacher"): ["reading_writing"]}


def test_the_profile_says_who_set_what_and_where_to_change_it(world) -> None:
    world.confirmed(SetProfileAction(), "kari", "Emma trenger opplesing", "set_profile", entities=[person("Emma")])
    world.confirmed(SetProfileAction(), "emma", "jeg lærer best med video", "set_profile")
    said = world.run(ShowProfileAction(), "emma", "hva står i profilen min?", "ask_profile")
    assert said.text.splitlines() == [
        "Profilen din:",
        "- Lærer best med: video (satt av Emma Hansen, eleven, 1. desember)",
        "- Opplesing: ja (satt av Kari Hansen, foresatt, 1. desember)",
        f"Alt står på {world.runtime.settings.public_base_url.rstrip('/')}/profile/{world.ids['emma']}, der du også "
        "kan endre det.",
    ]
    assert said.slot("confirm") is None


def test_a_profile_statement_the_model_misread_is_asked_about_and_nothing_changes_before_a_yes(world) -> None:
    from actions.fallback import FallbackAction
    from actions.progress import ProgressAction

    before = settings(world, "jonas")
    asked = world.run(FallbackAction(), "kari", "Jonas har ikke PC hjemme, bare mobilen min", "nlu_fallback",
                      confidence=0.3)
    assert asked.text.startswith("Skal jeg notere i profilen til Jonas") and asked.slot("confirm")
    misread = world.run(ProgressAction(), "kari", "Jonas lærer best med video", "ask_progress")
    assert misread.text.startswith("Skal jeg notere i profilen til Jonas")
    assert settings(world, "jonas") == before


def test_a_question_about_what_is_noted_shows_the_profile_and_plans_no_change(world) -> None:
    from actions.fallback import FallbackAction

    shown = world.run(FallbackAction(), "kari", "Hva har dere notert om Jonas?", "nlu_fallback", confidence=0.3)
    assert "Jonas" in shown.text and not shown.slot("confirm")
    asked = world.run(SetProfileAction(), "kari", "Har dere skrevet ned at Jonas har dysleksi?", "set_profile")
    assert not asked.slot("confirm")  # a question about what is noted, not a change
