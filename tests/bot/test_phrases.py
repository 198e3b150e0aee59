"""Cues read from a message after the engine has classified it."""

from datetime import date, time

import pytest

from bot.models import AbsenceReason, Channel, DeliveryMode, Form
from bot.phrases import (
    Focus,
    absence_reason,
    is_cancel,
    practice_topic,
    preference_request,
    relay_content,
    teacher_answer,
    timetable_focus,
    without_greeting,
)


@pytest.mark.parametrize(("text", "focus"), [
    ("når begynner skolen på mandag?", Focus.START), ("når byrjar skulen", Focus.START),
    ("what time does school start", Focus.START), ("når slutter vi i dag", Focus.END),
    ("when does school finish", Focus.END), ("hva har vi etter lunsj?", Focus.AFTER_LUNCH),
    ("kva har vi etter lunsj", Focus.AFTER_LUNCH), ("what's first lesson", Focus.FIRST),
    ("timeplan i morgen", None),
])
def test_timetable_focus(text: str, focus: str | None) -> None:
    assert timetable_focus(text) == focus


@pytest.mark.parametrize(("text", "reason"), [
    ("Emma er syk i dag", AbsenceReason.ILL), ("Nora er sjuk", AbsenceReason.ILL),
    ("Olivia has a fever", AbsenceReason.ILL), ("Jonas skal til tannlegen", AbsenceReason.APPOINTMENT),
    ("Olivia has a doctor's appointment", AbsenceReason.APPOINTMENT), ("vi er bortreist", AbsenceReason.OTHER),
])
def test_absence_reason(text: str, reason: AbsenceReason) -> None:
    assert absence_reason(text) == reason


def test_relay_content_and_cancel() -> None:
    assert relay_content("til læreren: Emma blir hentet kl 12") == "Emma blir hentet kl 12"
    assert relay_content("si til læreren at Emma skal ta bussen hjem") == "si til læreren at Emma skal ta bussen hjem"
    assert relay_content("jeg vil sende en melding til læreren") is None
    # A message to a teacher named by name, asked for or with its text after a colon.
    asked = "Can you message Ole Hauge and ask whether Oliver can still take the test he missed?"
    assert relay_content(asked) == asked
    assert relay_content("Melding til Thomas Holm: Mathilde har ikke fått resultat, kan du se på det?") == (
        "Mathilde har ikke fått resultat, kan du se på det?")
    thanks = "Could you send a message to Ragnhild Lie to thank her for organising the Christmas workshop?"
    assert relay_content(thanks) == thanks
    assert relay_content("Kan du sende en melding om at jeg ønsker en samtale?") is not None
    assert is_cancel("avbryt") and is_cancel("Cancel!") and not is_cancel("avbryt ikke turen på fredag")


def test_teacher_answer_number_and_text() -> None:
    assert teacher_answer("svar 12 ja det går fint") == (12, "ja det går fint")
    assert teacher_answer("svar #5: det ordner vi") == (5, "det ordner vi")
    assert teacher_answer("reply 7: that's ok") == (7, "that's ok")
    assert teacher_answer("svar: takk, notert") == (None, "takk, notert")


def test_practice_topic() -> None:
    assert practice_topic("hva bør jeg øve på i brøk?") == "brøk"
    assert practice_topic("hva bør jeg øve på i matte", {"matte"}) is None
    assert practice_topic("hva bør jeg øve på") is None


def test_reminder_requests(clock) -> None:
    r = preference_request("send meg påminnelser som tale klokka 18", clock)
    assert (r.form, r.preferred_time, r.channel) == (Form.VOICE, time(18, 0), None)
    assert preference_request("ikke send noe i helgene", clock).quiet_weekends is True
    quiet = preference_request("ikkje send meldingar mellom 22 og 6", clock)
    assert (quiet.quiet_start, quiet.quiet_end) == (time(22, 0), time(6, 0))
    assert preference_request("don't send anything after 9 pm", clock).quiet_start == time(21, 0)
    assert preference_request("jeg vil heller ha tekst enn tale", clock).form == Form.TEXT
    assert preference_request("varsle meg på sms i stedet", clock).channel == Channel.SMS
    weekly = preference_request("påminnelser om prøver bare ukentlig", clock)
    assert (weekly.mode, weekly.categories) == (DeliveryMode.WEEKLY, ["test"])
    off = preference_request("jeg vil ikke ha påminnelser om gymtøy", clock)
    assert (off.mode, off.categories, off.stop) == (DeliveryMode.OFF, ["bring"], False)
    assert preference_request("stopp alle påminnelser", clock).stop
    assert preference_request("start påminnelsene igjen", clock).resume
    # Reminders asked for by topic, and a time of day said in words.
    tests = preference_request("I'd like reminders about Maja's tests, please", clock)
    assert (tests.mode, tests.categories, tests.preferred_time) == (DeliveryMode.INSTANT, ["test"], None)
    evening = preference_request("Eg vil gjerne få påminning om leksene til Aksel kvelden før.", clock)
    assert (evening.mode, evening.categories, evening.preferred_time) == (DeliveryMode.INSTANT, ["homework"],
                                                                         time(18, 0))
    assert preference_request("send me reminders in the morning", clock).preferred_time == time(7, 0)
    assert not preference_request("hvilke påminnelser får jeg om prøver?", clock).changes_anything
    assert preference_request("pause påminnelsene til mandag", clock).paused_until == date(2026, 12, 7)
    assert preference_request("pause reminders for two weeks", clock).paused_until == date(2026, 12, 15)
    # Christmas by Norwegian convention: Saturday 19 December to Friday 1 January.
    assert preference_request("pause påminnelsene i juleferien", clock).paused_until == date(2027, 1, 2)
    assert preference_request("pause reminders until Christmas", clock).paused_until == date(2026, 12, 19)
    assert preference_request("pause påminnelsene til etter jul", clock).paused_until == date(2027, 1, 2)
    assert preference_request("pause påminnelsene i helga", clock).paused_until == date(2026, 12, 7)
    assert not preference_request("hva er innstillingene mine", clock).changes_anything


@pytest.mark.parametrize(("text", "sent"), [
    ("Hi, what was the title of the story Sara had to write?", "what was the title of the story Sara had to write?"),
    ("Hei! Har Emma lekser til i morgen?", "Har Emma lekser til i morgen?"),
    ("God morgon, Ola er sjuk i dag.", "Ola er sjuk i dag."),
    ("Hei Ransel, hva skjer i dag?", "hva skjer i dag?"),
    ("Hei!", "Hei!"),                       # a greeting alone is a greeting
    ("Hei, Emma her", "Hei, Emma her"),     # too little after it to be about anything else
    ("Heidi er syk i dag", "Heidi er syk i dag"),  # a name, not a greeting
])
def test_a_greeting_before_a_question_is_left_out_of_what_the_engine_reads(text: str, sent: str) -> None:
    assert without_greeting(text) == sent
