"""Answers about one thing a person names ("når er geometriprøven?", "hva skal Syver ha med
til aktivitetsdagen?", "what did I get on the fractions test?"): that item's date and time,
what its description says, what to bring, and the result once there is one.

Every question action that is about a pupil's school items asks here first; when the
message names an item of that pupil, the answer is about that item, whatever list the
intent alone would have given.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from actions._base import FALLBACK_ACTION, Turn, _named, about, family_children, resolve_pupil
from actions._shapes import named_items
from bot.access import AccessDenied
from bot.models import AssignmentKind, Person, Role, ScoreStatus
from bot.phrases import ItemFocus, item_focus
from bot.services.describe import substance, things_of, times_said
from bot.services.items import NamedItem

# A OneRoster dueDate without a time of day is imported as 08:00 (the importer's DUE_TIME),
# and 00:00 means "that day": neither is a time anyone set.
NO_TIME = {time(0, 0), time(8, 0)}
_DONE = {ScoreStatus.SUBMITTED, ScoreStatus.PARTIALLY_GRADED, ScoreStatus.FULLY_GRADED, ScoreStatus.EXEMPT}


def answer_named_item(turn: Turn, pupil: Person, default_focus: str = ItemFocus.WHAT) -> bool:
    """Answer about the item(s) the message names, if it names any; False if it names none."""
    found = named_items(turn, pupil)
    if not found:
        return False
    # The words decide what is asked; without such words the whole picture (what it is, what
    # to bring, the result), except where the question was about a result.
    focus = item_focus(turn.text) or (default_focus if default_focus == ItemFocus.RESULT else ItemFocus.WHAT)
    now = turn.clock.now()
    if focus == ItemFocus.RESULT and all(i.due > now for i in found):
        focus = ItemFocus.WHAT  # no result before it has happened: what it is, then
    turn.say("item", items=[_view(i, now) for i in found], focus=focus, **about(turn, pupil))
    return True


def pupil_by_item(turn: Turn) -> Person | None:
    """A guardian of several children who names an item but no child: the one child whose
    items include it ("når er juleavslutningen?" asked about the only child who has one)."""
    if Role.GUARDIAN not in turn.roles:
        return None
    matches = [c for c in family_children(turn) if named_items(turn, c)]
    return matches[0] if len(matches) == 1 else None


def answers_a_named_item(turn: Turn) -> bool:
    """A message the model could not place that names one of the pupil's items ("kor lenge
    skal foredraget mitt vere?") is answered about that item."""
    if not ({Role.PUPIL, Role.GUARDIAN} & turn.roles) and not _named(turn):
        return False  # staff name the pupil; without one there is nobody to look in
    try:
        pupil = resolve_pupil(turn, FALLBACK_ACTION, ask=False, guess=pupil_by_item)
    except AccessDenied:
        return False
    return pupil is not None and answer_named_item(turn, pupil)


def _view(item: NamedItem, now: Any) -> dict[str, Any]:
    bring = things_of(item.title, item.description, bring_item=item.kind is AssignmentKind.BRING)
    result = item.result
    return {
        "title": item.title,
        "kind": item.kind.value,
        "subject_code": item.subject_code,
        "group_name": item.group_name,
        "due": item.due,
        "show_time": item.due.time() not in NO_TIME,
        "past": item.due < now,
        "substance": substance(item.description),
        "bring": bring,
        "times": times_said(item.description, f"{item.due:%H:%M}"),
        "graded": result is not None and result.score is not None,
        "score": result.score if result else None,
        "max_score": (result.max_score if result and result.max_score else item.max_score),
        "percent": (round(100 * result.score / result.max_score) if result and result.score is not None
                    and result.max_score else None),
        "comment": (result.comment or "").strip() if result else "",
        "scored_on": result.scored_on if result else None,
        "handed_in": result is not None and result.status in _DONE,
        "not_submitted": result is not None and result.status is ScoreStatus.NOT_SUBMITTED,
        "expects_result": item.kind in (AssignmentKind.TEST, AssignmentKind.HOMEWORK, AssignmentKind.PROJECT),
    }
