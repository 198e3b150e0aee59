"""A guardian reports a child absent ("Emma er syk i dag"); the contact teacher is told if the
school's rules say so, and the guardian is told whether they were.

Recorded at once only when the message is unmistakably an absence report (the model is sure,
the message says the child is away, and it is not a question); otherwise Ransel asks a yes/no
question that says exactly what will be recorded and who will be told. A message that says
nothing about being away was not an absence report: it is answered as what it likely was.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from actions._base import (
    REGISTRY,
    RanselAction,
    Turn,
    about_school,
    ask_confirm,
    example_names,
    family_children,
    reroute,
    resolve_pupil,
)
from bot.models import AbsenceReason, Role
from bot.phrases import absence_cue, absence_reason, subject_of_teacher
from bot.services import relay as relay_module
from bot.services.absence import InvalidAbsence, plan_absence, report_absence

SURE = 0.85
KIND = "absence"


class ReportAbsenceAction(RanselAction):
    def name(self) -> str:
        return "action_report_absence"

    def respond(self, turn: Turn) -> None:
        relay = REGISTRY.get("action_relay_from_message")
        if relay is not None and relay.applies(turn) and (
                _PAST_ILLNESS.search(turn.text) or subject_of_teacher(turn.text)
                or relay_module.named_teacher_subject(turn.session, turn.person, turn.text, turn.clock)):
            # "Send ei melding til Tone Lie om at Astrid har vore sjuk": a message for a
            # teacher that mentions illness, not an absence report.
            relay().respond(turn)
            return
        if not absence_cue(turn.text) or _asks_about_past_illness(turn.text) or _GOING_ANYWAY.search(turn.text):
            reroute(turn, about_school=about_school(turn))
            return
        if Role.GUARDIAN not in turn.roles or not family_children(turn):
            # Pupils and teachers do not report absence here; guardians without
            # parental responsibility get the same answer as anyone else.
            turn.say("absence_guardians_only", is_pupil=Role.PUPIL in turn.roles)
            return
        pupil = resolve_pupil(turn, self.name())
        if pupil is None:
            return
        first, last = _days(turn)
        reason = absence_reason(turn.text)
        try:
            plan = plan_absence(turn.session, turn.person, pupil.id, first, last, reason, turn.clock)
        except InvalidAbsence:
            turn.say("absence_out_of_range", **example_names(turn))
            return
        if plan.already_reported:
            record(turn, {"pupil_id": pupil.id, "first": first.isoformat(), "last": last.isoformat(),
                          "reason": reason.value})
            return
        data = {"pupil_id": pupil.id, "first": plan.first_day.isoformat(), "last": plan.last_day.isoformat(),
                "reason": reason.value}
        # Always asked first: the contact teacher is told at once, and a message that has
        # reached a teacher cannot be taken back, only corrected.
        ask_confirm(turn, KIND, data, "confirm_absence", name=plan.pupil.given_name, first_day=plan.first_day,
                    last_day=plan.last_day, reason=reason.value, teachers=[t.name for t in plan.teachers],
                    today=turn.today)


_PAST_ILLNESS = re.compile(
    r"\b(?:har\s+hatt|hadde|har\s+vært|har\s+vore|var|vart|was|were|has\s+been|have\s+been|had)\b", re.IGNORECASE)
_WH_QUESTION = re.compile(r"(?:^|[.!?]\s*|,\s*)(?:når|hva|kva|hvilke|hvilken|kva\s+for|kor\s+mykje|hvor\s+mye|when|what|which"
                          r"|how\s+much|how\s+many)\b[^.!]*\?", re.IGNORECASE)


# "litt forkjølet, men hun skal på skolen", "going to school anyway": not away.
_GOING_ANYWAY = re.compile(r"(?:skal|går|kjem|kommer|er)\s+(?:likevel\s+|lell\s+|ändå\s+)?(?:på|til)\s+(?:skolen|skulen)"
                           r"|going\s+(?:to\s+)?school|goes\s+to\s+school|still\s+going|going\s+in\s+anyway"
                           r"|(?:men|but)\s+(?:\w+\s+){0,3}(?:frisk|fine|well|ok|okay)\b", re.IGNORECASE)
_REPORT_REQUEST = re.compile(r"meld(?!ing)|registrer|register|report|si\s+ifr|sei\s+ifr|gi\s+beskjed|gje\s+beskjed|let\s+\w+\s+know"
                             r"|tell|fravær|fråvær|absence|absent|borte", re.IGNORECASE)


def _asks_about_past_illness(text: str) -> bool:
    """"Kasper har hatt influensa. Når er naturfagprøven?", "Elias var sjuk rundt gloseprøva.
    Fekk han resultat?": an illness already over and a question about something else —
    answered, not reported."""
    if not _PAST_ILLNESS.search(text):
        return False
    if _WH_QUESTION.search(text):
        return True
    questions = [q for q in re.findall(r"[^.!?]*\?", text) if q.strip()]
    return bool(questions) and not any(_REPORT_REQUEST.search(q) for q in questions)


def record(turn: Turn, data: dict[str, Any]) -> None:
    """Record the absence (after a yes) and say exactly what happened."""
    first, last = date.fromisoformat(data["first"]), date.fromisoformat(data["last"])
    try:
        report = report_absence(turn.session, turn.person, int(data["pupil_id"]), first, last,
                                AbsenceReason(data["reason"]), turn.clock)
    except InvalidAbsence:
        turn.say("absence_out_of_range", **example_names(turn))
        return
    turn.say(
        "absence_recorded",
        name=report.pupil.given_name,
        first_day=report.absence.first_day,
        last_day=report.absence.last_day,
        notified=[t.name for t in report.notified],
        already=report.already_reported,
        reason=report.absence.reason.value,
        today=turn.today,
    )


def _days(turn: Turn) -> tuple[date, date]:
    """From the first day named to the last ("i dag og i morgen", "fra fredag til jul");
    today if none."""
    spans = turn.spans()
    if not spans:
        return turn.today, turn.today
    return spans[0].start, max(s.end for s in spans)
