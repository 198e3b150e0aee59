"""Telegram through python-telegram-bot against the Bot API emulator."""

from datetime import timedelta

import httpx
import pytest

from bot.models import Channel, Form
from channels.audio import probe_seconds
from channels.speech import Speech
from tests.channels.conftest import KO_MODEL, Stack


def test_unknown_chat_is_told_in_bokmal_and_english_how_to_link(channel_stack: Stack) -> None:
    stranger = channel_stack.telegram.user(5550001, "Ola")
    stranger.send_text("hei, hva er leksene?")
    [answer] = stranger.inbox()
    assert "ikke koblet" in answer.text and "not linked" in answer.text
    assert channel_stack.engine_heard == []


def test_start_with_a_school_code_links_the_chat_once(channel_stack: Stack) -> None:
    code = channel_stack.issue_code(channel_stack.people.kari)
    kari = channel_stack.telegram.user(5550002, "Kari")
    kari.send_text(f"/start {code}")
    assert "Hei, Kari!" in kari.inbox()[-1].text
    kari.send_text("hva er leksene til i morgen?")
    assert kari.inbox()[-1].text == "Svar: hva er leksene til i morgen?"
    assert channel_stack.engine_heard == [(channel_stack.people.kari, "telegram", "hva er leksene til i morgen?")]

    intruder = channel_stack.telegram.user(5550003, "Mallory")
    intruder.send_text(f"/start {code}")  # the same code, a second time
    assert "Koden virker ikke" in intruder.inbox()[-1].text and "doesn't work" in intruder.inbox()[-1].text


def test_expired_code_does_not_link(channel_stack: Stack) -> None:
    code = channel_stack.issue_code(channel_stack.people.per, ttl=timedelta(minutes=5))
    channel_stack.runtime.clock.advance(timedelta(minutes=6))
    per = channel_stack.telegram.user(5550004, "Per")
    per.send_text(f"/start {code}")
    assert "Koden virker ikke" in per.inbox()[-1].text
    per.send_text("kva er leksene?")
    assert "ikke koblet" in per.inbox()[-1].text


def test_guardian_with_two_children_picks_one_with_a_button(channel_stack: Stack) -> None:
    channel_stack.bind(channel_stack.people.kari, Channel.TELEGRAM, "5550005")
    kari = channel_stack.telegram.user(5550005, "Kari")
    kari.send_text("hvordan går det i matte?")
    question = kari.inbox()[-1]
    assert question.text == "Hvilket barn gjelder det?" and question.button_titles == ["Emma", "Jonas"]
    kari.press(question, "Jonas")
    assert channel_stack.engine_heard[-1][2] == '/choose_child{"child":"jonas"}'
    assert kari.inbox()[0].buttons == []  # the choice is made: buttons gone
    assert list(channel_stack.telegram.callback_answers.values()) == [""]  # spinner stopped


def test_the_same_update_delivered_twice_is_answered_once(channel_stack: Stack) -> None:
    channel_stack.bind(channel_stack.people.kari, Channel.TELEGRAM, "5550006")
    kari = channel_stack.telegram.user(5550006, "Kari")
    kari.send_text("har Emma prøve denne uka?")
    assert kari.resend_last() == 200
    assert len(kari.inbox()) == 1 and len(channel_stack.engine_heard) == 1


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_webhook_without_the_secret_token_is_refused_and_nothing_happens(channel_stack: Stack, secret) -> None:
    channel_stack.bind(channel_stack.people.kari, Channel.TELEGRAM, "5550007")
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "hei",
                                          "chat": {"id": 5550007, "type": "private"}}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    response = httpx.post(channel_stack.url + "/telegram/webhook", json=update, headers=headers)
    assert response.status_code == 403
    assert channel_stack.engine_heard == [] and channel_stack.telegram.messages_to(5550007) == []


@pytest.mark.speech
def test_voice_note_is_recognised_and_its_text_goes_to_the_engine_as_the_person(channel_stack: Stack) -> None:
    channel_stack.bind(channel_stack.people.kari, Channel.TELEGRAM, "5550008")
    kari = channel_stack.telegram.user(5550008, "Kari")
    speech = Speech(channel_stack.settings, models={"ko": KO_MODEL})
    note = speech.voice_note("안녕하세요 감사합니다", "ko")
    kari.send_voice(note, duration=2)
    [(person, channel, heard)] = channel_stack.engine_heard
    assert person == channel_stack.people.kari and channel == "telegram" and heard.strip()
    assert kari.inbox()[-1].text.startswith("Svar:")


@pytest.mark.speech
def test_person_who_prefers_voice_gets_a_voice_note_with_the_text_as_caption(channel_stack: Stack) -> None:
    channel_stack.bind(channel_stack.people.james, Channel.TELEGRAM, "5550009")
    channel_stack.prefer(channel_stack.people.james, Form.VOICE)
    james = channel_stack.telegram.user(5550009, "James", "en")
    james.send_text("what is the homework?")
    [answer] = james.inbox()
    assert answer.caption == "Svar: what is the homework?"
    assert answer.voice[:4] == b"OggS" and 0.5 < probe_seconds(answer.voice) < 10


def test_silent_voice_note_gets_a_clear_answer_in_the_persons_language(channel_stack: Stack) -> None:
    from channels.audio import Pcm, encode

    channel_stack.bind(channel_stack.people.per, Channel.TELEGRAM, "5550010")
    per = channel_stack.telegram.user(5550010, "Per", "nn")
    per.send_voice(encode(Pcm(bytes(32000), 16000), "ogg"), duration=1)
    assert "Eg høyrde ingenting" in per.inbox()[-1].text
    assert channel_stack.engine_heard == []


def test_messages_in_a_group_chat_are_not_answered(channel_stack: Stack) -> None:
    update = {"update_id": 42, "message": {"message_id": 1, "date": 0, "text": "hva er leksene?",
                                           "chat": {"id": -100123, "type": "group", "title": "4A foreldre"},
                                           "from": {"id": 5550011, "is_bot": False, "first_name": "Kari"}}}
    assert channel_stack.telegram.deliver(update) == 200
    assert channel_stack.engine_heard == [] and channel_stack.telegram.messages_to(-100123) == []


def test_polling_mode_answers_updates_fetched_with_get_updates(channel_stack: Stack) -> None:
    """`ransel telegram poll`: no webhook, the bot fetches updates itself."""
    import asyncio
    import time

    from bot.gateway import Gateway
    from channels.telegram import build_application
    from tests.channels.conftest import run_async

    channel_stack.bind(channel_stack.people.kari, Channel.TELEGRAM, "5550012")
    channel_stack.telegram.webhook_url = None
    kari = channel_stack.telegram.user(5550012, "Kari")
    kari.send_text("hva er leksene?")
    assert len(channel_stack.telegram.pending_updates()) == 1

    async def poll_until_answered() -> None:
        application = build_application(channel_stack.runtime, Gateway(channel_stack.settings), polling=True)
        async with application:
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            await application.start()
            deadline = time.monotonic() + 20
            while not kari.inbox() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await application.updater.stop()
            await application.stop()

    run_async(poll_until_answered())
    assert kari.inbox()[-1].text == "Svar: hva er leksene?"


def test_a_new_bot_starting_its_update_ids_again_is_not_taken_for_repeats(channel_stack: Stack) -> None:
    from channels import inbound

    channel_stack.bind(channel_stack.people.kari, Channel.TELEGRAM, "5550013")
    kari = channel_stack.telegram.user(5550013, "Kari")
    update_id = channel_stack.telegram.next_update_id() + 1
    with channel_stack.runtime.transaction() as session:  # handled long ago, by another bot
        inbound.claim(session, "telegram", f"9999999:{update_id}", channel_stack.runtime.clock.utcnow())
    kari.send_text("hei")
    assert kari.last_update["update_id"] == update_id and len(kari.inbox()) == 1


def test_guessing_codes_is_stopped_after_ten_wrong_ones(channel_stack: Stack) -> None:
    code = channel_stack.issue_code(channel_stack.people.kari, ttl=timedelta(hours=2))
    guesser = channel_stack.telegram.user(5550014, "Guess", "nb")
    for n in range(10):
        guesser.send_text(f"/start AAAA{n:04d}")
    guesser.send_text(f"/start {code}")  # even the right code waits now
    assert "For mange feil koder" in guesser.inbox()[-1].text
    channel_stack.runtime.clock.advance(timedelta(minutes=16))
    guesser.send_text(f"/start {code}")
    assert "Hei, Kari!" in guesser.inbox()[-1].text


def test_the_phone_pin_is_set_in_a_linked_chat_and_never_reaches_the_engine(channel_stack: Stack) -> None:
    kari = channel_stack.telegram.user(5550101, "Kari")
    kari.send_text(f"/start {channel_stack.issue_code(channel_stack.people.kari)}")
    kari.send_text("/pin 4821")
    assert "PIN-koden for telefon er lagret" in kari.inbox()[-1].text
    assert all("4821" not in text for _, _, text in channel_stack.engine_heard)
    call = channel_stack.twilio.phone("+4791234567").call()
    call.press("4821#")
    assert call.said()[-1] == "Takk. Hva lurer du på?"
