"""What a teacher orders from the chat, read from the words: a message to a class's
guardians or pupils ("send til foresatte i 6A: Bibliotekturen er flyttet til torsdag"), and
homework, a test or things to bring for a class ("legg inn lekse i matte til torsdag for 6A:
side 40–41", "6A skal ha med badetøy og håndkle på onsdag").

These are syntax, not guesses: a message is an order only when it has the shape of one (an
audience and a text; a kind of work, a class and a day). Nothing here changes anything: the
actions show what would happen and ask for a yes first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.clock import Clock
from bot.dates import Span, find_span
from bot.services.classes import class_names_in, grades_in

GUARDIANS, PUPILS, BOTH = "guardians", "pupils", "both"

_GUARDIAN_WORDS = (r"foresatte|føresette|foreldre|foreldra|foreldrene|foreldrane|guardians?|parents?|families"
                   r"|familiene|familiane|heimane|hjemmene|hjem(?:met)?\b|heim(?:en)?\b|mums? and dads?")
_PUPIL_WORDS = r"elever|elevene|elevane|elevar|pupils?|students?|kids|klassen\b(?! til)"
_EVERYONE = r"\balle\b|everyone|everybody|både|begge|both|all of them"
_SCHOOL_WORDS = r"hele skolen|heile skulen|skolen\b|skulen\b|whole school|the school|alle på skolen|alle på skulen"
_SEND = re.compile(
    r"\b(?:send|sende|sendt|skriv|skrive|gi beskjed|gje beskjed|gi melding|gje melding|si ifra|sei ifrå|si til|sei til"
    r"|varsle|varsl|message|tell|notify|inform|write|let .* know|melding|beskjed|broadcast|kunngjøring|info)\b",
    re.IGNORECASE)
_URGENT = re.compile(r"\b(?:haster|hastar|viktig|urgent|akutt|straks|important|asap|umiddelbart|med en gang)\b",
                     re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^\s*(?:hva|hvilke|hvilken|hvem|hvor|når|hvordan|kva|kven|kor|korleis|kvifor|what|which|who|when|how|where|why"
    r"|har|er|is|are|do|does|did|can you tell|kan du fortelle)\b", re.IGNORECASE)
_TIME = re.compile(r"\b(?:kl\.?|klokka|klokken|at)\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?(?![\wæøå])", re.IGNORECASE)
# Where the message text starts when there is no colon: "... i 6A om at turen er avlyst".
_CONNECTOR = re.compile(r"\s(?:om at|og si at|og sei at|at(?!\s*\d)|that|saying|to say)\s", re.IGNORECASE)
_TODAY = re.compile(r"\b(?:i dag|idag|today|i kveld|tonight)\b", re.IGNORECASE)


@dataclass(frozen=True)
class BroadcastOrder:
    audience: str  # guardians | pupils | both
    class_name: str | None  # "6A"
    grade: int | None
    whole_school: bool
    text: str
    day: date | None
    at: time | None
    urgent: bool


def _split(text: str) -> tuple[str, str] | None:
    """(the order, the message) at the first colon that is not in a time of day, else at
    "om at"/"that"."""
    for m in re.finditer(r":", text):
        before, after = text[: m.start()], text[m.end():]
        if before[-1:].isdigit() and after[:1].isdigit():
            continue  # 07:30
        return before, after.strip()
    connector = _CONNECTOR.search(text)
    if connector:
        return text[: connector.start()], text[connector.end():].strip()
    return None


def _send_time(header: str, clock: Clock) -> tuple[date | None, time | None]:
    span: Span | None = find_span(header, clock)
    day = span.start if span is not None else None
    m = _TIME.search(header)
    at = None
    if m:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if (m.group(3) or "").lower() == "pm" and hour < 12:
            hour += 12
        if hour < 24 and minute < 60:
            at = time(hour, minute)
    return day, at


def broadcast_order(text: str, clock: Clock) -> BroadcastOrder | None:
    """The broadcast a message orders, or None when it is not one."""

    split = _split(text)
    if split is None:
        return None
    header, body = split
    if not body or _QUESTION_START.search(header) or (not _SEND.search(header) and not re.match(
            r"\s*(?:til|to)\b", header, re.IGNORECASE)):
        return None
    guardians = re.search(_GUARDIAN_WORDS, header, re.IGNORECASE) is not None
    pupils = re.search(_PUPIL_WORDS, header, re.IGNORECASE) is not None
    everyone = re.search(_EVERYONE, header, re.IGNORECASE) is not None
    if not (guardians or pupils or everyone):
        return None
    audience = BOTH if (guardians and pupils) or (everyone and not (guardians ^ pupils)) else (
        GUARDIANS if guardians else PUPILS)
    classes = class_names_in(header)
    grades = grades_in(header)
    whole = re.search(_SCHOOL_WORDS, header, re.IGNORECASE) is not None and not classes and not grades
    day, at = _send_time(header, clock)
    return BroadcastOrder(audience, classes[0] if classes else None, grades[0] if grades and not classes else None,
                          whole, body, day, at, _URGENT.search(header) is not None)


def send_moment(day: date | None, at: time | None, clock: Clock) -> datetime | None:
    """When an order asks to send (None: now). A time without a day is today; a day without
    a time is that morning at 07:30."""
    if day is None and at is None:
        return None
    return datetime.combine(day or clock.today(), at or time(7, 30), tzinfo=clock.zone)


# --------------------------------------------------------------------------- assignments

HOMEWORK, TEST, BRING = "homework", "test", "bring"

_ADD = re.compile(r"\b(?:legg inn|legg til|leggje inn|legg ut|registrer|registrere|lag|opprett|sett opp|ny|nytt|add|put"
                  r"|set|create|new|schedule|post)\b", re.IGNORECASE)
_KIND = [
    (TEST, re.compile(r"(?:prøve|prøva|prøven|test|quiz|tentamen|exam)\b", re.IGNORECASE)),
    (HOMEWORK, re.compile(r"(?:lekse|lekser|leksa|leksen|homework|innlevering|oppgave|assignment)\b", re.IGNORECASE)),
    (BRING, re.compile(r"\b(?:ta med|ha med|bring|thing to bring|things to bring)\b", re.IGNORECASE)),
]
_BRING_ORDER = re.compile(r"\b(?:skal|må|should|must|need to|needs to|have to|has to)\s+(?:ha med seg|ha med|ta med|bring)"
                          r"\s+(.+)", re.IGNORECASE)
_BRING_BODY = re.compile(r"\s*(?:ta med|ha med|bring)\s+(.+)", re.IGNORECASE)
_DAY_TAIL = re.compile(r"\s+(?:på|til|on|for|neste|next|this|denne|den|by)\b.*$|\s+(?:i morgen|tomorrow|i dag|today)\b.*$"
                       r"|\s+(?:mandag|tirsdag|tysdag|onsdag|torsdag|fredag|monday|tuesday|wednesday|thursday|friday)\b.*$",
                       re.IGNORECASE)


# "..., kan du legge det inn?", "Can you add it?": the order, asked politely.
_POLITE_TAIL = re.compile(r"[.!]?\s*(?:kan|kunne|vil)\s+du\s+(?:legge|leggje|registrere|sette|setje|føre)\s+(?:det|den|dette|dei|de)"
                          r"(?:\s+inn)?(?:\s+for\s+meg)?\s*\??\s*$|[.!]?\s*(?:can|could|would)\s+you\s+(?:add|put|register|enter)"
                          r"\s+(?:it|that|this|them)(?:\s+in)?(?:\s+for\s+me)?(?:,?\s+please)?\s*\??\s*$", re.IGNORECASE)
_POLITE_HEAD = re.compile(r"\s*(?:kan|kunne|vil)\s+du\s+(?:legge|leggje|registrere|sette|setje)\s+(?:inn|til|opp)\s+(?:at\s+)?"
                          r"|\s*(?:can|could|would)\s+you\s+(?:please\s+)?(?:add|put\s+in|register|set\s+up)\s+(?:that\s+)?",
                          re.IGNORECASE)
_ABOUT = re.compile(r"\s(?:about|on the topic of|om|tema|topic)\s+(.+)$", re.IGNORECASE)
# "ny prøve i naturfag for 6c fredag 18.12, repetisjon av kapittel 3": the contents after a comma.
_AFTER_COMMA = re.compile(r",\s*(.{3,})$")
_MAX = re.compile(r"\b(?:max|maks|maksimalt|maximum|av)\.?\s*(\d+(?:[.,]\d+)?)\s*(?:poeng|points|p)\b", re.IGNORECASE)


def max_score_in(text: str) -> float | None:
    """"maks 30 poeng", "max 20 points": a test's maximum score."""
    m = _MAX.search(text)
    return float(m.group(1).replace(",", ".")) if m else None


@dataclass(frozen=True)
class AssignmentOrder:
    kind: str  # homework | test | bring
    class_name: str
    day: date
    at: time | None
    text: str  # what the pupils are to do / the test's contents / the things to bring


def assignment_order(text: str, clock: Clock) -> AssignmentOrder | None:
    """The homework, test or bring-item a message orders for a class, or None."""

    text = _POLITE_TAIL.sub("", text).strip()
    polite = _POLITE_HEAD.match(text)
    if polite:
        # "Kan du legge inn at 5B må ta med nisselue ...?": the order, asked politely.
        text = "legg inn " + text[polite.end():].rstrip(" ?")
    if _QUESTION_START.search(text) or text.rstrip().endswith("?"):
        return None
    classes = class_names_in(text)
    if not classes:
        return None
    bring = _BRING_ORDER.search(text)
    if bring:
        things = _DAY_TAIL.sub("", bring.group(1)).strip(" .,!")
        day, at = _send_time(text, clock)
        if not things or day is None:
            return None
        return AssignmentOrder(BRING, classes[0], _ahead(day, text, clock), at, things)
    split = _split(text)
    if split is None:
        # "Add a science test for 3B on Wednesday 16 December about the weather": the
        # contents follow "about"/"om".
        about = _ABOUT.search(text) or _AFTER_COMMA.search(text)
        if about is None or not _ADD.search(text[: about.start()]):
            return None
        split = text[: about.start()], about.group(1).strip()
    header, body = split
    kind = next((k for k, pattern in _KIND if pattern.search(header)), None)
    bring_body = _BRING_BODY.match(body)
    if kind is None and bring_body and _ADD.search(header):
        # "Legg til for 6B: ta med ski og stavar fredag 18. desember": the body says what it is.
        day, at = _send_time(header, clock)
        if day is None:
            day, at = _send_time(body, clock)
        listed = _DAY_TAIL.sub("", bring_body.group(1)).strip(" .,!")
        if day is None or not listed:
            return None
        return AssignmentOrder(BRING, classes[0], _ahead(day, body, clock), at, listed)
    if kind is None or not body:
        return None
    if not _ADD.search(header) and not re.match(r"\s*(?:lekse|lekser|prøve|test|homework|quiz)\b", header, re.IGNORECASE):
        return None
    day, at = _send_time(header, clock)
    if day is None:
        # "Legg inn en lekse til 6A: les side 70–72 til fredag 11. desember": the day is in the text.
        day, at = _send_time(body, clock)
        if day is None:
            return None
        header = body
    return AssignmentOrder(kind, classes[0], _ahead(day, header, clock), at, body.strip())


def _ahead(day: date, text: str, clock: Clock) -> date:
    """Work is set for a day ahead: "på onsdag" said on a Wednesday means next week's,
    unless the teacher says "i dag"."""
    if day == clock.today() and not _TODAY.search(text):
        return day + timedelta(days=7)
    return day


MOVE, REMOVE = "move", "remove"
_MOVE = re.compile(r"\b(?:flytt|flytte|flyttar|utsett|utsette|move|postpone|reschedule|push)\b", re.IGNORECASE)
_REMOVE = re.compile(r"\b(?:slett|slette|fjern|fjerne|avlys|avlyse|delete|remove|cancel|drop)\b", re.IGNORECASE)
_ITEM_WORD = re.compile(r"prøv|test|quiz|leks|homework|oppgåv|oppgav|innlevering|assignment|ta med|ha med|bring",
                        re.IGNORECASE)
_TO_DAY = re.compile(r"\b(?:til|to|until|på|on)\b\s+(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class ChangeOrder:
    action: str  # move | remove
    day: date | None
    at: time | None


def change_order(text: str, clock: Clock) -> ChangeOrder | None:
    """"Flytt prøven til onsdag", "slett leksa", "move the test to Friday at 10"."""
    if _QUESTION_START.search(text) or not _ITEM_WORD.search(text):
        return None
    if _MOVE.search(text):
        target = _TO_DAY.search(text[_MOVE.search(text).end():])  # type: ignore[union-attr]
        if target is None:
            return None
        day, at = _send_time(target.group(1), clock)
        if day is None:
            return None
        return ChangeOrder(MOVE, _ahead(day, target.group(1), clock), at)
    if _REMOVE.search(text):
        return ChangeOrder(REMOVE, None, None)
    return None
