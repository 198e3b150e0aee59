"""Every channel answered by the REAL dialogue engine on the demo school.

``ransel_stack`` (tests/engine_fixtures.py, the dialogue engineer's) trains once per session
and runs the engine and action server on the demo school. Here the HTTP app and both
emulators are put in front of it, and people use their channels through the official
client libraries: a question must come back with an answer, not with the "engine is down"
or "link your account" texts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from sqlalchemy import select

from bot.config import Settings
from bot.i18n import render
from bot.models import Channel, ContactPoint, Person
from bot.runtime import Runtime
from bot.services.people import find_person
from ransel.app import create_app
from channels import contacts
from channels.emulators._server import bind, serve_in_thread
from channels.emulators.telegram import TelegramEmulator
from channels.emulators.twilio import TwilioEmulator
from channels.speech import Speech
from channels.telegram import register_webhook
from tests.channels.conftest import KO_MODEL, TWILIO_SID, TWILIO_TOKEN, run_async
from tests.channels.test_webchat import browser, page, spoken_wav  # noqa: F401 - Chromium fixtures

# The stack's school names people "kari"; the demo school "kari.hansen". Either will do.
KARI, EMMA = ("kari.hansen", "kari"), ("emma.hansen", "emma")
KARI_MOBILE = "+4791234560"

pytestmark = [pytest.mark.engine, pytest.mark.slow]
BOT_TOKEN = "7000002:engine-tests"
OUR_NUMBER = "+4759440001"


@dataclass
class EngineChannels:
    settings: Settings
    runtime: Runtime
    url: str
    telegram: TelegramEmulator
    twilio: TwilioEmulator

    def person(self, usernames: tuple[str, ...]) -> Person:
        with self.runtime.transaction() as session:
            for username in usernames:
                person = find_person(session, username)
                if person is not None:
                    return person
        raise AssertionError(f"none of {usernames} is in the stack's school")

    def code_for(self, usernames: tuple[str, ...]) -> str:
        person = self.person(usernames)
        with self.runtime.transaction() as session:
            return contacts.issue_code(session, self.settings.sender_secret, person.id,
                                      now=self.runtime.clock.utcnow(), ttl=timedelta(hours=1))

    def mobile_of(self, usernames: tuple[str, ...]) -> str:
        """The person's SMS number, binding a test number when the school has none."""
        person = self.person(usernames)
        with self.runtime.transaction() as session:
            number = session.scalar(select(ContactPoint.address).where(
                ContactPoint.person_id == person.id, ContactPoint.channel == Channel.SMS))
            if number is None:
                number = KARI_MOBILE
                session.add(ContactPoint(person_id=person.id, channel=Channel.SMS, address=number, verified=True,
                                         created_at=self.runtime.clock.utcnow()))
        return number


def _not_a_fallback(text: str) -> bool:
    fallbacks = {render(name, lang) for name in ("gateway_engine_down", "channel_link_needed", "sms_unknown_number")
                 for lang in ("nb", "nn", "en")}
    return bool(text.strip()) and not any(f in text for f in fallbacks)


@pytest.fixture
def engine_channels(ransel_stack) -> Iterator[EngineChannels]:  # noqa: ANN001
    with open_engine_channels(ransel_stack, vosk_model_nb=KO_MODEL) as channels:
        yield channels


@contextmanager
def open_engine_channels(ransel_stack, **overrides: object) -> Iterator[EngineChannels]:  # noqa: ANN001
    """The HTTP app and both emulators in front of the real engine; ``overrides`` go to the settings."""
    base: Settings = ransel_stack.settings
    telegram = TelegramEmulator(BOT_TOKEN, chat_burst=10)
    twilio = TwilioEmulator(TWILIO_SID, TWILIO_TOKEN)
    app_socket = bind()
    app_url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
    twilio.configure_number(OUR_NUMBER, sms_url=app_url + "/sms/inbound", voice_url=app_url + "/voice/inbound")
    with serve_in_thread(telegram.app) as telegram_url, serve_in_thread(twilio.app) as twilio_url:
        settings = base.model_copy(update={
            "public_base_url": app_url, "telegram_api_url": telegram_url, "telegram_bot_token": BOT_TOKEN,
            "twilio_api_url": twilio_url, "twilio_from_number": OUR_NUMBER,
            "twilio_account_sid": TWILIO_SID, "twilio_auth_token": TWILIO_TOKEN, **overrides,
        })
        runtime = Runtime(settings)
        with serve_in_thread(create_app(runtime), sock=app_socket):
            run_async(register_webhook(settings))
            yield EngineChannels(settings, runtime, app_url, telegram, twilio)
        runtime.close()


def test_telegram_linked_with_a_code_then_a_question_is_answered(engine_channels: EngineChannels) -> None:
    kari = engine_channels.telegram.user(6660001, "Kari")
    kari.send_text(f"/start {engine_channels.code_for(KARI)}")
    assert "Kari" in kari.inbox()[-1].text
    kari.send_text("Hva er leksene til i morgen?")
    assert _not_a_fallback(kari.inbox()[-1].text or "")


@pytest.mark.speech
def test_telegram_voice_note_is_answered(engine_channels: EngineChannels) -> None:
    kari = engine_channels.telegram.user(6660002, "Kari")
    kari.send_text(f"/start {engine_channels.code_for(KARI)}")
    before = len(kari.inbox())
    note = Speech(engine_channels.settings, models={"ko": KO_MODEL}).voice_note("안녕하세요 감사합니다", "ko")
    kari.send_voice(note, duration=2)
    answers = kari.inbox()[before:]
    assert answers and _not_a_fallback(answers[-1].text or answers[-1].caption or "")


def test_sms_question_is_answered(engine_channels: EngineChannels) -> None:
    phone = engine_channels.twilio.phone(engine_channels.mobile_of(KARI))
    replies = phone.send_sms("Hva må Emma ha med på fredag?")
    assert replies and _not_a_fallback(replies[-1])


def test_phone_call_question_is_answered_aloud(engine_channels: EngineChannels) -> None:
    from channels import pins

    pins.command(engine_channels.runtime, engine_channels.person(KARI).id, "nb", Channel.TELEGRAM, "/pin 4821")
    call = engine_channels.twilio.phone(engine_channels.mobile_of(KARI)).call()
    call.press("4821#")
    call.say("hva er leksene til i morgen")
    spoken = call.said()
    assert len(spoken) >= 3 and _not_a_fallback(spoken[-2])


@pytest.mark.browser
def test_web_chat_question_is_answered(engine_channels: EngineChannels, page) -> None:  # noqa: ANN001, F811
    from playwright.sync_api import expect

    page.goto(engine_channels.url + "/chat")
    page.get_by_label("Kode").fill(engine_channels.code_for(EMMA))
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_label("Melding").fill("Hva er leksene mine til i morgen?")
    page.keyboard.press("Enter")
    answer = page.locator(".msg.ransel").last
    expect(answer).to_be_visible(timeout=30000)
    assert _not_a_fallback(answer.inner_text())
