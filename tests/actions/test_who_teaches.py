"""Who teaches a pupil: contact teacher, a subject's teacher, or all of them, in nb, nn, en."""

from __future__ import annotations

from tests.actions.conftest import person, subject

from actions.teachers import WhoTeachesAction
from actions.teacher import ValidateRelayForm
from bot.i18n import render


def test_the_contact_teacher_and_every_subject_teacher(world) -> None:  # noqa: ANN001
    said = world.run(WhoTeachesAction(), "kari", "hvem er kontaktlæreren til Emma?", "ask_teacher",
                     entities=[person("Emma")])
    assert said.text.startswith("Kontaktlæreren til Emma er Liv Andersen.")
    assert "- kroppsøving: Gunnar Vik" in said.text and "- matematikk: Liv Andersen" in said.text


def test_a_subject_teacher_named_by_a_compound_or_an_entity(world) -> None:  # noqa: ANN001
    compound = world.run(WhoTeachesAction(), "kari", "hvem er engelsklæreren til Jonas?", "ask_teacher",
                         entities=[person("Jonas")])
    assert compound.text == "Jonas har Sarah Jones i engelsk."
    english = world.run(WhoTeachesAction(), "james", "who teaches Olivia maths?", "ask_teacher",
                        entities=[person("Olivia"), subject("MAT01-05")])
    assert english.text == "Olivia has Tor Haugen for maths."
    nynorsk = world.run(WhoTeachesAction(), "per", "kven har Nora i kroppsøving?", "ask_teacher",
                        entities=[person("Nora"), subject("KRO01-05")])
    assert nynorsk.text == "Nora har Gunnar Vik i kroppsøving."


def test_another_familys_child_is_refused_like_any_unknown_name(world) -> None:  # noqa: ANN001
    said = world.run(WhoTeachesAction(), "kari", "hvem er kontaktlæreren til Olivia?", "ask_teacher",
                     entities=[person("Olivia")])
    assert said.text == render("access_denied", "nb")  # the same refusal as for a name nobody has


def test_a_message_for_a_subject_teacher_named_by_a_compound_goes_to_that_teacher(world) -> None:  # noqa: ANN001
    import asyncio

    tracker = world.tracker("kari", "send en melding til engelsklæreren til Jonas om at han er syk", "message_teacher",
                            entities=[person("Jonas")])
    slots = asyncio.run(ValidateRelayForm().extract_relay_subject(None, tracker, {}))
    assert slots == {"relay_subject": "ENG01-05"}
