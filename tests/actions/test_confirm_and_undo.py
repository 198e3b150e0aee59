"""Nothing changes by mistake: questions never change anything; a change runs at once only
when the request is unmistakable, otherwise after a yes to a question that says exactly what
will happen; the reply says what changed; "angre"/"undo" reverses it for ten minutes."""

from datetime import timedelta

from sqlalchemy import select, update
from tests.actions.conftest import person

from actions.absence import ReportAbsenceAction
from actions.confirm import ChooseLanguageAction, ConfirmAction, UndoAction
from actions.homework import HomeworkAction
from actions.reminders import RemindersAction
from actions.teacher import SendRelayAction, ValidateRelayForm
from bot.models import Absence, Change, NotificationPreference, OutboxMessage, OutboxStatus, Person, Thread
from scheduler.render import render_row

UNDO_HINT = "Skriv «angre» innen 10 minutter hvis det var feil."


def _absences(world):  # noqa: ANN001, ANN202
    with world.runtime.sessions() as session:
        return list(session.scalars(select(Absence)))


def _outbox(world):  # noqa: ANN001, ANN202
    with world.runtime.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _prefs(world, who):  # noqa: ANN001, ANN202
    with world.runtime.sessions() as session:
        return session.scalar(select(NotificationPreference).where(NotificationPreference.person_id == world.ids[who]))


# ------------------------------------------------------------------------------ absence


def test_a_question_about_a_child_taken_for_an_absence_report_records_nothing(world) -> None:
    # The model picked report_absence for a plain question about a presentation.
    said = world.run(ReportAbsenceAction(), "kari", "hva må Emma gjøre til foredraget?", "report_absence",
                     entities=[person("Emma")], confidence=0.62,
                     ranking=[{"name": "report_absence", "confidence": 0.62},
                              {"name": "ask_homework", "confidence": 0.3}])
    assert _absences(world) == [] and _outbox(world) == []
    assert said.text.startswith("Lekser for Emma den neste uka:")  # answered as the question it was


def test_an_absence_asked_as_a_question_waits_for_a_yes_that_names_who_is_told(world) -> None:
    asked = world.run(ReportAbsenceAction(), "kari", "Kan du melde Emma syk i dag?", "report_absence",
                      entities=[person("Emma")])
    assert asked.text == "Skal jeg melde Emma borte i dag (syk)? Liv Andersen får beskjed. Svar ja eller nei."
    assert _absences(world) == [] and _outbox(world) == []

    done = world.run(ConfirmAction(), "kari", "ja", "affirm", slots={"confirm": asked.slot("confirm")})
    assert done.text == ("Takk, fraværet til Emma i dag er registrert. Liv Andersen har fått beskjed. "
                         f"{UNDO_HINT} God bedring!")
    assert [a.pupil_id for a in _absences(world)] == [world.ids["emma"]]
    assert [(r.recipient_id, r.template) for r in _outbox(world)] == [(world.ids["liv"], "absence_alert")]
    assert done.slot("confirm") is None


def test_an_unsure_model_asks_before_recording_even_a_plain_statement(world) -> None:
    asked = world.run(ReportAbsenceAction(), "kari", "Emma er hjemme i dag", "report_absence",
                      entities=[person("Emma")], confidence=0.55)
    assert asked.text.startswith("Skal jeg melde Emma borte i dag?")
    assert _absences(world) == []


def test_a_hedged_or_negated_absence_asks_first_in_every_language(world) -> None:
    # The model is sure of the intent; the words leave it open, so nothing is recorded yet.
    for text, start in (("Emma er kanskje syk i morgen", "Skal jeg melde Emma borte"),
                        ("eg trur Emma blir heime i morgon", "Skal eg melde Emma borte"),
                        ("Emma might be off sick tomorrow", "Shall I report Emma absent"),
                        ("Emma er ikke syk lenger", "Skal jeg melde Emma borte")):
        asked = world.run(ReportAbsenceAction(), "kari", text, "report_absence",
                          entities=[person("Emma")], confidence=0.97)
        assert asked.text.startswith(start), text
        assert asked.slot("confirm") is not None, text
    assert _absences(world) == [] and _outbox(world) == []


def test_no_or_another_question_drops_the_waiting_absence(world) -> None:
    asked = world.run(ReportAbsenceAction(), "per", "kan Nora få fri i morgon?", "report_absence",
                      entities=[person("Nora")])
    assert asked.text.startswith("Skal eg melde Nora borte onsdag 2. desember?")
    no = world.run(ConfirmAction(), "per", "nei", "deny", slots={"confirm": asked.slot("confirm")})
    assert no.text == "Greitt, då gjer eg ingenting. Fråværet er ikkje meldt."
    other = world.run(HomeworkAction(), "per", "kva er leksa i morgon?", "ask_homework",
                      slots={"confirm": asked.slot("confirm")})
    assert other.slot("confirm") is None  # dropped: a later "ja" confirms nothing
    late_yes = world.run(ConfirmAction(), "per", "ja", "affirm")
    assert late_yes.text.startswith("Eg har ikkje noko som ventar på eit ja no.")
    assert _absences(world) == [] and _outbox(world) == []


def test_undo_removes_the_absence_and_the_alert_that_had_not_gone_out(world) -> None:
    world.confirmed(ReportAbsenceAction(), "kari", "Emma er syk i dag", "report_absence", entities=[person("Emma")])
    [alert] = _outbox(world)
    undone = world.run(UndoAction(), "kari", "angre", "undo")
    assert undone.text == "Angret: fraværet til Emma i dag er slettet."
    assert _absences(world) == []
    [alert] = _outbox(world)
    assert alert.status == OutboxStatus.SKIPPED  # never sent
    again = world.run(UndoAction(), "kari", "angre", "undo")
    assert again.text.startswith("Det er ikke noe å angre")


def test_undo_after_the_teacher_was_told_sends_the_teacher_a_correction(world) -> None:
    world.confirmed(ReportAbsenceAction(), "james", "Olivia is sick today", "report_absence", entities=[person("Olivia")])
    with world.runtime.sessions() as session:  # the dispatcher has delivered the alert
        session.execute(update(OutboxMessage).values(status=OutboxStatus.SENT))
        session.commit()
    undone = world.run(UndoAction(), "james", "undo", "undo")
    assert undone.text == ("Undone: Olivia's absence today has been deleted. Tor Haugen had been told and will now "
                           "get a message that it was withdrawn.")
    correction = _outbox(world)[-1]
    assert (correction.recipient_id, correction.template) == (world.ids["tor"], "absence_withdrawn")
    with world.runtime.sessions() as session:
        tor = session.get(Person, world.ids["tor"])
        text = render_row(session, correction, tor, "nb", world.runtime.clock)
    assert text == ("Fravær trukket tilbake: James Smith har trukket tilbake meldingen om at Olivia Smith er borte "
                    "tirsdag 1. desember. Se bort fra den.")


def test_nothing_older_than_ten_minutes_is_undone(world) -> None:
    world.confirmed(ReportAbsenceAction(), "kari", "Emma er syk i dag", "report_absence", entities=[person("Emma")])
    with world.runtime.sessions() as session:
        session.execute(update(Change).values(created_at=world.runtime.clock.utcnow() - timedelta(minutes=11)))
        session.commit()
    said = world.run(UndoAction(), "kari", "angre", "undo")
    assert said.text.startswith("Det er ikke noe å angre")
    assert len(_absences(world)) == 1


def test_absence_by_sms_always_asks_first(world) -> None:
    from bot.identity import conversation_id
    from bot.models import Channel

    sms = conversation_id(world.runtime.settings.sender_secret, world.ids["kari"], Channel.SMS)
    asked = world.run(ReportAbsenceAction(), None, "Emma er syk i dag", "report_absence", entities=[person("Emma")],
                      confidence=0.99, sender=sms)
    assert asked.slot("confirm") is not None and _absences(world) == []


def test_a_change_asked_for_by_sms_needs_the_code_sent_to_the_real_number(world) -> None:
    # Whoever forged kari's number never sees the reply, so a bare "ja" (or a guessed code)
    # changes nothing; the code from the reply does.
    import re

    from bot.identity import conversation_id
    from bot.models import Channel

    sms = conversation_id(world.runtime.settings.sender_secret, world.ids["kari"], Channel.SMS)
    asked = world.run(ReportAbsenceAction(), None, "Emma er syk i dag", "report_absence", entities=[person("Emma")],
                      confidence=0.99, sender=sms)
    code = re.search(r"Svar med koden (\d{6}) for å bekrefte, eller «nei»\.", asked.text)[1]
    assert code not in str(asked.slot("confirm"))  # the plan keeps only an HMAC of it
    bare_yes = world.run(ConfirmAction(), None, "ja", "affirm", slots={"confirm": asked.slot("confirm")}, sender=sms)
    assert bare_yes.text == "Koden stemmer ikke. Prøv igjen (2 forsøk igjen), eller svar «nei»."
    guess = "000000" if code != "000000" else "111111"
    wrong = world.run(ConfirmAction(), None, guess, "affirm", slots={"confirm": bare_yes.slot("confirm")}, sender=sms)
    assert wrong.text.startswith("Koden stemmer ikke. Prøv igjen (1 forsøk igjen)")
    assert _absences(world) == []
    done = world.run(ConfirmAction(), None, f"ja {code}", "affirm", slots={"confirm": wrong.slot("confirm")},
                     sender=sms)
    assert done.text.startswith("Takk, fraværet til Emma i dag er registrert.")
    assert [a.pupil_id for a in _absences(world)] == [world.ids["emma"]]


def test_three_wrong_codes_drop_the_plan(world) -> None:
    from bot.identity import conversation_id
    from bot.models import Channel

    sms = conversation_id(world.runtime.settings.sender_secret, world.ids["kari"], Channel.SMS)
    said = world.run(RemindersAction(), None, "ikke send noe i helgene", "set_reminders", confidence=0.99,
                     sender=sms)
    for _ in range(3):
        said = world.run(ConfirmAction(), None, "123", "affirm", slots={"confirm": said.slot("confirm")}, sender=sms)
    assert said.text == "Koden stemmer ikke, så jeg gjorde ingenting. Spør på nytt om du vil."
    assert said.slot("confirm") is None and _prefs(world, "kari") is None


# ------------------------------------------------------------------------------ reminders


def test_requests_for_a_phones_alarm_or_shopping_change_no_reminder_setting(world) -> None:
    for text in ("skru av alarmen", "minn meg på å kjøpe melk i morgen", "utsett alarmen med ti minutter",
                 "stopp musikken"):
        said = world.run(RemindersAction(), "kari", text, "set_reminders", confidence=0.8)
        assert said.text.startswith("Det kan jeg dessverre ikke hjelpe med"), text
        assert said.slot("confirm") is None, text
    assert _prefs(world, "kari") is None


def test_turning_reminders_off_as_a_question_asks_first_and_undo_turns_them_back_on(world) -> None:
    asked = world.run(RemindersAction(), "kari", "kan du slå av alle påminnelser?", "set_reminders")
    assert asked.text == "Vil du at jeg skal slå av alle påminnelser? Svar ja eller nei."
    assert _prefs(world, "kari") is None
    done = world.run(ConfirmAction(), "kari", "ja takk", "affirm", slots={"confirm": asked.slot("confirm")})
    assert done.text.startswith("Greit, jeg sender deg ingen påminnelser før du ber om det igjen")
    assert done.text.endswith(UNDO_HINT)
    assert _prefs(world, "kari").opted_out is True
    undone = world.run(UndoAction(), "kari", "angre det", "undo")
    assert undone.text == "Angret: påminnelsene er som før."
    assert _prefs(world, "kari") is None  # as before: no settings of her own


def test_a_conditional_settings_request_asks_before_changing(world) -> None:
    asked = world.run(RemindersAction(), "kari", "slå av påminnelsene hvis det er ferie", "set_reminders",
                      confidence=0.97)
    assert asked.slot("confirm") is not None
    assert _prefs(world, "kari") is None


def test_requests_meant_for_other_assistants_get_the_polite_answer_whatever_the_model_picked(world) -> None:
    # Whatever intent the model guessed, a request for a phone's or a home's assistant is
    # answered with "I only help with school" in the writer's language, and nothing changes.
    cases = [(RemindersAction(), "legg til en påminnelse for klokka 16 i dag", "set_reminders", "Det kan jeg dessverre"),
             (RemindersAction(), "slett påminnelsen om tannlegen", "set_reminders", "Det kan jeg dessverre"),
             (HomeworkAction(), "slukk lyset på soverommet", "ask_homework", "Det kan jeg dessverre"),
             (ReportAbsenceAction(), "sett alarmen på sju i morgon", "report_absence", "Det kan eg dessverre"),
             (HomeworkAction(), "play some jazz in the kitchen", "ask_homework", "I'm afraid I can't help"),
             (RemindersAction(), "remind me to buy milk tomorrow", "set_reminders", "I'm afraid I can't help")]
    for action, text, intent, start in cases:
        said = world.run(action, "kari", text, intent, confidence=0.95)
        assert said.text.startswith(start), text
        assert said.slot("confirm") is None, text
    assert _prefs(world, "kari") is None and _absences(world) == []


def test_school_words_keep_a_request_with_an_assistant_word_at_school(world) -> None:
    said = world.run(HomeworkAction(), "kari", "hva er leksene til Emma i musikk til fredag?", "ask_homework",
                     entities=[person("Emma")], confidence=0.95)
    assert not said.text.startswith("Det kan jeg dessverre")


def test_turning_off_reminders_without_naming_anything_of_ransels_asks_first(world) -> None:
    # "my reminders" could be the phone's own: a yes decides.
    asked = world.run(RemindersAction(), "kari", "skru av alle påminnelsene mine", "set_reminders", confidence=0.97)
    assert asked.slot("confirm") is not None
    assert _prefs(world, "kari") is None
    said = world.run(RemindersAction(), "kari", "ikke send påminnelser i helgene", "set_reminders", confidence=0.97)
    assert said.slot("confirm") is None and _prefs(world, "kari").quiet_weekdays == [5, 6]


def test_asking_for_my_reminders_says_ransel_keeps_only_school_reminders(world) -> None:
    said = world.run(RemindersAction(), "kari", "vis alle påminnelsene mine", "set_reminders", confidence=0.9)
    assert said.text.startswith("Jeg holder ikke påminnelser du legger inn selv, som alarmer eller gjøremål – "
                                "jeg sender bare påminnelser om skolen. Slik får du påminnelser nå:")
    # A reminder of one's own, even about a school thing, is not a settings change.
    own = world.run(RemindersAction(), "kari", "legg til en påminnelse om svømming klokka 11 i morgen",
                    "set_reminders", confidence=0.95)
    assert own.text.startswith("Jeg holder ikke påminnelser du legger inn selv") and own.slot("confirm") is None
    settings = world.run(RemindersAction(), "james", "what are my notification settings", "set_reminders")
    assert settings.text.startswith("This is how you get reminders now:")
    assert _prefs(world, "kari") is None


def test_a_clear_request_changes_at_once_and_says_exactly_what(world) -> None:
    said = world.run(RemindersAction(), "per", "ikkje send noko i helgane", "set_reminders")
    assert said.text.startswith("Greitt, frå no av skal eg la vere å sende noko i helgane.")
    assert _prefs(world, "per").quiet_weekdays == [5, 6]


# ------------------------------------------------------------------------------ messages to teachers


def test_a_question_about_the_teachers_comment_starts_no_message(world) -> None:
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher
    from tests.actions.conftest import DOMAIN

    text = "hva skrev læreren i kommentaren på brøkprøven til Jonas?"
    tracker = world.tracker("kari", text, "message_teacher", entities=[person("Jonas")])
    events = asyncio.run(ValidateRelayForm().run(CollectingDispatcher(), tracker, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["relay_pupil"] == "no" and slots["requested_slot"] is None  # the form ends at once
    said = world.run(SendRelayAction(), "kari", text, "message_teacher", entities=[person("Jonas")],
                     slots={"relay_pupil": "no"},
                     ranking=[{"name": "message_teacher", "confidence": 0.7},
                              {"name": "ask_progress", "confidence": 0.25}])
    assert said.text.endswith("Jonas fikk 31 av 40.")  # answered about the test it names
    with world.runtime.sessions() as session:
        assert session.scalar(select(Thread)) is None
    assert _outbox(world) == []


def test_a_message_given_with_the_request_is_sent_and_can_be_withdrawn_before_it_goes(world) -> None:
    text = "si til læreren at Emma blir hentet klokka 12 i dag"
    said = world.confirmed(SendRelayAction(), "kari", text, "message_teacher",
                     slots={"relay_pupil": str(world.ids["emma"]), "relay_subject": "-", "relay_text": text})
    assert said.text.startswith("Meldingen er sendt til Liv Andersen")
    assert [r.template for r in _outbox(world)] == ["teacher_question"]
    undone = world.run(UndoAction(), "kari", "angre", "undo")
    assert undone.text == "Angret: meldingen til Liv Andersen er trukket tilbake. Den ble aldri sendt."
    with world.runtime.sessions() as session:
        assert session.scalar(select(Thread)) is None
    assert [r.status for r in _outbox(world)] == [OutboxStatus.SKIPPED]


# ------------------------------------------------------------------------------ language


def test_the_reply_follows_the_language_the_question_is_written_in(world) -> None:
    nb = world.run(HomeworkAction(), "per", "hva er leksene til Nora i morgen?", "ask_homework",
                   entities=[person("Nora")])
    assert nb.text.startswith("Lekser for Nora til onsdag 2. desember:")
    en = world.run(HomeworkAction(), "per", "what is Nora's homework for tomorrow?", "ask_homework",
                   entities=[person("Nora")])
    assert en.text.startswith("Homework for Nora for Wednesday 2 December:")
    # The language last written in is kept for reminders, until the person chooses one.
    with world.runtime.sessions() as session:
        assert session.get(Person, world.ids["per"]).language == "en"
    nn = world.run(HomeworkAction(), "per", "kva er leksa til Nora i morgon?", "ask_homework",
                   entities=[person("Nora")])
    assert "onsdag 2. desember" in nn.text
    with world.runtime.sessions() as session:
        assert session.get(Person, world.ids["per"]).language == "nn"


def test_a_chosen_language_wins_over_the_language_of_the_message(world) -> None:
    chosen = world.run(ChooseLanguageAction(), "kari", "svar meg på engelsk", "nlu_fallback")
    assert chosen.text.startswith("OK, I'll answer you in English from now on")
    said = world.run(HomeworkAction(), "kari", "hva er leksene til Emma i morgen?", "ask_homework",
                     entities=[person("Emma")])
    assert said.text.startswith("Homework for Emma for Wednesday 2 December:")
    with world.runtime.sessions() as session:
        kari = session.get(Person, world.ids["kari"])
        assert (kari.language, kari.language_chosen) == ("en", True)
    world.run(UndoAction(), "kari", "angre", "undo")
    with world.runtime.sessions() as session:
        kari = session.get(Person, world.ids["kari"])
        assert (kari.language, kari.language_chosen) == ("nb", False)


def test_a_yes_right_after_a_change_says_what_was_done_and_a_no_undoes_it(world) -> None:
    done = world.confirmed(ReportAbsenceAction(), "kari", "Emma er syk i dag", "report_absence", entities=[person("Emma")])
    assert done.text.startswith("Takk, fraværet til Emma i dag er registrert.")
    again = world.run(ConfirmAction(), "kari", "ja", "affirm")
    assert again.text == f"Ja, fraværet til Emma i dag er registrert. {UNDO_HINT}"
    assert len(_absences(world)) == 1  # said again, not done twice
    undone = world.run(ConfirmAction(), "kari", "no", "deny")
    assert undone.text.startswith("Angret: fraværet til Emma i dag er slettet.")
    assert _absences(world) == []
    # Later, a yes with nothing asked and nothing just done is still "nothing is waiting".
    world.runtime.clock.advance(timedelta(minutes=5))
    assert world.run(ConfirmAction(), "kari", "ja", "affirm").text.startswith("Jeg har ikke noe som venter på et ja")


def test_a_plain_no_the_model_was_unsure_of_still_answers_the_change_just_made(world) -> None:
    from actions.fallback import FallbackAction

    world.confirmed(ReportAbsenceAction(), "james", "Olivia is ill today", "report_absence", entities=[person("Olivia")])
    undone = world.run(FallbackAction(), "james", "no", "nlu_fallback")
    assert undone.text.startswith("Undone: Olivia's absence today has been deleted.")
    assert _absences(world) == [] and undone.slot("confirm") is None
