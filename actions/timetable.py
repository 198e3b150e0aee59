"""The timetable of a day ("når begynner skolen på mandag?", "hva har vi etter lunsj?") and
the week plan (ukeplan)."""

from __future__ import annotations

from datetime import timedelta

from actions._base import RanselAction, Turn, about, resolve_pupil
from actions._items import NO_TIME, answer_named_item, pupil_by_item
from bot.phrases import Focus, ItemFocus, timetable_focus
from bot.services.describe import substance
from bot.services.due import due_items
from bot.services.timetable import day_schedule
from bot.services.weekplan import week_plan

SEARCH_DAYS = 7


class TimetableAction(RanselAction):
    def name(self) -> str:
        return "action_timetable"

    def respond(self, turn: Turn) -> None:
        pupil = resolve_pupil(turn, self.name(), guess=pupil_by_item)
        if pupil is None or answer_named_item(turn, pupil, ItemFocus.WHAT):
            return
        span = turn.span()
        focus = timetable_focus(turn.text)
        subject = turn.subject_code
        if span is None and subject:
            # "når har vi gym?": the next day with that subject.
            for offset in range(SEARCH_DAYS + 1):
                day = turn.today + timedelta(days=offset)
                schedule = day_schedule(turn.session, turn.person, pupil.id, day, turn.clock)
                lessons = [s for s in schedule.slots if s.subject_code == subject]
                if lessons and (offset > 0 or lessons[-1].ends >= turn.clock.now().time()):
                    turn.say("timetable_subject", day=day, lessons=lessons, subject=subject, found=True,
                             **about(turn, pupil))
                    return
            turn.say("timetable_subject", day=turn.today, lessons=[], subject=subject, found=False,
                     **about(turn, pupil))
            return
        day = span.start if span is not None else self._default_day(turn, pupil.id)
        schedule = day_schedule(turn.session, turn.person, pupil.id, day, turn.clock)
        slots = schedule.slots
        if focus == Focus.AFTER_LUNCH:
            slots = schedule.after("lunch")
        elif focus == Focus.FIRST:
            slots = [s for s in schedule.slots if s.slot_key is None][:1]
        elif focus == Focus.LAST:
            slots = [s for s in schedule.slots if s.slot_key is None][-1:]
        elif focus == Focus.NEXT:
            now = turn.clock.now().time() if day == turn.today else None
            slots = [s for s in schedule.slots if s.slot_key is None and (now is None or s.starts >= now)][:1]
        day_items = []
        if schedule.info.teaching and not schedule.slots:
            # No timetable (a school that exports only OneRoster): what happens that day is
            # its tests, homework, events and things to bring.
            day_items = [{"title": i.title, "subject_code": i.subject_code, "due": i.due,
                          "show_time": i.due.time() not in NO_TIME, "substance": substance(i.description)}
                         for i in due_items(turn.session, turn.person, pupil.id, day, day, turn.clock)]
        turn.say("timetable", schedule=schedule, slots=slots, focus=focus, day=day, day_items=day_items,
                 **about(turn, pupil))

    @staticmethod
    def _default_day(turn: Turn, pupil_id: int):
        """Today while school is still on, else the next day."""
        today = day_schedule(turn.session, turn.person, pupil_id, turn.today, turn.clock)
        if today.info.teaching and today.ends and turn.clock.now().time() < today.ends:
            return turn.today
        return turn.today + timedelta(days=1)


class WeekPlanAction(RanselAction):
    def name(self) -> str:
        return "action_week_plan"

    def respond(self, turn: Turn) -> None:
        pupil = resolve_pupil(turn, self.name(), guess=pupil_by_item)
        if pupil is None or answer_named_item(turn, pupil, ItemFocus.WHAT):
            # "Er plakaten om planetane gruppearbeid?" names a thing: about that thing.
            return
        span = turn.span()
        day = span.start if span is not None else turn.today
        if span is None and turn.today.weekday() >= 5:
            day = turn.today + timedelta(days=7 - turn.today.weekday())  # at the weekend: next week
        plan = week_plan(turn.session, turn.person, pupil.id, day, turn.clock)
        turn.say("week_plan", plan=plan, **about(turn, pupil))
