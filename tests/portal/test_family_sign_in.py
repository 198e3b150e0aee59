"""Guardians and pupils reach the family page the way they sign in: a guardian with
ID-porten, a pupil with Feide (the local OpenID providers, real signed ID tokens), and each
lands on their family page without asking for it. (Link codes: test_family_page.py.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.portal.test_oidc import OidcStack, stack  # noqa: F401 - the OpenID stack fixture
from tests.wcag import assert_accessible

pytestmark = pytest.mark.browser


def test_a_guardian_signs_in_with_id_porten_and_sees_both_children(stack: OidcStack, page: Page) -> None:  # noqa: F811
    page.goto(stack.url + "/sign-in")
    page.get_by_role("link", name="Fortsett med ID-porten").click()
    page.get_by_role("button", name="Kari Hansen").click()
    page.wait_for_url(stack.url + "/family")
    expect(page.get_by_role("heading", name="Emma Hansen (4A)")).to_be_visible()
    expect(page.get_by_role("heading", name="Jonas Hansen (9B)")).to_be_visible()
    assert_accessible(page, "family page after ID-porten")


def test_a_pupil_signs_in_with_feide_and_sees_their_own_week(stack: OidcStack, page: Page) -> None:  # noqa: F811
    page.goto(stack.url + "/family")  # not signed in: to sign-in, and back here afterwards
    page.get_by_role("link", name="Fortsett med Feide").click()
    page.get_by_role("button", name="Emma Hansen").click()
    page.wait_for_url(stack.url + "/family")
    expect(page.get_by_role("heading", name="Meg (4A)")).to_be_visible()
    expect(page.get_by_role("listitem", name="fredag 4. desember")).to_contain_text("Skøytedag")
