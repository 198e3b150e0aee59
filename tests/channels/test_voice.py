"""Phone calls: Twilio's TwiML flow against the emulator, the caller speaking to Ransel."""

import httpx

from tests.channels.conftest import JAMES_MOBILE, KARI_MOBILE, PER_MOBILE, Stack


def test_call_greets_gathers_speech_speaks_the_reply_and_ends_after_silence(channel_stack: Stack) -> None:
    call = channel_stack.twilio.phone(KARI_MOBILE).call()
    assert call.heard == [("nb-NO", "Hei, Kari! Dette er Ransel. Hva lurer du på?")]
    assert call.gather["input"] == "speech" and call.gather["language"] == "nb-NO"
    call.say("hva er leksene til i morgen")
    assert call.said()[-2:] == ["Svar: hva er leksene til i morgen", "Noe mer? Si det nå, eller legg på."]
    assert channel_stack.engine_heard == [(channel_stack.people.kari, "voice", "hva er leksene til i morgen")]
    call.stay_silent()
    call.stay_silent()
    assert call.ended and call.said()[-1] == "Takk for nå, ha det bra!"


def test_choices_are_read_out_and_a_spoken_name_picks_one(channel_stack: Stack) -> None:
    call = channel_stack.twilio.phone(KARI_MOBILE).call()
    call.say("hvordan går det i matte")
    assert "Si Emma eller Jonas." in call.said()
    call.say("Emma")
    assert channel_stack.engine_heard[-1][2] == '/choose_child{"child":"emma"}'


def test_nynorsk_is_spoken_as_norwegian_and_english_as_british_english(channel_stack: Stack) -> None:
    assert channel_stack.twilio.phone(PER_MOBILE).call().heard[0] == ("nb-NO", "Hei, Per! Dette er Ransel. Kva lurer du på?")
    james = channel_stack.twilio.phone(JAMES_MOBILE).call()
    assert james.heard[0][0] == "en-GB" and james.gather["language"] == "en-GB"


def test_unknown_caller_hears_both_languages_and_the_call_ends(channel_stack: Stack) -> None:
    call = channel_stack.twilio.phone("+4799999999").call()
    assert [lang for lang, _ in call.heard] == ["nb-NO", "en-GB"] and call.ended


def test_unsigned_voice_webhook_is_refused(channel_stack: Stack) -> None:
    response = httpx.post(channel_stack.url + "/voice/inbound", data={"From": KARI_MOBILE, "CallSid": "CA1"})
    assert response.status_code == 403
