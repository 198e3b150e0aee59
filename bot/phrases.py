"""Cues in a message that the NLU model classifies but does not take apart.

The engine says *what* a message is about (intent) and names subjects and people
(entities). The details that follow are read here, deterministically, in bokmål, nynorsk
and English: which part of the school day ("når begynner", "etter lunsj"), why a child is
away ("syk", "tannlegen"), what a reminder request changes ("som tale klokka 18", "ikke i
helgene", "ukentlig"), and the text of a message for a teacher. Dates and clock times come
from :mod:`bot.dates`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import TypeVar

import yaml

from bot.clock import Clock
from bot.config import PROJECT_ROOT
from bot.dates import SpanKind, find_span, find_time, find_times
from bot.models import AbsenceReason, Channel, DeliveryMode, Form

T = TypeVar("T")

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
    # "Please message Jan Lunde that Selma left her book", "Skriv til Guro Sæther at ...".
    r"(?:message|tell|write\s+to|text|email|skriv\s+til|si\s+til|sei\s+til)\s+"
    r"(?:(?:Mr|Mrs|Ms|Miss)\.?\s+[A-ZÆØÅ][\w'’-]+|[A-ZÆØÅ][\w'’-]+\s+[A-ZÆØÅ][\w'’-]+)\s+(?:om\s+at|at|that)\s+(.+)",
    # "Can you message Ole Hauge and ask whether ...", "skriv til Guro Sæther og spør om ...".
    r"(?:message|tell|write\s+to|text|email|skriv\s+til|send\s+(?:en\s+|ei\s+|ein\s+)?(?:melding|beskjed)\s+til)\s+"
    r"(?:(?:Mr|Mrs|Ms|Miss)\.?\s+[A-ZÆØÅ][\w'’-]+|[A-ZÆØÅ][\w'’-]+\s+[A-ZÆØÅ][\w'’-]+)\s+"
    r"(?:and\s+ask|og\s+spør\w*)\s+((?:whether|if|about|om|for|when|når|kva|hva|what)\s+.+)",
    # "send Henrik's English teacher a message asking whether he can use his tablet".
    r"(?:message|melding|beskjed|note)\s+(?:asking|som\s+spør|og\s+spør|og\s+spørje|to\s+ask)\s+((?:whether|if|about|om|for)\s+.+)",
    # "send en melding til Erik Bakke om at ...", "a message to Sarah Jones that ...": a named teacher.
    r"(?:melding|beskjed|message|note|word)\s+(?:til|to)\s+(?:[A-ZÆØÅ][\w'’-]+\s+){1,3}(?:om\s+at|at|that|saying(?:\s+that)?)\s+(.+)",
    # "Kan du sende en melding om at jeg ønsker en samtale?": what the message says.
    r"(?:melding|meldinga|meldingen|beskjed|message|note)\s+(?:om\s+at|at|that|saying(?:\s+that)?)\s+(.+)",
    # "send a message to Ragnhild Lie to thank her for ...": what it is for.
    r"(?:message|note)\s+to\s+(?:[A-ZÆØÅ][\w'’-]+\s+){1,3}to\s+((?:thank|ask|tell|say|let|remind|apologi[sz]e)\s+.+)",
    r"(?:si|sei|tell|fortell)\s+(?:til\s+)?(?:læreren|læraren|kontaktlæreren|kontaktlæraren|the\s+teacher)\s+(?:at\s+|that\s+)?(.+)",
    r"(?:spør|spørre|spørje|ask)\s+(?:læreren|læraren|kontaktlæreren|kontaktlæraren|the\s+teacher)\s+(?:om\s+|if\s+|whether\s+|about\s+)(.+)",
    # "send en melding til kontaktlæreren til Frida om at hun blir hentet", "message Ingrid's
    # teacher that she'll be picked up", "tell Ludvig's maths teacher that he missed ...":
    # a teacher (any kind: "norsklæraren", "maths teacher"), a few words naming whose, then
    # what to say.
    # "message Theodor's contact teacher and ask for a meeting about ...", "... og be om ein samtale".
    r"\w*(?:lærer|lærar|teacher)\w*(?:\s+[\w'’]+){0,3}?\s+(?:and\s+ask|og\s+spør|og\s+spørre|og\s+spørje|og\s+spørja|og\s+be|and\s+request)"
    r"\s+((?:for|about|if|whether|om|etter)\s+.+)",
    r"\w*(?:lærer|lærar|teacher)\w*(?:\s+[\w'’]+){0,3}?\s+(?:om\s+at|at|that|saying(?:\s+that)?"
    r"|to\s+say(?:\s+that)?|og\s+si(?:e)?\s+at|og\s+sei(?:e)?\s+at|and\s+say(?:\s+that)?)\s+(.+)",
]


def is_cancel(text: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:" + _CANCEL + r")[\s.!]*", _norm(text)))


def relay_content(text: str) -> str | None:
    """The message for the teacher when it came with the request itself, else None.

    "til læreren: Emma blir hentet kl 12" and "si til læreren at Emma tar bussen" carry it;
    "jeg vil sende en melding til læreren" does not. "Kan du sende ei melding til
    kontaktlæraren? Ho har ikkje ski." carries it in the sentences after the request.
    """
    stripped = text.strip()
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", stripped) if s.strip()]
    if len(sentences) > 1 and relay_cue(sentences[0]) and ":" not in sentences[0]:
        rest = " ".join(sentences[1:])
        if len(rest.split()) >= 3:
            return rest
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


def practice_topic(text: str, ignore: Set[str] = frozenset()) -> str | None:
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
# "kvelden før", "the evening before", "om morgonen": a time of day said in words.
_EVENING = (r"kvelden\s+(?:før|i\s+forvegen|i\s+forveien|dagen\s+før)|om\s+kvelden|på\s+kvelden|kveldstid"
            r"|(?:the\s+)?(?:evening|night)\s+before|in\s+the\s+evening|evenings")
_MORNING = (r"om\s+morgenen|om\s+morgonen|på\s+morgenen|på\s+morgonen|morgenen\s+samme\s+dag|morgonen\s+same\s+dag"
            r"|in\s+the\s+morning|mornings|(?:the\s+)?same\s+morning")
EVENING_TIME, MORNING_TIME = time(18, 0), time(7, 0)
# "jeg vil gjerne ha påminnelser om prøvene", "I'd like reminders about tests": asked for.
_WANTS = (r"vil\s+(?:gjerne\s+)?(?:ha|få)|ønsker|ønskjer|ynskjer|gjerne\s+(?:ha|få)|kan\s+(?:du|eg|jeg|jeg)\s+(?:sende|få)"
          r"|send\s+meg|send\s+me|i'd\s+like|i\s+would\s+like|i\s+want|can\s+i\s+(?:get|have)|please\s+send"
          r"|could\s+you\s+send|can\s+you\s+send|remind\s+me|minne?\s+meg|minn\s+meg")
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

    def to_data(self) -> dict[str, object]:
        """JSON-safe, to wait in a yes/no question."""
        out: dict[str, object] = {}
        for name, value in self.__dict__.items():
            if isinstance(value, (time, date)):
                value = value.isoformat()
            elif hasattr(value, "value"):
                value = value.value
            out[name] = value
        return out

    @classmethod
    def from_data(cls, data: dict[str, object]) -> PreferenceRequest:
        def opt(kind, value):
            return None if value is None else kind(value)

        return cls(
            form=opt(Form, data.get("form")),
            channel=opt(Channel, data.get("channel")),
            preferred_time=opt(time.fromisoformat, data.get("preferred_time")),
            quiet_start=opt(time.fromisoformat, data.get("quiet_start")),
            quiet_end=opt(time.fromisoformat, data.get("quiet_end")),
            quiet_weekends=data.get("quiet_weekends"),  # type: ignore[arg-type]
            mode=opt(DeliveryMode, data.get("mode")),
            categories=list(data.get("categories") or []),  # type: ignore[call-overload]
            paused_until=opt(date.fromisoformat, data.get("paused_until")),
            stop=bool(data.get("stop")),
            resume=bool(data.get("resume")),
        )

    @property
    def changes_anything(self) -> bool:
        return any(
            value is not None
            for value in (self.form, self.channel, self.preferred_time, self.quiet_start, self.quiet_end,
                          self.quiet_weekends, self.mode, self.paused_until)
        ) or self.stop or self.resume

    @property
    def only_resumes(self) -> bool:
        """Turns Ransel's reminders back on and changes nothing else."""
        return self.resume and not self.stop and self.paused_until is None and not any(
            value is not None
            for value in (self.form, self.channel, self.preferred_time, self.quiet_start, self.quiet_end,
                          self.quiet_weekends, self.mode))


def _first_of(text: str, patterns: dict[str, T]) -> T | None:
    """The value whose pattern occurs first in the text ("heller tekst enn tale" -> text)."""
    best: tuple[int, T] | None = None
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
    elif not negated and _has(_EVENING, normalised):
        request.preferred_time = EVENING_TIME
    elif not negated and _has(_MORNING, normalised):
        request.preferred_time = MORNING_TIME

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
    elif request.categories and request.mode is None and not negated and _has(_WANTS, normalised):
        # Reminders about tests asked for: each one as it comes (whatever they were before).
        request.mode = DeliveryMode.INSTANT
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


# ----------------------------------------------------------------------------- confirmation

_YES = (r"ja|jo|jepp|japp|jup|jada|javisst|ja\s+takk|ja\s+gjerne|ja\s+det\s+stemmer|det\s+stemmer|stemmer|riktig"
        r"|korrekt|gjør\s+det|gjer\s+det|send|send\s+den|send\s+det|meld|registrer|ok|okei|okay|greit|yes|yep|yeah"
        r"|yes\s+please|sure|correct|right|that's\s+right|do\s+it|go\s+ahead|confirm|bekreft|👍")
_NO = (r"nei|neitakk|nei\s+takk|nope|no|nah|no\s+thanks|ikke\s+send|ikkje\s+send|don't|do\s+not|avbryt|glem\s+det"
       r"|gløym\s+det|cancel|stopp|stop|feil|wrong|never\s*mind|forget\s+it|la\s+være|la\s+vere|👎")
_UNDO = (r"angre|angr|angre\s+det|angre\s+siste|angra|angr[ae]\s+det\s+siste|gjør\s+om|gjer\s+om|omgjør|trekk\s+tilbake"
         r"|trekk\s+det\s+tilbake|ta\s+tilbake|undo|undo\s+that|undo\s+it|take\s+it\s+back|revert|reverser")
_CODE = re.compile(r"(?<!\d)(\d{4,6})(?!\d)")


# Saying a message was a mistake ("sorry, wrong chat", "beklager, feil person").
_RETRACT = (r"sorry|beklager|orsak|unnskyld|oops|oi|ups|wrong\s+chat|wrong\s+person|wrong\s+number|my\s+mistake|my\s+bad"
            r"|feil\s+chat|feil\s+person|feil\s+nummer|feil\s+tråd|ignore\s+(?:that|it|this)|glem\s+det|gløym\s+det"
            r"|forget\s+it|never\s*mind|ikke\s+bry\s+deg|ikkje\s+bry\s+deg|det\s+var\s+feil|wrong")


def yes_or_no(text: str) -> bool | None:
    """True for a plain yes ("ja", "ja takk, send"), False for a plain no, None otherwise.

    Only short answers count: "ja, men hva er leksene?" is a new question, not a yes."""
    normalised = _norm(text).strip(" .!?,")
    normalised = _CODE.sub(" ", normalised).strip(" .!?,")
    words = normalised.split()
    if not words or len(words) > 5:
        return None
    if re.fullmatch(r"(?:" + _NO + r")(?:[\s,.!]+(?:" + _NO + r"|takk|thanks|thank\s+you))*", normalised):
        return False
    if re.fullmatch(r"(?:(?:" + _NO + r")[\s,.!]+)?(?:" + _RETRACT + r")(?:[\s,.!]+(?:" + _RETRACT + r"))*", normalised):
        return False  # "no, sorry, wrong chat": take it back
    if re.fullmatch(r"(?:" + _YES + r")(?:[\s,.!]+(?:" + _YES + r"|takk|thanks|thank\s+you|please|gjerne))*",
                    normalised):
        return True
    return None


def confirmation_code(text: str) -> str | None:
    """A 4-6 digit code in a reply ("ja 4821"), or None."""
    match = _CODE.search(text)
    return match[1] if match else None


def is_undo(text: str) -> bool:
    """"angre", "angre det", "undo": reverse the last change. A short message only."""
    normalised = _norm(text).strip(" .!?,")
    return bool(re.fullmatch(r"(?:(?:kan\s+du|can\s+you|please|vær\s+så\s+snill\s+og)\s+)?(?:" + _UNDO
                             + r")(?:\s+(?:det|that|it|siste|meldingen|fraværet|please|takk))*", normalised))


_LANGUAGES = [
    ("nn", r"nynorsk"),
    ("nb", r"bokmål|bokmal|norsk|norwegian"),
    ("en", r"engelsk|english"),
]
_LANGUAGE_VERB = (r"(?:svar|snakk|skriv|bruk|bytt|byt|reply|answer|respond|speak|talk|write|use|switch|change|prefer)\w*"
                  r"|vil\s+ha|ønsker|ynskjer")


def language_request(text: str) -> str | None:
    """The language a person asks Ransel to use ("svar meg på nynorsk", "reply in English",
    "kan du snakke engelsk?"), or None. The whole message must be about that."""
    normalised = _norm(text).strip(" .!?,")
    if len(normalised.split()) > 9 or not _has(_LANGUAGE_VERB, normalised):
        return None
    for code, pattern in _LANGUAGES:
        if _has(r"(?:på|in|to|into|til)\s+(?:" + pattern + r")|(?:" + pattern + r")(?:\s+(?:takk|please))?$", normalised):
            return code
    return None


# ----------------------------------------------------------------------------- what a message is

_QUESTION_START = (r"hva|hvordan|når|hvem|hvor|hvilken|hvilke|hvilket|hvorfor|hvor\s+mye|kva|korleis|kven|kvar|kor"
                   r"|kvifor|kva\s+for|what|what's|whats|how|when|who|where|which|why|does|do|did|is|are|was|were"
                   r"|har|hadde|er|var|skal|må|får|fikk|fekk|blir|gikk|gjekk|går|trenger|treng|have|has|had|should"
                   r"|will|would|vet|veit|husker|hugsar")


_GREETING_FIRST = re.compile(
    r"^\s*(?:hei(?:\s*hei|sann|å)?|hallo|halla|god\s+(?:morgon|morgen|dag|kveld|ettermiddag)|morn|hi|hello|hey"
    r"|good\s+(?:morning|afternoon|evening))(?:\s+(?:ransel|there|alle|igjen))?\s*[,.!:;-]+\s*(?=\S)",
    re.IGNORECASE)


def without_greeting(text: str) -> str:
    """A message that opens with a greeting and goes on to say something ("Hi, what was the
    title of ...?", "Hei! Har Emma lekser?") without the greeting: the rest is what it is
    about. A greeting alone, or with two words or fewer after it, is kept as it is."""
    found = _GREETING_FIRST.match(text)
    if found is None:
        return text
    rest = text[found.end():]
    return rest if len(rest.split()) >= 3 else text


def is_question(text: str) -> bool:
    """A question rather than a statement or a request: ends with "?" or starts with a
    question word. "Kan du ...?" is a polite request and also counts: nothing that changes
    anything runs on a question without a yes."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return True
    return bool(re.match(r"(?:" + _QUESTION_START + r")" + _E, _norm(stripped)))


_HEDGED = (r"kanskje|kanskj|muligens|mulig|kan\s+hende|kan\s+henda|kan\s+vere|kan\s+være|trolig|truleg"
           r"|sannsynligvis|sannsynlegvis|antakelig|antakeleg|visstnok|usikker|vet\s+ikke|veit\s+ikkje"
           r"|tror|trur|tenker\s+på|tenkjer\s+på|vurderer|lurer\s+på|hvis|viss|dersom|om\s+det\s+blir"
           r"|maybe|perhaps|possibly|probably|might|may\s+be|not\s+sure|unsure|i\s+think|thinking\s+of|considering"
           r"|wondering|if|in\s+case|i\s+guess|ikke\s+lenger|ikkje\s+lenger|no\s+longer|ikke\s+syk|ikkje\s+sjuk"
           r"|isn't\s+(?:sick|ill)|not\s+(?:sick|ill)|likevel\s+ikke|likevel\s+ikkje")


def is_hedged(text: str) -> bool:
    """The message leaves it open ("kanskje", "hvis", "I think", "ikke syk lenger"): it may
    be meant, but it is not unmistakable, so nothing changes without a yes."""
    return bool(_has(_HEDGED, _norm(text)))


_ABSENCE_CUE = (_ILL + "|" + _APPOINTMENT +
                r"|borte|fravær\w*|fråvær\w*|hjemme|heime|ikke\s+(?:på\s+skolen|komme|kommer)|ikkje\s+(?:på\s+skulen|kome|kjem)"
                r"|kommer\s+ikke|kjem\s+ikkje|blir\s+ikke\s+med|blir\s+ikkje\s+med|melde\w*\s+\w+\s+(?:syk|sjuk|borte)"
                r"|fri\s+fra\s+skolen|fri\s+frå\s+skulen|få\s+fri|ta\s+fri|ha\s+fri|day\s+off|time\s+off"
                r"|out\s+of\s+school|permisjon|reiser\s+bort|på\s+ferie|away|absent|absence"
                r"|off\s+school|off\s+sick|stay\w*\s+home|staying\s+at\s+home|not\s+(?:coming|be\s+in|be\s+at)"
                r"|won't\s+be\s+(?:in|at|coming)|can't\s+come|cannot\s+come|miss\w*\s+school|kommer\s+seinere|kommer\s+senere"
                r"|kjem\s+seinare|late\s+(?:today|tomorrow)|holiday|vacation|funeral|begravelse|gravferd")


def absence_cue(text: str) -> bool:
    """The message says a child will be away (ill, an appointment, not coming)."""
    return bool(_has(_ABSENCE_CUE, _norm(text)))


_REMINDER_CUE = (r"påminn\w*|paminn\w*|minne?\s+meg|minn\s+meg|påminning\w*|varsel|varsl\w*|varsling\w*|meldinga?r?|meldingene|beskjed\w*"
                 r"|sms\w*|oppsummering\w*|samandrag\w*|digest\w*|notif\w*|remind\w*|alerts?|messages|texts"
                 r"|send\s+(?:meg|noe|noko|me)|ikke\s+send|ikkje\s+send|don't\s+send|stop\s+sending|slutt\s+å\s+sende"
                 r"|ring\s+meg|call\s+me|tale|talemelding\w*|voice|stille\s*timer|quiet\s+hours|forstyrr\w*|disturb"
                 r"|summar\w*|sammendrag\w*|daglig|dagleg|daily|ukentlig|ukentleg|vekentleg|weekly|innstilling\w*"
                 r"|settings|preferences")


def reminder_cue(text: str) -> bool:
    """The message is about the reminders and messages Ransel sends."""
    return bool(_has(_REMINDER_CUE, _norm(text)))


_RELAY_CUE = (r"(?:til|to)\s+(?:the\s+)?(?:lærer\w*|lærar\w*|kontaktlær\w*|teacher)\s*:|(?:melding|beskjed|spørsmål)\s+til|send\w*\s+(?:en\s+|ei\s+|ein\s+)?(?:melding|beskjed)"
              r"|skriv\w*\s+til|si\s+(?:fra\s+|frå\s+)?til|sei\s+(?:ifrå\s+|frå\s+)?til|gi\s+beskjed|gje\s+beskjed"
              r"|fortell\w*\s+(?:læreren|læraren|kontaktlæreren|kontaktlæraren)|spør\w*\s+(?:læreren|læraren|kontakt\w*)"
              r"|kontakt\w*\s+(?:læreren|læraren|kontaktlæreren|kontaktlæraren)|ta\s+kontakt|kontakte"
              r"|(?:message|tell|ask|email|e-mail|contact|write\s+to|text|send)\s+(?:to\s+)?(?:the\s+|her\s+|his\s+|their\s+)?"
              r"(?:[\w'’]+\s+){0,2}teacher|let\s+(?:the\s+|her\s+|his\s+|their\s+)?(?:[\w'’]+\s+){0,2}teacher\s+know"
              r"|send\w*\s+(?:a\s+)?(?:message|note)")


def relay_cue(text: str) -> bool:
    """The message asks for something to be passed on to a teacher (by role, or by name:
    "Please message Jan Lunde that ...", "Skriv til Guro Sæther at ...")."""
    return bool(_has(_RELAY_CUE, _norm(text))) or bool(_TO_NAMED.search(text))


# "message Jan Lunde that", "skriv til Guro Sæther at", "tell Ms Lunde that": a named person.
_TO_NAMED = re.compile(
    r"\b(?:message|tell|write\s+to|text|email|skriv\s+til|send\s+(?:en\s+|ei\s+|ein\s+)?(?:melding|beskjed)\s+til"
    r"|gi\s+beskjed\s+til|gje\s+beskjed\s+til|si\s+til|sei\s+til)\s+"
    r"(?:(?:Mr|Mrs|Ms|Miss)\.?\s+[A-ZÆØÅ][\w'’-]+|[A-ZÆØÅ][\w'’-]+\s+[A-ZÆØÅ][\w'’-]+)\s+(?:om\s+at|at|that"
    r"|and\s+ask|og\s+spør\w*|to\s+ask|to\s+tell|to\s+thank|og\s+si|og\s+sei|og\s+takk\w*)\s+\S"
    # "Melding til Thomas Holm: ...": a message to a named person, the text after the colon.
    r"|\b(?:melding|beskjed|message|note)\s+(?:til|to)\s+(?:(?:Mr|Mrs|Ms|Miss)\.?\s+)?[A-ZÆØÅ][\w'’-]+"
    r"(?:\s+[A-ZÆØÅ][\w'’-]+)?\s*:\s*\S")


_SCHOOL = (r"lekse\w*|leks[ae]|prøv\w*|test\w*|quiz\w*|eksamen\w*|exam\w*|skole\w*|skule\w*|school\w*|lærer\w*|lærar\w*"
           r"|teacher\w*|klasse\w*|class\w*|trinn\w*|grade|gym\w*|kroppsøving|svømm\w*|symjing|ta\s+med|ha\s+med"
           r"|bring\w*|pakke?|fravær\w*|fråvær\w*|absen\w*|timeplan\w*|time\s+table|timetable|timen|lesson\w*"
           r"|ukeplan\w*|vekeplan\w*|week\s*plan|foredrag\w*|presentasjon\w*|presentation\w*|prosjekt\w*|project\w*"
           r"|utflukt\w*|ekskursjon\w*|aktivitetsdag\w*|skidag\w*|skøyte\w*|skeiser?|juleavslutning\w*|resultat\w*"
           r"|karakter\w*|score\w*|poeng|mestring|øve|øving|øvings?\w*|practi[cs]e\w*|matte\w*|maths?|norsk\w*"
           r"|engelsk\w*|naturfag\w*|samfunnsfag\w*|innlevering\w*|hand\s*in|due|elev\w*|pupil\w*|barnehage|sfo|aks"
           r"|kontaktlærer\w*|kontaktlærar\w*|rektor\w*|headteacher|foreldremøte\w*|utviklingssamtale\w*"
           r"|konferansetime\w*|friminutt\w*|matpakke\w*|gymtøy\w*|badetøy\w*|ransel\w*|bibliotek\w*|library")


def school_topic(text: str) -> bool:
    """The message talks about school things (homework, tests, teachers, classes ...)."""
    return bool(_has(_SCHOOL, _norm(text)))


# ----------------------------------------------------------------------------- other assistants' work

# What people ask phone and home assistants for: alarms and timers, music and media, weather,
# lights and devices, shopping lists, food, travel, news, calls. Ransel does none of it.
_OTHER_ASSISTANT = (
    r"alarm\w*|vekkerklokk\w*|vekking|nedtelling\w*|stoppeklokk\w*|slumre?|snooze|countdown|stopwatch"
    r"|(?:sett|set|start)\w*\s+(?:en\s+|ein\s+|a\s+)?timer|timer\s+(?:på|for|on)|kjøkkentimer\w*"
    r"|sang(?:en|ar|er|ene|ane)?|låt(?:en|a|ar|er|ene|ane)?|album\w*|artist\w*|spilleli[sr]t\w*|spelel[iy]st\w*|(?:høre|høyre|hør|listen)\s+(?:på|to)\s+(?:\w+\s+)?(?:musikk\w*|music|sang\w*|låt\w*)"
    r"|playlist\w*|podd?ka[sc]t\w*|radio\w*|spotify|lastfm|youtube|netflix|hbo|tidal|soundcloud"
    r"|(?:spill|spel|play)\w*\s+(?:av\s+)?(?:litt\s+|noe\s+|noko\s+|some\s+)?(?:musikk\w*|music|jazz|rock|pop)"
    r"|volum\w*|volume|høyere\s+lyd|lavere\s+lyd|skru\s+(?:opp|ned)\s+lyden|neste\s+spor|forrige\s+spor"
    r"|vær(?:et|meldinga?|varsel\w*)|yr\.no|weather|forecast|regn(?:vær|er|ar|a)?\b|skal\s+det\s+regne?|snø(?:r|vær)?"
    r"|blir\s+det\s+(?:varmt|kaldt|sol|regn\w*|snø\w*|vind\w*)|slutte\s+å\s+regne|regne\s+i\s+(?:dag|morgen|morgon|kveld)"
    r"|\w*temperatur\w*|storm\w*|minusgrad\w*|plussgrad\w*|kuldegrad\w*|(?:hvor|kor)\s+(?:varmt|kaldt)|grader\s+ute|paraply|umbrella|rain\w*|snow\w*|sunny|solskinn|vind(?:en|fullt)?"
    r"|lys(?:et|a|ene|pære\w*)|lampe\w*|lights?|taklampe\w*|stikkontakt\w*|termostat\w*|thermostat|varmen\s+på"
    r"|støvsug\w*|robotstøvsug\w*|vacuum\w*|garasjeport\w*|garage|døra?\s+(?:låst|opp)|lås\s+(?:opp\s+)?døra?|lock\s+the"
    r"|handlelist\w*|handleliste\w*|innkjøpslist\w*|dagligvare\w*|shopping\s+list|grocer\w*|huskeliste\w*|to-?do\s*list\w*"
    r"|batteri\w*|battery|ulåst\w*|dører|unlocked|stjerner|stjerna|stars|bedømmelse\w*|reserver\w*\s+(?:et\s+|eit\s+|a\s+)?bord|book\s+a\s+table"
    r"|oppskrift\w*|recipe\w*|restaurant\w*|takeaway|take-away|bestill\w*\s+(?:mat|pizza|bord|taxi)|pizza\w*|sushi|curry"
    r"|kino\w*|film(?:en|ar|er|ene|ane)?|movie\w*|cinema|tv-?serie\w*|forestilling\w*\s+i\s+byen|konsert\w*\s+i\s+byen"
    r"|trafikk\w*|traffic|bussen?\s+(?:går|kjem|kommer)\s+(?!til\s+skol)|togtider|tog(?:et)?\s+til|taxi|uber|flyreise\w*|flight\w*"
    r"|nyhet\w*|nyheiter|news|aksje\w*|stocks?|valutakurs\w*|exchange\s+rate|fotballkamp\w*|kampen\s+i\s+(?:kveld|morgon|morgen)"
    r"|ring\s+(?:til\s+)?(?:mamma|pappa|mor|far|kona|mannen|mum|mom|dad)|call\s+(?:mum|mom|dad)|e-?post(?:en)?\s+min|my\s+e-?mail"
    r"|kalenderen\s+min|min\s+kalender|my\s+calendar|møte(?:t)?\s+med\s+(?!lærer|lærar|kontakt|rektor)\w+|kontorfest\w*|jobb\w*"
    r"|bursdag(?:en)?\s+min|min\s+bursdag|my\s+birthday|tannlegetime\w*\s+min|legetime\w*\s+min|hundesalong\w*|renseri\w*"
)


def other_assistant(text: str) -> bool:
    """The message asks for what phone and home assistants do (alarms, music, weather,
    lights, shopping lists, food, travel, news). Check ``school_topic`` too: "når er
    konserten til 4A?" is about school."""
    return bool(_has(_OTHER_ASSISTANT, _norm(text)))


# A reminder of the person's own (to do something, for a meeting), not Ransel's reminders
# about school: creating one, one reminder "om å ...", deleting or cancelling one.
_PERSONAL_REMINDER = (
    r"(?:sett|set|legg|lag|lage|opprett\w*|lagre|add|create|make|schedule)\w*\s+(?:\w+\s+){0,2}"
    r"(?:en|ein|ei|eit|a|an|ny|nye|new|denne|this)\s+(?:\w+\s+)?(?:påminn\w*|paminn\w*|reminder)"
    r"|(?:påminnelsen?|påminninga?|paminnelsen?|reminder)\s+(?:om|for|about|to)\s+(?:å|at|meg|me)?\s*(?!lekse|leks|prøv|test|skole|skule|school"
    r"|homework|ukeplan|vekeplan|ta\s+med)\w+"
    r"|(?:slett|fjern|kanseller|avlys|delete|remove|cancel|clear)\w*\s+(?:\w+\s+){0,3}(?:påminn\w*|reminder)"
    r"|(?:minn|remind)\s+(?:meg|me|mæ|mej)\s+(?:på|about|to|om)\b"
    r"|påminn\s+(?:meg|me|mæ|mej)\b|påminnelsen\s+min|påminninga\s+mi|my\s+reminder\b"
)


def personal_reminder(text: str) -> bool:
    """The message is about one of the person's own reminders ("minn meg på å kjøpe melk",
    "legg til en påminnelse kl 16", "slett påminnelsen om møtet"). Check ``school_topic``
    too: "minn meg på leksene" is about school."""
    return bool(_has(_PERSONAL_REMINDER, _norm(text)))


_RANSEL_SETTINGS = (
    r"sms\w*|tekstmelding\w*|telegram|nettsid\w*|web|tale|talemelding\w*|voice|ring\w*\s+meg|call\s+me"
    r"|stille\s*tim\w*|quiet\s+hours|forstyrr\w*|disturb|oppsummering\w*|samandrag\w*|sammendrag\w*|digest\w*"
    r"|daglig|dagleg|daily|ukentlig|ukentleg|vekentleg|weekly|helg\w*|weekend\w*|klokka|klokken|kl\.?|at\s+\d|\d{1,2}[:.]\d{2}"
    r"|ransel|fra\s+skolen|frå\s+skulen|from\s+(?:the\s+)?school|fra\s+deg|frå\s+deg|from\s+you|beskjed\w*|meldinga?r?|meldingene"
    r"|varsl\w*|varsel|notification\w*|alerts?|messages|texts|innstilling\w*|settings|preferences"
)


def ransel_settings_cue(text: str) -> bool:
    """The message names something only Ransel's reminder settings have (SMS or voice,
    quiet hours, digests, weekends, a time of day, messages from school, or a school
    topic), so "skru av påminnelsene" alone is not enough to change anything unasked."""
    norm = _norm(text)
    return bool(_has(_RANSEL_SETTINGS, norm)) or school_topic(text)


# ----------------------------------------------------------------------------- a named item

class ItemFocus:
    WHAT = "what"  # what it is / what to do: the description's substance
    BRING = "bring"
    RESULT = "result"
    ALLOWED = "allowed"


_ITEM_FOCUS = [
    # What it is about, what to read or know: the whole picture (substance, things, result).
    (ItemFocus.WHAT, r"kapit\w*|chapter\w*|\bsid(?:e|er|ene|ene|a|ar|ane)\b|pages?|handler\s+\w*\s*om|handlar\s+\w*\s*om"
                     r"|what(?:'s|\s+is)\s+(?:it|the\s+\w+)\s+about|about\s+what|kunne|kan\s+til|know|learn\w*|lære|lese\s+på"
                     r"|pensum|tema|topic|study|øve\s+på|practi[cs]e\s+for|lysbild\w*|slides?|hvor\s+lang\w*|kor\s+lang\w*"
                     r"|how\s+long|how\s+many\s+(?:slides|pages|minutes)|hvor\s+mange\s+(?:sider|lysbilder|minutt)"
                     r"|kor\s+mange\s+(?:sider|lysbilete|minutt)|gruppe\w*|group\s*work|alene|aleine|alone"
                     r"|hvor\s+er|kor\s+er|where\s+is|where's|hvor\s+skal|kvar\s+er|kvar\s+skal"),
    (ItemFocus.RESULT, r"hvordan\s+gikk|korleis\s+gjekk|kor\s+gjekk|resultat\w*|fikk\s+(?:jeg|han|hun|hu|ho|du|vi|eg)"
                       r"|fekk\s+(?:eg|han|ho|du)|score\w*|poeng|karakter\w*|vurdering\w*|kommentar\w*|tilbakemelding\w*"
                       r"|how\s+did|what\s+did\s+\w+\s+get|did\s+\w+\s+get|result\w*|marks?|grade|feedback|comment\w*"
                       r"|(?:got|get|gotten|getting)\s+(?:\S+\s+){0,4}back|(?:få|fått|fikk|fekk|fenge)\s+(?:\S+\s+){0,4}tilbake"
                       r"|rettet|retta|graded|marked|vurdert"),
    (ItemFocus.BRING, r"ha\s+med|ta\s+med|pakke?|bring\w*|pack\w*|take\s+with|need\s+for|trenger\s+\w+\s+til|treng\s+\w+\s+til"),
    (ItemFocus.ALLOWED, r"(?:får|kan|lov\s+å)\s+(?:\w+\s+){0,2}bruke|hjelpemidl\w*|tillatt|allowed|can\s+\w+\s+use|may\s+\w+\s+use"
                        r"|lov\s+med|lov\s+å\s+ha|lov\s+å\s+bruke"),
]


def item_focus(text: str) -> str | None:
    """What a question about a named item wants to know, if the words say so."""
    normalised = _norm(text)
    for focus, pattern in _ITEM_FOCUS:
        if _has(pattern, normalised):
            return focus
    return None


# ----------------------------------------------------------------------------- subjects


@functools.cache
def _subject_synonyms() -> dict[str, str]:
    """Subject words as people write them -> LK20 code (nlu/lookups/subjects.yml, the same
    list the engine's entity extractor uses)."""
    data = yaml.safe_load((PROJECT_ROOT / "nlu" / "lookups" / "subjects.yml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for entry in data.get("nlu") or []:
        if "synonym" in entry:
            for line in str(entry.get("examples") or "").splitlines():
                word = line.strip().removeprefix("- ").strip().casefold()
                if word:
                    out[word] = str(entry["synonym"])
    return out


def subject_of_teacher(text: str) -> str | None:
    """The subject a compound or phrase names a teacher by: "norsklæraren", "engelsk-læreren",
    "the maths teacher" -> that subject's code; None if the message names no such teacher."""
    synonyms = _subject_synonyms()
    normalised = _norm(text)
    for match in re.finditer(r"([\wæøå]+?)-?(?:lærer|lærar)\w*", normalised):
        if match[1] in synonyms:
            return synonyms[match[1]]
    for match in re.finditer(r"([\w]+)\s+teacher", normalised):
        if match[1] in synonyms:
            return synonyms[match[1]]
    return None


def subjects_named(text: str) -> list[str]:
    """Subject codes the message names as words ("matte", "i naturfag", "maths"), in order;
    also inside a compound that starts with one ("matteprøve", "engelskleksa")."""
    synonyms = _subject_synonyms()
    found: list[str] = []
    for word in re.findall(r"[\wæøå]+", _norm(text)):
        code = synonyms.get(word)
        if code is None:
            code = next((c for s, c in synonyms.items() if len(s) >= 4 and word.startswith(s)
                         and word[len(s):] in _SUBJECT_COMPOUND_TAILS), None)
        if code is not None and code not in found:
            found.append(code)
    return found


_SUBJECT_COMPOUND_TAILS = frozenset(["prøve", "prøva", "prøven", "test", "testen", "lekse", "leksa", "leksen", "lekser", "leksene", "lekse", "gruppa", "gruppe", "gruppen", "time", "timen", "timane", "timene"])


# ---------------------------------------------------------------------------- calendar link

_CALENDAR = r"kalender\w*|calendar\w*|ical\w*|feed|abonnement\w*|subscription\w*"
_STOP_WORDS = (r"stopp\w*|stop\w*|slutt\w*|slett\w*|fjern\w*|trekk\w*|deaktiver\w*|steng\w*|lukk\w*|avslutt\w*"
               r"|(?:slå|skru|switch|turn|shut)\s+(?:\w+\s+){0,3}?(?:av|off)|revoke\w*|delete\w*|remove\w*|cancel\w*"
               r"|disable\w*|invalidate\w*|kill|end|ugyldiggjør\w*|ikke\s+del\w*|ikkje\s+del\w*|don't\s+share"
               r"|ikke\s+virke|ikkje\s+verke|slutte\s+å\s+(?:virke|verke|fungere)|stop\s+working")


def calendar_stop_cue(text: str) -> bool:
    """The message says, in so many words, that a calendar link should stop ("slutt å dele
    kalenderen", "revoke my calendar link"): what stopping it at once needs besides the model."""
    norm = _norm(text)
    return bool(_has(_CALENDAR, norm)) and bool(_has(_STOP_WORDS, norm))
