"""The pupil profile page in headless Chromium on the demo school: a guardian turns on
read-aloud and the child's recommendations change, undo puts it back, a teacher's judgement
counts where the policy says so, everyone sees only the profiles they may, every form needs
the session's CSRF token, and each view passes the accessibility audit on a 360 px phone."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

from bot.learning.policy import set_policy
from bot.learning.recommend import recommend
from bot.models import Group, Owner, Person, ProfileHistory, ProfileSetting
from portal.web import COOKIE
from tests.portal.conftest import PortalStack, new_context, shot, signed_in
from tests.wcag import assert_accessible

pytestmark = pytest.mark.browser


def recommended(stack: PortalStack, asker: str, pupil: str) -> list[tuple[str, tuple[str, ...], str]]:
    """(resource, its adaptations, the reason) of the pupil's top five recommendations."""
    with stack.runtime.transaction() as session:
        person = session.get_one(Person, stack.person_id(asker))
        found = recommend(session, person, stack.person_id(pupil), clock=stack.runtime.clock, limit=5)
        return [(r.resource.external_id, tuple(r.resource.adaptations), r.reason) for r in found]


def field_card(page: Page, label: str) -> Locator:
    return page.locator(".card").filter(has=page.get_by_role("heading", name=label, exact=True))


def test_a_guardian_turns_on_read_aloud_and_the_childs_recommendations_change(portal_stack: PortalStack,
                                                                              page: Page) -> None:
    emma = portal_stack.person_id("emma.hansen")
    before = recommended(portal_stack, "emma.hansen", "emma.hansen")
    assert "audio" not in before[0][1]  # the best one today has no audio version

    signed_in(page, portal_stack, "kari.hansen")
    page.goto(f"{portal_stack.url}/profile")
    assert_accessible(page, "the list of profiles")
    page.get_by_role("link", name="Emma Hansen").click()
    expect(page.get_by_role("heading", name="Profilen til Emma Hansen", level=1)).to_be_visible()
    read_aloud = field_card(page, "Opplesing")
    expect(read_aloud).to_contain_text("Ikke satt.")
    read_aloud.get_by_text("Endre", exact=True).click()
    read_aloud.get_by_label("Ja").check()
    read_aloud.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status")).to_have_text("Lagret: Opplesing er nå «Ja».")
    expect(field_card(page, "Opplesing")).to_contain_text("satt av Kari Hansen (foresatt), 1. desember 2026 kl. 10:00")
    history = page.get_by_role("table").filter(has_text="Hvem")
    expect(history).to_contain_text("Opplesing")
    expect(history).to_contain_text("ingen → Ja")
    assert_accessible(page, "profile as guardian")
    shot(page, "profile-guardian-read-aloud")

    after = recommended(portal_stack, "emma.hansen", "emma.hansen")
    assert after != before
    assert all("audio" in adaptations for _, adaptations, _ in after)
    assert all("lydversjon for opplesing" in reason for _, _, reason in after)

    page.get_by_role("button", name="Angre siste endring").click()
    expect(page.get_by_role("status")).to_have_text("Angret: Opplesing er tilbake til «ingen».")
    expect(field_card(page, "Opplesing")).to_contain_text("Ikke satt.")
    expect(page.get_by_role("button", name="Angre siste endring")).to_have_count(0)
    assert recommended(portal_stack, "emma.hansen", "emma.hansen") == before
    with portal_stack.runtime.transaction() as session:
        kept = session.scalars(select(ProfileHistory).where(ProfileHistory.pupil_id == emma,
                                                            ProfileHistory.key == "read_aloud")).all()
        assert [(h.value, h.undone_at is not None, h.undoes_id is not None) for h in kept] == [
            (True, True, False), (None, False, True)]


def test_the_pupil_sees_their_own_profile_in_words_a_pupil_understands(portal_stack: PortalStack,
                                                                       browser: Browser) -> None:
    context = new_context(browser, width=360)
    page = signed_in(context.new_page(), portal_stack, "emma.hansen")
    page.goto(f"{portal_stack.url}/profile")
    page.wait_for_url(f"**/profile/{portal_stack.person_id('emma.hansen')}")
    expect(page.get_by_role("heading", name="Profilen min", level=1)).to_be_visible()
    mastery = page.get_by_role("region", name="Slik går det")
    expect(mastery).to_contain_text("Du er godt i gang")  # KM290 from "Gangetabellen", one result
    expect(mastery).to_contain_text("Beregnet av Ransel fra 1 resultat(er)")
    expect(mastery).to_contain_text("Vi vet ikke nok ennå")  # aims of work without results yet
    # A pupil sets how they learn best, but not their special needs (the adults do).
    methods = field_card(page, "Lærer best med")
    methods.get_by_text("Endre", exact=True).click()
    methods.get_by_label("video").check()
    methods.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status")).to_have_text("Lagret: Lærer best med er nå «video».")
    expect(field_card(page, "Særskilte behov")).to_have_count(0)  # nobody set it, and Emma may not
    assert_accessible(page, "own profile at 360 px")
    shot(page, "profile-pupil-360")
    context.close()


def test_a_teachers_judgement_counts_where_the_policy_says_so_and_not_elsewhere(portal_stack: PortalStack,
                                                                               browser: Browser) -> None:
    page = signed_in(new_context(browser, width=360).new_page(), portal_stack, "liv.andersen")
    page.goto(f"{portal_stack.url}/profile/{portal_stack.person_id('nora.lie')}")
    form = page.locator("form").filter(has=page.get_by_label("Kompetansemål"))
    form.get_by_label("Kompetansemål").select_option("KM290")  # "utforske, bruke og beskrive ulike divisjonsstrategier"
    form.get_by_label("Dimensjon").select_option(label="Kunnskap")
    form.get_by_label("Nivå").select_option(label="Mestrer godt")
    form.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status")).to_contain_text("er nå «Mestrer godt»")
    by_subject = page.locator("form").filter(has=page.get_by_label("Fag", exact=True))
    by_subject.get_by_label("Fag", exact=True).select_option(label="matematikk")
    by_subject.get_by_label("Dimensjon").select_option(label="Ferdigheter")
    by_subject.get_by_label("Nivå").select_option(label="Godt i gang")
    by_subject.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status")).to_have_text("Lagret: Ferdigheter: matematikk er nå «Godt i gang».")
    expect(page.get_by_role("region", name="Lærernes vurdering per fag")).to_contain_text(
        "Matematikk: Ferdigheter godt i gang (satt av Liv Andersen (lærer), 1. desember 2026 kl. 10:00)")
    assert_accessible(page, "profile as teacher at 360 px")
    shot(page, "profile-teacher-status")

    nora = signed_in(new_context(browser).new_page(), portal_stack, "nora.lie")

    def nora_reads() -> str:
        nora.goto(f"{portal_stack.url}/profile/{portal_stack.person_id('nora.lie')}")
        mastery = nora.get_by_role("region", name="Slik går det")
        row = mastery.get_by_role("listitem").filter(has_text="divisjonsstrategier")
        return row.inner_text()

    judged = nora_reads()
    assert "Du mestrer dette godt" in judged and "Vurdert av lærer" in judged and "Liv Andersen" in judged

    with portal_stack.runtime.transaction() as session:
        owner = session.scalar(select(Owner.id).where(Owner.sourced_id == "fjellby"))
        set_policy(session, owner, {"mastery_precedence": ["computed", "teacher", "self", "guardian"],
                                    "computed_min_evidence": 1}, by=None, clock=portal_stack.runtime.clock)
    try:
        computed = nora_reads()
        assert "Dette øver du på" in computed and "Beregnet av Ransel fra 1 resultat(er)" in computed
        assert "Kunnskap: Mestrer godt" in computed  # the teacher's judgement still shown beside it
    finally:
        with portal_stack.runtime.transaction() as session:
            set_policy(session, owner, {"mastery_precedence": ["teacher", "computed", "self", "guardian"]},
                       by=None, clock=portal_stack.runtime.clock)
    nora.context.close()
    page.context.close()


@pytest.mark.parametrize(("username", "pupil", "status"), [
    ("kari.hansen", "emma.hansen", 200), ("kari.hansen", "jonas.hansen", 200), ("kari.hansen", "nora.lie", 404),
    ("bestemor.hansen", "emma.hansen", 404),  # no parental responsibility
    ("emma.hansen", "emma.hansen", 200), ("emma.hansen", "jonas.hansen", 404),
    ("liv.andersen", "emma.hansen", 200), ("gunnar.vik", "jonas.hansen", 200), ("liv.andersen", "jonas.hansen", 404),
    ("skolesjef.fjellby", "emma.hansen", 404), ("rektor.solbakken", "emma.hansen", 200),
])
def test_each_person_opens_only_the_profiles_they_may(portal_stack: PortalStack, username: str, pupil: str,
                                                      status: int) -> None:
    cookie = portal_stack.session_cookie(username)
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: cookie}) as client:
        response = client.get(f"/profile/{portal_stack.person_id(pupil)}")
        assert response.status_code == status
        if status == 404:  # the same page as for a pupil who does not exist
            assert "Denne siden finnes ikke, eller du har ikke tilgang til den." in response.text
            assert response.text == client.get("/profile/999999").text


def test_a_guardian_of_an_18_year_old_sees_nothing_of_the_pupil(portal_stack: PortalStack) -> None:
    olivia = portal_stack.person_id("olivia.smith")
    with portal_stack.runtime.transaction() as session:
        born = session.get_one(Person, olivia).birth_date
        session.get_one(Person, olivia).birth_date = date(2008, 11, 30)  # turned 18 yesterday
    try:
        with httpx.Client(base_url=portal_stack.url,
                          cookies={COOKIE: portal_stack.session_cookie("james.smith")}) as james:
            assert james.get(f"/profile/{olivia}").status_code == 404
            assert "Olivia" not in james.get("/profile").text
            assert james.post(f"/profile/{olivia}/field/read_aloud",
                              data={"csrf": csrf_of(james, "/account"), "value": "yes"}).status_code == 404
        with httpx.Client(base_url=portal_stack.url,
                          cookies={COOKIE: portal_stack.session_cookie("olivia.smith")}) as own:
            assert own.get(f"/profile/{olivia}").status_code == 200
        with httpx.Client(base_url=portal_stack.url,
                          cookies={COOKIE: portal_stack.session_cookie("bestemor.hansen")}) as bestemor:
            assert "Emma" not in bestemor.get("/profile").text
    finally:
        with portal_stack.runtime.transaction() as session:
            session.get_one(Person, olivia).birth_date = born
    with portal_stack.runtime.transaction() as session:
        assert session.scalar(select(ProfileSetting.id).where(ProfileSetting.pupil_id == olivia,
                                                              ProfileSetting.key == "read_aloud")) is None


def csrf_of(client: httpx.Client, path: str) -> str:
    html = client.get(path).text
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def test_every_profile_form_without_the_sessions_csrf_token_is_refused(portal_stack: PortalStack) -> None:
    jonas = portal_stack.person_id("jonas.hansen")
    posts = [
        (f"/profile/{jonas}/field/read_aloud", {"value": "yes"}),
        (f"/profile/{jonas}/field/learning_methods", {"value": "video", "remove": "1"}),
        (f"/profile/{jonas}/status", {"scope": "subject", "code": "MAT01-05", "dimension": "skills",
                                      "level": "well"}),
        (f"/profile/{jonas}/undo", {"history_id": "1"}),
    ]
    for username in ("kari.hansen", "tor.haugen"):
        with httpx.Client(base_url=portal_stack.url,
                          cookies={COOKIE: portal_stack.session_cookie(username)}) as client:
            for path, data in posts:
                assert client.post(path, data=data).status_code == 403, path
                assert client.post(path, data={**data, "csrf": "forged"}).status_code == 403, path
    with portal_stack.runtime.transaction() as session:
        assert session.scalars(select(ProfileHistory).where(ProfileHistory.pupil_id == jonas,
                                                            ProfileHistory.set_by_id.is_not(None))).all() == []


def test_a_value_the_field_does_not_take_is_refused_and_changes_nothing(portal_stack: PortalStack,
                                                                        page: Page) -> None:
    jonas = portal_stack.person_id("jonas.hansen")
    signed_in(page, portal_stack, "tor.haugen")
    page.goto(f"{portal_stack.url}/profile/{jonas}")
    with httpx.Client(base_url=portal_stack.url,
                      cookies={COOKIE: portal_stack.session_cookie("tor.haugen")}) as client:
        refused = client.post(f"/profile/{jonas}/field/speaking_rate",
                              data={"csrf": csrf_of(client, f"/profile/{jonas}"), "value": "1000"})
        assert refused.status_code == 400
        assert ("Lesehastighet ved opplesing (ord per minutt): verdien ble ikke godtatt. Ingenting er endret."
                in refused.text)
        pace = client.post(f"/profile/{jonas}/field/pace", data={"csrf": csrf_of(client, f"/profile/{jonas}"),
                                                                   "value": "3"})
        assert pace.status_code == 400 and "dette kan ikke du endre etter skolens regler" in pace.text
    with portal_stack.runtime.transaction() as session:
        assert session.scalar(select(ProfileSetting.id).where(ProfileSetting.pupil_id == jonas,
                                                              ProfileSetting.key == "speaking_rate")) is None


@pytest.mark.parametrize(("username", "pupil", "heading", "words"), [
    ("per.lie", "nora.lie", "Profilen til Nora Lie", "Læring, behov og innstillingar"),
    ("james.smith", "olivia.smith", "Olivia Smith's profile", "Learning, needs and settings"),
    ("sindre.berg", "sindre.berg", "Profilen min", "Du endrar som"),
])
def test_the_profile_page_speaks_the_viewers_language(portal_stack: PortalStack, username: str, pupil: str,
                                                      heading: str, words: str) -> None:
    with httpx.Client(base_url=portal_stack.url, cookies={COOKIE: portal_stack.session_cookie(username)}) as client:
        html = client.get(f"/profile/{portal_stack.person_id(pupil)}").text
    assert f"<h1>{heading}</h1>" in html.replace("&#39;", "'") and words in html


def test_a_teacher_opens_a_pupils_profile_from_the_class_page(portal_stack: PortalStack, page: Page) -> None:
    with portal_stack.runtime.transaction() as session:
        group = session.scalar(select(Group.id).where(Group.sourced_id == "4a-mat"))
    signed_in(page, portal_stack, "liv.andersen")
    page.goto(f"{portal_stack.url}/teacher/groups/{group}")
    page.get_by_role("link", name="Emma Hansen").click()
    expect(page.get_by_role("heading", name="Profilen til Emma Hansen", level=1)).to_be_visible()
    expect(page.get_by_text("Du endrer som")).to_contain_text("lærer")
