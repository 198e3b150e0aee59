"""Progress: a pupil about themself, a guardian about a child, a teacher about a pupil or
a test in their groups ("hvem mangler resultat på brøkprøven?")."""

from __future__ import annotations

import re

from actions._base import RanselAction, Turn, _named, about, resolve_pupil
from actions._items import answer_named_item, pupil_by_item
from actions.classes import answer_for_staff
from bot.access import AccessDenied
from bot.models import Role
from bot.phrases import ItemFocus
from bot.services.progress import find_assignments, missing_results, progress

# "Aksel's test results", "alle resultata til Eva", "hva har hun fått på prøvene?": each result.
_EVERY_RESULT = re.compile(
    r"\balle\b[^?.]*resultat|\ball\b[^?.]*(?:results|scores|grades|marks)|test\s+results|resultatene|resultata"
    r"|sine\s+resultat|resultata\s+sine|prøvene\s+sine|prøvane\s+sine|fått\s+på\s+prøvene|fått\s+på\s+prøvane"
    r"|fekk\s+på\s+prøvane|results\s+so\s+far|every\s+result|karakterene|karakterane|her\s+results|his\s+results"
    r"|got\s+on\s+(?:the|her|his|their)\s+tests|resultat\s+hittil|hittil\s+i"
    # "Korleis går det med Tiril på prøvane så langt?", "how are her tests going": every test.
    r"|hvilke\s+resultat\w*|kva\s+resultat\w*|which\s+results|what\s+results|resultater\b|my\s+results"
    r"|mine\s+resultat|resultata\s+mine|resultatene\s+mine"
    r"|på\s+prøvene|på\s+prøvane|(?:the|her|his|their)\s+tests|så\s+langt|so\s+far|til\s+nå|til\s+no\b", re.IGNORECASE)


class ProgressAction(RanselAction):
    def name(self) -> str:
        return "action_progress"

    def respond(self, turn: Turn) -> None:
        # "hvordan gikk brøkprøven?", "who is behind in 7B?" from a teacher: about a class.
        if answer_for_staff(turn, "progress"):
            return
        pupil = resolve_pupil(turn, self.name(), guess=pupil_by_item)
        if pupil is None or answer_named_item(turn, pupil, ItemFocus.RESULT):
            return
        subjects = progress(turn.session, turn.person, pupil.id, turn.clock, subject_code=turn.subject_code)
        turn.say("progress", subjects=subjects, subject=turn.subject_code, every=bool(_EVERY_RESULT.search(turn.text)),
                 **about(turn, pupil))


class MissingResultsAction(RanselAction):
    def name(self) -> str:
        return "action_missing_results"

    def respond(self, turn: Turn) -> None:
        if Role.TEACHER not in turn.roles and Role.SCHOOL_ADMIN not in turn.roles:
            # "Hvem mangler resultat?" is about a class: not theirs to see. "Har Even fått
            # resultat på kartleggingsprøven?" is about their own child.
            if re.match(r"\s*(?:hvem|kven|who)\b", turn.text, re.IGNORECASE):
                raise AccessDenied()
            ProgressAction().respond(turn)
            return
        if answer_for_staff(turn, "missing"):
            return
        if _named(turn):
            # "Leah Kristiansen's result on the mapping test": about that pupil.
            ProgressAction().respond(turn)
            return
        found = find_assignments(turn.session, turn.person, turn.text, turn.clock)
        if not found:
            turn.say("test_not_found")
            return
        report = missing_results(turn.session, turn.person, found[0].id, turn.clock)
        turn.say("missing_results", report=report)
