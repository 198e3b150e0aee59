"""A guardian reports a child absent ("Emma er syk i dag"); the contact teacher is told if the
school's rules say so, and the guardian is told whether they were."""

from __future__ import annotations

from datetime import date

from actions._base import RanselAction, Turn, family_children, resolve_pupil
from bot.dates import find_spans
from bot.models import Role
from bot.phrases import absence_reason
from bot.services.absence import InvalidAbsence, report_absence


class ReportAbsenceAction(RanselAction):
    def name(self) -> str:
        return "action_report_absence"

    def respond(self, turn: Turn) -> None:
        if Role.GUARDIAN not in turn.roles or not family_children(turn):
            # Pupils and teachers do not report absence here; guardians without
            # parental responsibility get the same answer as anyone else.
            turn.say("absence_guardians_only", is_pupil=Role.PUPIL in turn.roles)
            return
        pupil = resolve_pupil(turn, self.name())
        if pupil is None:
            return
        first, last = _days(turn)
        try:
            report = report_absence(turn.session, turn.person, pupil.id, first, last,
                                    absence_reason(turn.text), turn.clock)
        except InvalidAbsence:
            turn.say("absence_out_of_range")
            return
        turn.say(
            "absence_recorded",
            name=report.pupil.given_name,
            first_day=report.absence.first_day,
            last_day=report.absence.last_day,
            notified=[t.name for t in report.notified],
            already=report.already_reported,
            today=turn.today,
        )


def _days(turn: Turn) -> tuple[date, date]:
    """From the first to the last day named ("i dag og i morgen"); today if none."""
    spans = find_spans(turn.text, turn.clock)
    if not spans:
        return turn.today, turn.today
    return min(s.start for s in spans), max(s.end for s in spans)
