"""Signing in to the portal with a one-time code, the session's limits, CSRF and sign-out."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from bot.models import ApiToken, Person
from channels import contacts
from portal.web import COOKIE, PURPOSE
from tests.portal.conftest import PortalStack, shot, signed_in
from tests.wcag import assert_accessible

pytestmark = pytest.mark.browser


def code_for(stack: PortalStack, username: str) -> str:
    with stack.runtime.transaction() as session:
        return contacts.issue_code(session, stack.settings.sender_secret, stack.person_id(username),
                                   now=stack.runtime.clock.utcnow(), ttl=timedelta(hours=1))


def test_a_guardian_signs_in_with_a_code_and_out_again(portal_stack: PortalStack, page: Page) -> None:
    page.goto(portal_stack.url + "/account")  # not signed in: sent to sign-in, then back
    expect(page.get_by_role("heading", name="Logg inn på Ransel")).to_be_visible()
    assert_accessible(page, "sign-in")
    page.get_by_label("Kode", exact=True).fill(code_for(portal_stack, "kari.hansen"))
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/account")
    assert any(c["name"] == COOKIE and c["httpOnly"] and c["sameSite"] == "Lax" for c in page.context.cookies())
    expect(page.get_by_role("strong")).to_have_text("Kari Hansen")
    shot(page, "signin-guardian")
    page.get_by_role("button", name="Logg ut").click()
    expect(page.get_by_role("status")).to_contain_text("Du er logget ut")
    page.goto(portal_stack.url + "/account")
    expect(page.get_by_role("heading", name="Logg inn på Ransel")).to_be_visible()


def test_a_wrong_code_is_refused_in_the_chosen_language(portal_stack: PortalStack, page: Page) -> None:
    page.goto(portal_stack.url + "/sign-in?lang=nn")
    page.get_by_label("Kode", exact=True).fill("AAAA-BBBB")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("alert")).to_contain_text("Koden verkar ikkje")


def test_a_post_without_the_sessions_csrf_token_is_refused(portal_stack: PortalStack) -> None:
    cookie = portal_stack.session_cookie("kari.hansen")
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: cookie}) as client:
        refused = client.post("/sign-out", data={"csrf": "forged"})
        assert refused.status_code == 403
        assert client.get("/", follow_redirects=False).headers["location"] == "/family"  # still signed in
        other = portal_stack.session_cookie("per.lie")  # another session's token is no good either
        with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: other}) as per:
            page = per.get("/sign-in?again=1")
            assert page.status_code == 200
        refused = client.post("/sign-in/code", data={"code": code_for(portal_stack, "per.lie")})
        assert refused.status_code == 403  # the code form's double submit is missing


def test_an_idle_session_ends(portal_stack: PortalStack) -> None:
    cookie = portal_stack.session_cookie("per.lie")
    idle = timedelta(minutes=portal_stack.settings.portal_idle_minutes + 1)
    with portal_stack.runtime.transaction() as session:
        token = session.query(ApiToken).filter(ApiToken.purpose == PURPOSE).order_by(ApiToken.id.desc()).first()
        assert token is not None
        token.created_at = token.created_at - idle
        token.last_used_at = None
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: cookie}) as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_sign_in_sends_people_back_only_to_this_site(portal_stack: PortalStack, page: Page) -> None:
    page.goto(portal_stack.url + "/sign-in?next=//evil.example/x")
    page.get_by_label("Kode", exact=True).fill(code_for(portal_stack, "james.smith"))
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(portal_stack.url + "/**")
    assert page.url.startswith(portal_stack.url)


def test_the_person_chooses_the_language_of_the_pages(portal_stack: PortalStack, page: Page) -> None:
    signed_in(page, portal_stack, "james.smith")
    page.goto(portal_stack.url + "/account")
    page.get_by_label("Nynorsk").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Lagra.")
    expect(page.get_by_role("heading", name="Mi side")).to_be_visible()
    assert_accessible(page, "account")
    with portal_stack.runtime.transaction() as session:
        person = session.get(Person, portal_stack.person_id("james.smith"))
        assert person is not None and (person.language, person.language_chosen) == ("nn", True)
