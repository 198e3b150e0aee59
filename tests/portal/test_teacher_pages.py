"""The teacher's pages in headless Chromium and over plain HTTP: the message composer and its
live delivery page, assignments with the too-hard warning, the class page, the private
questions inbox; what a teacher may not open by URL; every page's accessibility.

Liv Andersen teaches 4A (contact teacher), 4A Matematikk and 4A Norsk; Ingrid Dahl teaches
4A's other subjects. Kari Hansen (Emma in 4A) gets her messages by SMS, so her copy goes
queued -> sent -> delivered as the Twilio emulator calls back.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from bot.learning import activity
from bot.learning.activity import Observation
from bot.models import (
    Assignment,
    AssignmentKind,
    Broadcast,
    BroadcastScope,
    CompetenceAim,
    Group,
    LearningResource,
    OutboxMessage,
    OutboxStatus,
    Person,
    School,
    Thread,
)
from bot.services import relay
from bot.services.broadcasts import send_broadcast
from bot.services.teaching import add_assignment, behind_by_aim, pupils_behind
from channels.delivery_adapters import close_adapters
from channels.emulators._server import serve_in_thread
from portal.web import COOKIE, start_session, texts
from ransel.app import create_app
from ransel.delivery import adapters_for
from scheduler.dispatch import Dispatcher
from scheduler.planner import plan
from scheduler.render import render_row
from tests.engine_fixtures import RanselStack
from tests.portal.conftest import PortalStack, new_context, shot, signed_in
from tests.wcag import assert_accessible

pytestmark = pytest.mark.browser

KARI_MOBILE = "+4791842503"


def dispatch(stack: PortalStack) -> dict[str, int]:
    """One dispatcher pass over everything due, through the real adapters to the emulators
    (in a thread of its own: Playwright's sync API owns this thread's event loop)."""

    def run() -> dict[str, int]:
        adapters = adapters_for(stack.runtime)
        dispatcher = Dispatcher(stack.runtime.sessions, stack.runtime.clock, adapters)

        async def go() -> dict[str, int]:
            try:
                return dict(await dispatcher.drain())
            finally:
                await close_adapters(adapters)

        return asyncio.run(go())

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result(timeout=120)


def group_id(stack: PortalStack, sourced_id: str) -> int:
    with stack.runtime.transaction() as session:
        found = session.scalar(select(Group.id).where(Group.sourced_id == sourced_id))
    assert found is not None
    return found


def client(stack: PortalStack, username: str) -> httpx.Client:
    return httpx.Client(base_url=stack.url, cookies={COOKIE: stack.session_cookie(username)})


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


# --------------------------------------------------------------------------- broadcasts


def test_a_teacher_sends_a_message_and_watches_each_recipient_get_it(portal_stack: PortalStack, page: Page) -> None:
    stack = portal_stack
    signed_in(page, stack, "liv.andersen")
    page.goto(stack.url + "/teacher")
    expect(page.get_by_role("heading", name="Undervisning", exact=True)).to_be_visible()
    assert_accessible(page, "teacher home")
    shot(page, "teacher-home")
    page.get_by_role("link", name="Ny melding").click()
    page.get_by_label("Til", exact=True).select_option(label="4A")
    page.get_by_label("Foresatte", exact=True).check()
    page.get_by_label("Melding", exact=True).fill("Husk foreldremøtet torsdag kl. 18 i klasserommet.")
    assert_accessible(page, "broadcast composer")
    page.get_by_role("button", name="Se hvordan den blir").click()

    expect(page.get_by_role("heading", name="Se over før du sender")).to_be_visible()
    # The heading each recipient language gets, as the chat's preview shows it.
    expect(page.locator("p.message[lang=nb]")).to_contain_text("Melding fra Liv Andersen til 4A:")
    expect(page.locator("p.message[lang=nb]")).to_contain_text("Husk foreldremøtet torsdag")
    expect(page.locator("p.message[lang=nn]")).to_contain_text("Melding frå Liv Andersen til 4A:")  # Per Lie
    assert_accessible(page, "broadcast preview")
    shot(page, "teacher-broadcast-preview")
    page.get_by_role("button", name="Send", exact=True).click()

    page.wait_for_url(re.compile(r"/teacher/broadcasts/\d+\?sent=1"))
    kari = page.locator("tr", has=page.get_by_role("rowheader", name="Kari Hansen"))
    expect(kari.locator(".status")).to_have_text("i kø")
    assert_accessible(page, "delivery page")
    page.evaluate("window.stillTheSamePage = true")

    outcome = dispatch(stack)
    assert outcome["claimed"] >= 1
    # Twilio's emulator reports "sent" then "delivered" to our status callback; the page
    # follows without a reload.
    expect(kari.locator(".status")).to_have_text("levert", timeout=15000)
    expect(kari.locator(".channel")).to_have_text("SMS")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator("#totals")).to_contain_text("levert")
    assert any("Husk foreldremøtet" in m.body for m in stack.twilio.sent_to(KARI_MOBILE))
    shot(page, "teacher-broadcast-delivered")


def test_a_message_for_later_can_be_stopped_before_it_goes_out(portal_stack: PortalStack, page: Page) -> None:
    stack = portal_stack
    signed_in(page, stack, "liv.andersen")
    page.goto(stack.url + f"/teacher/broadcasts/new?group={group_id(stack, '4a-mat')}")
    later = (stack.runtime.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Elever og foresatte").check()
    page.get_by_label("Senere", exact=True).check()
    page.get_by_label("Tidspunkt (hvis senere)").fill(later)
    page.get_by_label("Melding", exact=True).fill("Matteprøven flyttes til neste uke.")
    page.get_by_role("button", name="Se hvordan den blir").click()
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url(re.compile(r"/teacher/broadcasts/\d+"))
    broadcast_id = int(re.findall(r"/teacher/broadcasts/(\d+)", page.url)[0])
    page.get_by_role("button", name="Stopp sendingen").click()
    expect(page.get_by_role("status").first).to_contain_text("Sendingen er stoppet")
    with stack.runtime.transaction() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id)).all()
        assert rows and all(r.status is OutboxStatus.SKIPPED for r in rows)
        assert session.get_one(Broadcast, broadcast_id).cancelled_at is not None
    expect(page.locator("td.status").first).to_have_text("stoppet")


def test_a_message_with_mistakes_comes_back_with_them_marked_and_nothing_lost(portal_stack: PortalStack,
                                                                              page: Page) -> None:
    stack = portal_stack
    signed_in(page, stack, "liv.andersen")
    page.goto(stack.url + "/teacher/broadcasts/new")
    page.get_by_label("Senere", exact=True).check()
    page.get_by_label("Tidspunkt (hvis senere)").fill("2026-11-30T08:00")  # yesterday
    page.get_by_label("Melding", exact=True).fill("Gymtøy i morgen.")
    page.get_by_role("button", name="Se hvordan den blir").click()
    expect(page.locator("#at-error")).to_have_text("Tidspunktet har allerede vært.")
    expect(page.get_by_label("Melding", exact=True)).to_have_value("Gymtøy i morgen.")
    assert_accessible(page, "composer with an error")


# --------------------------------------------------------------------------- access by URL


def test_a_teacher_cannot_open_another_groups_pages_or_another_teachers_broadcast(portal_stack: PortalStack) -> None:
    stack = portal_stack
    ingrids = group_id(stack, "4a-eng")  # Ingrid Dahl's group, not Liv's
    livs = group_id(stack, "4a-mat")
    with stack.runtime.transaction() as session:
        author = session.scalars(select(Person).where(Person.username == "ingrid.dahl")).one()
        theirs = send_broadcast(session, author, text="Engelskprøve fredag.", clock=stack.runtime.clock,
                                scope=BroadcastScope.GROUP, group="4a-eng").id
        guardian = session.scalars(select(Person).where(Person.username == "kari.hansen")).one()
        emma = session.scalars(select(Person).where(Person.username == "emma.hansen")).one()
        question = relay.ask_teacher(session, guardian, emma.id, "Kan Emma få leseboka med hjem?",
                                     stack.runtime.clock, subject_code="ENG01-05")
        assert question.teacher.username == "ingrid.dahl"
        thread_id = question.thread.id
    with client(stack, "liv.andersen") as liv:
        assert liv.get(f"/teacher/groups/{livs}").status_code == 200
        token = csrf_of(liv.get("/teacher/broadcasts/new").text)
        for path in (f"/teacher/groups/{ingrids}", f"/teacher/groups/{ingrids}/assignments",
                     f"/teacher/broadcasts/{theirs}", f"/teacher/questions/{thread_id}", "/teacher/groups/999999",
                     f"/teacher/assignments/new?group={ingrids}&x=1"):
            response = liv.get(path)
            if path.startswith("/teacher/assignments/new"):
                assert "4A Engelsk" not in response.text  # not offered
                continue
            assert response.status_code == 404, path
            assert "finnes ikke, eller du har ikke tilgang" in response.text
        status = liv.get(f"/teacher/broadcasts/{theirs}/status", headers={"X-CSRF-Token": token})
        assert status.status_code == 404
        refused = liv.post(f"/teacher/broadcasts/{theirs}/cancel", data={"csrf": token})
        assert refused.status_code == 404
        refused = liv.post(f"/teacher/questions/{thread_id}/answer", data={"csrf": token, "text": "Ja."})
        assert refused.status_code == 404
        sent = liv.post("/teacher/broadcasts", data={"csrf": token, "target": f"group:{ingrids}",
                                                     "audience": "guardians", "when": "now", "text": "Hei"})
        assert sent.status_code == 400 and "Du kan ikke sende melding til denne mottakergruppen" in sent.text
        added = liv.post("/teacher/assignments/new", data={"csrf": token, "action": "save", "group": str(ingrids),
                                                           "kind": "test", "title": "Glosetest", "day": "2026-12-10"})
        assert added.status_code == 404
    with stack.runtime.transaction() as session:
        broadcast = session.get_one(Broadcast, theirs)
        assert broadcast.cancelled_at is None
        assert len(session.get_one(Thread, thread_id).messages) == 1
        assert session.scalar(select(Assignment.id).where(Assignment.title == "Glosetest")) is None
    with client(stack, "kari.hansen") as kari:  # a guardian has no teacher pages at all
        assert kari.get("/teacher").status_code == 404


def test_every_teacher_form_without_the_sessions_csrf_token_is_refused(portal_stack: PortalStack) -> None:
    stack = portal_stack
    livs = group_id(stack, "4a-mat")
    with client(stack, "liv.andersen") as liv:
        forms = {
            "/teacher/broadcasts/new": {"text": "x"},
            "/teacher/broadcasts/preview": {"target": f"group:{livs}", "audience": "guardians", "text": "Hei"},
            "/teacher/broadcasts": {"target": f"group:{livs}", "audience": "guardians", "text": "Hei"},
            "/teacher/broadcasts/1/cancel": {},
            "/teacher/assignments/new": {"action": "save", "group": str(livs), "kind": "test", "title": "T",
                                         "day": "2026-12-10"},
            "/teacher/assignments/1/move": {"day": "2026-12-11"},
            "/teacher/assignments/1/remove": {"confirm": "1"},
            "/teacher/questions/1/answer": {"text": "Ja."},
            "/teacher/undo": {},
        }
        for path, data in forms.items():
            for token in (None, "forged"):
                sent = dict(data, **({"csrf": token} if token else {}))
                response = liv.post(path, data=sent)
                assert response.status_code == 403, (path, token)
        assert liv.get("/teacher/broadcasts/1/status").status_code in (403, 404)
    with stack.runtime.transaction() as session:
        assert session.scalar(select(Broadcast.id).where(Broadcast.text == "Hei")) is None
        assert session.scalar(select(Assignment.id).where(Assignment.title == "T")) is None


# --------------------------------------------------------------------------- assignments


def weak_in_fractions(stack: PortalStack, username: str) -> None:
    """A fractions resource at level 5 and a 4A pupil who has shown little of its prerequisites."""
    with stack.runtime.transaction() as session:
        if session.scalar(select(LearningResource.id).where(LearningResource.external_id == "brok-tallinje")):
            return
        brok = LearningResource(external_id="brok-tallinje", title="Brøk på tallinjen", publisher="Fjordlæring",
                                subject_code="MAT01-05", level=5.0, adaptations=[], licence="CC-BY-SA-4.0",
                                cost_per_use=0.0, methods=["practice"], didactics=["individual"],
                                languages=["nb", "nn"], technical_requirements=["pc"], suitability=[])
        brok.aims = [session.get_one(CompetenceAim, "KM281")]
        session.add(brok)
        pupil_id = stack.person_id(username)
        now = stack.runtime.clock.utcnow()
        activity.record(session, [Observation(f"w-{aim}-{i}", pupil_id, None, [aim], "answered", 0,
                                              now - timedelta(days=3, hours=i), "api")
                                  for aim in ("KM290", "KM291") for i in range(3)], clock=stack.runtime.clock)


def add_test_on_the_page(page: Page, base_url: str, group: int, title: str) -> None:
    """Liv adds a test for Friday with an aim found by searching and a linked resource; the
    too-hard warning comes before anything is saved, and she saves anyway."""
    page.goto(base_url + f"/teacher/assignments/new?group={group}")
    page.get_by_label("Prøve", exact=True).check()
    page.get_by_label("Tittel (for «ta med»: hva som skal med)").fill(title)
    page.get_by_label("Dato", exact=True).fill("2026-12-04")
    page.get_by_label("Maks poeng (valgfritt)").fill("20")
    page.get_by_label("Søk etter kompetansemål").fill("KM281")
    page.get_by_label("Søk etter ressurs").fill("tallinjen")
    page.get_by_role("button", name="Søk").first.click()  # works without script: the form comes back
    page.get_by_label(re.compile(r"^KM281: ")).check()
    page.get_by_label("Brøk på tallinjen (Fjordlæring)").check()
    expect(page.get_by_label("Tittel (for «ta med»: hva som skal med)")).to_have_value(title)
    page.get_by_role("button", name="Lagre", exact=True).click()


def test_a_teacher_adds_a_test_and_sees_the_too_hard_warning_before_it_is_saved(portal_stack: PortalStack,
                                                                                 page: Page) -> None:
    stack = portal_stack
    weak_in_fractions(stack, "emma.hansen")
    signed_in(page, stack, "liv.andersen")
    add_test_on_the_page(page, stack.url, group_id(stack, "4a-mat"), "Brøkprøve kapittel 3")
    warning = page.locator("#too-hard")
    expect(warning).to_contain_text("Kan bli for vanskelig for Emma Hansen")
    with stack.runtime.transaction() as session:  # nothing saved before the teacher decides
        assert session.scalar(select(Assignment.id).where(Assignment.title == "Brøkprøve kapittel 3")) is None
    assert_accessible(page, "assignment with a too-hard warning")
    shot(page, "teacher-assignment-too-hard")
    page.get_by_role("button", name="Lagre likevel").first.click()
    page.wait_for_url(re.compile(r"/teacher/groups/\d+/assignments\?added=\d+"))
    expect(page.get_by_role("status")).to_contain_text("Lagt inn")
    expect(page.get_by_role("heading", name="Prøve: Brøkprøve kapittel 3")).to_be_visible()
    assert_accessible(page, "the group's assignments")
    with stack.runtime.transaction() as session:
        added = session.scalars(select(Assignment).where(Assignment.title == "Brøkprøve kapittel 3")).one()
        assert added.kind is AssignmentKind.TEST and [a.code for a in added.aims] == ["KM281"]
        assert added.max_score == 20 and added.resource_id is not None
        assert stack.runtime.clock.local(added.due_at) == datetime(2026, 12, 4, 8, 30, tzinfo=stack.runtime.clock.zone)

    # Moved to the Monday after, then removed after a question; both through the chat's services.
    page.get_by_label("Ny dato").fill("2026-12-07")
    page.get_by_role("button", name="Flytt").click()
    expect(page.get_by_role("status")).to_contain_text("Flyttet.")
    page.get_by_role("link", name=re.compile("Fjern")).click()
    expect(page.get_by_role("heading", name="Fjerne «Brøkprøve kapittel 3»?")).to_be_visible()
    assert_accessible(page, "remove confirmation")
    page.get_by_role("button", name="Ja, fjern").click()
    expect(page.get_by_role("status")).to_contain_text("Fjernet.")
    with stack.runtime.transaction() as session:
        assert session.scalar(select(Assignment.id).where(Assignment.title == "Brøkprøve kapittel 3")) is None
    page.get_by_role("button", name="Angre").click()  # "angre", as in chat: back as it was
    expect(page.get_by_role("status")).to_contain_text("Angret.")
    expect(page.get_by_role("heading", name="Prøve: Brøkprøve kapittel 3")).to_be_visible()
    with stack.runtime.transaction() as session:
        back = session.scalars(select(Assignment).where(Assignment.title == "Brøkprøve kapittel 3")).one()
        assert stack.runtime.clock.local(back.due_at).date().isoformat() == "2026-12-07"
        assert [a.code for a in back.aims] == ["KM281"] and back.resource_id is not None  # nothing lost


def test_with_script_the_aims_are_found_as_the_teacher_types(portal_stack: PortalStack, page: Page) -> None:
    signed_in(page, portal_stack, "liv.andersen")
    page.goto(portal_stack.url + f"/teacher/assignments/new?group={group_id(portal_stack, '4a-mat')}")
    page.get_by_label("Tittel (for «ta med»: hva som skal med)").fill("Brøk")
    page.get_by_label("Søk etter kompetansemål").press_sequentially("brøk", delay=50)
    found = page.locator("#aim-choices input[type=checkbox]")
    expect(found.first).to_be_visible()  # no button pressed, no page loaded
    found.first.check()
    assert page.get_by_label("Tittel (for «ta med»: hva som skal med)").input_value() == "Brøk"
    assert_accessible(page, "aims found by script")


def test_the_aims_search_answers_as_json_for_the_script(portal_stack: PortalStack) -> None:
    with client(portal_stack, "liv.andersen") as liv:
        found = liv.get("/teacher/aims", params={"q": "brøk", "group": group_id(portal_stack, "4a-mat")}).json()
    assert found["aims"] and all(a["code"].startswith("KM") for a in found["aims"])
    assert any("brøk" in a["text"].lower() for a in found["aims"])


# --------------------------------------------------------------------------- class page


def test_the_class_page_shows_results_with_a_chart_who_is_behind_and_each_pupils_progress(
        portal_stack: PortalStack, browser: Browser) -> None:
    stack = portal_stack
    context = new_context(browser, width=360)
    page = signed_in(context.new_page(), stack, "liv.andersen")
    page.goto(stack.url + f"/teacher/groups/{group_id(stack, '4a-mat')}")
    expect(page.get_by_role("heading", name="4A Matematikk", exact=True)).to_be_visible()
    first = page.locator("#results ~ section.card").first
    expect(first.get_by_role("img")).to_have_attribute("aria-label", re.compile(r"Fordeling av poeng på .+: "))
    expect(first.locator("table tbody tr")).to_have_count(5)
    expect(first).to_contain_text("Snitt")
    expect(page.get_by_role("heading", name="Hver elevs utvikling")).to_be_visible()
    progress_rows = page.locator("#progress-table tbody tr")
    assert progress_rows.count() >= 5
    expect(page.locator("#progress-table svg[role=img]").first).to_have_attribute(
        "aria-label", re.compile(r"Resultater for "))
    with stack.runtime.transaction() as session:  # who is behind: the chat's rule, per subject and per aim
        liv = session.scalars(select(Person).where(Person.username == "liv.andersen")).one()
        behind = pupils_behind(session, liv, group_id(stack, "4a-mat"), stack.runtime.clock)
        by_aim = behind_by_aim(session, liv, group_id(stack, "4a-mat"), stack.runtime.clock)
        names = [b.pupil.name for b in behind]
        aims = [a.aim.code for a in by_aim]
    assert names and aims
    expect(page.locator("#behind-table tbody th")).to_have_text(names)
    expect(page.locator("details.card summary")).to_have_count(len(aims))
    page.locator("details.card summary").first.click()
    expect(page.locator("details.card").first.locator("li").first).to_be_visible()
    assert_accessible(page, "class page at 360 px")
    shot(page, "teacher-class-page-360")
    context.close()


# --------------------------------------------------------------------------- inbox


def test_a_guardians_question_is_answered_on_the_page_and_reaches_her_like_a_chat_answer(
        portal_stack: PortalStack, page: Page) -> None:
    stack = portal_stack
    with stack.runtime.transaction() as session:
        kari = session.scalars(select(Person).where(Person.username == "kari.hansen")).one()
        asked = relay.ask_teacher(session, kari, stack.person_id("emma.hansen"),
                                  "Kan Emma gå tidlig på fredag? Hun skal til tannlegen.", stack.runtime.clock)
        assert asked.teacher.username == "liv.andersen"
        thread_id = asked.thread.id
    signed_in(page, stack, "liv.andersen")
    page.goto(stack.url + "/teacher/questions")
    expect(page.get_by_text("venter på svar").first).to_be_visible()
    assert_accessible(page, "inbox")
    page.get_by_role("link", name=re.compile("Spørsmål fra Kari Hansen")).first.click()
    expect(page.get_by_text("Hun skal til tannlegen")).to_be_visible()
    page.get_by_label("Svaret ditt").fill("   ")
    page.get_by_role("button", name="Send svaret").click()  # nothing written: refused in place, nothing sent
    expect(page.locator("#answer-error")).to_have_text("Skriv et svar.")
    page.get_by_label("Svaret ditt").fill("Ja, det går fint. God bedring til tannlegebesøket!")
    assert_accessible(page, "thread")
    page.get_by_role("button", name="Send svaret").click()
    expect(page.get_by_role("status")).to_contain_text("Svaret er sendt til Kari Hansen")
    shot(page, "teacher-thread-answered")
    with stack.runtime.transaction() as session:
        thread = session.get_one(Thread, thread_id)
        assert [m.author_id for m in thread.messages] == [thread.asker_id, thread.teacher_id]
        answer = session.scalars(select(OutboxMessage).where(OutboxMessage.template == relay.ANSWER_TEMPLATE,
                                                             OutboxMessage.recipient_id == thread.asker_id)).one()
        assert answer.payload["thread_id"] == thread_id
    dispatch(stack)
    texts = [m.body for m in stack.twilio.sent_to(KARI_MOBILE)]
    assert any("Ja, det går fint" in text and "Liv Andersen" in text for text in texts)


# --------------------------------------------------------------------------- every page on a phone


def test_every_teacher_page_passes_the_accessibility_audit_on_a_360_px_phone(portal_stack: PortalStack,
                                                                            browser: Browser) -> None:
    stack = portal_stack
    group = group_id(stack, "4a")
    with stack.runtime.transaction() as session:
        liv = session.scalars(select(Person).where(Person.username == "liv.andersen")).one()
        broadcast = send_broadcast(session, liv, text="Tur til skogen fredag: ta med matpakke.",
                                   clock=stack.runtime.clock, scope=BroadcastScope.GROUP, group="4a").id
        item = add_assignment(session, liv, group_id=group, kind=AssignmentKind.BRING, title="Matpakke og drikke",
                              due=datetime(2026, 12, 4, 8, 0, tzinfo=stack.runtime.clock.zone),
                              clock=stack.runtime.clock).assignment.id
        kari = session.scalars(select(Person).where(Person.username == "kari.hansen")).one()
        thread = relay.ask_teacher(session, kari, stack.person_id("emma.hansen"), "Hvor er turen?",
                                   stack.runtime.clock).thread.id
    context = new_context(browser, width=360)
    page = signed_in(context.new_page(), stack, "liv.andersen")
    pages = {"home": "/teacher", "composer": f"/teacher/broadcasts/new?group={group}",
             "delivery": f"/teacher/broadcasts/{broadcast}", "class": f"/teacher/groups/{group}",
             "assignments": f"/teacher/groups/{group}/assignments", "new-assignment": f"/teacher/assignments/new?group={group}",
             "remove": f"/teacher/assignments/{item}/remove", "inbox": "/teacher/questions",
             "thread": f"/teacher/questions/{thread}", "refused": "/teacher/groups/999999"}
    for name, path in pages.items():
        page.goto(stack.url + path)
        assert_accessible(page, f"{name} at 360 px")
        shot(page, f"teacher-{name}-360")
    page.goto(stack.url + f"/teacher/broadcasts/new?group={group}")
    page.get_by_label("Melding", exact=True).fill("Foreldremøte neste uke.")
    page.get_by_role("button", name="Se hvordan den blir").click()
    assert_accessible(page, "preview at 360 px")
    shot(page, "teacher-preview-360")
    page.get_by_role("button", name="Endre").click()  # back to the composer with what was written
    expect(page.get_by_label("Melding", exact=True)).to_have_value("Foreldremøte neste uke.")
    context.close()




# --------------------------------------------------------------------------- through the real engine


@pytest.fixture(scope="module")
def engine_portal(ransel_stack: RanselStack) -> Iterator[str]:
    """The portal served over the engine-backed stack's database: what a page saves is what
    the real dialogue engine and the planner read."""
    with serve_in_thread(create_app(ransel_stack.runtime)) as url:
        yield url


@pytest.mark.engine
def test_a_test_added_on_the_page_is_in_a_guardians_chat_answer_and_her_next_reminder(
        ransel_stack: RanselStack, engine_portal: str, page: Page) -> None:
    runtime = ransel_stack.runtime
    with runtime.transaction() as session:
        liv = session.scalars(select(Person).where(Person.username == "liv.andersen")).one()
        cookie = start_session(session, liv, runtime)
        group = session.scalar(select(Group.id).where(Group.sourced_id == "4a-mat"))
    page.context.add_cookies([{"name": COOKIE, "value": cookie, "url": engine_portal}])
    page.goto(engine_portal + f"/teacher/assignments/new?group={group}")
    page.get_by_label("Prøve", exact=True).check()
    page.get_by_label("Tittel (for «ta med»: hva som skal med)").fill("Brøkprøve om tallinjen")
    page.get_by_label("Dato", exact=True).fill("2026-12-04")
    page.get_by_role("button", name="Lagre", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Lagt inn")

    ransel_stack.restart("kari.hansen")
    with ThreadPoolExecutor(1) as pool:  # the gateway runs its own event loop; Playwright owns this thread's
        replies = pool.submit(ransel_stack.ask, "kari.hansen", "hvilke prøver har Emma denne uka?").result(120)
    said = " ".join(r.text for r in replies)
    assert "Brøkprøve om tallinjen" in said

    with runtime.transaction() as session:
        kari = session.scalars(select(Person).where(Person.username == "kari.hansen")).one()
        added = session.scalars(select(Assignment).where(Assignment.title == "Brøkprøve om tallinjen")).one()
        planned = [m for m in plan(session, runtime.clock, write=False).messages
                   if m.recipient_id == kari.id and m.payload.get("assignment") == added.id]
        assert planned, "no reminder planned for Kari about the new test"
        first = min(planned, key=lambda m: m.due_at)
        row = OutboxMessage(template=first.template, payload=first.payload)
        text = render_row(session, row, kari, "nb", runtime.clock)
        assert text is not None and "Brøkprøve om tallinjen" in text


# --------------------------------------------------------------------------- languages


def _keys(node: dict[str, Any], prefix: str = "") -> set[str]:
    found = set()
    for key, value in node.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= _keys(value, f"{prefix}{key}.")
    return found


def test_the_teacher_texts_have_the_same_keys_in_bokmal_nynorsk_and_english() -> None:
    assert _keys(texts("nb")["teacher"]) == _keys(texts("nn")["teacher"]) == _keys(texts("en")["teacher"])


@pytest.mark.parametrize(("username", "heading", "questions"), [
    ("gunnar.vik", "Gruppene mine", "Spørsmål frå føresette og elevar"),
    ("sarah.jones", "My groups", "Questions from guardians and pupils"),
])
def test_each_teacher_reads_the_pages_in_their_own_language(portal_stack: PortalStack, username: str,
                                                            heading: str, questions: str) -> None:
    with client(portal_stack, username) as teacher:
        home = teacher.get("/teacher")
        assert home.status_code == 200 and heading in home.text and questions in home.text
        group = re.search(r'href="/teacher/groups/(\d+)"', home.text)
        assert group is not None
        page = teacher.get(f"/teacher/groups/{group.group(1)}")
        assert page.status_code == 200
        composer = teacher.get(f"/teacher/broadcasts/new?group={group.group(1)}")
        assert composer.status_code == 200


def test_a_grade_and_urgency_are_offered_only_where_the_school_lets_teachers_broadcast_widely(
        portal_stack: PortalStack) -> None:
    stack = portal_stack
    with client(stack, "liv.andersen") as liv:
        narrow = liv.get("/teacher/broadcasts/new").text
        assert "4. trinn" not in narrow and 'id="urgent"' not in narrow
        with stack.runtime.transaction() as session:
            session.scalars(select(School).where(School.sourced_id == "solbakken")).one().teachers_broadcast_widely = True
        try:
            wide = liv.get("/teacher/broadcasts/new").text
            assert 'value="grade:4"' in wide and 'id="urgent"' in wide
            sent = liv.post("/teacher/broadcasts", data={"csrf": csrf_of(wide), "target": "grade:4",
                                                         "audience": "guardians", "when": "now", "urgent": "1",
                                                         "text": "Skolen stenger kl. 12 i dag på grunn av storm."})
            assert sent.status_code == 303
            delivery = liv.get(sent.headers["location"])
            assert "4. trinn" in delivery.text and "haster" in delivery.text
        finally:
            with stack.runtime.transaction() as session:
                session.scalars(select(School).where(School.sourced_id == "solbakken")).one().teachers_broadcast_widely = False
    with stack.runtime.transaction() as session:
        urgent = session.scalars(select(Broadcast).where(Broadcast.text.like("Skolen stenger%"))).one()
        assert urgent.urgent and urgent.grade == 4
