"""What a message is by its shape, before any action answers it: the school items it names,
and the staff order it gives. The routing in :mod:`actions._base` asks here, and so do the
features whose answers these are (:mod:`actions._items`, :mod:`actions.orders`).
"""

from __future__ import annotations

import re

from actions._turn import Turn, family_children
from bot.models import Person, Role
from bot.orders import assignment_order, broadcast_order, change_order
from bot.services.items import NamedItem, items_named

STAFF = {Role.TEACHER, Role.SCHOOL_ADMIN}


def _ignore(turn: Turn, pupil: Person) -> frozenset[str]:
    """Names in the message are people, not items."""
    names = {pupil.given_name, pupil.family_name, turn.person.given_name}
    names.update(c.given_name for c in family_children(turn))
    names.update(str(v) for v in turn.entity_values("person"))
    return frozenset(n.casefold() for n in names)


def named_items(turn: Turn, pupil: Person) -> list[NamedItem]:
    found = items_named(turn.session, turn.person, pupil.id, turn.text, turn.clock, ignore=_ignore(turn, pupil))
    if not found and _FOLLOW_UP.search(turn.text):
        # "and what does she need to bring for it?": the item the message before named.
        before = _previous_message(turn)
        if before:
            found = items_named(turn.session, turn.person, pupil.id, before, turn.clock, ignore=_ignore(turn, pupil))
    return found


# A follow-up that points back: "for it", "til den", "på den", "and ...?", "og ...?".
_FOLLOW_UP = re.compile(r"\b(?:for|to|on|about|til|på|om|med)\s+(?:it|that|den|det|dei|dem|the\s+same)\b"
                        r"|^\s*(?:and|og|also|òg|også|hva\s+med|kva\s+med|what\s+about)\b", re.IGNORECASE)


def _previous_message(turn: Turn) -> str | None:
    """The person's message before this one in the conversation (since its last restart)."""
    seen_current = False
    for event in reversed(turn.tracker.events or []):
        if event.get("event") == "restart":
            return None
        if event.get("event") == "user":
            if not seen_current:
                seen_current = True
                continue
            return event.get("text") or None
    return None


_STATUS = re.compile(
    r"^\s*status\s*[?!.]*\s*$|(?:hvordan|korleis|how)\s+(?:gikk|gjekk|did|went|går|går det med)\s+(?:det med\s+)?"
    r"(?:meldingen|meldinga|beskjeden|utsendelsen|sendingen|sendinga|the message|my message|the broadcast)"
    r"|(?:har|have|did)\s+(?:alle|everyone|everybody)\s+(?:fått|fenge|got|received|read|lest)"
    r"|(?:status|leveringsstatus|delivery)\s+(?:på|for|of|on)\s+(?:meldingen|meldinga|beskjeden|the message|the broadcast)"
    r"|(?:who|hvem|kven)\s+(?:har\s+)?(?:ikke|ikkje|didn'?t|did not|has not|hasn'?t)\s+(?:fått|fenge|get|got|received)"
    r"\s+(?:meldingen|meldinga|beskjeden|it|the message)"
    r"|(?:ble|blei|vart|er|har|was|is|has|did)\s+(?:meldingen|meldinga|beskjeden|the\s+message|my\s+message|it)\s+"
    r"(?:blitt\s+|vorte\s+|been\s+)?(?:sendt|send|levert|delivered|sent|lest|read|kommet\s+fram|komme\s+fram|gått\s+ut"
    r"|gone\s+out|went\s+out)", re.IGNORECASE)
_RESEND = re.compile(
    r"(?:send|sende)\s+(?:den\s+|meldingen\s+|meldinga\s+|beskjeden\s+|it\s+|the message\s+)?(?:på nytt|igjen|again|om att|ein gong til)"
    r"|resend|re-send|prøv igjen|prøv på nytt|try again", re.IGNORECASE)


def is_staff(turn: Turn) -> bool:
    return bool(STAFF & turn.roles)


def order_action(turn: Turn) -> str | None:
    """The order action a staff member's message asks for, by its shape; None for a
    question or anything else."""
    if not is_staff(turn):
        return None
    if _RESEND.search(turn.text) and not broadcast_order(turn.text, turn.clock):
        return "action_broadcast_resend"
    if _STATUS.search(turn.text):
        return "action_broadcast_status"
    if broadcast_order(turn.text, turn.clock) is not None:
        return "action_broadcast_order"
    if assignment_order(turn.text, turn.clock) is not None:
        return "action_assignment_order"
    if Role.TEACHER in turn.roles and change_order(turn.text, turn.clock) is not None:
        return "action_assignment_change"
    return None
