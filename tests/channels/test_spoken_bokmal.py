"""Bokmål voice, end to end: Whisper hears it, the real engine answers it.

A pupil of the demo school asks by Telegram voice note and by the web page's push-to-talk
button; the answer must be the one the same question gets when it is typed. The recordings
are espeak-ng's (harder to understand than a child).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from bot import heard
from bot.gateway import Asker, Gateway
from bot.i18n import render
from bot.models import Channel
from channels import audio
from tests.channels.conftest import run_async
from tests.channels.test_answered_by_the_engine import EMMA, EngineChannels, open_engine_channels
from tests.channels.test_webchat import CHROMIUM_ARGS
from tests.chromium import CHROMIUM

pytestmark = [pytest.mark.engine, pytest.mark.slow, pytest.mark.speech]

QUESTION = "Hva er leksa i engelsk til i morgen?"


@pytest.fixture(scope="module")
def question_note(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The question as a voice note: espeak-ng's command line gives the same samples every
    time (pyttsx3's asynchronous mode ends a file a few samples early or late)."""
    wav = tmp_path_factory.mktemp("spoken") / "question.wav"
    subprocess.run(["espeak-ng", "-v", "nb", "-s", "140", "-w", str(wav), QUESTION], check=True)
    return audio.encode(audio.decode(wav.read_bytes(), max_bytes=10**7, max_seconds=60), "ogg")


@pytest.fixture
def whisper_channels(ransel_stack) -> Iterator[EngineChannels]:
    with open_engine_channels(ransel_stack, vosk_model_nb=None) as channels:  # no vosk: Whisper hears bokmål
        yield channels


def typed_answer(channels: EngineChannels, text: str) -> list[str]:
    """What the engine answers the same question typed, in a conversation of its own."""
    emma = channels.person(EMMA)

    async def ask() -> list[str]:
        gateway = Gateway(channels.settings)
        try:
            return [r.text for r in await gateway.ask(Asker(emma.id, "nb"), Channel.SMS, text)]
        finally:
            await gateway.aclose()

    return run_async(ask())


def test_a_bokmal_voice_note_gets_the_answer_the_typed_question_gets(whisper_channels: EngineChannels,
                                                                      question_note: bytes) -> None:
    expected = typed_answer(whisper_channels, QUESTION)
    assert expected and "engelsk" in expected[-1].casefold()  # the question has a real answer
    emma = whisper_channels.telegram.user(6660101, "Emma")
    emma.send_text(f"/start {whisper_channels.code_for(EMMA)}")
    before = len(emma.inbox())
    emma.send_voice(question_note, duration=3)
    answers = [m.text or m.caption or "" for m in emma.inbox()[before:]]
    assert answers == expected


def test_what_is_not_understood_is_read_back_and_asked_only_after_a_yes(whisper_channels: EngineChannels) -> None:
    """Readings the engine cannot place (mumbled, as Whisper sometimes returns) are read back."""
    emma = whisper_channels.person(EMMA)
    asker = Asker(emma.id, "nb")
    unclear = ["Blåbær, tusenfryd og sykkelpumpe."]  # nothing the engine can place
    # readings that each sound like something, but like different things
    disagreeing = ["Vi å ha seg.", "Har jo has fått det sultat på en elsk proven?", "Nå må du må starte på sturen."]

    async def talk() -> tuple[list, ...]:
        gateway = Gateway(whisper_channels.settings)
        try:
            words = heard.Vocabulary(("Emma",), ())
            check = await gateway.ask_spoken(asker, Channel.TELEGRAM, unclear, words)
            wrong = await gateway.ask(asker, Channel.TELEGRAM, "nei")
            again = await gateway.ask_spoken(asker, Channel.TELEGRAM, disagreeing, words)
            sent = await gateway.ask(asker, Channel.TELEGRAM, "ja")
            return check, wrong, again, sent
        finally:
            await gateway.aclose()

    check, wrong, again, sent = run_async(talk())
    assert check[0].text == render("speech_heard_check", "nb", text=unclear[0])
    assert [c.title for c in check[0].choices] == ["Ja", "Nei"]
    assert [r.text for r in wrong] == [render("speech_heard_wrong", "nb")]
    assert again[0].text.startswith("Jeg hørte: «") and again[0].text.endswith("Stemmer det?")
    # After the yes the engine gets what was heard (and answers it as it would typed text).
    assert sent and sent[0].text not in (check[0].text, render("speech_heard_wrong", "nb"))


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.browser
def test_push_to_talk_upload_in_bokmal_gets_the_answer_the_typed_question_gets(
        whisper_channels: EngineChannels, browser: Browser, question_note: bytes) -> None:
    """The recording the page uploads when the button is released (the microphone itself is
    exercised with vosk in test_webchat.py; a fake microphone's timing garbles espeak's speech)."""
    expected = typed_answer(whisper_channels, QUESTION)
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    try:
        page.goto(whisper_channels.url + "/chat")
        page.get_by_label("Kode").fill(whisper_channels.code_for(EMMA))
        page.get_by_role("button", name="Logg inn").click()
        expect(page.get_by_role("heading", name="Spør Ransel")).to_be_visible()
        recording = question_note  # Opus, as MediaRecorder makes
        response = page.request.post(
            whisper_channels.url + "/chat/api/voice", headers={"X-Requested-With": "ransel"},
            multipart={"audio": {"name": "talk.ogg", "mimeType": "audio/ogg", "buffer": recording}})
        assert response.ok
        data = response.json()
        assert data["spoken"] and data["heard"]
        texts = [r["text"] for r in data["replies"]]
        read_back = re.fullmatch(r"Jeg hørte: «(.+)»\. Stemmer det\?", texts[0])
        if read_back:  # unsure what it heard, Ransel read it back first: the pupil says yes
            expected = typed_answer(whisper_channels, read_back.group(1))
            response = page.request.post(whisper_channels.url + "/chat/api/message",
                                         headers={"X-Requested-With": "ransel", "Content-Type": "application/json"},
                                         data='{"text": "ja"}')
            texts = [r["text"] for r in response.json()["replies"]]
        assert texts == expected, (data["heard"], read_back and read_back.group(1))
        assert all(r["audio"] for r in data["replies"])  # spoken questions get spoken answers
    finally:
        context.close()
