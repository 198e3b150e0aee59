"""Cues in a message that the NLU model classifies but does not take apart.

The engine says *what* a message is about (intent) and names subjects and people
(entities). The details that follow are read here, deterministically, in bokmål, nynorsk
and English: which part of the school day ("når begynner", "etter lunsj"), why a child is
away ("syk", "tannlegen"), what a reminder request changes ("som tale klokka 18", "ikke i
helgene", "ukentlig"), and the text of a message for a teacher. Dates and clock times come
from :mod:`bot.dates`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from bot.clock import Clock
from bot.dates import SpanKind, find_span, find_time, find_times
from bot.models import AbsenceReason, Channel, DeliveryMode, Form

_B = r"(?<![\wæøå])"
_E = r"(?![\wæøå])"


def _has(pattern: str, text: str) -> re.Match[str] | None:
    return re.search(_B + r"(?:" + pattern + r")" + _E, text)


def _norm(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


# ----------------------------------------------------------------------------- timetable


class Focus:
    START = "start"
    END = "end"
    AFTER_LUNCH = "after_lunch"
    FIRST = "first"
    LAST = "last"
    NEXT = "next"


_FOCUS = [
    (Focus.AFTER_LUNCH, r"etter\s+(?:lunsj|lunsjen|matpakka|maten|spisefri)|after\s+lunch"),
    (Focus.END, r"slutter|sluttar|slutt|ferdig|ferdige|fri\s+i\s+dag|hjem|heim|finish|finishes|end|ends|over|home"),
    (Focus.START, r"begynner|byrjar|begynne|begynn|starter|startar|start|starts|begin|begins|oppmøte|være\s+på\s+skolen"
                  r"|vere\s+på\s+skulen|be\s+at\s+school|be\s+there"),
    (Focus.FIRST, r"første\s+time|fyrste\s+time|first\s+(?:lesson|period|class)|first\s+thing"),
    (Focus.LAST, r"siste\s+time|last\s+(?:lesson|period|class)"),
    (Focus.NEXT, r"neste\s+time|next\s+(?:lesson|period|class)"),
]


def timetable_focus(text: str) -> str | None:
    """Which part of the day a timetable question is about, or None for the whole day."""
    normalised = _norm(text)
    for focus, pattern in _FOCUS:
        if _has(pattern, normalised):
            return focus
    return None


# ----------------------------------------------------------------------------- absence

_APPOINTMENT = (r"tannlege\w*|lege|legen|legetime|legetimen|lækjar\w*|sjukehus\w*|sykehus\w*|fysio\w*|time\s+hos"
                r"|dentist\w*|doctor\w*|appointment|hospital|orthodontist|tannregulering")
_ILL = (r"syk|sykt|syke|sjuk|sjukt|sjuke|dårlig|dårleg|feber|forkjøla|forkjølet|omgangssyke|omgangssjuke|vondt"
        r"|hodepine|hovudverk|kaste\w*|kasta|korona|covid|influensa|sick|ill|unwell|fever|cold|flu|headache"
        r"|stomach|tummy|threw\s+up|vomit\w*")


def absence_reason(text: str) -> AbsenceReason:
    normalised = _norm(text)
    if _has(_APPOINTMENT, normalised):
        return AbsenceReason.APPOINTMENT
    if _has(_ILL, normalised):
        return AbsenceReason.ILL
    return AbsenceReason.OTHER


# ----------------------------------------------------------------------------- relay

_CANCEL = r"avbryt|glem\s+det|gløym\s+det|angre|nei\s+takk|ikke\s+send|ikkje\s+send|cancel|never\s*mind|forget\s+it|stop|stopp"

_CONTENT_AFTER = [
    r"(?:si|sei|tell|fortell)\s+(?:til\s+)?(?:læreren|læraren|kontaktlæreren|kontaktlæraren|the\s+teacher)\s+(?:at\s+|that\s+)?(.+)",
    r"(?:spør|spørre|spørje|ask)\s+(?:læreren|læraren|kontaktlæreren|kontaktlæraren|the\s+teacher)\s+(?:om\s+|if\s+|whether\s+|about\s+)(.+)",
]


def is_cancel(text: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:" + _CANCEL + r")[\s.!]*", _norm(text)))


def relay_content(text: str) -> str | None:
    """The message for the teacher when it came with the request itself, else None.

    "til læreren: Emma blir hentet kl 12" and "si til læreren at Emma tar bussen" carry it;
    "jeg vil sende en melding til læreren" does not.
    """
    stripped = text.strip()
    if ":" in stripped:
        after = stripped.split(":", 1)[1].strip()
        if len(after.split()) >= 2:
            return after
    for pattern in _CONTENT_AFTER:
        match = re.search(pattern, stripped, flags=re.IGNORECASE)
        if match and len(match[1].split()) >= 3:
            return stripped
    return None


_ANSWER = re.compile(
    r"^\s*(?:svar|reply|answer)(?:\s+(?:på\s+spørsmål|til|to|på|on|nr\.?|no\.?))?\s*#?\s*(\d+)?\s*[:.,-]?\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)


def answer_command(text: str) -> bool:
    """A teacher's numbered answer to a relayed question: "svar 12 ...", "reply #12: ..."."""
    return teacher_answer(text)[0] is not None


def teacher_answer(text: str) -> tuple[int | None, str]:
    """("svar 12 ja det går fint") -> (12, "ja det går fint"); no number -> (None, text)."""
    match = _ANSWER.match(text)
    if not match:
        return None, text.strip()
    number = int(match[1]) if match[1] else None
    return number, match[2].strip()


# ----------------------------------------------------------------------------- practice

_TOPIC = re.compile(r"(?:^|\s)(?:i|på|med|til|om|in|on|with|about|for)\s+([\wæøåÆØÅ-]+(?:\s+og\s+[\wæøåÆØÅ-]+)?)\s*[?.!]*\s*$",
                    re.IGNORECASE)
_NOT_TOPICS = {"meg", "deg", "seg", "oss", "dei", "dem", "hjemme", "heime", "home", "prøven", "prøva", "testen",
               "test", "the", "it", "that", "this", "dette", "det", "skolen", "skulen", "school", "now", "nå", "no"}


def practice_topic(text: str, ignore: set[str] = frozenset()) -> str | None:
    """The topic at the end of a practice question ("øve på i brøk" -> "brøk"), unless it is
    a subject or a name already understood (``ignore``, lower case)."""
    match = _TOPIC.search(text.strip())
    if not match:
        return None
    topic = match[1].strip()
    if topic.casefold() in _NOT_TOPICS or topic.casefold() in ignore:
        return None
    return topic


# ----------------------------------------------------------------------------- reminders

CATEGORY_WORDS = {
    "homework": r"lekse\w*|homework|hw",
    "test": r"prøve\w*|prøva|test|tests|quiz\w*|exam\w*",
    "bring": r"gymtøy|gymklær|ta\s+med|ha\s+med|pakk\w*|utstyr|bring\w*|gym\s+clothes|kit|packing",
    "weekplan": r"ukeplan\w*|vekeplan\w*|week\s*plan|weekly\s+plan",
}

_NEGATION = r"ikke|ikkje|ikkj|not|no|don't|dont|never|aldri|stille|quiet|forstyrr|disturb|ingen|none"
_VOICE = r"tale|talemelding\w*|stemme|lyd|lydmelding\w*|les\s+opp|lest\s+opp|høre|høyre|voice|audio|spoken|out\s+loud|read\s+\w+\s+out"
_TEXT_FORM = r"tekst|skriftleg|skriftlig|text|written"
_SMS = r"sms|tekstmelding\w*|text\s+message\w*|by\s+text"
_TELEGRAM = r"telegram"
_WEB = r"nettsiden|nettside|web|nettleseren|browser|web\s*chat"
_CALL = r"ring\s+meg|telefonsamtale|phone\s+call|call\s+me"
_DAILY = r"daglig|dagleg|daily|en\s+gang\s+om\s+dagen|ein\s+gong\s+om\s+dagen|once\s+a\s+day|hver\s+dag|kvar\s+dag|every\s+day"
_WEEKLY = (r"ukentlig|ukentleg|vekentleg|vekevis|weekly|en\s+gang\s+i\s+uka|ein\s+gong\s+i\s+veka|once\s+a\s+week"
           r"|hver\s+uke|kvar\s+veke|every\s+week|hver\s+søndag|kvar\s+sundag|every\s+sunday|ukesoppsummering")
_INSTANT = r"med\s+en\s+gang|med\s+ein\s+gong|straks|right\s+away|immediately|instantly|at\s+once|med\s+det\s+samme"
_PAUSE = r"pause|pausa|ta\s+en\s+pause|ta\s+ein\s+pause|take\s+a\s+break|snooze"
_RESUME = (r"igjen|again|back\s+on|resume|skru\s+på|slå\s+på|turn\s+on|turn\s+\w+\s+(?:back\s+)?on|start\s+opp"
           r"|start\s+\w+\s+igjen")
_STOP = (r"stopp|stop|slutt\s+å|avslutt|skru\s+av|slå\s+av|turn\s+off|mute|unsubscribe|ikke\s+ha\s+flere|ikkje\s+ha\s+fleire"
         r"|vil\s+ikke\s+ha|vil\s+ikkje\s+ha|don't\s+want|no\s+more")
_WEEKEND = r"helg\w*|weekend\w*|lørdag\w*|søndag\w*|laurdag\w*|sundag\w*|saturday\w*|sunday\w*"
_SHOW = (r"hva\s+er\s+innstilling\w*|kva\s+er\s+innstilling\w*|vis|show|what\s+are\s+my|how\s+are\s+my"
         r"|hvordan\s+er|korleis\s+er|innstillinger|innstillingar|settings")
_QUIET_AFTER = r"etter|after|seinare\s+enn|senere\s+enn|later\s+than"
_QUIET_BEFORE = r"før|before|tidligere\s+enn|tidlegare\s+enn|earlier\s+than"


@dataclass
class PreferenceRequest:
    """What a message asks to change; None means "leave as it is"."""

    form: Form | None = None
    channel: Channel | None = None
    preferred_time: time | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None
    quiet_weekends: bool | None = None
    mode: DeliveryMode | None = None
    categories: list[str] = field(default_factory=list)  # empty: every reminder category
    paused_until: date | None = None
    stop: bool = False
    resume: bool = False

    @property
    def changes_anything(self) -> bool:
        return any(
            value is not None
            for value in (self.form, self.channel, self.preferred_time, self.quiet_start, self.quiet_end,
                          self.quiet_weekends, self.mode, self.paused_until)
        ) or self.stop or self.resume


def _first_of(text: str, patterns: dict) -> object | None:
    """The value whose pattern occurs first in the text ("heller tekst enn tale" -> text)."""
    best: tuple[int, object] | None = None
    for pattern, value in patterns.items():
        match = _has(pattern, text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), value)
    return best[1] if best else None


def preference_request(text: str, clock: Clock) -> PreferenceRequest:
    normalised = _norm(text)
    request = PreferenceRequest()
    request.categories = [c for c, pattern in CATEGORY_WORDS.items() if _has(pattern, normalised)]
    negated = bool(_has(_NEGATION, normalised))

    request.channel = _first_of(normalised, {_SMS: Channel.SMS, _TELEGRAM: Channel.TELEGRAM,
                                             _CALL: Channel.VOICE, _WEB: Channel.WEB})
    without_sms = re.sub(_B + _SMS + _E, " ", normalised)
    request.form = _first_of(without_sms, {_VOICE: Form.VOICE, _TEXT_FORM: Form.TEXT})

    weekend = _has(_WEEKEND, normalised)
    if weekend:
        request.quiet_weekends = negated or bool(_has(_STOP, normalised))
        if _has(r"også|og\s+så|au|too|as\s+well|also", normalised):
            request.quiet_weekends = False

    times = find_times(normalised)
    single = find_time(normalised)
    quiet_words = bool(_has(r"stille|quiet|forstyrr|disturb|natt|natta|night", normalised))
    if len(times) >= 2 and (negated or quiet_words):
        request.quiet_start, request.quiet_end = times[0], times[1]
    elif single is not None and negated and _has(_QUIET_AFTER, normalised):
        request.quiet_start = single
    elif single is not None and negated and _has(_QUIET_BEFORE, normalised):
        request.quiet_end = single
    elif single is not None:
        request.preferred_time = single

    request.mode = _first_of(normalised, {_DAILY: DeliveryMode.DAILY, _WEEKLY: DeliveryMode.WEEKLY,
                                          _INSTANT: DeliveryMode.INSTANT})

    if _has(_PAUSE, normalised):
        request.paused_until = _pause_end(normalised, clock)
    elif _has(_RESUME, normalised) and not _has(r"ikke|ikkje|don't|not", normalised):
        request.resume = True
    elif _has(_STOP, normalised) and not weekend and request.quiet_start is None and request.quiet_end is None:
        if request.categories:
            request.mode = DeliveryMode.OFF
        elif request.channel is None and request.form is None:
            request.stop = True
    return request


_DURATION = re.compile(
    r"(?:i|for|in)\s+(?:en|ei|ett|eitt|a|an|one|1|(\d+)|to|two|tre|three)\s+(dag|dagar|dager|days?|uke|uker|veke|veker|weeks?)"
)
_NUMBER_WORDS = {"to": 2, "two": 2, "tre": 3, "three": 3}


_QUIET_DURING = {SpanKind.BREAK, SpanKind.WEEKEND, SpanKind.TERM}


def _pause_end(text: str, clock: Clock) -> date:
    """The day reminders resume (the scheduler sends nothing non-critical before it):
    "til mandag" -> Monday; "i en uke" -> a week from today; "i juleferien", "til jul" ->
    the day after the break, the day the break starts."""
    today = clock.today()
    match = _DURATION.search(text)
    if match:
        raw = match.group(0).split()[1]
        count = int(match[1]) if match[1] else _NUMBER_WORDS.get(raw, 1)
        days = count * (7 if match[2].startswith(("u", "v", "w")) else 1)
        return today + timedelta(days=days)
    span = find_span(text, clock)
    if span is not None and (span.kind in _QUIET_DURING or span.start <= today < span.end):
        # "i juleferien", "i helga", "til jul", "resten av uka": quiet through the whole stretch.
        return span.end + timedelta(days=1)
    if span is not None and span.start > today:
        return span.start
    return today + timedelta(days=7)
