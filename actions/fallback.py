"""Two-stage fallback: the first message we do not understand gets "did you mean ...?" with
the likeliest topics as buttons; a second one in a row gets the help text."""

from __future__ import annotations

from rasa_sdk.events import EventType

from actions._base import (
    CHOOSE_CHILD_ACTION,
    FALLBACK_ACTION,
    REGISTRY,
    RanselAction,
    Turn,
    example_names,
    family_children,
    reset,
)
from actions._items import answers_a_named_item
from actions.confirm import ConfirmAction
from actions.smalltalk import role_of
from bot.i18n import render
from bot.phrases import yes_or_no
from bot.services.people import named_in

# Intents worth offering as "did you mean"; small talk and internal intents are not.
SUGGESTABLE = {
    "ask_homework", "ask_tests", "ask_bring", "ask_timetable", "ask_week_plan", "ask_progress",
    "ask_practice", "set_reminders", "report_absence", "message_teacher", "ask_missing_results",
}
MAX_SUGGESTIONS = 3


class FallbackAction(RanselAction):
    def name(self) -> str:
        return FALLBACK_ACTION

    def respond(self, turn: Turn) -> None:
        if _answers_which_child(turn):
            # "it's about Freya", "nr 2, Gunnhild": not understood as a choice, but we had just
            # asked which child and the message names exactly one of them.
            REGISTRY[CHOOSE_CHILD_ACTION]().respond(turn)
            if turn.tracker.get_slot("fallback_asked"):
                turn.set("fallback_asked", None)
            return
        if yes_or_no(turn.text) is not None:
            # A plain yes or no the model was unsure of ("no" is also nynorsk for "now"): it
            # answers the question asked, or the change just made (see action_confirm).
            ConfirmAction().respond(turn)
            turn.set("confirm", None)
            return
        if answers_a_named_item(turn):
            return
        if turn.tracker.get_slot("fallback_asked"):
            turn.say("help", role=role_of(turn), after_fallback=True, **example_names(turn))
            turn.set("fallback_asked", None)
            return
        ranking = turn.tracker.latest_message.get("intent_ranking") or []
        topics = [r["name"] for r in ranking if r.get("name") in SUGGESTABLE][:MAX_SUGGESTIONS]
        buttons = [{"title": _label(turn, topic), "payload": f"/{topic}"} for topic in topics]
        turn.say("fallback_clarify", buttons=buttons, has_choices=bool(buttons))
        turn.set("fallback_asked", True)

    def closing_events(self, turn: Turn) -> list[EventType]:
        # Unlike every other action, this one keeps counting.
        return [*reset(turn.tracker, "pending"), *turn.events]


def _answers_which_child(turn: Turn) -> bool:
    if not (turn.tracker.get_slot("pending") or {}).get("action"):
        return False
    return len(named_in(turn.text, family_children(turn))) == 1


def _label(turn: Turn, topic: str) -> str:

    return render("topic_label", turn.language, topic=topic)
