"""Homework and assignments due, and upcoming tests."""

from __future__ import annotations

import re
from datetime import timedelta

from actions._base import RanselAction, Turn, about, resolve_pupil
from actions._items import answer_named_item, pupil_by_item
from actions.classes import PROJECT_WORDS as _PROJECT_WORDS
from actions.classes import answer_for_staff
from bot.models import AssignmentKind
from bot.phrases import ItemFocus
from bot.services.due import due_items, upcoming_tests

_HOMEWORK_WORDS = re.compile(r"leks\w*|homework|oppgåve\w*|oppgave\w*|innlevering\w*|assignment\w*", re.IGNORECASE)
_ALSO_TESTS = re.compile(r"prøv\w*|\btest\w*|quiz\w*|exam\w*", re.IGNORECASE)
# Without a date, "what's the homework?" means what is due in the coming week.
DEFAULT_DAYS_AHEAD = 6
SUBJECT_DAYS_AHEAD = 14
PAST_DAYS = 28
_PAST_WORDS = re.compile(r"\b(?:had|was|were|did|forgot|hadde|var|skulle|glemte|gløymde|hatt)\b", re.IGNORECASE)
TEST_DAYS_AHEAD = 28


class HomeworkAction(RanselAction):
    def name(self) -> str:
        return "action_homework"

    def respond(self, turn: Turn) -> None:
        if answer_for_staff(turn, "homework"):
            return
        if _ALSO_TESTS.search(turn.text) and not _HOMEWORK_WORDS.search(turn.text):
            TestsAction().respond(turn)  # "what tests do we have in december" read as homework
            return
        pupil = resolve_pupil(turn, self.name(), guess=pupil_by_item)
        if pupil is None or answer_named_item(turn, pupil, ItemFocus.WHAT):
            return
        span = turn.span()
        if span is not None:
            start, end = span.start, span.end
        elif _PAST_WORDS.search(turn.text):
            # "Adrian had to measure something for science, when was it due?": the weeks gone by.
            start, end = turn.today - timedelta(days=PAST_DAYS), turn.today
        else:
            # One subject's homework is rarer: look two weeks ahead for it.
            ahead = SUBJECT_DAYS_AHEAD if turn.subject_code else DEFAULT_DAYS_AHEAD
            start, end = turn.today, turn.today + timedelta(days=ahead)
        kinds = {AssignmentKind.HOMEWORK}
        if _PROJECT_WORDS.search(turn.text):
            kinds.add(AssignmentKind.PROJECT)  # a poster or a talk is homework only when asked about
        if _ALSO_TESTS.search(turn.text):
            kinds.add(AssignmentKind.TEST)  # "hvilke prøver og lekser gikk han glipp av?"
        items = due_items(
            turn.session, turn.person, pupil.id, start, end, turn.clock,
            kinds=kinds, subject_code=turn.subject_code,
        )
        if span is None and not _PAST_WORDS.search(turn.text):
            items = [i for i in items if i.due >= turn.clock.now()]
        turn.say("homework", items=items, start=start, end=end,
                 asked_span=span is not None or end - start != timedelta(days=DEFAULT_DAYS_AHEAD),
                 subject=turn.subject_code, **about(turn, pupil))


class TestsAction(RanselAction):
    def name(self) -> str:
        return "action_tests"

    def respond(self, turn: Turn) -> None:
        if answer_for_staff(turn, "tests"):
            return
        pupil = resolve_pupil(turn, self.name(), guess=pupil_by_item)
        if pupil is None or answer_named_item(turn, pupil, ItemFocus.WHAT):
            return
        span = turn.span()
        kinds = {AssignmentKind.TEST}
        if _PROJECT_WORDS.search(turn.text):
            kinds.add(AssignmentKind.PROJECT)  # "prøver og fremføringer før jul"
        if span is not None:
            items = due_items(turn.session, turn.person, pupil.id, span.start, span.end, turn.clock,
                              kinds=kinds, subject_code=turn.subject_code)
            start, end = span.start, span.end
        else:
            items = upcoming_tests(turn.session, turn.person, pupil.id, turn.clock, days=TEST_DAYS_AHEAD,
                                   subject_code=turn.subject_code)
            start, end = turn.today, turn.today + timedelta(days=TEST_DAYS_AHEAD)
        turn.say("tests", items=items, start=start, end=end, asked_span=span is not None,
                 subject=turn.subject_code, **about(turn, pupil))
