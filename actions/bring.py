"""What to bring on a day: bring-items, gear for lessons at special places, event gear."""

from __future__ import annotations

from datetime import timedelta

from actions._base import RanselAction, Turn, about, resolve_pupil
from actions._items import answer_named_item, pupil_by_item
from actions.classes import answer_for_staff
from bot.dates import Span
from bot.models import AssignmentKind
from bot.phrases import ItemFocus
from bot.services.bring import bring_list
from bot.services.calendar import next_school_day
from bot.services.describe import things_to_bring
from bot.services.due import due_items
from bot.services.pupils import school_of

SUBJECT_DAYS = 21
MAX_DAYS = 14  # "denne uka og neste uke"


class BringAction(RanselAction):
    def name(self) -> str:
        return "action_bring"

    def respond(self, turn: Turn) -> None:
        if answer_for_staff(turn, "bring"):
            return
        pupil = resolve_pupil(turn, self.name(), guess=pupil_by_item)
        if pupil is None or answer_named_item(turn, pupil, ItemFocus.BRING):
            return
        span = turn.span()
        if span is None and turn.subject_code:
            # "Hva skal Sigrid ha med til gymmen?": the next day that subject has something to bring.
            upcoming = due_items(turn.session, turn.person, pupil.id, turn.today,
                                 turn.today + timedelta(days=SUBJECT_DAYS), turn.clock, subject_code=turn.subject_code)
            ahead = [i for i in upcoming if i.due >= turn.clock.now()
                     and (i.kind is AssignmentKind.BRING or things_to_bring(i.description))]
            if ahead:
                span = Span(ahead[0].due.date(), ahead[0].due.date())
        if span is not None:
            days = span.days()[:MAX_DAYS]
        else:
            # Asked without a day: packing happens the evening before the next school day.
            school_id = school_of(turn.session, pupil.id)
            days = [next_school_day(turn.session, school_id, turn.today, turn.clock.zone)
                    if school_id is not None else turn.today]
        lists = [bring_list(turn.session, turn.person, pupil.id, day, turn.clock) for day in days]
        if len(lists) > 1:
            # For a week, days without anything to bring are noise.
            lists = [b for b in lists if b.items]
        turn.say("bring", lists=lists, single=len(days) == 1, start=days[0], end=days[-1], **about(turn, pupil))
