"""What to practise: the top learning resources for this pupil (and subject or topic), from
the learning engine's recommendations."""

from __future__ import annotations

from actions._base import RanselAction, Turn, about, resolve_pupil
from actions._items import answer_named_item, pupil_by_item
from bot.learning.recommend import CatalogueCache, recommend
from bot.phrases import practice_topic

TOP = 3
# The catalogue's static facts, kept for the life of the action server (it reloads itself
# when the catalogue changes).
CATALOGUE = CatalogueCache()


class PracticeAction(RanselAction):
    def name(self) -> str:
        return "action_practice"

    def respond(self, turn: Turn) -> None:
        pupil = resolve_pupil(turn, self.name(), guess=pupil_by_item)
        if pupil is None:
            return
        # "hva skal Noah øve på til matteprøven?": what the test covers is the answer.
        if answer_named_item(turn, pupil):
            return
        understood = {turn.text[e["start"]:e["end"]].casefold() for e in turn.entities
                      if "start" in e and "end" in e}
        understood |= {v.casefold() for v in turn.entity_values("person")}
        topic = practice_topic(turn.text, understood)

        def ask(text: str | None) -> list:
            return recommend(turn.session, turn.person, pupil.id, subject_code=turn.subject_code, text=text,
                             limit=TOP, clock=turn.clock, language=turn.language, cache=CATALOGUE)

        found = ask(topic) if topic else []
        if not found:  # a topic with nothing on it: the subject's best instead
            found = ask(None)
        items = [{"title": r.resource.title, "url": r.resource.url, "reason": r.reason} for r in found]
        turn.say("practice", items=items, subject=turn.subject_code, topic=topic, **about(turn, pupil))
