"""The school owner's pages in a browser: use and delivery per school, channel and week, the
learning resources' cost under the owner's licences, the CSV and the monthly report in the
outbox, with every group under five pupils suppressed everywhere; who may open them."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from xml.etree import ElementTree

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from bot.models import Channel, Group, OutboxMessage, OutboxStatus, Person, PersonRole, Role, School
from channels import contacts
from portal.web import COOKIE, texts
from scheduler.dispatch import Dispatcher
from scheduler.recording import MemoryAdapter
from scheduler.render import render_row
from tests.portal import schools
from tests.portal.conftest import PortalStack, new_context, shot, signed_in
from tests.wcag import assert_accessible

pytestmark = pytest.mark.browser

OWNER = "skolesjef.fjellby"
NOVEMBER = "from=2026-11-01&to=2026-11-30"
WEEK_46 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
WEEK_47 = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def stack(portal_stack: PortalStack) -> PortalStack:
    """The demo school plus: Fjellby nordre skule (same owner, a class of 3 pupils), Naboby skole
    (another owner, with its own owner admin), the messages and learning activity of November."""
    with portal_stack.runtime.transaction() as session:
        fjellby = schools.owner(session, "fjellby", "Fjellby kommune")
        naboby = schools.owner(session, "naboby", "Naboby kommune")
        _, _, small = schools.school(session, "nordre", "Fjellby nordre skule", fjellby.id, "1N", 1, pupils=3)
        _, _, other = schools.school(session, "naboby-skole", "Naboby skole", naboby.id, "5A", 5, pupils=6)
        schools.person(session, "skolesjef.naboby", "Siri", "Naboby", Role.OWNER_ADMIN, owner_id=naboby.id)
        solbakken = session.scalar(select(School.id).where(School.sourced_id == "solbakken"))
        guardians = list(session.scalars(select(PersonRole.person_id).where(
            PersonRole.role == Role.GUARDIAN, PersonRole.school_id == solbakken).order_by(PersonRole.person_id)))
        statuses = [OutboxStatus.READ] * 4 + [OutboxStatus.DELIVERED] * 2 + [OutboxStatus.FAILED]
        for n, status in enumerate(statuses):
            schools.sent(session, f"t-sol-{n}", guardians[n], status, Channel.TELEGRAM, WEEK_46)
        schools.sent(session, "t-sol-b", guardians[7], OutboxStatus.SENT, Channel.TELEGRAM, WEEK_46, "broadcast")
        for n in range(3):
            schools.sent(session, f"t-sol-sms-{n}", guardians[8 + n], OutboxStatus.DELIVERED, Channel.SMS, WEEK_47)
        for n, pupil in enumerate(small):
            schools.sent(session, f"t-nordre-{n}", pupil.id, OutboxStatus.READ, Channel.TELEGRAM, WEEK_46)
            schools.used(session, pupil.id, "kvist-kommajakt", WEEK_46, 4)
        for n, pupil in enumerate(other):
            schools.sent(session, f"t-naboby-{n}", pupil.id, OutboxStatus.READ, Channel.TELEGRAM, WEEK_46)
            schools.used(session, pupil.id, "nordlys-brokbutikken", WEEK_46, 1)
        four_a = session.scalar(select(Group.id).where(Group.sourced_id == "4a"))
        pupils = sorted(session.scalars(select(PersonRole.person_id).where(
            PersonRole.role == Role.PUPIL, PersonRole.school_id == solbakken)))
        assert four_a is not None and len(pupils) >= 9
        for pupil in pupils[:6]:
            schools.used(session, pupil, "kvist-figurjakt", WEEK_47, 2)  # 6 pupils, 12 uses at 8 kr
        for pupil in pupils[6:9]:
            schools.used(session, pupil, "kvist-robot-lokker", WEEK_47, 5)  # 3 pupils: suppressed
    return portal_stack


def cells(page: Page, table: str, school: str) -> list[list[str]]:
    rows = page.locator(f"#{table} tbody tr", has_text=school)
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


def assert_chart_shows(page: Page, alt: str) -> None:
    chart = page.get_by_role("img", name=alt)
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 40


def test_the_owner_sees_use_and_cost_per_school_with_small_groups_suppressed(stack: PortalStack, page: Page) -> None:
    signed_in(page, stack, OWNER)
    page.goto(stack.url + "/owner?" + NOVEMBER)
    expect(page.get_by_role("heading", name="Bruk og levering i skolene")).to_be_visible()
    assert_chart_shows(page, "Meldinger sendt og lest per uke")
    assert_chart_shows(page, "Kostnad for betal-per-bruk per skole (kr)")

    solbakken = cells(page, "delivery-table", "Solbakken skole")
    assert ["Solbakken skole", "2026-W46", "Telegram", "8", "6", "1", "4", "7", "4"] in solbakken
    assert ["Solbakken skole", "2026-W47", "SMS", "3", "3", "0", "0", "3", "0"] in solbakken
    nordre = cells(page, "delivery-table", "Fjellby nordre skule")
    assert nordre and all(row[3:] == ["færre enn 5"] for row in nordre)
    assert "Naboby" not in page.locator("main").inner_text()  # another owner's school

    figurjakt = cells(page, "resources-table", "Figurjakt")
    assert figurjakt and figurjakt[0][3:] == ["12", "6", "8", "96"]
    assert figurjakt[0][2] == "betal per bruk (avtalt)"
    robot = cells(page, "resources-table", "obot")
    assert robot and robot[0][3] == "færre enn 5" and "15" not in robot[0][3:]
    small_resources = cells(page, "resources-table", "Fjellby nordre skule")
    assert small_resources and all("færre enn 5" in row for row in small_resources)
    assert cells(page, "classes-table", "1N") == [["Fjellby nordre skule", "1N", "færre enn 5"]]
    weekly = page.locator("table", has_text="Påminnelser sendt").first
    expect(weekly.locator("tr", has_text="2026-W46")).to_contain_text("8")  # Solbakken only: nordre's 3 left out
    expect(weekly.locator("tr", has_text="2026-W46")).not_to_contain_text("11")
    assert_accessible(page, "owner overview")
    shot(page, "owner-overview")


def test_the_overview_reads_well_on_a_phone(stack: PortalStack, browser: Browser) -> None:
    context = new_context(browser, width=360)
    try:
        page = signed_in(context.new_page(), stack, OWNER)
        page.goto(stack.url + "/owner?" + NOVEMBER)
        assert_chart_shows(page, "Meldinger sendt og lest per uke")
        assert_accessible(page, "owner overview at 360 px")
        shot(page, "owner-overview-360")
        page.goto(stack.url + "/owner/report/2026-11")
        assert_accessible(page, "owner monthly report at 360 px")
    finally:
        context.close()


def test_the_csv_has_the_same_table_and_the_same_suppression(stack: PortalStack) -> None:
    with httpx.Client(base_url=stack.url, cookies={COOKIE: stack.session_cookie(OWNER)}) as client:
        delivery = client.get("/owner/report.csv?" + NOVEMBER + "&table=delivery")
        resources = client.get("/owner/report.csv?" + NOVEMBER + "&table=resources")
        classes = client.get("/owner/report.csv?" + NOVEMBER + "&table=classes")
    assert delivery.status_code == 200 and delivery.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(delivery.text)))
    assert rows[0][:4] == ["Skole", "Uke", "Kanal", "Sendt"]
    assert ["Solbakken skole", "2026-W46", "Telegram", "8", "6", "1", "4", "7", "4"] in rows
    nordre = [r for r in rows if r[0] == "Fjellby nordre skule"]
    assert nordre and all(r[3:] == ["færre enn 5"] * 6 for r in nordre)
    assert not any("Naboby" in r[0] for r in rows)
    for row in csv.reader(io.StringIO(resources.text)):
        if row[0] == "Fjellby nordre skule" or "Robot" in row[1]:
            assert row[5] == row[6] == row[8] == "færre enn 5"
    assert ["Fjellby nordre skule", "1N", "færre enn 5", "færre enn 5", "færre enn 5"] in list(
        csv.reader(io.StringIO(classes.text)))


def test_the_monthly_report_goes_to_the_outbox_as_html_with_its_charts(stack: PortalStack, page: Page) -> None:
    signed_in(page, stack, OWNER)
    page.goto(stack.url + "/owner?" + NOVEMBER)
    page.get_by_label("Måned", exact=True).select_option("2026-11")
    page.get_by_role("button", name="Åpne rapporten").click()
    expect(page.get_by_role("heading", name="Månedsrapport 2026-11")).to_be_visible()
    assert_chart_shows(page, "Meldinger sendt og lest per uke")
    assert_accessible(page, "owner monthly report")
    page.get_by_role("button", name="Legg rapporten i utboksen til meg").click()
    expect(page.get_by_role("status")).to_have_text("Rapporten er lagt i utboksen.")
    page.get_by_role("button", name="Legg rapporten i utboksen til meg").click()
    expect(page.get_by_role("status")).to_contain_text("ingenting er lagt til")
    shot(page, "owner-monthly-report")

    owner_id = stack.person_id(OWNER)
    with stack.runtime.transaction() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == owner_id)))
        assert [(r.template, r.payload["month"], r.status) for r in rows] == [
            ("owner_report", "2026-11", OutboxStatus.PENDING)]
        html = render_row(session, rows[0], session.get_one(Person, owner_id), "nb", stack.runtime.clock)
    assert html is not None and "<script" not in html and "style=" not in html
    images = re.findall(r'<img class="chart-img" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', html)
    assert [alt for _, alt in images] == ["Meldinger sendt og lest per uke", "Kostnad for betal-per-bruk per skole (kr)"]
    svg = ElementTree.fromstring(base64.b64decode(images[0][0]))
    assert svg.find("{http://www.w3.org/2000/svg}title") is not None
    assert "Fjellby nordre skule" in html and "færre enn 5" in html and "Naboby" not in html
    # The e-mail as a mail client shows it: the charts are drawn from the message alone.
    page.set_content(f"<!doctype html><html lang='nb'><head><title>Rapport</title></head><body>{html}</body></html>")
    assert_chart_shows(page, "Meldinger sendt og lest per uke")
    nordre = cells(page, "delivery-table", "Fjellby nordre skule")
    assert nordre and all(row[3:] == ["færre enn 5"] for row in nordre)


def test_the_report_is_dispatched_by_e_mail_only(stack: PortalStack) -> None:
    """The owner admin also has a Telegram chat: the report still goes to their e-mail address."""
    owner_id = stack.person_id(OWNER)
    with httpx.Client(base_url=stack.url, cookies={COOKIE: stack.session_cookie(OWNER)}) as client:
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/owner/report/2026-10").text)
        assert csrf is not None
        assert client.post("/owner/report/2026-10", data={"csrf": csrf.group(1)}).status_code == 303
    with stack.runtime.transaction() as session:
        contacts.bind(session, owner_id, Channel.TELEGRAM, "799001", stack.runtime.clock.utcnow())
    email, telegram = MemoryAdapter(Channel.EMAIL), MemoryAdapter(Channel.TELEGRAM)
    dispatcher = Dispatcher(stack.runtime.sessions, stack.runtime.clock,
                            {Channel.EMAIL: email, Channel.TELEGRAM: telegram})
    with ThreadPoolExecutor(1) as pool:  # its own event loop: Playwright's runs in this thread
        pool.submit(asyncio.run, dispatcher.drain()).result()
    assert telegram.sent == []
    assert email.sent and {(m.recipient_id, m.address) for m in email.sent} == {
        (owner_id, "skolesjef.fjellby@fjellby.example")}
    assert all('src="data:image/svg+xml;base64,' in m.text and "færre enn 5" in m.text for m in email.sent)
    with stack.runtime.transaction() as session:
        october = session.scalars(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"owner-report:{owner_id}:2026-10")).one()
        assert (october.status, october.channel) == (OutboxStatus.SENT, Channel.EMAIL)
        assert october.id in {m.outbox_id for m in email.sent}


def test_another_owner_sees_only_their_own_schools(stack: PortalStack, page: Page) -> None:
    signed_in(page, stack, "skolesjef.naboby")
    page.goto(stack.url + "/owner?" + NOVEMBER)
    main = page.locator("main").inner_text()
    assert "Naboby skole" in main and "Solbakken" not in main and "nordre" not in main
    assert ["Naboby skole", "2026-W46", "Telegram", "6", "6", "0", "6", "6", "6"] in cells(
        page, "delivery-table", "Naboby skole")


@pytest.mark.parametrize("username", ["liv.andersen", "kari.hansen", "rektor.solbakken"])
def test_owner_pages_are_not_there_for_anyone_else(stack: PortalStack, username: str) -> None:
    with httpx.Client(base_url=stack.url, cookies={COOKIE: stack.session_cookie(username)}) as client:
        for path in ("/owner", "/owner/report/2026-11", "/owner/report.csv?" + NOVEMBER):
            assert client.get(path).status_code == 404, path
        assert client.post("/owner/report/2026-11", data={"csrf": "x"}).status_code in (403, 404)


def test_the_report_form_without_a_valid_csrf_token_is_refused(stack: PortalStack) -> None:
    with httpx.Client(base_url=stack.url, cookies={COOKIE: stack.session_cookie(OWNER)}) as client:
        assert client.post("/owner/report/2026-09", data={"csrf": "forged"}).status_code == 403
        assert client.post("/owner/report/2026-09").status_code == 403
    with stack.runtime.transaction() as session:
        assert session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.idempotency_key.like("owner-report:%:2026-09"))) is None


def test_the_admin_and_owner_texts_exist_in_all_three_languages() -> None:
    def keys(node: object, prefix: str = "") -> set[str]:
        if not isinstance(node, dict):
            return {prefix}
        return {k for key, value in node.items() for k in keys(value, f"{prefix}.{key}")}

    for section in ("admin", "owner"):
        nb, nn, en = (keys(texts(lang)[section]) for lang in ("nb", "nn", "en"))
        assert nb == nn == en, section
