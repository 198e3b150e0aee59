"""Rules every portal page keeps, checked over all of them (so a new page is covered the day
it is mounted): every form refuses a post without the session's CSRF token and changes
nothing, every page needs a session, and every text exists in bokmål, nynorsk and English."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import func, select
from starlette.routing import Mount, Route

from bot.models import Base
from portal.routes import PAGE_PROVIDERS
from portal.web import COOKIE, texts
from tests.portal.conftest import PortalStack, new_context
from tests.wcag import assert_accessible

# Reachable without a session on purpose: signing in, and the OpenID provider's redirect back.
PUBLIC = re.compile(r"^/($|sign-in)")
# One person of each role in the demo school.
EVERY_ROLE = ["liv.andersen", "rektor.solbakken", "skolesjef.fjellby", "kari.hansen", "emma.hansen"]


def _portal_routes(stack: PortalStack) -> list[Route]:
    found: list[Route] = []
    for provider in PAGE_PROVIDERS:
        for route in provider(stack.runtime):
            if isinstance(route, Route):
                found.append(route)
            elif isinstance(route, Mount):
                found.extend(r for r in route.routes if isinstance(r, Route))
    return found


def _url(route: Route) -> str:
    return re.sub(r"\{[^}]+\}", "1", route.path)


def _row_counts(stack: PortalStack) -> dict[str, int]:
    with stack.runtime.transaction() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables if table.name not in ("api_tokens", "attempt_counters")}


def test_every_form_refuses_a_post_without_the_csrf_token(portal_stack: PortalStack) -> None:
    before = _row_counts(portal_stack)
    checked = 0
    for route in _portal_routes(portal_stack):
        writes = (route.methods or set()) - {"GET", "HEAD"}
        if not writes or PUBLIC.match(route.path):
            continue
        for method in writes:
            statuses = []
            for username in EVERY_ROLE:
                with httpx.Client(base_url=portal_stack.url,
                                  cookies={COOKIE: portal_stack.session_cookie(username)}) as client:
                    answer = client.request(method, _url(route), data={"csrf": "not-the-token", "confirm": "yes"})
                    statuses.append(answer.status_code)
            assert all(status in (403, 404) for status in statuses), f"{method} {route.path}: {statuses}"
            assert 403 in statuses, f"{method} {route.path}: no role reached the CSRF check ({statuses})"
            checked += 1
    assert checked >= 2
    assert _row_counts(portal_stack) == before, "a refused post changed something"


def test_every_page_needs_a_session(portal_stack: PortalStack) -> None:
    with httpx.Client(base_url=portal_stack.url) as client:
        for route in _portal_routes(portal_stack):
            if PUBLIC.match(route.path):
                continue
            for method in route.methods or set():
                if method == "HEAD":
                    continue
                answer = client.request(method, _url(route), follow_redirects=False)
                if method == "GET":
                    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in"), route.path
                else:
                    assert answer.status_code == 403, f"{method} {route.path}"


def _keys(tree: object, prefix: str = "") -> set[str]:
    if isinstance(tree, dict):
        return {key for name, value in tree.items() for key in _keys(value, f"{prefix}{name}.")}
    return {prefix.rstrip(".")}


@pytest.mark.parametrize("language", ["nn", "en"])
def test_every_text_exists_in_all_three_languages(language: str) -> None:
    assert _keys(texts(language)) == _keys(texts("nb"))


@pytest.mark.browser
@pytest.mark.parametrize("username", EVERY_ROLE)
def test_every_page_a_person_can_reach_is_accessible_on_a_phone(portal_stack: PortalStack, browser: Browser,
                                                                 username: str) -> None:
    """Follow every link on this site from the person's first page (breadth first, at most 40
    pages) at 360 px, in light and dark mode, and audit each HTML page (WCAG contrast, names,
    no sideways scrolling)."""
    for scheme in ("light", "dark"):
        context = new_context(browser, width=360)
        context.add_cookies([{"name": COOKIE, "value": portal_stack.session_cookie(username), "url": portal_stack.url}])
        page = context.new_page()
        page.emulate_media(color_scheme=scheme)
        queue, seen = ["/"], set()
        while queue and len(seen) < 40:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            fetched = page.request.get(portal_stack.url + path)  # downloads (CSV, iCal) are not pages
            assert fetched.status < 400, f"{username}: {path} -> {fetched.status}"
            if "text/html" not in (fetched.headers.get("content-type") or ""):
                continue
            answer = page.goto(portal_stack.url + path)
            assert answer is not None and answer.status < 400, f"{username}: {path} -> {answer and answer.status}"
            assert_accessible(page, f"{username} {scheme} {path}")
            for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
                target = urlsplit(href)
                if target.netloc or not target.path.startswith("/") or target.path.startswith("/static/"):
                    continue
                link = target.path + (f"?{target.query}" if target.query else "")
                if link not in seen and not link.startswith("/sign-in"):
                    queue.append(link)
        context.close()
        assert len(seen) >= 2, f"{username} reached no page beyond the first"
