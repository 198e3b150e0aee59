"""The private calendar link as a service (SQLite and PostgreSQL): one live link per
person, a new one ends the old, a stop is undone by "angre" unless a newer link exists."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import api_tokens
from bot.models import ApiToken
from bot.phrases import calendar_stop_cue
from bot.services import calendar_feed
from bot.services.undo import undo_last
from tests.builders import build_school

BASE = "https://ransel.example"


@pytest.fixture
def school(session):
    return build_school(session)


def secret_of(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def test_a_new_link_ends_the_old_one_and_names_the_children(session, school, clock) -> None:
    first = calendar_feed.issue_feed(session, school.kari, clock, BASE)
    assert first.url.startswith(BASE + "/calendar/") and first.names == ["Emma", "Jonas"] and first.replaced == 0
    second = calendar_feed.issue_feed(session, school.kari, clock, BASE)
    assert second.replaced == 1
    now = clock.utcnow()
    assert api_tokens.resolve(session, secret_of(first.url), "calendar", now) is None
    assert api_tokens.resolve(session, secret_of(second.url), "calendar", now).id == school.kari.id
    # Only the hash is kept: the URL is nowhere in the stores.
    assert secret_of(second.url) not in set(session.scalars(select(ApiToken.token_hash)))


def test_a_stopped_link_comes_back_with_undo_but_not_after_a_new_one(session, school, clock) -> None:
    issued = calendar_feed.issue_feed(session, school.per, clock, BASE)
    assert calendar_feed.revoke_feeds(session, school.per, clock) == 1
    assert not calendar_feed.feed_status(session, school.per, clock).live
    assert calendar_feed.revoke_feeds(session, school.per, clock) == 0  # nothing left to stop
    undone = undo_last(session, school.per, clock)
    assert undone is not None and undone.kind == "calendar"
    assert api_tokens.resolve(session, secret_of(issued.url), "calendar", clock.utcnow()) is not None
    calendar_feed.revoke_feeds(session, school.per, clock)
    newer = calendar_feed.issue_feed(session, school.per, clock, BASE)
    assert undo_last(session, school.per, clock) is None  # the newer link stays the only one
    assert api_tokens.resolve(session, secret_of(issued.url), "calendar", clock.utcnow()) is None
    assert api_tokens.resolve(session, secret_of(newer.url), "calendar", clock.utcnow()) is not None


@pytest.mark.parametrize("text", ["slutt å dele kalenderen", "stopp kalenderlenkja", "revoke my calendar link",
                                  "switch off the calendar feed", "ikkje del kalenderen meir"])
def test_words_that_stop_a_calendar_link(text: str) -> None:
    assert calendar_stop_cue(text)


@pytest.mark.parametrize("text", ["gi meg kalenderen", "kan jeg få kalenderen på telefonen?",
                                  "give me the calendar link", "I lost the calendar link, can I get a new one",
                                  "stopp påminnelsene"])
def test_words_that_do_not(text: str) -> None:
    assert not calendar_stop_cue(text)
