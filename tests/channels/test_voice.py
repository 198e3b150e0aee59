"""Phone calls: Twilio's TwiML flow against the emulator, the caller speaking to Ransel.

Caller ID can be forged, so personal answers need the PIN the person set in a chat."""

import httpx
from twilio.request_validator import RequestValidator

from bot.models import Channel
from tests.channels.conftest import JAMES_MOBILE, KARI_MOBILE, OUR_NUMBER, PER_MOBILE, TWILIO_TOKEN, Stack

PIN = "4821"


def _call_with_pin(stack: Stack, number: str, person_id: int):  # noqa: ANN202
    stack.set_pin(person_id, PIN)
    call = stack.twilio.phone(number).call()
    call.press(PIN + "#")
    return call


def test_call_asks_for_the_pin_then_gathers_speech_speaks_the_reply_and_ends_after_silence(channel_stack: Stack) -> None:
    channel_stack.set_pin(channel_stack.people.kari, PIN)
    call = channel_stack.twilio.phone(KARI_MOBILE).call()
    assert call.heard == [("nb-NO", "Hei, Kari! Dette er Ransel. Tast PIN-koden din og avslutt med firkant.")]
    assert call.gather["input"] == "dtmf"
    call.press(PIN + "#")
    assert call.said()[-1] == "Takk. Hva lurer du på?"
    assert call.gather["input"] == "speech" and call.gather["language"] == "nb-NO"
    call.say("hva er leksene til i morgen")
    assert call.said()[-2:] == ["Svar: hva er leksene til i morgen", "Noe mer? Si det nå, eller legg på."]
    assert channel_stack.engine_heard == [(channel_stack.people.kari, "voice", "hva er leksene til i morgen")]
    call.stay_silent()
    call.stay_silent()
    assert call.ended and call.said()[-1] == "Takk for nå, ha det bra!"


def test_a_caller_without_a_pin_gets_no_personal_answer(channel_stack: Stack) -> None:
    """Someone forging Kari's number (she never made a PIN) hears how to make one; nothing
    reaches the engine."""
    call = channel_stack.twilio.phone(KARI_MOBILE).call()
    assert call.ended and "PIN-kode" in call.said()[-1] and "/pin" in call.said()[-1]
    assert channel_stack.engine_heard == []


def test_a_spoofed_caller_who_does_not_know_the_pin_gets_no_answer(channel_stack: Stack) -> None:
    channel_stack.set_pin(channel_stack.people.kari, PIN)
    call = channel_stack.twilio.phone(KARI_MOBILE).call()
    for guess in ("0000", "1234", "9999"):
        assert not call.ended
        call.press(guess + "#")
    assert call.ended and "Det var ikke riktig PIN-kode. Prøv igjen." in call.said()
    assert channel_stack.engine_heard == []


def test_five_wrong_pins_lock_the_pin_even_for_the_right_one(channel_stack: Stack) -> None:
    channel_stack.set_pin(channel_stack.people.kari, PIN)
    for _ in range(2):
        call = channel_stack.twilio.phone(KARI_MOBILE).call()
        while not call.ended:
            call.press("5555#")
    call = channel_stack.twilio.phone(KARI_MOBILE).call()
    call.press(PIN + "#")
    assert call.ended and "sperret" in call.said()[-1] and channel_stack.engine_heard == []


def _signed(stack: Stack, path: str, params: dict[str, str]) -> httpx.Response:
    url = stack.url + path
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature})


def test_skipping_the_pin_step_gets_no_answer(channel_stack: Stack) -> None:
    """A signed request straight to the answer URL (no proof of a PIN in this call)."""
    channel_stack.set_pin(channel_stack.people.kari, PIN)
    params = {"CallSid": "CA" + "5" * 32, "From": KARI_MOBILE, "To": OUR_NUMBER, "SpeechResult": "hvordan går det"}
    response = _signed(channel_stack, "/voice/answer?step=1&silences=0&proof=" + "0" * 32, params)
    assert response.status_code == 200 and "<Hangup" in response.text and "Svar:" not in response.text
    assert channel_stack.engine_heard == []


def test_a_replayed_signed_request_is_answered_once(channel_stack: Stack) -> None:
    call = _call_with_pin(channel_stack, KARI_MOBILE, channel_stack.people.kari)
    gather_action = call.gather["action"]
    params = {"CallSid": call.sid, "From": KARI_MOBILE, "To": OUR_NUMBER, "SpeechResult": "hva er leksene"}
    first = _signed(channel_stack, gather_action, params)
    again = _signed(channel_stack, gather_action, params)
    assert "Svar: hva er leksene" in first.text
    assert "Svar:" not in again.text and "<Hangup" in again.text
    assert [text for _, _, text in channel_stack.engine_heard] == ["hva er leksene"]


def test_a_pin_cannot_be_set_by_sms_and_never_reaches_the_engine(channel_stack: Stack) -> None:
    replies = channel_stack.twilio.phone(KARI_MOBILE).send_sms("/pin 4821")
    assert replies == ["En PIN-kode kan bare lages i chatten på Telegram eller nettet, ikke på SMS eller telefon."]
    assert channel_stack.engine_heard == []
    call = channel_stack.twilio.phone(KARI_MOBILE).call()
    assert call.ended and channel_stack.engine_heard == []


def test_easy_pins_are_refused_and_off_deletes_it(channel_stack: Stack) -> None:
    kari = channel_stack.people.kari
    assert "Unngå lette koder" in channel_stack.set_pin(kari, "1234")
    assert "Unngå lette koder" in channel_stack.set_pin(kari, "0000")
    assert "lagret" in channel_stack.set_pin(kari, "4821")
    from channels import pins

    assert "slettet" in pins.command(channel_stack.runtime, kari, "nb", Channel.TELEGRAM, "/pin av")
    assert channel_stack.twilio.phone(KARI_MOBILE).call().ended


def test_choices_are_read_out_and_a_spoken_name_picks_one(channel_stack: Stack) -> None:
    call = _call_with_pin(channel_stack, KARI_MOBILE, channel_stack.people.kari)
    call.say("hvordan går det i matte")
    assert "Si Emma eller Jonas." in call.said()
    call.say("Emma")
    assert channel_stack.engine_heard[-1][2] == '/choose_child{"child":"emma"}'


def test_nynorsk_is_spoken_as_norwegian_and_english_as_british_english(channel_stack: Stack) -> None:
    channel_stack.set_pin(channel_stack.people.per, PIN)
    assert channel_stack.twilio.phone(PER_MOBILE).call().heard[0] == (
        "nb-NO", "Hei, Per! Dette er Ransel. Tast PIN-koden din og avslutt med firkant.")
    james = _call_with_pin(channel_stack, JAMES_MOBILE, channel_stack.people.james)
    assert james.heard[0][0] == "en-GB" and james.gather["language"] == "en-GB"


def test_unknown_caller_hears_both_languages_and_the_call_ends(channel_stack: Stack) -> None:
    call = channel_stack.twilio.phone("+4799999999").call()
    assert [lang for lang, _ in call.heard] == ["nb-NO", "en-GB"] and call.ended


def test_unsigned_voice_webhook_is_refused(channel_stack: Stack) -> None:
    response = httpx.post(channel_stack.url + "/voice/inbound", data={"From": KARI_MOBILE, "CallSid": "CA1"})
    assert response.status_code == 403
