"""Who teaches a pupil ("hvem er kontaktlæreren til Emma?", "kven har Nora i norsk?",
"who teaches Olivia maths?"): the contact teacher, a subject's teacher, or all of them."""

from __future__ import annotations

import re

from actions._base import RanselAction, Turn, about, resolve_pupil
from actions._items import named_items
from actions.classes import answer_for_staff
from bot.phrases import subject_of_teacher
from bot.services.relay import teachers_of


class WhoTeachesAction(RanselAction):
    def name(self) -> str:
        return "action_who_teaches"

    def respond(self, turn: Turn) -> None:
        if answer_for_staff(turn, "class"):
            return
        pupil = resolve_pupil(turn, self.name())
        if pupil is None:
            return
        found = teachers_of(turn.session, turn.person, pupil.id, turn.clock)
        subject = subject_of_teacher(turn.text) or turn.subject_code
        if subject is None:
            # "who do I ask about the geography quiz?": the teacher of the subject it belongs to.
            named = [i.subject_code for i in named_items(turn, pupil) if i.subject_code]
            subject = named[0] if named else None
        if subject is not None:
            teachers = [t.name for code, t in found.by_subject if code == subject]
            turn.say("who_teaches", subject=subject, teachers=teachers, contact=[t.name for t in found.contact],
                     with_contact=bool(re.search(r"kontaktl|contact|form\s+teacher|class\s+teacher", turn.text, re.I)),
                     **about(turn, pupil))
            return
        subjects: dict[str, list[str]] = {}
        for code, teacher in found.by_subject:
            subjects.setdefault(code, []).append(teacher.name)
        turn.say("who_teaches", subject=None, teachers=[], contact=[t.name for t in found.contact],
                 subjects=list(subjects.items()), **about(turn, pupil))
