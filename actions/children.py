"""The person says which child a question was about ("Emma", or a tap on a button); the
question that was waiting resumes with that child."""

from __future__ import annotations

from actions._base import (
    CHOOSE_CHILD_ACTION,
    FALLBACK_ACTION,
    REGISTRY,
    RanselAction,
    Turn,
    family_children,
    resolve_pupil,
)
from actions._items import answer_named_item
from bot.services.people import named_in


class ChooseChildAction(RanselAction):
    def name(self) -> str:
        return CHOOSE_CHILD_ACTION

    def respond(self, turn: Turn) -> None:
        pending = turn.tracker.get_slot("pending") or {}
        action = REGISTRY.get(pending.get("action", ""))
        named = turn.entity_values("person")
        if not named:
            named = [c.given_name for c in named_in(turn.text, family_children(turn))]
        if action is None and not named:
            # A lone word that is nobody's name ("ja", "hmm"): not understood, not a child.
            REGISTRY[FALLBACK_ACTION]().respond(turn)
            return
        if action is None:
            pupil = resolve_pupil(turn, self.name())
            # "Når er brøkprøven til Lucas?" can read as a bare name: a thing named with the
            # child is the question, answered about that thing.
            if pupil is not None and not answer_named_item(turn, pupil):
                turn.say("child_chosen", name=pupil.given_name)
            return
        turn.text = pending.get("text") or ""
        turn.intent, turn.confidence = pending.get("intent"), float(pending.get("confidence") or 0.0)
        turn.entities = list(pending.get("entities") or []) + [{"entity": "person", "value": n} for n in named]
        action().respond(turn)
