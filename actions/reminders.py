"""Reminder preferences by conversation: channel, text or voice, time of day, quiet hours,
digests, pause and stop.

Asking how reminders are set changes nothing. A change happens at once only when the
message is unmistakably about Ransel's reminders and messages, said as a request, with the
model sure of it; otherwise Ransel asks a yes/no question that says exactly what will
change. "Skru av alarmen" or "minn meg på å kjøpe melk" are not about school reminders
and change nothing.
"""

from __future__ import annotations

from typing import Any

from actions._base import RanselAction, Turn, about_school, ask_confirm, reroute
from bot.models import Channel
from bot.phrases import (
    PreferenceRequest,
    is_hedged,
    is_question,
    personal_reminder,
    preference_request,
    ransel_settings_cue,
    reminder_cue,
)
from bot.services import preferences

SURE = 0.85
KIND = "reminders"


class RemindersAction(RanselAction):
    def name(self) -> str:
        return "action_reminders"

    def respond(self, turn: Turn) -> None:
        request = preference_request(turn.text, turn.clock)
        if not reminder_cue(turn.text):
            reroute(turn, about_school=about_school(turn))
            return
        if not request.changes_anything or personal_reminder(turn.text):
            # "legg til en påminnelse om svømming kl 11" asks for a reminder of one's own,
            # not a change to the settings: say what Ransel keeps, change nothing.
            # "vis påminnelsene mine" may mean the phone's own: say what Ransel keeps.
            own = personal_reminder(turn.text) or not ransel_settings_cue(turn.text)
            turn.say("reminders", request=request, changed=False, own=own,
                     prefs=preferences.view(turn.session, turn.person))
            return
        if unmistakable(turn) and (ransel_settings_cue(turn.text) or request.only_resumes):
            apply(turn, request.to_data())
            return
        ask_confirm(turn, KIND, request.to_data(), "confirm_reminders", request=request)


def unmistakable(turn: Turn) -> bool:
    """Sure enough to change without asking: the model is sure, it is said as a plain request,
    and it does not come by SMS. A settings change also needs words only Ransel's settings
    have ("skru av påminnelsene" could mean a phone's own), unless it only turns Ransel's
    reminders back on."""
    return (turn.intent == "set_reminders" and turn.confidence >= SURE and not is_question(turn.text)
            and not is_hedged(turn.text) and turn.channel != Channel.SMS)


def apply(turn: Turn, data: dict[str, Any]) -> None:
    """Change the settings (confirmed or unmistakable) and say exactly what changed."""
    request = PreferenceRequest.from_data(data)
    settings = preferences.update(turn.session, turn.person, request, turn.clock)
    turn.say("reminders", request=request, changed=True, prefs=settings)
