"""The school admin's pages in a browser: the reminder rules as a form and as YAML (errors in
place, nothing saved until valid, tomorrow's preview from the planner), the calendar, link
codes and delivery statistics; who may open them, and CSRF on every form."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from bot import reminder_rules
from bot.models import OutboxMessage, School
from portal.web import COOKIE
from tests.portal.conftest import PortalStack, new_context, shot, signed_in
from tests.wcag import assert_accessible

pytestmark = pytest.mark.browser

ADMIN = "rektor.solbakken"


def solbakken(stack: PortalStack) -> int:
    with stack.runtime.transaction() as session:
        found = session.scalar(select(School.id).where(School.sourced_id == "solbakken"))
    assert found is not None
    return found


def stored_rules(stack: PortalStack) -> str:
    with stack.runtime.transaction() as session:
        return reminder_rules.source_for(session, solbakken(stack)) or ""


def outbox_rows(stack: PortalStack) -> int:
    with stack.runtime.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_rule_edited_in_the_form_shows_its_error_in_place_then_saves_into_the_preview(
        portal_stack: PortalStack, page: Page) -> None:
    before, rows_before = stored_rules(portal_stack), outbox_rows(portal_stack)
    signed_in(page, portal_stack, ADMIN)
    page.goto(portal_stack.url + "/admin")
    expect(page.get_by_role("heading", name="Påminnelsesregler – Solbakken skole")).to_be_visible()
    preview = page.locator("#preview-table")
    expect(preview).to_contain_text("gymtoy")
    assert "19:30" not in preview.inner_text()
    assert_accessible(page, "admin rules")

    rule = page.locator("#rule-gymtoy")
    rule.locator("summary").click()
    rule.get_by_label("Klokkeslett").fill("25:00")
    rule.get_by_role("button", name="Lagre regelen «gymtoy»").click()
    rule = page.locator("#rule-gymtoy")
    expect(rule.get_by_role("alert")).to_have_text("Ikke lagret. Rett feilene som er merket.")
    at = rule.get_by_label("Klokkeslett")
    expect(at).to_have_value("25:00")  # what was typed is kept
    expect(at).to_have_attribute("aria-invalid", "true")
    error = rule.locator("#r1-when-at-error")
    expect(error).to_contain_text("«25:00» er ikke et klokkeslett")
    assert at.get_attribute("aria-describedby").endswith("r1-when-at-error")
    assert_accessible(page, "admin rule with an error")
    shot(page, "admin-rule-error")
    assert stored_rules(portal_stack) == before  # nothing saved

    at.fill("19:30")
    rule.get_by_role("button", name="Lagre regelen «gymtoy»").click()
    expect(page.get_by_role("status")).to_have_text("Lagret regelen «gymtoy».")
    after = stored_rules(portal_stack)
    assert 'at: \'19:30\'' in after or 'at: "19:30"' in after
    assert after.startswith("# Påminnelser for demoskolen.")  # comments survive the form
    assert after.replace("19:30", "18:00").replace("'18:00'", '"18:00"') == before  # only that changed
    gym = page.locator("#preview-table tr", has_text="gymtoy")
    expect(gym.filter(has_text="19:30").first).to_be_visible()
    assert outbox_rows(portal_stack) == rows_before  # the preview wrote nothing
    shot(page, "admin-rule-saved")


def test_the_yaml_editor_names_the_line_that_is_wrong(portal_stack: PortalStack, page: Page) -> None:
    before = stored_rules(portal_stack)
    signed_in(page, portal_stack, ADMIN)
    page.goto(portal_stack.url + f"/admin/{solbakken(portal_stack)}/rules")
    broken = before.replace("audience: {to: guardians}", "audience: {to: grandparents}")
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "grandparents" in x)) + 1
    page.get_by_label("YAML for hele regelsettet").fill(broken)
    page.get_by_role("button", name="Lagre YAML").click()
    errors = page.locator("#yaml-errors")
    expect(errors).to_contain_text(f"reminders.yaml, linje {line}")
    expect(errors).to_contain_text("«grandparents» må være en av")
    expect(errors).to_contain_text(f"{line}: ")
    expect(page.get_by_label("YAML for hele regelsettet")).to_have_value(broken)
    assert_accessible(page, "admin yaml error")
    shot(page, "admin-yaml-error")
    assert stored_rules(portal_stack) == before

    page.get_by_label("YAML for hele regelsettet").fill(before.replace('at: "17:30"', 'at: "17:30"'))
    page.get_by_role("button", name="Lagre YAML").click()
    expect(page.get_by_role("status")).to_have_text("Reglene er lagret.")
