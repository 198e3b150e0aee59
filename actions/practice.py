"""What to practise: the top learning resources for this pupil (and subject)."""

from __future__ import annotations

from actions._base import RanselAction, Turn, about, resolve_pupil
from bot.services.practice import practice

TOP = 3


class PracticeAction(RanselAction):
    def name(self) -> str:
        return "action_practice"

    def respond(self, turn: Turn) -> None:
        pupil = resolve_pupil(turn, self.name())
        if pupil is None:
            return
        items = practice(turn.session, turn.person, pupil.id, turn.clock, language=turn.language,
                         subject_code=turn.subject_code, limit=TOP)
        turn.say("practice", items=items, subject=turn.subject_code, **about(turn, pupil))
