"""The portal's test stack: the demo school in a real database, the whole HTTP app and the
Telegram and Twilio emulators on free ports, and headless Chromium (Debian's, through
Playwright) to use the pages as a person would.

``portal_stack`` is per test module (the demo school is loaded once per session into a
template file and copied); tests in one module see each other's changes, so each test uses
its own people or asserts on what it added. ``signed_in(page, stack, username)`` opens a
real portal session for a demo person and hands the browser its cookie (what the sign-in
flows end in; the flows themselves are tested in test_signin.py and test_oidc*.py).
Screenshots go to ``$RANSEL_ARTIFACTS`` (default ``tests/.artifacts``) and are kept.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import select

from bot.config import Settings, load_settings
from bot.demo.load import load_demo
from bot.models import Person
from bot.runtime import Runtime
from channels.emulators._server import bind, serve_in_thread
from channels.emulators.telegram import TelegramEmulator
from channels.emulators.twilio import TwilioEmulator
from portal.web import COOKIE, start_session
from ransel.app import create_app
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import OSLO_NOW

ARTIFACTS = Path(os.environ.get("RANSEL_ARTIFACTS", Path(__file__).resolve().parent.parent / ".artifacts"))
BOT_TOKEN = "7000002:emulated-token-for-portal-tests"
TWILIO_SID = "AC" + "9a11" * 8
TWILIO_TOKEN = "twilio-auth-token-for-portal-tests"
OUR_NUMBER = "+4759440000"


@dataclass
class PortalStack:
    settings: Settings
    runtime: Runtime
    url: str
    telegram: TelegramEmulator
    twilio: TwilioEmulator

    def person_id(self, username: str) -> int:
        with self.runtime.transaction() as session:
            found = session.scalar(select(Person.id).where(Person.username == username))
        assert found is not None, f"no demo person {username}"
        return found

    def session_cookie(self, username: str) -> str:
        """A live portal session for ``username`` (the value of the ``ransel_portal`` cookie)."""
        with self.runtime.transaction() as session:
            person = session.scalars(select(Person).where(Person.username == username)).one()
            return start_session(session, person, self.runtime)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo school loaded once into an SQLite file that each stack copies."""
    path = tmp_path_factory.mktemp("demo-db") / "demo.sqlite"
    runtime = Runtime(load_settings(database_url=f"sqlite:///{path}", data_dir=path.parent, now=OSLO_NOW))
    try:
        load_demo(runtime)
    finally:
        runtime.close()
    return path


@pytest.fixture(scope="module")
def portal_stack(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalStack]:
    home = tmp_path_factory.mktemp("portal")
    database = home / "ransel.sqlite"
    shutil.copy(demo_database, database)
    telegram = TelegramEmulator(BOT_TOKEN)
    twilio = TwilioEmulator(TWILIO_SID, TWILIO_TOKEN)
    app_socket = bind()
    app_url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
    twilio.configure_number(OUR_NUMBER, sms_url=app_url + "/sms/inbound", voice_url=app_url + "/voice/inbound")
    with serve_in_thread(telegram.app) as telegram_url, serve_in_thread(twilio.app) as twilio_url:
        settings = load_settings(
            database_url=f"sqlite:///{database}", data_dir=home, now=OSLO_NOW, public_base_url=app_url,
            engine_url="http://127.0.0.1:9",  # the pages never ask the engine
            telegram_api_url=telegram_url, telegram_bot_token=BOT_TOKEN,
            twilio_api_url=twilio_url, twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN,
            twilio_from_number=OUR_NUMBER)
        runtime = Runtime(settings)
        with serve_in_thread(create_app(runtime), sock=app_socket):
            yield PortalStack(settings, runtime, app_url, telegram, twilio)
        runtime.close()


# Per module: Playwright's event loop runs while the browser is open, and tests after the
# portal's call asyncio.run on the same thread.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(browser: Browser, *, width: int = 390, language: str = "nb-NO") -> BrowserContext:
    return browser.new_context(viewport={"width": width, "height": 844}, locale=language)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser)
    yield context.new_page()
    context.close()


def signed_in(page: Page, stack: PortalStack, username: str) -> Page:
    """``page``'s browser now holds a portal session for the demo person ``username``."""
    page.context.add_cookies([{"name": COOKIE, "value": stack.session_cookie(username), "url": stack.url}])
    return page


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
