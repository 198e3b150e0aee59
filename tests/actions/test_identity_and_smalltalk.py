"""Who is asking, and the small talk around the questions."""

from actions.fallback import FallbackAction
from actions.homework import HomeworkAction
from actions.smalltalk import GoodbyeAction, GreetAction, HelpAction, OutOfScopeAction, ThanksAction
from bot.identity import conversation_id
from bot.models import Channel


def test_unsigned_conversation_is_refused_without_answering_anything(world) -> None:
    said = world.run(HomeworkAction(), None, "hva er leksene til Emma", "ask_homework",
                     sender=f"{world.ids['kari']}.web.forged0000000000000000")
    assert "vet ikke hvem du er" in said.text
    assert "Emma" not in said.text and said.events == []


def test_conversation_signed_with_another_secret_is_refused(world) -> None:
    forged = conversation_id("not-our-secret", world.ids["kari"], Channel.WEB)
    said = world.run(GreetAction(), None, "hei", "greet", sender=forged)
    assert "vet ikke hvem du er" in said.text


def test_signed_id_of_a_person_that_does_not_exist_is_refused(world) -> None:
    ghost = conversation_id(world.runtime.settings.sender_secret, 999999, Channel.SMS)
    said = world.run(GreetAction(), None, "hei", "greet", sender=ghost)
    assert "vet ikke hvem du er" in said.text


def test_greeting_uses_the_name_and_the_persons_language(world) -> None:
    assert world.run(GreetAction(), "kari", "hei", "greet").text.startswith("Hei Kari! Jeg er Ransel")
    assert world.run(GreetAction(), "per", "hei", "greet").text.startswith("Hei Per! Eg er Ransel")
    james = world.run(GreetAction(), "james", "hello", "greet").text
    assert james.startswith("Hi James! I'm Ransel") and "report an absence" in james


def test_help_offers_examples_for_the_persons_role(world) -> None:
    guardian = world.run(HelpAction(), "kari", "hva kan jeg spørre om", "help").text
    teacher = world.run(HelpAction(), "tor", "hjelp", "help").text
    pupil = world.run(HelpAction(), "olivia", "help", "help").text
    assert "«Emma er syk i dag»" in guardian
    assert "«hvem mangler resultat på brøkprøven?»" in teacher and "syk i dag" not in teacher
    assert '"what should I practise in maths?"' in pupil


def test_examples_name_the_askers_own_children_never_another_familys(world) -> None:
    per = world.run(HelpAction(), "per", "hjelp", "help").text
    james = world.run(OutOfScopeAction(), "james", "what's the weather", "out_of_scope").text
    assert "«Nora er sjuk i dag»" in per and "Emma" not in per and "Jonas" not in per
    assert '"Olivia is sick today"' in james and "Emma" not in james


def test_thanks_goodbye_and_out_of_scope_in_each_language(world) -> None:
    assert world.run(ThanksAction(), "kari", "takk", "thanks").text == "Bare hyggelig!"
    assert world.run(ThanksAction(), "per", "takk", "thanks").text == "Berre hyggeleg!"
    assert world.run(GoodbyeAction(), "james", "bye", "goodbye").text == "Bye for now!"
    weather = world.run(OutOfScopeAction(), "kari", "hva blir været i morgen", "out_of_scope").text
    assert "bare svare på ting om skolen" in weather and "«hva er leksene til i morgen?»" in weather


def test_first_misunderstanding_asks_with_the_likeliest_topics_as_buttons(world) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_homework", "confidence": 0.3},
               {"name": "greet", "confidence": 0.2}, {"name": "ask_bring", "confidence": 0.1}]
    said = world.run(FallbackAction(), "kari", "blablabla lekse sekk", "nlu_fallback", ranking=ranking)
    assert "skjønte jeg ikke helt" in said.text
    assert said.buttons[0] == [{"title": "Lekser", "payload": "/ask_homework"},
                               {"title": "Hva må med", "payload": "/ask_bring"}]
    assert said.slot("fallback_asked") is True


def test_second_misunderstanding_in_a_row_explains_what_ransel_can_do(world) -> None:
    said = world.run(FallbackAction(), "james", "qwerty", "nlu_fallback", slots={"fallback_asked": True})
    assert said.text.startswith("Sorry, I didn't get that either. Here is what you can ask me")
    assert said.slot("fallback_asked") is None


def test_an_answered_question_resets_the_fallback_count(world) -> None:
    said = world.run(ThanksAction(), "kari", "takk", "thanks", slots={"fallback_asked": True})
    assert said.slot("fallback_asked") is None
