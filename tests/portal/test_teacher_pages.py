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
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from bot.models import (
    Assignment,
    AssignmentKind,
    Broadcast,
    Group,
    OutboxMessage,
    OutboxStatus,
    Person,
    Thread,
)
from bot.services import relay
from channels.delivery_adapters import close_adapters
from portal.web import COOKIE
from ransel.delivery import adapters_for
from scheduler.dispatch import Dispatcher
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
        from bot.services.broadcasts import send_broadcast
        from bot.models import BroadcastScope
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
