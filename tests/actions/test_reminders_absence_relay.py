"""Reminder preferences, absence reports and private messages to teachers: what each
writes to the stores and the outbox, and what the person is told."""

import asyncio
from datetime import date, time

import pytest
from tests.actions.conftest import DOMAIN, person
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.absence import ReportAbsenceAction
from actions.confirm import ConfirmAction
from actions.reminders import RemindersAction
from actions.teacher import (
    AnswerQuestionAction,
    AskRelayPupilAction,
    AskRelayTextAction,
    SendRelayAction,
    ValidateRelayForm,
)
from bot.i18n import render
from bot.models import (
    Absence,
    AbsenceReason,
    CategoryPreference,
    DeliveryMode,
    Form,
    NotificationPreference,
    OutboxMessage,
    Person,
    School,
    Thread,
)
from bot.services.absence import build_absence_alert
from bot.services.relay import build_teacher_answer, build_teacher_question
from bot import reminder_rules as rules
from scheduler.render import render_row


def _prefs(world, who):  # noqa: ANN001, ANN202
    with world.runtime.sessions() as session:
        row = session.scalar(select(NotificationPreference).where(NotificationPreference.person_id == world.ids[who]))
        modes = {c.category: c.mode for c in session.scalars(
            select(CategoryPreference).where(CategoryPreference.person_id == world.ids[who]))}
        return row, modes


def _outbox(world):  # noqa: ANN001, ANN202
    with world.runtime.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _school_rules(world, text):  # noqa: ANN001, ANN202
    """Solbakken stores its reminder rules (as ``ransel scheduler rules load`` does)."""
    with world.runtime.sessions() as session:
        school = session.scalar(select(School).where(School.sourced_id == "s-solbakken"))
        rules.store(session, school, text, now=world.runtime.clock.now())
        session.commit()
        return school.id


def _rendered(world, row, language=None):  # noqa: ANN001, ANN202
    """The row's text as the dispatcher renders it for its recipient."""
    with world.runtime.sessions() as session:
        recipient = session.get(Person, row.recipient_id)
        return render_row(session, row, recipient, language or recipient.language, world.runtime.clock)


HOMEWORK_RULE = """\
version: 1
school: s-solbakken
rules:
  - id: lekser
    kind: homework
    when: {at: "17:00"}
    audience: {to: both}
    category: homework
    template: reminder_homework
"""
SHORT_ABSENCE_RULE = HOMEWORK_RULE + """\
  - id: fravaer
    kind: absence
    when: {at_once: true}
    audience: {to: contact_teacher}
    category: fravaer
    template: absence_alert_short
"""


# ------------------------------------------------------------------------------ reminders


def test_reminders_as_voice_at_six_are_stored_and_confirmed(world) -> None:
    said = world.run(RemindersAction(), "kari", "send meg påminnelser som tale klokka 18", "set_reminders")
    row, _ = _prefs(world, "kari")
    assert row.form == Form.VOICE and row.preferred_time == time(18, 0)
    assert said.text.startswith("Greit, fra nå av skal jeg sende påminnelser som tale "
                                "klokka 18:00.\n- Form: tale\n- Tidspunkt: kl. 18:00")
    assert said.text.endswith("Skriv «angre» innen 10 minutter hvis det var feil.")


def test_nothing_at_weekends_and_quiet_hours(world) -> None:
    world.run(RemindersAction(), "per", "ikkje send noko i helgane", "set_reminders")
    said = world.run(RemindersAction(), "per", "ikkje send meldingar mellom 22 og 6", "set_reminders")
    row, _ = _prefs(world, "per")
    assert row.quiet_weekdays == [5, 6] and (row.quiet_start, row.quiet_end) == (time(22, 0), time(6, 0))
    assert "Ingen meldingar mellom kl. 22:00 og 06:00 eller i helgane" in said.text


def test_weekly_digest_for_tests_only_and_daily_for_everything(world) -> None:
    world.run(RemindersAction(), "james", "only weekly reminders about tests", "set_reminders")
    _, modes = _prefs(world, "james")
    assert modes == {"test": DeliveryMode.WEEKLY}
    said = world.run(RemindersAction(), "james", "I want a daily summary", "set_reminders")
    _, modes = _prefs(world, "james")
    assert set(modes.values()) == {DeliveryMode.DAILY} and "homework" in modes
    assert "- Tests: daily digest" in said.text


def test_pause_stop_and_start_again(world) -> None:
    # "påminnelsene" alone could be the phone's own: a yes decides.
    asked = world.run(RemindersAction(), "kari", "pause påminnelsene til mandag", "set_reminders")
    assert _prefs(world, "kari")[0] is None
    said = world.run(ConfirmAction(), "kari", "ja", "affirm", slots={"confirm": asked.slot("confirm")})
    assert _prefs(world, "kari")[0].paused_until == date(2026, 12, 7)
    assert said.text.startswith("Påminnelsene er satt på pause til mandag 7. desember.")
    said = world.run(RemindersAction(), "kari", "stopp alle påminnelser fra skolen", "set_reminders")
    assert _prefs(world, "kari")[0].opted_out is True and "- Påminnelser: av" in said.text
    said = world.run(RemindersAction(), "kari", "start påminnelsene igjen", "set_reminders")
    row, _ = _prefs(world, "kari")
    assert row.opted_out is False and row.paused_until is None
    assert said.text.startswith("Påminnelsene er slått på igjen.")


def test_asking_about_settings_changes_nothing_and_shows_them(world) -> None:
    said = world.run(RemindersAction(), "james", "what are my settings", "set_reminders")
    assert _prefs(world, "james")[0] is None
    assert said.text.startswith("This is how you get reminders now:\n- Form: text")


# ------------------------------------------------------------------------------ absence


def test_guardian_reports_a_sick_child_and_the_contact_teacher_is_told(world) -> None:
    # The school has stored no reminder rules: the default alert to the contact teacher.
    said = world.confirmed(ReportAbsenceAction(), "kari", "Emma er syk i dag", "report_absence", entities=[person("Emma")])
    assert said.text == ("Takk, fraværet til Emma i dag er registrert. Liv Andersen har fått beskjed. "
                         "Skriv «angre» innen 10 minutter hvis det var feil. God bedring!")
    with world.runtime.sessions() as session:
        absence = session.scalar(select(Absence))
        assert (absence.pupil_id, absence.first_day, absence.last_day, absence.reason) == (
            world.ids["emma"], date(2026, 12, 1), date(2026, 12, 1), AbsenceReason.ILL)
    [row] = _outbox(world)
    assert (row.recipient_id, row.template, row.critical, row.category, row.idempotency_key, row.payload) == (
        world.ids["liv"], "absence_alert", True, "absence", f"absence:{absence.id}:{world.ids['liv']}",
        {"absence_id": absence.id})
    assert _rendered(world, row) == "Fravær: Emma Hansen (4A) er borte tirsdag 1. desember (syk). Meldt av Kari Hansen."


def test_the_schools_absence_rule_chooses_the_alerts_template_and_category(world) -> None:
    school_id = _school_rules(world, SHORT_ABSENCE_RULE)

    said = world.confirmed(ReportAbsenceAction(), "kari", "Emma er syk i dag", "report_absence", entities=[person("Emma")])

    assert said.text == ("Takk, fraværet til Emma i dag er registrert. Liv Andersen har fått beskjed. "
                         "Skriv «angre» innen 10 minutter hvis det var feil. God bedring!")
    [row] = _outbox(world)
    absence_id = row.payload["absence_id"]
    assert (row.recipient_id, row.template, row.category, row.critical, row.idempotency_key) == (
        world.ids["liv"], "absence_alert_short", "fravaer", True,
        f"rule:{school_id}:fravaer:absence-{absence_id}:p{world.ids['liv']}")
    assert _rendered(world, row) == "Fravær 4A: Emma Hansen, tirsdag 1. desember, syk."
    assert _rendered(world, row, "en") == "Absent 4A: Emma Hansen, Tuesday 1 December, ill."


@pytest.mark.parametrize("text", [
    HOMEWORK_RULE,
    SHORT_ABSENCE_RULE + "    enabled: false\n",
], ids=["no-absence-rule", "absence-rule-switched-off"])
def test_a_school_without_an_absence_rule_records_the_absence_and_says_no_teacher_was_told(world, text) -> None:
    _school_rules(world, text)

    said = {
        "kari": world.confirmed(ReportAbsenceAction(), "kari", "Emma er syk i dag", "report_absence",
                          entities=[person("Emma")]).text,
        "per": world.confirmed(ReportAbsenceAction(), "per", "Nora er sjuk i dag", "report_absence",
                         entities=[person("Nora")]).text,
        "james": world.confirmed(ReportAbsenceAction(), "james", "Olivia is sick tomorrow", "report_absence",
                           entities=[person("Olivia")]).text,
    }

    assert said == {
        "kari": "Takk, fraværet til Emma i dag er registrert. Kontaktlæreren får ikke varsel om det herfra, "
                "så gi beskjed til skolen på vanlig måte hvis det trengs. "
                "Skriv «angre» innen 10 minutter hvis det var feil. God bedring!",
        "per": "Takk, fråværet til Nora i dag er registrert. Kontaktlæraren får ikkje varsel om det herifrå, "
               "så gi beskjed til skulen på vanleg måte om det trengst. "
               "Skriv «angre» innan 10 minutt om det var feil. God betring!",
        "james": "Thank you, Olivia's absence on Wednesday 2 December is recorded. The contact teacher is not "
                 "notified from here, so tell the school the usual way if needed. "
                 'Write "undo" within 10 minutes if that was a mistake. Hope they feel better soon!',
    }
    with world.runtime.sessions() as session:
        assert sorted(a.pupil_id for a in session.scalars(select(Absence))) == sorted(
            world.ids[p] for p in ("emma", "nora", "olivia"))
    assert _outbox(world) == []


def test_an_absence_rule_for_some_grades_alerts_only_about_their_pupils(world) -> None:
    _school_rules(world, SHORT_ABSENCE_RULE.replace("audience: {to: contact_teacher}",
                                                    "audience: {to: contact_teacher, grades: [1, 2, 3, 4]}"))

    emma = world.confirmed(ReportAbsenceAction(), "kari", "Emma er syk i dag", "report_absence", entities=[person("Emma")])
    jonas = world.confirmed(ReportAbsenceAction(), "kari", "Jonas er syk i dag", "report_absence", entities=[person("Jonas")])

    assert emma.text == ("Takk, fraværet til Emma i dag er registrert. Liv Andersen har fått beskjed. "
                         "Skriv «angre» innen 10 minutter hvis det var feil. God bedring!")
    assert jonas.text.startswith("Takk, fraværet til Jonas i dag er registrert. Kontaktlæreren får ikke varsel")
    assert [(r.recipient_id, r.template) for r in _outbox(world)] == [(world.ids["liv"], "absence_alert_short")]


def test_absence_alert_is_built_at_send_time_for_the_contact_teacher_only(world) -> None:
    world.confirmed(ReportAbsenceAction(), "per", "Nora er sjuk i dag og i morgon", "report_absence",
              entities=[person("Nora")])
    [row] = _outbox(world)
    with world.runtime.sessions() as session:
        liv = session.get(Person, world.ids["liv"])
        context = build_absence_alert(session, liv, row.payload, world.runtime.clock)
        assert build_absence_alert(session, session.get(Person, world.ids["tor"]), row.payload,
                                   world.runtime.clock) is None
    text = render("absence_alert", liv.language, **context)
    assert text == "Fravær: Nora Lie (4A) er borte 1. desember–2. desember (syk). Meldt av Per Lie."
    assert render("absence_alert", "en", **context).startswith("Absence: Nora Lie (4A) is away 1 December–2 December (ill)")


def test_reporting_the_same_absence_twice_records_it_once(world) -> None:
    world.confirmed(ReportAbsenceAction(), "kari", "Jonas skal til tannlegen i morgen", "report_absence",
              entities=[person("Jonas")])
    again = world.run(ReportAbsenceAction(), "kari", "Jonas skal til tannlegen i morgen", "report_absence",
                      entities=[person("Jonas")])
    assert again.text.startswith("Fraværet til Jonas onsdag 2. desember er allerede meldt.")
    assert len(_outbox(world)) == 1
    with world.runtime.sessions() as session:
        assert session.scalar(select(Absence)).reason == AbsenceReason.APPOINTMENT


def test_absence_for_another_childs_name_is_refused_and_nothing_is_recorded(world) -> None:
    said = world.run(ReportAbsenceAction(), "kari", "Nora er syk i dag", "report_absence", entities=[person("Nora")])
    assert said.text == "Det kan jeg dessverre ikke svare på."
    assert _outbox(world) == []


def test_pupils_and_relatives_without_responsibility_cannot_report_absence(world) -> None:
    assert world.run(ReportAbsenceAction(), "olivia", "I'm sick today", "report_absence").text.startswith(
        "Absence has to be reported by a parent or guardian.")
    assert world.run(ReportAbsenceAction(), "bestemor", "Emma er syk i dag", "report_absence",
                     entities=[person("Emma")]).text.startswith("Fravær kan bare meldes av en foresatt")
    assert _outbox(world) == []


# ------------------------------------------------------------------------------ relay


def _validate(world, who, text, intent, slots=None, entities=None):  # noqa: ANN001, ANN202
    dispatcher = CollectingDispatcher()
    tracker = world.tracker(who, text, intent, slots=slots, entities=entities)
    events = asyncio.run(ValidateRelayForm().run(dispatcher, tracker, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def _send(world, who, pupil, text, subject="-"):  # noqa: ANN001, ANN202
    """The end of the relay form: the message is shown back and sent once the person says yes."""
    from actions.confirm import ConfirmAction

    asked = world.run(SendRelayAction(), who, text, "message_teacher",
                      slots={"relay_pupil": str(world.ids[pupil]), "relay_subject": subject, "relay_text": text})
    assert asked.slot("confirm") is not None, asked.text
    assert _outbox(world) == [] or all(r.template != "teacher_question" or r.payload for r in _outbox(world))
    yes = {"nb": "ja", "nn": "ja", "en": "yes"}[_language(world, who)]
    return world.run(ConfirmAction(), who, yes, "affirm", slots={"confirm": asked.slot("confirm")})


def _language(world, who):  # noqa: ANN001, ANN202
    with world.runtime.sessions() as session:
        return session.get(Person, world.ids[who]).language


def test_relay_form_picks_the_only_child_and_takes_a_message_given_with_the_request(world) -> None:
    slots = _validate(world, "per", "til læraren: Nora blir henta klokka 12 i dag", "message_teacher")
    assert slots["relay_pupil"] == str(world.ids["nora"])
    assert slots["relay_text"] == "Nora blir henta klokka 12 i dag"


def test_relay_form_asks_a_guardian_with_two_children_which_child(world) -> None:
    slots = _validate(world, "kari", "jeg vil sende en melding til læreren", "message_teacher")
    assert slots == {"relay_subject": "-"}  # the engine's form then asks for relay_pupil
    asked = world.run(AskRelayPupilAction(), "kari", "", "message_teacher")
    assert asked.text.startswith("Hvem gjelder meldingen – Emma eller Jonas?")
    chosen = _validate(world, "kari", "Jonas", "choose_child", entities=[person("Jonas")],
                       slots={"requested_slot": "relay_pupil", "relay_subject": "-"})
    assert chosen["relay_pupil"] == str(world.ids["jonas"]) and "relay_text" not in chosen


def test_relay_form_refuses_a_child_that_is_not_theirs(world) -> None:
    slots = _validate(world, "kari", "send melding til læreren til Nora", "message_teacher", entities=[person("Nora")])
    assert slots["relay_pupil"] == "denied" and slots["requested_slot"] is None
    said = world.run(SendRelayAction(), "kari", "", "message_teacher", slots={"relay_pupil": "denied"})
    assert said.text == "Det kan jeg dessverre ikke svare på."
    assert _outbox(world) == []


def test_subject_teacher_is_asked_when_a_subject_is_named(world) -> None:
    said = world.run(AskRelayTextAction(), "james", "", "message_teacher",
                     slots={"relay_pupil": str(world.ids["olivia"]), "relay_subject": "ENG01-05"})
    assert said.text.startswith("What would you like to write to Sarah Jones about Olivia?")
    contact = world.run(AskRelayTextAction(), "james", "", "message_teacher",
                        slots={"relay_pupil": str(world.ids["olivia"]), "relay_subject": "-"})
    assert "Tor Haugen" in contact.text


def test_question_goes_to_the_teacher_only_and_the_answer_to_the_asker_only(world) -> None:
    asked = world.run(SendRelayAction(), "kari", "Kan Emma gå hjem kl 12 på fredag?", "message_teacher",
                      slots={"relay_pupil": str(world.ids["emma"]), "relay_subject": "-",
                             "relay_text": "Kan Emma gå hjem kl 12 på fredag?"})
    # Nothing is sent before the person has seen the message and said yes.
    assert asked.text == "Skal jeg sende dette til Liv Andersen om Emma?\n«Kan Emma gå hjem kl 12 på fredag?»\nSvar ja eller nei."
    assert asked.slot("relay_text") is None and asked.slot("relay_pupil") is None
    assert _outbox(world) == []
    sent = _send(world, "kari", "emma", "Kan Emma gå hjem kl 12 på fredag?")
    with world.runtime.sessions() as session:
        thread = session.scalar(select(Thread))
    assert sent.text == (f"Meldingen er sendt til Liv Andersen (sak {thread.id}). Du får svaret her. "
                         "Skriv «angre» innen 10 minutter hvis det var feil.")
    [question] = _outbox(world)
    assert (question.recipient_id, question.template) == (world.ids["liv"], "teacher_question")

    with world.runtime.sessions() as session:
        liv, kari, tor = (session.get(Person, world.ids[k]) for k in ("liv", "kari", "tor"))
        context = build_teacher_question(session, liv, question.payload, world.runtime.clock)
        assert build_teacher_question(session, tor, question.payload, world.runtime.clock) is None
        assert build_teacher_question(session, kari, question.payload, world.runtime.clock) is None
    assert render("teacher_question", "nb", **context) == (
        f"Melding fra Kari Hansen om Emma Hansen (4A), sak {thread.id}:\n«Kan Emma gå hjem kl 12 på fredag?»\n"
        f"Svar ved å skrive: svar {thread.id} <svaret ditt>")

    # Another teacher cannot answer it; the same refusal as for a thread that does not exist.
    other = world.run(AnswerQuestionAction(), "tor", f"svar {thread.id} nei", "answer_question")
    missing = world.run(AnswerQuestionAction(), "tor", "svar 9999 nei", "answer_question")
    assert other.text == missing.text == "Det kan jeg dessverre ikke svare på."

    # By SMS the answer waits for the code that only the teacher's real phone receives.
    import re

    from bot.identity import conversation_id
    from bot.models import Channel

    sms = conversation_id(world.runtime.settings.sender_secret, world.ids["liv"], Channel.SMS)
    outbox_before = len(_outbox(world))
    asked = world.run(AnswerQuestionAction(), None, f"svar {thread.id} Ja, det går fint!", "answer_question",
                      sender=sms)
    assert asked.text.startswith(f"Skal jeg sende dette svaret i sak {thread.id}?\n«Ja, det går fint!»\n")
    assert len(_outbox(world)) == outbox_before
    code = re.search(r"koden (\d{6})", asked.text)[1]
    answered = world.run(ConfirmAction(), None, code, "affirm", slots={"confirm": asked.slot("confirm")}, sender=sms)
    assert answered.text == f"Svaret er sendt til Kari Hansen (sak {thread.id})."
    answer = _outbox(world)[-1]
    assert (answer.recipient_id, answer.template) == (world.ids["kari"], "teacher_answer")
    with world.runtime.sessions() as session:
        context = build_teacher_answer(session, session.get(Person, world.ids["kari"]), answer.payload,
                                       world.runtime.clock)
        assert build_teacher_answer(session, session.get(Person, world.ids["liv"]), answer.payload,
                                    world.runtime.clock) is None
    assert render("teacher_answer", "nb", **context) == \
        f"Svar fra Liv Andersen om Emma (sak {thread.id}):\n«Ja, det går fint!»"


def test_teacher_answer_without_a_number_goes_to_the_one_waiting_question(world) -> None:
    _send(world, "james", "olivia", "Is there PE on Monday?")
    said = world.run(AnswerQuestionAction(), "tor", "svar: ja, ta med gymtøy", "answer_question")
    assert said.text.startswith("Svaret er sendt til James Smith")
    _send(world, "james", "olivia", "One more thing")
    _send(world, "olivia", "olivia", "Can I hand in late?")
    ambiguous = world.run(AnswerQuestionAction(), "tor", "svar ok", "answer_question")
    assert ambiguous.text.startswith("Hvilket spørsmål svarer du på?")


def test_cancelling_a_message_sends_nothing(world) -> None:
    said = world.run(SendRelayAction(), "kari", "avbryt", "message_teacher",
                     slots={"relay_pupil": str(world.ids["emma"]), "relay_subject": "-", "relay_text": "avbryt"})
    assert said.text == "Greit, jeg sendte ingenting."
    assert _outbox(world) == []


def test_teachers_are_told_how_to_answer_instead(world) -> None:
    slots = _validate(world, "liv", "send melding til læreren", "message_teacher")
    assert slots["relay_pupil"] == "not_available"
    said = world.run(SendRelayAction(), "liv", "", "message_teacher", slots={"relay_pupil": "not_available"})
    assert "svar 12 ja, det går fint" in said.text


def test_guardians_cannot_answer_threads(world) -> None:
    said = world.run(AnswerQuestionAction(), "kari", "svar 1 hei", "answer_question")
    assert said.text == "Det kan jeg dessverre ikke svare på."


def test_the_schedulers_renderer_turns_dialogue_outbox_rows_into_messages(world) -> None:
    world.confirmed(ReportAbsenceAction(), "james", "Olivia is sick today", "report_absence", entities=[person("Olivia")])
    _send(world, "james", "olivia", "Can Olivia hand in chapter 4 on Friday?", subject="ENG01-05")
    with world.runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        texts = {}
        for row in rows:
            recipient = session.get(Person, row.recipient_id)
            texts[row.template] = render_row(session, row, recipient, recipient.language, world.runtime.clock)
    assert texts["absence_alert"] == ("Fravær: Olivia Smith (9B) er borte tirsdag 1. desember (syk). "
                                      "Meldt av James Smith.")
    assert texts["teacher_question"].startswith("Message from James Smith about Olivia Smith (9B), case ")
    assert '"Can Olivia hand in chapter 4 on Friday?"' in texts["teacher_question"]


def test_a_teachers_numbered_answer_is_sent_whatever_the_model_made_of_its_words(world) -> None:
    from actions.bring import BringAction
    from actions.fallback import FallbackAction
    from actions.smalltalk import OutOfScopeAction

    _send(world, "kari", "emma", "Blir turen av?")
    with world.runtime.sessions() as session:
        thread = session.scalar(select(Thread))
    sent_before = len(_outbox(world))
    answers = [f"svar {thread.id} turen er flyttet til torsdag pga været",  # the model said ask_bring
               f"svar {thread.id} gymtøy holder, ikke ski",  # ... out_of_scope
               f"reply {thread.id} yes, packed lunch"]  # ... nlu_fallback
    confirmations = [f"Svaret er sendt til Kari Hansen (sak {thread.id}).",
                     f"Svaret er sendt til Kari Hansen (sak {thread.id}).",
                     f"Your answer has been sent to Kari Hansen (case {thread.id})."]  # written in English
    for action, text, confirmation in zip((BringAction(), OutOfScopeAction(), FallbackAction()), answers,
                                          confirmations):
        said = world.run(action, "liv", text, "ask_bring")
        assert said.text == confirmation, text
    assert [m.recipient_id for m in _outbox(world)[sent_before:]] == [world.ids["kari"]] * 3
    # A guardian writing the same words is not answering anything: the picked action runs.
    said = world.run(BringAction(), "kari", f"svar {thread.id} gymtøy holder", "ask_bring")
    assert "Svaret er sendt" not in said.text


def test_a_thread_closes_when_the_guardian_loses_access_and_the_answer_is_not_delivered(world) -> None:
    from bot.models import Guardianship
    from bot.services.relay import still_open

    _send(world, "kari", "emma", "Kan Emma gå hjem kl 12?")
    with world.runtime.sessions() as session:
        thread = session.scalar(select(Thread))
    answered = world.run(AnswerQuestionAction(), "liv", f"svar {thread.id} Ja", "answer_question")
    assert answered.text.startswith("Svaret er sendt")
    answer = _outbox(world)[-1]
    with world.runtime.transaction() as session:
        link = session.scalar(select(Guardianship).where(Guardianship.guardian_id == world.ids["kari"],
                                                         Guardianship.pupil_id == world.ids["emma"]))
        link.parental_responsibility = False  # a court order, registered after the question
    with world.runtime.transaction() as session:
        kari = session.get(Person, world.ids["kari"])
        assert build_teacher_answer(session, kari, answer.payload, world.runtime.clock) is None
    with world.runtime.sessions() as session:
        closed = session.get(Thread, thread.id)
        assert closed.closed_at is not None and not still_open(session, closed, world.runtime.clock)
    again = world.run(AnswerQuestionAction(), "liv", f"svar {thread.id} Ett svar til", "answer_question")
    assert again.text == "Det kan jeg dessverre ikke svare på."
