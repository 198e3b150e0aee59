"""Signing in to the portal with OpenID Connect against the local provider, as Feide and as
ID-porten: real authorization codes with PKCE, real RS256-signed ID tokens checked against
the provider's JWKS. The provider is made to misbehave through its own test switches (a
token for another audience, an expired one, a wrong nonce, one signed by a key not in its
JWKS); nothing of Ransel's is mocked."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from bot.config import FEIDE_CLAIM, Settings, emulated_oidc_providers, load_settings
from bot.models import ApiToken
from bot.runtime import Runtime
from channels.emulators._server import bind, serve_in_thread
from channels.emulators.oidc import DemoPerson, OidcEmulator, app_for, emulators_for
from portal.oidc import BROWSER_COOKIE
from portal.web import COOKIE, PURPOSE
from ransel.app import create_app
from tests.conftest import OSLO_NOW
from tests.portal.conftest import shot
from tests.wcag import assert_accessible

pytestmark = pytest.mark.browser

CLIENT_SECRET = "client-secret-of-the-oidc-tests"


@dataclass
class OidcStack:
    settings: Settings
    runtime: Runtime
    url: str
    feide: OidcEmulator
    idporten: OidcEmulator

    def sessions(self) -> int:
        with self.runtime.transaction() as session:
            return session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.purpose == PURPOSE)) or 0


@pytest.fixture(scope="module")
def stack(demo_database: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcStack]:
    """The demo school, the HTTP app, and one server with the demo's two providers, built
    the way `ransel emulators serve` builds them (from the settings and the register)."""
    home = tmp_path_factory.mktemp("oidc")
    database = home / "ransel.sqlite"
    shutil.copy(demo_database, database)
    app_socket, idp_socket = bind(), bind()
    app_url = f"http://127.0.0.1:{app_socket.getsockname()[1]}"
    idp_url = f"http://127.0.0.1:{idp_socket.getsockname()[1]}"
    settings = load_settings(
        database_url=f"sqlite:///{database}", data_dir=home, now=OSLO_NOW, public_base_url=app_url,
        engine_url="http://127.0.0.1:9", oidc_emulator_url=idp_url,
        oidc_providers=emulated_oidc_providers(idp_url, CLIENT_SECRET))
    runtime = Runtime(settings)
    with runtime.transaction() as session:
        emulators = emulators_for(settings, session, clock=runtime.clock.utcnow)
    assert set(emulators) == {"feide", "idporten"}
    with serve_in_thread(app_for(emulators), sock=idp_socket), serve_in_thread(create_app(runtime), sock=app_socket):
        yield OidcStack(settings, runtime, app_url, emulators["feide"], emulators["idporten"])
    runtime.close()


def over_http(stack: OidcStack, client: httpx.Client, provider: str, hint: str, next_path: str = "/account"
              ) -> str:
    """Start a sign-in in ``client`` and let the provider pick ``hint`` (its login_hint):
    the callback URL the provider sends the browser back to."""
    started = client.get(f"/sign-in/oidc/{provider}", params={"next": next_path})
    assert started.status_code == 303, started.text
    authorize = started.headers["location"]
    assert parse_qs(urlparse(authorize).query)["code_challenge_method"] == ["S256"]
    chosen = httpx.get(f"{authorize}&{urlencode({'login_hint': hint})}")
    assert chosen.status_code == 303, chosen.text
    return chosen.headers["location"]


def test_a_feide_teacher_signs_in_with_a_signed_id_token(stack: OidcStack, page: Page) -> None:
    page.goto(stack.url + "/account")  # not signed in: sent to sign-in, and back afterwards
    assert_accessible(page, "the sign-in page with its providers")
    page.get_by_role("link", name="Fortsett med Feide").click()
    expect(page.get_by_role("note")).to_have_text("DEMO-innlogging – ikke ekte Feide")
    assert_accessible(page, "the demo provider's page")
    shot(page, "oidc-demo-provider-feide")
    page.get_by_role("button", name="Liv Andersen").click()
    page.wait_for_url(stack.url + "/account")
    expect(page.get_by_role("strong")).to_have_text("Liv Andersen")
    assert any(c["name"] == COOKIE and c["httpOnly"] for c in page.context.cookies())
    token = stack.feide.issued[-1]
    assert token["aud"] == "ransel-demo" and token[FEIDE_CLAIM] == ["feide:liv.andersen@fjellby.kommune.no"]
    shot(page, "oidc-signed-in-feide-teacher")


def test_an_id_porten_guardian_signs_in_with_her_national_identity_number(stack: OidcStack, page: Page) -> None:
    page.goto(stack.url + "/sign-in?lang=nn&next=/account")
    page.get_by_role("link", name="Hald fram med ID-porten").click()
    expect(page.get_by_role("note")).to_have_text("DEMO-innlogging – ikkje ekte ID-porten")  # ui_locales=nn
    assert_accessible(page, "the demo ID-porten page")
    page.get_by_role("button", name="Kari Hansen").click()
    page.wait_for_url(stack.url + "/account")
    expect(page.get_by_role("strong")).to_have_text("Kari Hansen")
    assert stack.idporten.issued[-1]["acr"] == "idporten-loa-substantial"
    shot(page, "oidc-signed-in-idporten-guardian")


@pytest.mark.parametrize("wrong", [
    pytest.param({"audience": "someone-else"}, id="wrong-audience"),
    pytest.param({"expires_in": timedelta(minutes=-5)}, id="expired"),
    pytest.param({"nonce": "not-the-nonce-we-sent"}, id="wrong-nonce"),
    pytest.param({"foreign_key": True}, id="signed-by-another-key"),
    pytest.param({"issuer": "https://auth.dataporten.no"}, id="another-issuer"),
])
def test_an_id_token_that_does_not_check_out_is_refused(stack: OidcStack, wrong: dict,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    before = stack.sessions()
    with httpx.Client(base_url=stack.url) as client:
        callback = over_http(stack, client, "feide", "liv.andersen")
        stack.feide.misbehave(**wrong)
        with caplog.at_level(logging.WARNING, logger="portal.oidc"):
            refused = client.get(callback)
    assert refused.status_code == 400
    assert "Vi kunne ikke bekrefte innloggingen" in refused.text
    assert COOKIE not in refused.cookies
    assert stack.sessions() == before
    assert any("refused (unverified): provider feide" in r.getMessage() for r in caplog.records)


def test_id_porten_at_a_lower_level_of_assurance_than_asked_for_is_refused(stack: OidcStack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        callback = over_http(stack, client, "idporten", "kari.hansen")
        stack.idporten.misbehave(claims={"acr": "idporten-loa-low"})
        refused = client.get(callback)
    assert refused.status_code == 400 and COOKIE not in refused.cookies


def test_a_code_from_another_issuer_is_refused_before_it_is_used(stack: OidcStack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        callback = over_http(stack, client, "feide", "liv.andersen")
        mixed_up = callback.replace(urlencode({"iss": stack.feide.issuer}), urlencode({"iss": stack.idporten.issuer}))
        assert mixed_up != callback
        refused = client.get(mixed_up)
    assert refused.status_code == 400 and COOKIE not in refused.cookies


def test_the_same_callback_used_twice_is_refused(stack: OidcStack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        callback = over_http(stack, client, "feide", "ingrid.dahl")
        first = client.get(callback)
        assert first.status_code == 303 and first.headers["location"] == "/account"
        assert COOKIE in first.cookies
        before = stack.sessions()
        again = client.get(callback)
    assert again.status_code == 400
    assert "Innloggingen ble avbrutt eller er utløpt. Prøv igjen." in again.text
    assert stack.sessions() == before


def test_a_sign_in_left_too_long_has_expired(stack: OidcStack) -> None:
    late = timedelta(minutes=stack.settings.oidc_login_minutes, seconds=1)
    with httpx.Client(base_url=stack.url) as client:
        callback = over_http(stack, client, "feide", "sarah.jones")
        stack.runtime.clock.advance(late)
        try:
            expired = client.get(callback)
        finally:
            stack.runtime.clock.advance(-late)
    assert expired.status_code == 400
    assert "Innloggingen ble avbrutt eller er utløpt" in expired.text and COOKIE not in expired.cookies


def test_a_sign_in_cannot_be_finished_from_another_browser(stack: OidcStack) -> None:
    with httpx.Client(base_url=stack.url) as mine:
        callback = over_http(stack, mine, "feide", "marte.nilsen")
        assert BROWSER_COOKIE in mine.cookies
        with httpx.Client(base_url=stack.url) as theirs:
            stolen = theirs.get(callback)
            assert stolen.status_code == 400 and COOKIE not in stolen.cookies
            theirs.cookies.set(BROWSER_COOKIE, "a-value-of-their-own-that-is-long-enough-to-look-real",
                               domain="127.0.0.1", path="/sign-in/oidc")
            assert theirs.get(callback).status_code == 400
        finished = mine.get(callback)  # the browser that started it still can
    assert finished.status_code == 303 and COOKIE in finished.cookies


def test_feide_user_ids_match_without_regard_to_case(stack: OidcStack) -> None:
    stack.feide.add_person(DemoPerson("sub-gunnar", "Gunnar Vik (Feide in capitals)",
                                      {FEIDE_CLAIM: ["feide:Gunnar.VIK@Fjellby.Kommune.no"]}, hint="GUNNAR"))
    with httpx.Client(base_url=stack.url) as client:
        done = client.get(over_http(stack, client, "feide", "GUNNAR"))
        assert done.status_code == 303
        account = client.get("/account")
    assert "Gunnar Vik" in account.text


def test_an_unknown_feide_user_gets_a_clear_page_and_no_session(stack: OidcStack, page: Page) -> None:
    stack.feide.add_person(DemoPerson("sub-unknown", "Ukjent Feide-bruker",
                                      {FEIDE_CLAIM: ["feide:ukjent.person@annenkommune.no"]}))
    before = stack.sessions()
    page.goto(stack.url + "/sign-in")
    page.get_by_role("link", name="Fortsett med Feide").click()
    page.get_by_role("button", name="Ukjent Feide-bruker").click()
    expect(page.get_by_role("heading", name="Innloggingen gikk ikke")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("Vi fant deg ikke i skolens register.")
    assert_accessible(page, "the sign-in refusal page")
    shot(page, "oidc-refused-unknown-feide-user")
    assert not any(c["name"] == COOKIE for c in page.context.cookies())
    assert stack.sessions() == before


def test_a_guardian_the_school_has_no_nin_for_is_sent_to_the_link_codes(stack: OidcStack, page: Page) -> None:
    stack.idporten.add_person(DemoPerson("sub-anne", "Anne Lie (NIN not registered)", {"pid": "13897399561"}))
    page.goto(stack.url + "/sign-in/oidc/idporten?next=/account&lang=en")
    page.get_by_role("button", name="Anne Lie (NIN not registered)").click()
    expect(page.get_by_role("alert")).to_have_text("We did not find you in the school's register.")
    expect(page.get_by_text("Sign in with a one-time code from the school instead")).to_be_visible()
    page.get_by_role("link", name="Sign in with a code").click()
    expect(page.get_by_role("heading", name="Sign in to Ransel")).to_be_visible()
    shot(page, "oidc-refused-guardian-without-nin")


def test_cancelling_at_the_provider_says_so_in_the_persons_language(stack: OidcStack, page: Page) -> None:
    page.goto(stack.url + "/sign-in?lang=nn")
    page.get_by_role("link", name="Hald fram med Feide").click()
    page.get_by_role("button", name="Avbryt").click()
    expect(page.get_by_role("alert")).to_have_text("Innlogginga vart avbroten eller har gått ut. Prøv igjen.")
    assert_accessible(page, "the cancelled sign-in page")


def test_an_unknown_provider_or_a_made_up_state_is_refused(stack: OidcStack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        assert client.get("/sign-in/oidc/facebook").status_code == 404
        made_up = client.get("/sign-in/oidc/feide/callback", params={"state": "x" * 43, "code": "y"})
    assert made_up.status_code == 400 and "Prøv igjen" in made_up.text


def test_the_provider_refuses_a_code_without_the_right_pkce_verifier(stack: OidcStack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        callback = over_http(stack, client, "feide", "liv.andersen")
    code = parse_qs(urlparse(callback).query)["code"][0]
    refused = httpx.post(f"{stack.feide.issuer}/token", auth=("ransel-demo", CLIENT_SECRET), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": callback.split("?")[0],
        "code_verifier": "guessed-" * 6})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_the_sign_in_page_lists_the_configured_providers(stack: OidcStack) -> None:
    with httpx.Client(base_url=stack.url) as client:
        text = client.get("/sign-in").text
    assert "Fortsett med Feide" in text and "Fortsett med ID-porten" in text
