"""Two-stage fallback: the first message we do not understand gets "did you mean ...?" with
the likeliest topics as buttons; a second one in a row gets the help text."""

from __future__ import annotations

from rasa_sdk.events import EventType

from actions._base import RanselAction, Turn, _named, example_names, family_children, reset, resolve_pupil, words_of
from actions.smalltalk import role_of
from bot.access import AccessDenied
from bot.models import Role
from bot.phrases import yes_or_no

# Intents worth offering as "did you mean"; small talk and internal intents are not.
SUGGESTABLE = {
    "ask_homework", "ask_tests", "ask_bring", "ask_timetable", "ask_week_plan", "ask_progress",
    "ask_practice", "set_reminders", "report_absence", "message_teacher", "ask_missing_results",
}
MAX_SUGGESTIONS = 3


class FallbackAction(RanselAction):
    def name(self) -> str:
        return "action_fallback"

    def respond(self, turn: Turn) -> None:
        if _answers_which_child(turn):
            # "it's about Freya", "nr 2, Gunnhild": not understood as a choice, but we had just
            # asked which child and the message names exactly one of them.
            from actions.children import ChooseChildAction

            ChooseChildAction().respond(turn)
            if turn.tracker.get_slot("fallback_asked"):
                turn.set("fallback_asked", None)
            return
        if yes_or_no(turn.text) is not None:
            # A plain yes or no the model was unsure of ("no" is also nynorsk for "now"): it
            # answers the question asked, or the change just made (see action_confirm).
            from actions.confirm import ConfirmAction

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


def answers_a_named_item(turn: Turn) -> bool:
    """A message the model could not place that names one of the pupil's items ("kor lenge
    skal foredraget mitt vere?") is answered about that item."""
    from actions._items import answer_named_item, pupil_by_item

    if not ({Role.PUPIL, Role.GUARDIAN} & turn.roles) and not _named(turn):
        return False  # staff name the pupil; without one there is nobody to look in
    try:
        pupil = resolve_pupil(turn, "action_fallback", ask=False, guess=pupil_by_item)
    except AccessDenied:
        return False
    return pupil is not None and answer_named_item(turn, pupil)


def _answers_which_child(turn: Turn) -> bool:
    if not (turn.tracker.get_slot("pending") or {}).get("action"):
        return False
    words = words_of(turn.text)
    return len([c for c in family_children(turn) if c.given_name.casefold() in words]) == 1


def _label(turn: Turn, topic: str) -> str:
    from bot.i18n import render

    return render("topic_label", turn.language, topic=topic)
