"""The private calendar feed by chat: "gi meg kalenderen" gives a subscription URL (shown
once, like a password), "slutt å dele kalenderen" stops it. The same service as the family
page (:mod:`bot.services.calendar_feed`).

Giving the first link changes nothing anyone relies on, so it is given at once. A new link
while one works would stop the old one: that is asked first. Stopping a link cuts off every
calendar that subscribes to it: it happens at once only when unmistakable (the model is
sure, the words say stop and calendar, not a question, not by SMS), else after a yes; a
stop is undone by "angre".
"""

from __future__ import annotations

from typing import Any

from actions import _runtime
from actions._base import RanselAction, Turn, ask_confirm
from bot.access import family_of
from bot.models import Channel
from bot.phrases import calendar_stop_cue, is_hedged, is_question
from bot.services import calendar_feed

SURE = 0.85
ISSUE_KIND = "calendar"
REVOKE_KIND = "calendar_revoke"


def _nobody(turn: Turn) -> bool:
    """A person with no pupil to follow (a teacher): there is no family calendar to give."""
    if family_of(turn.session, turn.person, turn.today):
        return False
    turn.say("calendar_link", state="nobody")
    return True


class CalendarFeedAction(RanselAction):
    def name(self) -> str:
        return "action_calendar_feed"

    def respond(self, turn: Turn) -> None:
        if _nobody(turn):
            return
        if calendar_feed.feed_status(turn.session, turn.person, turn.clock).live:
            ask_confirm(turn, ISSUE_KIND, {}, "calendar_link", state="confirm_new")
            return
        issue(turn, {})


def issue(turn: Turn, data: dict[str, Any]) -> None:
    issued = calendar_feed.issue_feed(turn.session, turn.person, turn.clock, _runtime.get().settings.public_base_url)
    turn.say("calendar_link", state="issued", url=issued.url, names=issued.names, replaced=issued.replaced)


class CalendarRevokeAction(RanselAction):
    def name(self) -> str:
        return "action_calendar_revoke"

    def respond(self, turn: Turn) -> None:
        if not calendar_feed.feed_status(turn.session, turn.person, turn.clock).live:
            turn.say("calendar_link", state="none_live")
            return
        if (turn.intent == "calendar_revoke" and turn.confidence >= SURE and calendar_stop_cue(turn.text)
                and not is_question(turn.text) and not is_hedged(turn.text) and turn.channel != Channel.SMS):
            revoke(turn, {})
            return
        ask_confirm(turn, REVOKE_KIND, {}, "calendar_link", state="confirm_revoke")


def revoke(turn: Turn, data: dict[str, Any]) -> None:
    ended = calendar_feed.revoke_feeds(turn.session, turn.person, turn.clock)
    turn.say("calendar_link", state="revoked" if ended else "none_live")
