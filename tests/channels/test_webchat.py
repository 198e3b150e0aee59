"""The web chat page in headless Chromium (Debian's, driven by Playwright), as a pupil uses it."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from bot.delivery import OutgoingMessage
from bot.models import Channel, OutboxMessage, OutboxStatus, ProfileSetting, Source
from channels import delivery_adapters as adapters
from tests.channels.conftest import Stack, run_async
from tests.chromium import CHROMIUM, FAKE_MEDIA_ARGS
from tests.chromium import CHROMIUM_ARGS as BASE_ARGS
from tests.wcag import audit

pytestmark = pytest.mark.browser

# Push-to-talk records from a fake microphone that plays a WAV file.
CHROMIUM_ARGS = [*BASE_ARGS, *FAKE_MEDIA_ARGS]


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wav = tmp_path_factory.mktemp("audio") / "question.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), "안녕하세요 감사합니다"], check=True)
    return wav


@pytest.fixture(scope="module")
def browser(spoken_wav: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={spoken_wav}"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="nb-NO")  # a Norwegian phone
    yield context.new_page()
    context.close()


def sign_in(stack: Stack, page: Page, person_id: int) -> None:
    page.goto(stack.url + "/chat")
    page.get_by_label("Kode").fill(stack.issue_code(person_id))
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Spør Ransel")).to_be_visible()


def test_pupil_signs_in_with_a_code_and_the_question_reaches_the_engine(channel_stack: Stack, page: Page) -> None:
    sign_in(channel_stack, page, channel_stack.people.emma)
    page.get_by_label("Melding").fill("Hva er leksene til i morgen?")
    page.keyboard.press("Enter")
    log = page.get_by_role("region", name="Samtale")
    expect(log).to_contain_text("Svar: Hva er leksene til i morgen?")
    assert channel_stack.engine_heard == [(channel_stack.people.emma, "web", "Hva er leksene til i morgen?")]


def test_choices_are_buttons_and_a_tap_sends_the_choice(channel_stack: Stack, page: Page) -> None:
    sign_in(channel_stack, page, channel_stack.people.kari)
    page.get_by_label("Melding").fill("Hvordan går det?")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("button", name="Jonas").click()
    expect(page.get_by_role("region", name="Samtale")).to_contain_text('Svar: /choose_child{"child":"jonas"}')


def test_a_wrong_code_is_refused_with_a_visible_alert(channel_stack: Stack, page: Page) -> None:
    page.goto(channel_stack.url + "/chat?lang=en")
    page.get_by_label("Code").fill("AAAA-BBBB")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("doesn't work")


@pytest.mark.speech
def test_push_to_talk_recording_is_recognised_and_the_reply_is_shown_and_spoken(channel_stack: Stack, page: Page) -> None:
    sign_in(channel_stack, page, channel_stack.people.emma)
    talk = page.get_by_role("button", name="Hold inne for å snakke")
    talk.focus()
    page.keyboard.press("Space")  # start, as a keyboard user does
    expect(page.get_by_role("button", name="Snakker … slipp for å sende")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(3000)
    page.keyboard.press("Space")  # stop and send
    answer = page.locator(".msg.ransel").last
    expect(answer).to_contain_text("Svar:", timeout=20000)
    [(person, channel, heard)] = channel_stack.engine_heard
    assert person == channel_stack.people.emma and channel == "web" and heard.strip()
    audio = answer.locator("audio")
    expect(audio).to_have_attribute("src", __import__("re").compile(r"^data:audio/mpeg;base64,"))
    duration = audio.evaluate("a => new Promise(r => a.readyState >= 1 ? r(a.duration) : a.onloadedmetadata = () => r(a.duration))")
    assert 0.5 < duration < 20


def test_read_aloud_profile_and_nynorsk_page(channel_stack: Stack, page: Page) -> None:
    stack = channel_stack
    with stack.runtime.transaction() as session:
        session.add(ProfileSetting(pupil_id=stack.people.per, key="read_aloud", value=True, source=Source.SELF,
                                   set_at=stack.runtime.clock.utcnow()))
    page.goto(stack.url + "/chat")
    page.get_by_label("Kode").fill(stack.issue_code(stack.people.per))
    page.get_by_role("button", name="Logg inn").click()
    assert page.locator("html").get_attribute("lang") == "nn"
    expect(page.get_by_role("button", name="Hald inne for å snakke")).to_be_visible()
    page.get_by_label("Melding").fill("kva er leksene?")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.ransel audio")).to_have_count(1)  # typed, but read aloud by profile


def test_reminders_delivered_to_the_page_are_shown_and_marked_read(channel_stack: Stack, page: Page) -> None:
    stack = channel_stack
    with stack.runtime.transaction() as session:
        row = OutboxMessage(idempotency_key="web-1", recipient_id=stack.people.emma, category="bring",
                            template="t", payload={}, channel=Channel.WEB, due_at=stack.runtime.clock.utcnow(),
                            status=OutboxStatus.CLAIMED, created_at=stack.runtime.clock.utcnow())
        session.add(row)
        session.flush()
        outbox_id = row.id
    web = adapters.WebAdapter(stack.runtime.sessions, stack.runtime.clock.utcnow)
    result = run_async(web.send(OutgoingMessage(outbox_id, stack.people.emma, Channel.WEB, "", "Husk gymtøy i morgen!", "nb")))
    with stack.runtime.transaction() as session:
        session.get(OutboxMessage, outbox_id).status = OutboxStatus.SENT
        session.get(OutboxMessage, outbox_id).external_id = result.external_id
    sign_in(stack, page, stack.people.emma)
    expect(page.locator(".msg.notice")).to_contain_text("Husk gymtøy i morgen!")
    with stack.runtime.transaction() as session:
        assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == outbox_id)) is OutboxStatus.READ


def test_api_needs_the_session_and_the_pages_header(channel_stack: Stack) -> None:
    url = channel_stack.url + "/chat/api/message"
    assert httpx.post(url, json={"text": "hei"}).status_code == 403  # a cross-site form post
    assert httpx.post(url, json={"text": "hei"}, headers={"X-Requested-With": "ransel"}).status_code == 401
    assert channel_stack.engine_heard == []


def test_code_from_the_web_page_links_telegram(channel_stack: Stack, page: Page) -> None:
    sign_in(channel_stack, page, channel_stack.people.emma)
    page.get_by_text("Koble til Telegram").click()
    link = page.get_by_role("link", name="Åpne Telegram")
    expect(link).to_be_visible()
    code = link.get_attribute("href").rsplit("=", 1)[1]
    emma = channel_stack.telegram.user(5552001, "Emma")
    emma.send_text(f"/start {code}")
    assert "Hei, Emma!" in emma.inbox()[-1].text


def _csrf(client: httpx.Client, url: str) -> str:
    """The sign-in form's CSRF token (its cookie lands in the client's jar)."""
    import re

    return re.search(r'name="csrf" value="([^"]+)"', client.get(url).text)[1]


def test_guessing_codes_on_the_sign_in_page_is_stopped(channel_stack: Stack) -> None:
    url = channel_stack.url + "/chat/signin"
    with httpx.Client() as browser:
        for n in range(10):
            token = _csrf(browser, channel_stack.url + "/chat")
            assert browser.post(url, data={"code": f"AAAA{n:04d}", "lang": "en", "csrf": token}).status_code == 400
        right = channel_stack.issue_code(channel_stack.people.emma)
        blocked = browser.post(url, data={"code": right, "lang": "en", "csrf": _csrf(browser, channel_stack.url + "/chat")})
    assert blocked.status_code == 429 and "Too many wrong codes" in blocked.text


def test_a_sign_in_posted_without_the_forms_csrf_token_is_refused(channel_stack: Stack) -> None:
    """A form on another site cannot sign a browser in (to an account of the attacker's)."""
    url = channel_stack.url + "/chat/signin"
    right = channel_stack.issue_code(channel_stack.people.emma)
    cross_site = httpx.post(url, data={"code": right, "lang": "en", "csrf": "guessed"})
    assert cross_site.status_code == 403 and "The page had expired" in cross_site.text
    assert "ransel_web" not in cross_site.cookies
    with httpx.Client() as browser:  # the same code still works from the real form
        token = _csrf(browser, channel_stack.url + "/chat")
        signed_in = browser.post(url, data={"code": right, "lang": "en", "csrf": token})
    assert signed_in.status_code == 303 and "ransel_web" in signed_in.cookies


def test_page_texts_exist_in_all_three_languages() -> None:
    from channels.webchat import page_text

    assert set(page_text("nb")) == set(page_text("nn")) == set(page_text("en"))





@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_are_readable_labelled_and_fit_a_phone(channel_stack: Stack, browser: Browser, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  locale="nb-NO", color_scheme=scheme)
    page = context.new_page()
    page.goto(channel_stack.url + "/chat")
    sign_in_page = audit(page)
    page.get_by_label("Kode").fill(channel_stack.issue_code(channel_stack.people.kari))
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_label("Melding").fill("Hvordan går det?")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Jonas")).to_be_visible()
    chat_page = audit(page)
    context.close()
    for found in (sign_in_page, chat_page):
        assert found["low"] == [], "text below WCAG AA contrast"
        assert found["unnamed"] == [], "controls without an accessible name"
        assert found["scroll"] <= found["width"], "the page scrolls sideways on a phone"


def test_a_guardian_sets_the_phone_pin_in_the_web_chat(channel_stack: Stack, page: Page) -> None:
    sign_in(channel_stack, page, channel_stack.people.kari)
    page.get_by_label("Melding").fill("/pin 4821")
    page.keyboard.press("Enter")
    expect(page.get_by_role("region", name="Samtale")).to_contain_text("PIN-koden for telefon er lagret")
    assert channel_stack.engine_heard == []
    call = channel_stack.twilio.phone("+4791234567").call()
    call.press("4821#")
    assert call.said()[-1] == "Takk. Hva lurer du på?"
