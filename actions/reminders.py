"""Reminder preferences by conversation: channel, text or voice, time of day, quiet hours,
digests, pause and stop."""

from __future__ import annotations

from actions._base import RanselAction, Turn
from bot.phrases import preference_request
from bot.services import preferences


class RemindersAction(RanselAction):
    def name(self) -> str:
        return "action_reminders"

    def respond(self, turn: Turn) -> None:
        request = preference_request(turn.text, turn.clock)
        settings = preferences.update(turn.session, turn.person, request, turn.clock)
        turn.say("reminders", request=request, changed=request.changes_anything, prefs=settings)
