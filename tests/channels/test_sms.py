"""SMS through Twilio's signed webhooks, against the Twilio emulator."""

import httpx
from twilio.request_validator import RequestValidator

from bot import sms_segments
from tests.channels.conftest import JAMES_MOBILE, KARI_MOBILE, PER_MOBILE, Stack


def test_texted_question_reaches_the_engine_as_the_guardian_and_the_reply_comes_back(channel_stack: Stack) -> None:
    replies = channel_stack.twilio.phone(KARI_MOBILE).send_sms("Hva er leksene til i morgen?")
    assert replies == ["Svar: Hva er leksene til i morgen?"]
    assert channel_stack.engine_heard == [(channel_stack.people.kari, "sms", "Hva er leksene til i morgen?")]


def test_choices_are_listed_by_number_and_a_number_picks_one(channel_stack: Stack) -> None:
    phone = channel_stack.twilio.phone(KARI_MOBILE)
    [question] = phone.send_sms("Hvordan går det i matte?")
    assert question == "Hvilket barn gjelder det?\n1) Emma\n2) Jonas\nSvar med tallet."
    phone.send_sms("2")
    assert channel_stack.engine_heard[-1][2] == '/choose_child{"child":"jonas"}'


def test_request_without_twilios_signature_is_refused(channel_stack: Stack) -> None:
    params = {"MessageSid": "SM" + "1" * 32, "From": KARI_MOBILE, "To": "+4759440000", "Body": "hei",
              "AccountSid": channel_stack.settings.twilio_account_sid}
    url = channel_stack.url + "/sms/inbound"
    forged = RequestValidator("not-our-token").compute_signature(url, params)
    for headers in ({}, {"X-Twilio-Signature": forged}):
        assert httpx.post(url, data=params, headers=headers).status_code == 403
    tampered = dict(params, Body="hei hei")  # signed for other parameters
    good_for_original = RequestValidator(channel_stack.settings.twilio_auth_token).compute_signature(url, params)
    assert httpx.post(url, data=tampered, headers={"X-Twilio-Signature": good_for_original}).status_code == 403
    assert channel_stack.engine_heard == []


def test_the_same_message_sid_is_answered_once(channel_stack: Stack) -> None:
    phone = channel_stack.twilio.phone(KARI_MOBILE)
    sid = "SM" + "a" * 32
    assert phone.send_sms("Har Emma prøve?", message_sid=sid) == ["Svar: Har Emma prøve?"]
    assert phone.send_sms("Har Emma prøve?", message_sid=sid) == []
    assert len(channel_stack.engine_heard) == 1


def test_stopp_ends_sms_and_start_resumes_in_the_persons_language(channel_stack: Stack) -> None:
    per = channel_stack.twilio.phone(PER_MOBILE)
    assert per.send_sms("STOPP") == ["Du får ikkje fleire SMS frå Ransel. Send START for å slå dei på att."]
    assert per.send_sms("kva er leksene?") == []  # nothing goes to a stopped number
    assert channel_stack.engine_heard == []
    [welcome] = per.send_sms("start")  # START is Twilio's keyword: Twilio confirms it
    assert "re-subscribed" in welcome
    assert per.send_sms("kva er leksene?") == ["Svar: kva er leksene?"]


def test_without_twilios_keyword_handling_we_confirm_stop_and_start_ourselves(channel_stack: Stack) -> None:
    channel_stack.twilio.opt_out_handling = False
    per = channel_stack.twilio.phone(PER_MOBILE)
    assert per.send_sms("stop") == ["Du får ikkje fleire SMS frå Ransel. Send START for å slå dei på att."]
    assert per.send_sms("START")[0].startswith("Velkomen tilbake!")


def test_twilios_own_stop_is_confirmed_once_and_recorded(channel_stack: Stack) -> None:
    from bot.models import Channel
    from channels import contacts

    kari = channel_stack.twilio.phone(KARI_MOBILE)
    replies = kari.send_sms("STOP")
    assert len(replies) == 1 and "unsubscribed" in replies[0]  # Twilio's confirmation, not a second one
    with channel_stack.runtime.transaction() as session:
        assert contacts.contact_point(session, Channel.SMS, KARI_MOBILE).stopped_at is not None


def test_hjelp_and_help_answer_in_the_persons_language(channel_stack: Stack) -> None:
    [help_nb] = channel_stack.twilio.phone(KARI_MOBILE).send_sms("HJELP")
    assert "STOPP slår av SMS" in help_nb
    assert sms_segments.encoding_of(help_nb) is sms_segments.Encoding.GSM7  # «» sent as plain quotes
    assert "STOP turns texts off" in channel_stack.twilio.phone(JAMES_MOBILE).send_sms("help")[0]
    assert channel_stack.engine_heard == []


def test_unknown_number_is_told_to_contact_the_school(channel_stack: Stack) -> None:
    [reply] = channel_stack.twilio.phone("+4799999999").send_sms("hei")
    assert "ikke registrert" in reply and "isn't registered" in reply


def test_long_answers_stay_within_the_segment_budget(channel_stack: Stack) -> None:
    question = "Lekser " + " ".join(f"oppgave {i}" for i in range(120))  # under the 2000-character cap
    [reply] = channel_stack.twilio.phone(KARI_MOBILE).send_sms(question)
    assert sms_segments.count(reply).segments <= channel_stack.settings.sms_max_segments
    assert reply.endswith("...")
