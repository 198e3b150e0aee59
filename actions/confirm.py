"""Yes/no answers to a question that said exactly what would happen, "angre"/"undo", and
choosing the reply language.

A state-changing action that is not sure asks first and leaves its plan in the ``confirm``
slot (:func:`actions._base.ask_confirm`). "ja" carries the plan out through the same
function the action would have called; "nei" drops it; anything else also drops it (the
base action resets the slot), so nothing unconfirmed ever happens later by surprise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk.events import EventType

from actions import _runtime, absence, calendar, orders, profile, reminders, teacher
from actions._base import RanselAction, Turn, reset
from bot import confirm_codes
from bot.phrases import confirmation_code, language_request, yes_or_no
from bot.services import changes, preferences
from bot.services.undo import undo_last

# What each kind of plan does once the person said yes.
CARRY_OUT: dict[str, Callable[[Turn, dict[str, Any]], None]] = {
    absence.KIND: absence.record,
    teacher.KIND: teacher.send,
    teacher.ANSWER_KIND: teacher.send_answer,
    reminders.KIND: reminders.apply,
    orders.BROADCAST_KIND: orders.send,
    orders.ASSIGNMENT_KIND: orders.add,
    orders.CHANGE_KIND: orders.change,
    calendar.ISSUE_KIND: calendar.issue,
    calendar.REVOKE_KIND: calendar.revoke,
    profile.KIND: profile.apply,
}


class ConfirmAction(RanselAction):
    def name(self) -> str:
        return "action_confirm"

    def respond(self, turn: Turn) -> None:
        pending = turn.tracker.get_slot("confirm") or {}
        answer = yes_or_no(turn.text)
        if not pending.get("kind"):
            # "ja" / "nei" right after a change was made and reported ("Fraværet til Isak i dag
            # er registrert."): yes says again what was done, no undoes it.
            done = changes.just_made(turn.session, turn.person, turn.clock) if answer is not None else None
            if done is not None and answer is True:
                turn.say("confirm_already_done", today=turn.today, **changes.describe(turn.session, done))
                return
            if done is not None and answer is False:
                UndoAction().respond(turn)
                return
            turn.say("confirm_nothing", answer=answer)
            return
        if answer is False or (answer is None and not pending.get("code")):
            turn.say("confirm_cancelled", kind=pending["kind"])
            return
        data = dict(pending.get("data") or {})
        if pending.get("code"):
            check = confirm_codes.verify(_runtime.get().settings.sender_secret, confirmation_code(turn.text),
                                         turn.person.id, pending["kind"], data, pending["code"], turn.clock.utcnow())
            if check.expired:
                turn.say("confirm_code_expired")
                return
            if not check.ok:
                turn.say("confirm_code_wrong", left=check.tries_left)
                if check.tries_left:
                    tries = int(pending["code"].get("tries", 0)) + 1
                    turn.set("confirm", {**pending, "code": {**pending["code"], "tries": tries}})
                return
        CARRY_OUT[pending["kind"]](turn, data)


class UndoAction(RanselAction):
    def name(self) -> str:
        return "action_undo"

    def respond(self, turn: Turn) -> None:
        undone = undo_last(turn.session, turn.person, turn.clock)
        if undone is None:
            turn.say("undo_nothing")
            return
        if undone.kind == "language":
            turn.language = undone.facts["language"]
        turn.say("undo_done", kind=undone.kind, today=turn.today, **undone.facts)


class ChooseLanguageAction(RanselAction):
    def name(self) -> str:
        return "action_choose_language"

    def respond(self, turn: Turn) -> None:
        language = language_request(turn.text)
        if language is None:
            turn.say("help")
            return
        preferences.choose_language(turn.session, turn.person, language, turn.clock)
        turn.language = language
        turn.say("language_chosen")

    def closing_events(self, turn: Turn) -> list[EventType]:
        return [*reset(turn.tracker, "fallback_asked", "pending", "confirm"), *turn.events]
