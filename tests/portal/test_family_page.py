"""The family page in a browser: a guardian of two sees both children's week on one page,
changes reminders with the chat's own confirmation and undo, gets and stops a private
calendar link, gives and withdraws a consent, downloads what Ransel holds about a child and
asks for it to be deleted, which the school admin confirms. A guardian without parental
responsibility, or of a pupil who has turned 18, sees nothing of that pupil."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.models import Consent, DeletionRequest, NotificationPreference, Person
from channels import contacts
from portal.web import COOKIE
from tests.portal.conftest import PortalStack, new_context, shot, signed_in
from tests.wcag import assert_accessible

pytestmark = pytest.mark.browser


def test_a_guardian_of_two_sees_both_childrens_week_on_one_page(portal_stack: PortalStack, page: Page) -> None:
    signed_in(page, portal_stack, "kari.hansen")
    page.goto(portal_stack.url + "/")  # a guardian lands on the family page
    page.wait_for_url("**/family")
    expect(page.get_by_role("heading", name="Familien", exact=True)).to_be_visible()
    emma = page.locator("section.child", has=page.get_by_role("heading", name="Emma Hansen (4A)"))
    jonas = page.locator("section.child", has=page.get_by_role("heading", name="Jonas Hansen (9B)"))
    # Emma's skating day on Friday, with what to bring; swimming gear on Wednesday.
    friday = emma.get_by_role("listitem", name="fredag 4. desember")
    expect(friday).to_contain_text("Skøytedag")
    expect(friday).to_contain_text("skøyter")
    expect(emma.get_by_role("listitem", name="onsdag 2. desember")).to_contain_text("badetøy")
    expect(emma.get_by_role("listitem", name="tirsdag 1. desember")).to_contain_text("I dag")
    # Jonas's English vocabulary test on Thursday and the apron for food and health on Wednesday.
    expect(jonas.get_by_role("listitem", name="torsdag 3. desember")).to_contain_text("Gloseprøve i engelsk")
    expect(jonas.get_by_role("listitem", name="onsdag 2. desember")).to_contain_text("forkle")
    expect(jonas.get_by_role("listitem", name="lørdag 5. desember")).to_contain_text("Helg")
    # Results: Jonas's 21 of 40 on the fractions test is among his maths results.
    expect(jonas.get_by_role("row", name="Matematikk")).to_be_visible()
    assert_accessible(page, "family page, guardian of two")
    shot(page, "family-guardian-of-two")


@pytest.mark.parametrize(("username", "heading"), [("james.smith", "Olivia Smith (9B)"), ("olivia.smith", "Me (9B)")])
def test_a_guardian_or_pupil_signs_in_with_a_link_code_and_lands_on_the_family_page(
        portal_stack: PortalStack, page: Page, username: str, heading: str) -> None:
    with portal_stack.runtime.transaction() as session:
        code = contacts.issue_code(session, portal_stack.settings.sender_secret, portal_stack.person_id(username),
                                   now=portal_stack.runtime.clock.utcnow(), ttl=timedelta(hours=1))
    page.goto(portal_stack.url + "/family")  # not signed in: to sign-in, then back here
    page.get_by_label("Kode", exact=True).fill(code)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/family")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()  # in the person's own language


def test_the_page_works_on_a_360_px_phone_in_english(portal_stack: PortalStack, browser) -> None:
    context = new_context(browser, width=360, language="en-GB")
    page = context.new_page()
    try:
        signed_in(page, portal_stack, "james.smith")
        page.goto(portal_stack.url + "/family")
        expect(page.get_by_role("heading", name="Family", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Olivia Smith (9B)")).to_be_visible()
        expect(page.get_by_role("listitem", name="Thursday 3 December")).to_contain_text("Test")
        assert_accessible(page, "family page at 360 px")
        shot(page, "family-360px-en")
    finally:
        context.close()


def test_a_pupil_sees_their_own_week(portal_stack: PortalStack, page: Page) -> None:
    signed_in(page, portal_stack, "sindre.berg")  # nynorsk
    page.goto(portal_stack.url + "/family")
    expect(page.get_by_role("heading", name="Meg (4A)")).to_be_visible()
    friday = page.get_by_role("listitem", name="fredag 4. desember")
    expect(friday).to_contain_text("Skeisedag på Fjellby kunstisbane")  # the event's nynorsk title
    expect(friday).to_contain_text("skeiser")
    assert_accessible(page, "family page, pupil")
    shot(page, "family-pupil-nn")


def test_reminders_change_with_the_chats_words_and_are_undone(portal_stack: PortalStack, page: Page) -> None:
    signed_in(page, portal_stack, "anne.lie")
    page.goto(portal_stack.url + "/family")
    page.get_by_role("group", name="Form").get_by_label("Tale").check()
    page.get_by_label("Hvor ofte").select_option("daily")
    page.get_by_label("Tidspunkt").fill("18:30")
    page.get_by_label("Ingen meldinger i helgene").check()
    page.get_by_role("button", name="Lagre påminnelsene").click()
    said = page.locator(".said[role=status]")
    expect(said).to_contain_text("Greit, fra nå av skal jeg")  # the chat's confirmation
    expect(said).to_contain_text("Form: tale")
    expect(said).to_contain_text("daglig oppsummering")
    assert_accessible(page, "reminders changed")
    shot(page, "family-reminders-changed")
    with portal_stack.runtime.transaction() as session:
        row = session.scalar(select(NotificationPreference).where(
            NotificationPreference.person_id == portal_stack.person_id("anne.lie")))
        assert row is not None and row.form.value == "voice" and row.preferred_time.isoformat() == "18:30:00"
        assert row.quiet_weekdays == [5, 6]
    page.get_by_role("button", name="Angre").click()
    expect(page.get_by_role("status").filter(has_text="Angret")).to_contain_text("påminnelsene er som før")
    expect(page.get_by_label("Tale")).not_to_be_checked()
    with portal_stack.runtime.transaction() as session:
        assert session.scalar(select(NotificationPreference).where(
            NotificationPreference.person_id == portal_stack.person_id("anne.lie"))) is None


def test_a_wrong_time_is_refused_in_the_users_language_and_changes_nothing(portal_stack: PortalStack) -> None:
    def stored() -> tuple:
        with portal_stack.runtime.transaction() as session:
            row = session.scalar(select(NotificationPreference).where(
                NotificationPreference.person_id == portal_stack.person_id("per.lie")))
            return (row.preferred_time, row.quiet_start, row.updated_at) if row else ()

    before = stored()
    cookie = portal_stack.session_cookie("per.lie")
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: cookie}) as client:
        page = client.get("/family").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        refused = client.post("/family/reminders", data={"csrf": csrf, "reminders": "on", "preferred_time": "kl seks",
                                                         "quiet_start": "21:00", "quiet_end": "07:00"})
        assert refused.status_code == 400
        assert "Skriv tidspunktet som TT:MM, til dømes 18:00" in refused.text  # per.lie writes nynorsk
    assert stored() == before


def test_the_calendar_link_is_shown_once_works_and_stops_when_revoked(portal_stack: PortalStack, page: Page) -> None:
    signed_in(page, portal_stack, "kari.hansen")
    page.goto(portal_stack.url + "/family#calendar")
    page.get_by_role("button", name="Lag en kalenderlenke").click()
    url = page.get_by_label("Privat kalenderlenke").input_value()
    assert url.startswith(portal_stack.url + "/calendar/") and url.endswith(".ics")
    assert_accessible(page, "calendar link issued")
    shot(page, "family-calendar-issued")
    feed = httpx.get(url)
    assert feed.status_code == 200
    calendar = Calendar.from_ical(feed.content)
    summaries = [str(e.get("summary")) for e in calendar.walk("VEVENT")]
    assert any("Emma" in s and "Skøytedag" in s for s in summaries)
    assert any("Jonas" in s for s in summaries)
    page.goto(portal_stack.url + "/family")  # the URL is not shown again
    assert url not in page.content()
    expect(page.locator("#calendar [role=status]")).to_contain_text("Du har en kalenderlenke fra")
    page.get_by_role("button", name="Stopp kalenderlenken").click()
    expect(page.get_by_role("status").first).to_contain_text("Kalenderlenken virker ikke lenger")
    assert httpx.get(url).status_code == 404
    page.locator("#calendar").get_by_role("button", name="Angre").click()  # as "angre" in chat
    expect(page.get_by_role("status").first).to_contain_text("Angret: kalenderlenken virker igjen")
    assert httpx.get(url).status_code == 200
    page.get_by_role("button", name="Stopp kalenderlenken").click()
    assert httpx.get(url).status_code == 404


def test_consent_blocks_then_allows_a_resource_and_says_who_gave_it(portal_stack: PortalStack, page: Page) -> None:
    from bot.learning.policy import policy_for_owner, set_policy
    from bot.learning.recommend import recommend
    from bot.models import LearningResource, Owner

    with portal_stack.runtime.transaction() as session:
        owner = session.scalar(select(Owner.id).where(Owner.sourced_id == "fjellby"))
        policy = policy_for_owner(session, owner).model_dump(mode="json")
        set_policy(session, owner, {**policy, "consent_publishers": ["Fjordlæring"]}, by=None,
                   clock=portal_stack.runtime.clock)
        titles = set(session.scalars(select(LearningResource.title).where(LearningResource.publisher == "Fjordlæring")))

    def recommended() -> set[str]:
        with portal_stack.runtime.transaction() as session:
            kari = session.scalar(select(Person).where(Person.username == "kari.hansen"))
            emma = session.scalar(select(Person.id).where(Person.username == "emma.hansen"))
            found = recommend(session, kari, emma, subject_code="MAT01-05", limit=50, clock=portal_stack.runtime.clock)
            return {r.resource.title for r in found}

    assert titles and not (recommended() & titles)  # no consent: none of the publisher's resources
    signed_in(page, portal_stack, "kari.hansen")
    page.goto(portal_stack.url + "/family")
    emma = page.locator("section.child", has=page.get_by_role("heading", name="Emma Hansen (4A)"))
    expect(emma.get_by_text("Ikke svart ennå")).to_be_visible()
    assert_accessible(page, "consents")
    emma.get_by_role("button", name="Gi samtykke – Fjordlæring").click()
    expect(page.get_by_role("status").first).to_contain_text("Samtykket er gitt")
    emma = page.locator("section.child", has=page.get_by_role("heading", name="Emma Hansen (4A)"))
    expect(emma.get_by_text("Samtykke gitt av Kari Hansen")).to_be_visible()
    shot(page, "family-consent-given")
    assert recommended() & titles  # now they may be recommended
    emma.get_by_role("button", name="Trekk tilbake samtykket – Fjordlæring").click()
    expect(page.get_by_role("status").first).to_contain_text("Samtykket er trukket tilbake")
    assert not (recommended() & titles)
    with portal_stack.runtime.transaction() as session:
        history = session.scalars(select(Consent).where(Consent.person_id == portal_stack.person_id("emma.hansen"))
                                  .order_by(Consent.id)).all()
        assert [c.granted for c in history] == [True, False]
        assert {c.given_by_id for c in history} == {portal_stack.person_id("kari.hansen")}


def _pupil_id(stack: PortalStack, username: str) -> int:
    return stack.person_id(username)


def test_a_guardian_without_parental_responsibility_sees_nothing_of_the_pupil(portal_stack: PortalStack,
                                                                              page: Page) -> None:
    emma = _pupil_id(portal_stack, "emma.hansen")
    signed_in(page, portal_stack, "bestemor.hansen")
    page.goto(portal_stack.url + "/family")
    expect(page.get_by_text("Du har ingen elev å følge her")).to_be_visible()
    assert "Emma" not in page.locator("main").inner_text()
    assert_accessible(page, "family page, no responsibility")
    cookie = portal_stack.session_cookie("bestemor.hansen")
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: cookie}) as client:
        for path in (f"/family/export/{emma}.json", f"/family/export/{emma}"):
            refused = client.get(path)
            assert refused.status_code == 404 and "Emma" not in refused.text


def test_a_guardian_of_an_18_year_old_sees_nothing_of_them(portal_stack: PortalStack, page: Page) -> None:
    with portal_stack.runtime.transaction() as session:
        sindre = session.scalar(select(Person).where(Person.username == "sindre.berg"))
        sindre.birth_date = date(2008, 11, 30)  # 18 the day before the fixed clock's Tuesday
        sindre_id = sindre.id
    try:
        signed_in(page, portal_stack, "ola.berg")  # nynorsk
        page.goto(portal_stack.url + "/family")
        expect(page.get_by_text("Du har ingen elev å følgje her")).to_be_visible()
        assert "Sindre" not in page.locator("main").inner_text()
        cookie = portal_stack.session_cookie("ola.berg")
        with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: cookie}) as client:
            assert client.get(f"/family/export/{sindre_id}.json").status_code == 404
            assert client.get(f"/family/export/{sindre_id}").status_code == 404
    finally:
        with portal_stack.runtime.transaction() as session:
            session.get_one(Person, sindre_id).birth_date = date(2017, 10, 21)


def test_the_readable_export_and_the_deletion_the_school_confirms(portal_stack: PortalStack, page: Page) -> None:
    nora = _pupil_id(portal_stack, "nora.lie")
    signed_in(page, portal_stack, "per.lie")  # nynorsk
    page.goto(portal_stack.url + f"/family/export/{nora}")
    expect(page.get_by_role("heading", name="Alt Ransel har lagra: Nora Lie")).to_be_visible()
    expect(page.get_by_role("heading", name="Klassar og grupper")).to_be_visible()
    assert_accessible(page, "export page")
    shot(page, "family-export-nn")
    page.goto(portal_stack.url + f"/family#data-{nora}")
    page.get_by_text("Be om sletting").click()
    page.get_by_role("button", name="Be skulen slette dataa").click()  # without the box ticked
    expect(page.get_by_role("alert")).to_contain_text("Kryss av")
    page.get_by_label("Eg forstår at dette ikkje kan angrast").check()
    page.get_by_role("button", name="Be skulen slette dataa").click()
    expect(page.get_by_role("status").first).to_contain_text("Skulen har fått beskjed")
    shot(page, "family-deletion-asked")

    admin = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="nb-NO").new_page()
    try:
        signed_in(admin, portal_stack, "rektor.solbakken")
        admin.goto(portal_stack.url + "/account")
        admin.get_by_role("link", name="Sletting av data").click()  # in the school admin's menu
        admin.wait_for_url("**/family/deletions")
        expect(admin.get_by_text("Nora Lie", exact=True)).to_be_visible()
        assert_accessible(admin, "deletions for the school admin")
        shot(admin, "family-deletions-admin")
        admin.get_by_role("button", name="Bekreft og slett (Nora Lie)").click()
        expect(admin.get_by_role("status").first).to_contain_text("Dataene er slettet")
        expect(admin.get_by_text("Ingen ønsker om sletting venter")).to_be_visible()
    finally:
        admin.context.close()
    with portal_stack.runtime.transaction() as session:
        person = session.get_one(Person, nora)
        assert person.given_name == "–" and person.email is None and not person.enabled
        request = session.scalar(select(DeletionRequest).where(DeletionRequest.pupil_id == nora))
        assert request is not None and request.outcome == "deleted"
    # Per no longer follows Nora anywhere: the page has nobody, the export refuses.
    page.goto(portal_stack.url + "/family")
    assert "Nora" not in page.locator("main").inner_text()


def test_a_teacher_or_guardian_may_not_open_the_deletions_page(portal_stack: PortalStack) -> None:
    for username in ("liv.andersen", "kari.hansen"):
        with httpx.Client(base_url=portal_stack.url,
                          cookies={COOKIE: portal_stack.session_cookie(username)}) as client:
            assert client.get("/family/deletions").status_code == 404
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: portal_stack.session_cookie("liv.andersen")}) as client:
        assert client.get("/family").status_code == 404  # teachers have their own pages


def test_the_json_export_is_a_download(portal_stack: PortalStack) -> None:
    emma = _pupil_id(portal_stack, "emma.hansen")
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: portal_stack.session_cookie("kari.hansen")}) as client:
        got = client.get(f"/family/export/{emma}.json")
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
    data = json.loads(got.text)
    assert data["pupil"]["name"] == "Emma Hansen"
    assert [row["id"] for row in data["tables"]["people"]] == ["pupil"]


def test_a_channel_the_guardian_cannot_be_reached_on_is_refused(portal_stack: PortalStack) -> None:
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: portal_stack.session_cookie("anne.lie")}) as client:
        page = client.get("/family").text
        assert '<option value="sms"' in page and '<option value="telegram"' not in page  # SMS only
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        refused = client.post("/family/reminders", data={"csrf": csrf, "reminders": "on", "channel": "telegram"})
    assert refused.status_code == 400 and "Velg en kanal fra listen" in refused.text


def test_the_export_and_deletions_pages_work_on_a_360_px_phone(portal_stack: PortalStack, browser) -> None:
    emma = _pupil_id(portal_stack, "emma.hansen")
    context = new_context(browser, width=360)
    page = context.new_page()
    try:
        signed_in(page, portal_stack, "kari.hansen")
        page.goto(portal_stack.url + f"/family/export/{emma}")
        expect(page.get_by_role("heading", name="Alt Ransel har lagret: Emma Hansen")).to_be_visible()
        expect(page.get_by_role("heading", name="Klasser og grupper")).to_be_visible()
        assert "+4791842503" not in page.content()  # Kari's own number is not Emma's data
        assert_accessible(page, "export page at 360 px")
        shot(page, "family-export-360px")
        signed_in(page, portal_stack, "rektor.solbakken")
        page.goto(portal_stack.url + "/family/deletions")
        expect(page.get_by_role("heading", name="Ønsker om sletting")).to_be_visible()
        assert_accessible(page, "deletions page at 360 px")
    finally:
        context.close()


def test_a_form_value_not_in_the_lists_is_refused_and_named(portal_stack: PortalStack) -> None:
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: portal_stack.session_cookie("james.smith")}) as client:
        page = client.get("/family").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        for field, said in (("form", "Choose text or voice."), ("mode", "Choose how often from the list.")):
            refused = client.post("/family/reminders", data={"csrf": csrf, "reminders": "on", field: "hourly"})
            assert refused.status_code == 400 and said in refused.text
