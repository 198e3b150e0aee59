"""The family's calendar link and the conversation history, through the real trained engine
and action server on the demo school: a guardian asks for the calendar in chat, the link
works in an iCalendar parser, stops working when revoked in chat, and comes back with
"angre"; the nightly retention job deletes conversations older than the school keeps them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import create_engine, select, text

from bot.clock import Clock
from bot.identity import conversation_id
from bot.models import Channel, Person
from bot.runtime import Runtime
from bot.services import privacy
from channels.emulators._server import serve_in_thread
from ransel.app import create_app
from scheduler import service as scheduler_service
from scheduler.service import RETENTION_JOB_ID, SchedulerService

pytestmark = pytest.mark.engine

URL = re.compile(r"https?://\S+/calendar/[A-Za-z0-9_-]+\.ics")


def said(replies) -> str:
    return "\n".join(r.text for r in replies)


@pytest.fixture(scope="module")
def app_url(ransel_stack) -> Iterator[str]:
    """Ransel's HTTP app (which serves the calendar feeds) on the stack's database."""
    with serve_in_thread(create_app(ransel_stack.runtime)) as url:
        yield url


def local(url: str, app_url: str) -> str:
    """The feed's path on the app the test runs (the URL names the configured public address)."""
    return app_url + "/calendar/" + url.rsplit("/calendar/", 1)[1]


def test_a_guardian_gets_the_calendar_in_chat_and_stops_it_again(ransel_stack, app_url) -> None:
    ransel_stack.restart("kari.hansen")
    reply = said(ransel_stack.ask("kari.hansen", "gi meg kalenderen"))
    assert reply.startswith("Her er den private kalenderlenken din for Emma og Jonas:")
    assert "som et passord" in reply
    [url] = URL.findall(reply)
    feed = httpx.get(local(url, app_url))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = [str(e.get("summary")) for e in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert any("Emma" in s and "Skøytedag" in s for s in events)
    assert any("Jonas" in s and "Gloseprøve i engelsk" in s for s in events)

    # Asking again while the link works asks first: a new link would stop the old one.
    again = said(ransel_stack.ask("kari.hansen", "kan jeg få kalenderen på telefonen?"))
    assert "Du har allerede en kalenderlenke" in again and "Svar ja eller nei" in again
    assert "Greit, da gjør jeg ingenting" in said(ransel_stack.ask("kari.hansen", "nei"))
    assert httpx.get(local(url, app_url)).status_code == 200

    stopped = said(ransel_stack.ask("kari.hansen", "slutt å dele kalenderen"))
    if "Svar ja eller nei" in stopped:  # the model was not sure enough to act at once
        stopped = said(ransel_stack.ask("kari.hansen", "ja"))
    assert "kalenderlenken din virker ikke lenger" in stopped
    assert httpx.get(local(url, app_url)).status_code == 404
    assert "kalenderlenken virker igjen" in said(ransel_stack.ask("kari.hansen", "angre"))
    assert httpx.get(local(url, app_url)).status_code == 200
    ransel_stack.ask("kari.hansen", "slutt å dele kalenderen")
    ransel_stack.ask("kari.hansen", "ja")
    assert httpx.get(local(url, app_url)).status_code == 404


def test_the_calendar_in_nynorsk_and_english(ransel_stack, app_url) -> None:
    ransel_stack.restart("per.lie")
    nynorsk = said(ransel_stack.ask("per.lie", "gi meg kalenderen"))
    assert nynorsk.startswith("Her er den private kalenderlenkja di for Nora:")
    [url] = URL.findall(nynorsk)
    assert httpx.get(local(url, app_url)).status_code == 200
    ransel_stack.restart("james.smith")
    english = said(ransel_stack.ask("james.smith", "give me the calendar link"))
    assert english.startswith("Here is your private calendar link for Olivia:")
    [url] = URL.findall(english)
    calendar = Calendar.from_ical(httpx.get(local(url, app_url)).content)
    assert any("Olivia" in str(e.get("summary")) for e in calendar.walk("VEVENT"))


def test_a_teacher_has_no_family_calendar(ransel_stack) -> None:
    ransel_stack.restart("liv.andersen")
    reply = said(ransel_stack.ask("liv.andersen", "gi meg kalenderen"))
    assert "Du har ingen elev å følge der" in reply and "/calendar/" not in reply


def test_conversations_older_than_the_retention_are_gone_after_the_nightly_job(ransel_stack) -> None:
    ransel_stack.restart("emma.hansen")
    ransel_stack.ask("emma.hansen", "hva er leksene til i morgen?")
    with ransel_stack.runtime.sessions() as session:
        emma = session.scalar(select(Person.id).where(Person.username == "emma.hansen"))
    sender = conversation_id(ransel_stack.settings.sender_secret, emma, Channel.WEB)
    tracker = create_engine(ransel_stack.settings.engine_tracker_url)

    def stored() -> int:
        with tracker.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()

    assert stored() > 0
    # The conversation is Emma's data: it is in her export, both sides of it.
    with ransel_stack.runtime.transaction() as session:
        asker = session.get_one(Person, emma)
        talk = privacy.export_pupil(session, asker, emma, ransel_stack.runtime.clock, tracker).conversations
    assert any(e["who"] == "user" and e["text"] == "hva er leksene til i morgen?" and e["channel"] == "web"
               for e in talk)
    assert any(e["who"] == "bot" and e["text"] for e in talk)
    with tracker.connect() as connection:  # the engine stamps events with the wall clock
        newest = connection.execute(text("SELECT max(timestamp) FROM events WHERE sender_id = :s"),
                                    {"s": sender}).scalar()

    def runtime_at(days: int) -> Runtime:
        return Runtime(ransel_stack.settings, Clock(zone=ransel_stack.runtime.clock.zone,
                                                    fixed=datetime.fromtimestamp(newest, UTC) + timedelta(days=days)))

    # 89 days on the school (which keeps 90) still has them.
    sooner = runtime_at(89)
    try:
        SchedulerService(sooner, {}, name="retention-test-sooner").purge_conversations()
    finally:
        sooner.close()
    assert stored() > 0

    # 91 days on, the nightly job, run as APScheduler runs it, deletes them.
    later = runtime_at(91)
    night = SchedulerService(later, {}, name="retention-test-later")

    async def run_the_job() -> None:
        night._start_scheduler()
        try:
            job = night.scheduler.get_job(RETENTION_JOB_ID)
            assert job is not None and str(job.trigger).startswith("cron[hour='3', minute='30'")
            scheduler_service._running[night.name] = night
            job.func(**job.kwargs)
        finally:
            scheduler_service._running.pop(night.name, None)
            night.scheduler.shutdown(wait=False)

    try:
        asyncio.run(run_the_job())
        assert stored() == 0
    finally:
        later.close()
        tracker.dispose()
