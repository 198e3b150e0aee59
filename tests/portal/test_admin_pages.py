"""The school admin's pages in a browser: the reminder rules as a form and as YAML (errors in
place, nothing saved until valid, tomorrow's preview from the planner), the calendar, link
codes and delivery statistics; who may open them, and CSRF on every form."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from bot import reminder_rules
from bot.models import (
    Channel,
    EventKind,
    LinkCode,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Role,
    School,
)
from bot.services import calendar, facts
from portal.web import COOKIE
from tests.portal import schools
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


def test_the_calendar_lists_adds_and_removes_breaks_and_events(portal_stack: PortalStack, page: Page) -> None:
    school_id = solbakken(portal_stack)
    signed_in(page, portal_stack, ADMIN)
    page.goto(portal_stack.url + f"/admin/{school_id}/calendar")
    expect(page.get_by_role("heading", name="Skolekalender – Solbakken skole")).to_be_visible()
    expect(page.locator("li", has_text="Juleferie")).to_contain_text("mandag 21. desember – fredag 1. januar")
    expect(page.locator("li", has_text="Skøytedag på Fjellby kunstisbane")).to_contain_text("skøyter, hjelm")
    assert_accessible(page, "admin calendar")

    page.get_by_label("Ferie", exact=True).select_option("autumn")
    page.get_by_label("Første dag").fill("2027-10-08")
    page.get_by_label("Siste dag").fill("2027-10-04")
    page.get_by_role("button", name="Legg inn ferie").click()
    last_day = page.get_by_label("Siste dag")
    expect(last_day).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#break-last_day-error")).to_have_text(
        "Sjekk datoene og klokkeslettene; slutten må komme etter starten.")
    expect(last_day).to_have_value("2027-10-04")  # what was typed is kept
    with portal_stack.runtime.transaction() as session:
        assert not [b for b in calendar.breaks_of(session, school_id, date(2027, 9, 1)) if b.first_day.year == 2027
                    and b.name_key == "autumn"]
    last_day.fill("2027-10-08")
    page.get_by_label("Første dag").fill("2027-10-04")
    page.get_by_role("button", name="Legg inn ferie").click()
    expect(page.get_by_role("status")).to_have_text("Ferien er lagt inn.")
    page.get_by_role("button", name="Fjern høstferie 4. oktober").click()
    expect(page.get_by_role("status")).to_contain_text("Fjernet «høstferie 4. oktober–8. oktober»")
    expect(page.get_by_role("button", name="Fjern høstferie 4. oktober")).to_have_count(0)
    page.get_by_role("button", name="Angre").click()
    expect(page.get_by_role("button", name="Fjern høstferie 4. oktober")).to_be_visible()

    page.get_by_label("Slag").select_option("ski_day")
    page.get_by_label("Tittel på bokmål").fill("Skidag i Fjellbyåsen")
    page.get_by_label("Gjelder").select_option(label="9B")
    page.get_by_label("Dato", exact=True).fill("2026-12-09")
    page.get_by_label("ski", exact=True).check()
    page.get_by_label("matpakke").check()
    page.get_by_label("Annet å ta med (skilt med komma)").fill("ekstra votter")
    page.get_by_role("button", name="Legg inn hendelse").click()
    expect(page.get_by_role("status")).to_have_text("Hendelsen er lagt inn.")
    expect(page.locator("li", has_text="Skidag i Fjellbyåsen")).to_contain_text("matpakke, ski, ekstra votter")
    with portal_stack.runtime.transaction() as session:  # what the chat and the reminders read
        found = facts.events_on(session, school_id, date(2026, 12, 9), [EventKind.SKI_DAY], portal_stack.runtime.clock.zone)
        assert [(e.title_nb, e.bring) for e in found] == [("Skidag i Fjellbyåsen", ["packed_lunch", "skis", "ekstra votter"])]

    page.get_by_label("Slag").select_option("planning_day")
    page.get_by_label("Tittel på bokmål").fill("Planleggingsdag")
    page.get_by_label("Dato", exact=True).fill("2026-12-10")
    page.get_by_label("Elevene har fri (planleggingsdag o.l.)").check()
    page.get_by_role("button", name="Legg inn hendelse").click()
    expect(page.get_by_role("status")).to_have_text("Hendelsen er lagt inn.")
    with portal_stack.runtime.transaction() as session:
        assert not calendar.day_info(session, school_id, date(2026, 12, 10), portal_stack.runtime.clock.zone).teaching
    page.get_by_role("button", name="Fjern «Planleggingsdag»").click()
    expect(page.get_by_role("status")).to_contain_text("Fjernet «Planleggingsdag»")
    with portal_stack.runtime.transaction() as session:
        assert calendar.day_info(session, school_id, date(2026, 12, 10), portal_stack.runtime.clock.zone).teaching
    page.get_by_role("button", name="Angre").click()  # the planning day is back, as it was
    expect(page.get_by_role("button", name="Fjern «Planleggingsdag»")).to_be_visible()
    with portal_stack.runtime.transaction() as session:
        assert not calendar.day_info(session, school_id, date(2026, 12, 10), portal_stack.runtime.clock.zone).teaching
    page.get_by_role("button", name="Fjern «Skidag i Fjellbyåsen»").click()
    page.get_by_role("button", name="Angre").click()
    expect(page.locator("li", has_text="Skidag i Fjellbyåsen")).to_contain_text("9B")
    expect(page.locator("li", has_text="Skidag i Fjellbyåsen")).to_contain_text("matpakke, ski, ekstra votter")
    shot(page, "admin-calendar")


def test_a_link_code_is_shown_once_signs_the_family_in_and_can_be_revoked(
        portal_stack: PortalStack, page: Page, browser: Browser) -> None:
    signed_in(page, portal_stack, ADMIN)
    page.goto(portal_stack.url + f"/admin/{solbakken(portal_stack)}/codes")
    assert_accessible(page, "admin codes")
    page.get_by_label("Person").select_option(label="Kari Hansen")
    page.get_by_role("button", name="Lag kode").click()
    issued = page.locator("#issued")
    expect(issued).to_contain_text("Kode for Kari Hansen")
    expect(issued).to_contain_text("Gyldig til fredag 4. desember")
    code = issued.locator("strong.code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    shot(page, "admin-code-issued")
    page.goto(portal_stack.url + f"/admin/{solbakken(portal_stack)}/codes")
    assert code not in page.content()  # shown once
    expect(page.locator("li", has_text="Kari Hansen")).to_be_visible()

    page.get_by_label("Person").select_option(label="Per Lie")
    page.get_by_role("button", name="Lag kode").click()
    revoked = page.locator("#issued strong.code").inner_text()
    page.get_by_role("button", name="Trekk tilbake koden til Per Lie").click()
    expect(page.get_by_role("status")).to_have_text("Koden er trukket tilbake og kan ikke brukes.")
    expect(page.get_by_role("button", name="Trekk tilbake koden til Per Lie")).to_have_count(0)

    family = new_context(browser)
    try:
        other = family.new_page()
        other.goto(portal_stack.url + "/sign-in?next=/account")
        other.get_by_label("Kode", exact=True).fill(revoked)
        other.get_by_role("button", name="Logg inn").click()
        expect(other.get_by_role("alert")).to_contain_text("Koden virker ikke")
        other.get_by_label("Kode", exact=True).fill(code)
        other.get_by_role("button", name="Logg inn").click()
        other.wait_for_url(lambda url: "/sign-in" not in url)
        other.goto(portal_stack.url + "/account")
        expect(other.get_by_role("strong")).to_have_text("Kari Hansen")
    finally:
        family.close()


def test_delivery_statistics_per_channel_over_a_period(portal_stack: PortalStack, page: Page) -> None:
    school_id = solbakken(portal_stack)
    with portal_stack.runtime.transaction() as session:
        guardians = [portal_stack.person_id(u) for u in ("kari.hansen", "per.lie", "james.smith")]
        at = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
        for n, status in enumerate([OutboxStatus.DELIVERED] * 3 + [OutboxStatus.FAILED]):
            schools.sent(session, f"adm-sms-{n}", guardians[n % 3], status, Channel.SMS, at)
        for n in range(2):
            schools.sent(session, f"adm-tg-{n}", guardians[n], OutboxStatus.READ, Channel.TELEGRAM, at)
        schools.sent(session, "adm-old", guardians[0], OutboxStatus.DELIVERED, Channel.SMS, datetime(2026, 9, 1, tzinfo=UTC))
    signed_in(page, portal_stack, ADMIN)
    page.goto(portal_stack.url + f"/admin/{school_id}/delivery?from=2026-11-01&to=2026-11-30")
    sms = page.locator("#delivery tr", has_text="SMS").locator("td").all_inner_texts()
    telegram = page.locator("#delivery tr", has_text="Telegram").locator("td").all_inner_texts()
    assert sms == ["4", "3", "1", "0", "0", "0"]  # the September message is outside the period
    assert telegram == ["2", "2", "0", "2", "0", "0"]
    assert_accessible(page, "admin delivery")
    shot(page, "admin-delivery")
    page.goto(portal_stack.url + f"/admin/{school_id}/delivery?from=2026-11-30&to=2026-11-01")
    expect(page.get_by_role("alert")).to_contain_text("Velg en periode")


ADMIN_PAGES = ("rules", "calendar", "codes", "delivery")


@pytest.fixture(scope="module")
def nordre(portal_stack: PortalStack) -> int:
    """A second school of the same owner, with its own admin and rules."""
    with portal_stack.runtime.transaction() as session:
        school, _, _ = schools.school(session, "nordre", "Fjellby nordre skule", 1, "1N", 1, pupils=3)
        schools.person(session, "rektor.nordre", "Nina", "Nordre", Role.SCHOOL_ADMIN, school_id=school.id)
        reminder_rules.store(session, school, "version: 1\nrules: []\n", now=portal_stack.runtime.clock.now())
        return school.id


def csrf_of(client: httpx.Client, path: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def test_a_school_admin_opens_only_their_own_school(portal_stack: PortalStack, nordre: int) -> None:
    own = solbakken(portal_stack)
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: portal_stack.session_cookie(ADMIN)}) as client:
        csrf = csrf_of(client, f"/admin/{own}/rules")
        for name in ADMIN_PAGES:
            assert client.get(f"/admin/{own}/{name}").status_code == 200
            assert client.get(f"/admin/{nordre}/{name}").status_code == 404, name
        for path in ("rules/yaml", "rules/0", "calendar/breaks", "calendar/events", "codes"):
            refused = client.post(f"/admin/{nordre}/{path}", data={"csrf": csrf, "source": "version: 1\nrules: []\n"})
            assert refused.status_code == 404, path
        assert client.get("/admin/999/rules").status_code == 404
        with portal_stack.runtime.transaction() as session:  # a pupil of the other school
            theirs = session.scalar(select(Person.id).where(Person.username == "nordre.pupil0"))
            codes_before = session.scalar(select(func.count()).select_from(LinkCode))
        refused = client.post(f"/admin/{own}/codes", data={"csrf": csrf, "person": str(theirs)})
        assert refused.status_code == 400 and "Velg en foresatt eller elev ved skolen." in refused.text
        with portal_stack.runtime.transaction() as session:
            assert session.scalar(select(func.count()).select_from(LinkCode)) == codes_before
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: portal_stack.session_cookie("rektor.nordre")}) as client:
        assert client.get("/admin", follow_redirects=False).headers["location"] == f"/admin/{nordre}/rules"
        assert client.get(f"/admin/{own}/rules").status_code == 404
        assert "Fjellby nordre skule" in client.get(f"/admin/{nordre}/rules").text


@pytest.mark.parametrize("username", ["liv.andersen", "kari.hansen", "skolesjef.fjellby"])
def test_admin_pages_are_not_there_for_teachers_guardians_or_the_owner(portal_stack: PortalStack, username: str) -> None:
    own = solbakken(portal_stack)
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: portal_stack.session_cookie(username)}) as client:
        assert client.get("/admin").status_code == 404
        for name in ADMIN_PAGES:
            assert client.get(f"/admin/{own}/{name}").status_code == 404


def test_every_admin_form_without_a_valid_csrf_token_is_refused(portal_stack: PortalStack) -> None:
    own, before = solbakken(portal_stack), stored_rules(portal_stack)
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: portal_stack.session_cookie(ADMIN)}) as client:
        for path in ("rules/yaml", "rules/0", "calendar/breaks", "calendar/events", "calendar/breaks/1/remove",
                     "calendar/events/1/remove", "codes", "codes/1/revoke"):
            assert client.post(f"/admin/{own}/{path}", data={"csrf": "forged", "source": ""}).status_code == 403, path
            assert client.post(f"/admin/{own}/{path}").status_code == 403, path
    assert stored_rules(portal_stack) == before


def test_an_admin_of_two_schools_chooses_one(portal_stack: PortalStack, nordre: int, page: Page) -> None:
    with portal_stack.runtime.transaction() as session:
        both = schools.person(session, "rektor.begge", "Bente", "Begge", Role.SCHOOL_ADMIN, school_id=nordre)
        session.add(PersonRole(person_id=both.id, role=Role.SCHOOL_ADMIN, school_id=solbakken(portal_stack)))
    signed_in(page, portal_stack, "rektor.begge")
    page.goto(portal_stack.url + "/admin")
    expect(page.get_by_role("heading", name="Skoleadministrasjon")).to_be_visible()
    assert page.get_by_role("main").get_by_role("link").all_inner_texts() == ["Fjellby nordre skule", "Solbakken skole"]
    assert_accessible(page, "admin home")
    page.get_by_role("link", name="Fjellby nordre skule").click()
    expect(page.get_by_role("heading", name="Påminnelsesregler – Fjellby nordre skule")).to_be_visible()
    expect(page.get_by_text("Skolen har ingen regler ennå.")).to_be_visible()


def test_errors_are_in_the_admins_language_next_to_the_field_or_on_the_rule(portal_stack: PortalStack,
                                                                          page: Page) -> None:
    before = stored_rules(portal_stack)
    with portal_stack.runtime.transaction() as session:
        english = schools.person(session, "rektor.english", "Emily", "Admin", Role.SCHOOL_ADMIN,
                                 school_id=solbakken(portal_stack))
        english.language, english.language_chosen = "en", True
    signed_in(page, portal_stack, "rektor.english")
    page.goto(portal_stack.url + "/admin")
    rule = page.locator("#rule-gymtoy")
    rule.locator("summary").click()
    rule.get_by_label("Grades").fill("4, four")
    rule.get_by_role("button", name="Save the rule «gymtoy»").click()
    rule = page.locator("#rule-gymtoy")
    expect(rule.get_by_role("alert")).to_have_text("Not saved. Correct the marked problems.")
    expect(rule.locator("#r1-audience-grades-error")).to_have_text("has the wrong type (should be integer)")
    expect(rule.get_by_label("Grades")).to_have_value("4, four")
    assert_accessible(page, "admin rule errors in English")
    rule.get_by_label("Grades").fill("4")
    rule.get_by_label("Subjects (code prefix)").fill("")  # a gear rule about nothing: the rule's own problem
    rule.get_by_role("button", name="Save the rule «gymtoy»").click()
    rule = page.locator("#rule-gymtoy")
    expect(rule.get_by_text("the gear rule needs «subjects» or «places»")).to_be_visible()
    assert stored_rules(portal_stack) == before
    page.get_by_label("YAML for the whole rule set").fill(before.replace("version: 1", "version: 2"))
    page.get_by_role("button", name="Save YAML").click()
    expect(page.locator("#yaml-errors")).to_contain_text("reminders.yaml, line ")
    assert stored_rules(portal_stack) == before


def test_every_admin_page_reads_well_on_a_phone(portal_stack: PortalStack, browser: Browser) -> None:
    context = new_context(browser, width=360)
    try:
        page = signed_in(context.new_page(), portal_stack, ADMIN)
        for name in ADMIN_PAGES:
            page.goto(portal_stack.url + f"/admin/{solbakken(portal_stack)}/{name}")
            assert_accessible(page, f"admin {name} at 360 px")
            shot(page, f"admin-{name}-360")
    finally:
        context.close()
