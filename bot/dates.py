"""Norwegian (bokmål, nynorsk) and English date and time expressions, read against the clock.

People write "hva er leksa i morgon", "har vi gym på fredag neste uke", "vekeplan for veke 49",
"what's due on Thursday the 10th", "kva har vi av prøvar før jul?". :func:`find_span` finds
the first such expression in a message and turns it into a :class:`Span` of days relative to
:class:`bot.clock.Clock`; :func:`find_time` finds a clock time ("klokka 18", "kl. 7.30",
"at 6 pm"). Both are deterministic and fast (a few dozen compiled regexes, no I/O): they run
on every turn.

How a message is read:

- Each pattern finds a *piece*: a day ("i morgen", "14. desember"), a weekday, a week ("neste
  uke", "om to uker", "uke 3"), a day of the month ("den 14.", "the 14th"), a weekend, a
  school break ("før jul", "after half term") or a term ("i vår", "this term").
- Adjacent pieces that belong together are joined: a weekday and a week in either order
  ("fredag neste uke", "next week on friday", "fredag om en uke"), a weekday and a day of
  the month ("mandag den 14.", "Thursday the 10th": the nearest such day from today on).
- The whole expression wins over its parts: of overlapping candidates the one that starts
  first and then the longest is kept ("fredag neste uke" is one day, not a Friday and a week).
- Numbers that are page, task or chapter numbers, scores or times are not dates ("side 14",
  "oppgave 3.2", "12,5 poeng", "kl 7.30").

Breaks and terms come from the school's :class:`SchoolCalendar` (loaded by
``bot.services.calendar.school_calendar``). Whatever it lacks for a school year is filled in
from Norwegian conventions, the common pattern of Østlandet's municipalities (Oslo, Bærum):

- autumn break: Monday to Friday of ISO week 40; winter break: Monday to Friday of week 8
  (Bergen and Trondheim use weeks 41 and 9: such schools should store their breaks);
- Christmas break: from the day after the last weekday on or before 20 December to 1 January;
- Easter break: from the Monday before Easter Sunday to Easter Monday (the public holidays);
- summer break: from the day after the last weekday on or before 20 June to the Sunday
  before the Monday on or after 15 August, when the autumn term starts;
- terms: the autumn term runs from the end of the summer break to the start of the Christmas
  break, the spring term from the first weekday after the Christmas break to the start of
  the summer break; the school year is the two together.

dateparser covers numeric dates and month names but not the relative Norwegian phrases
("i overmorgen", "etter helga", "veke 49", "denne uka", "før jul") and is slow on first use,
so this module owns the whole vocabulary instead of mixing two sources of truth.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache
from typing import NamedTuple, cast

from bot.clock import Clock


class SpanKind:
    DAY = "day"
    WEEK = "week"  # a calendar week, Monday to Sunday
    WEEKEND = "weekend"
    PERIOD = "period"  # a run of days that is neither: "resten av uka", "før jul", "etter påske"
    BREAK = "break"  # a school break itself: "i juleferien", "over Christmas"
    TERM = "term"  # (the rest of) a term or the school year: "i vår", "this term"


@dataclass(frozen=True)
class Span:
    """A range of days, both ends inclusive. ``evening`` marks "i kveld" / "tonight"."""

    start: date
    end: date
    kind: str = SpanKind.DAY
    evening: bool = False

    @property
    def single_day(self) -> bool:
        return self.start == self.end

    @property
    def iso_week(self) -> int:
        return self.start.isocalendar().week

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


# ----------------------------------------------------------------------------- school calendar

BREAK_KEYS = ("autumn", "christmas", "winter", "easter", "summer")  # as SchoolBreak.name_key
TERM_KEYS = ("autumn", "spring", "year")


class Period(NamedTuple):
    """A break (key: one of BREAK_KEYS) or a term (key: autumn, spring or year), inclusive."""

    key: str
    first: date
    last: date


@dataclass(frozen=True)
class SchoolCalendar:
    """A school's own breaks and terms. Empty means Norwegian conventions only; a school year
    or a break the school has not stored is filled in from the conventions (module docstring)."""

    breaks: tuple[Period, ...] = ()
    terms: tuple[Period, ...] = ()


CalendarSource = SchoolCalendar | Callable[[], SchoolCalendar] | None

# "etter jul" a week into January still means the Christmas just gone, not next year's.
AFTER_GRACE_DAYS = 14


def school_year_of(day: date) -> int:
    """The year the school year containing ``day`` starts (August to July)."""
    return day.year if day.month >= 8 else day.year - 1


def _weekday_on_or_before(day: date) -> date:
    return day - timedelta(days=max(0, day.weekday() - 4))


def _weekday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


@lru_cache(maxsize=16)
def easter_sunday(year: int) -> date:
    """Easter Sunday, from Norway's public holidays (the same source as school-day rules)."""
    import holidays  # only a message about Easter (or a term without stored data) needs it

    for day, name in holidays.Norway(years=year, language="en_US").items():
        if name == "Easter Sunday":
            return day
    raise LookupError(f"no Easter Sunday in {year}")  # pragma: no cover - every year has one


def convention_break(key: str, school_year: int) -> Period:
    """The break ``key`` of the school year starting in August of ``school_year``."""
    y = school_year
    if key == "autumn":
        monday = date.fromisocalendar(y, 40, 1)
        return Period(key, monday, monday + timedelta(days=4))
    if key == "christmas":
        return Period(key, _weekday_on_or_before(date(y, 12, 20)) + timedelta(days=1), date(y + 1, 1, 1))
    if key == "winter":
        monday = date.fromisocalendar(y + 1, 8, 1)
        return Period(key, monday, monday + timedelta(days=4))
    if key == "easter":
        sunday = easter_sunday(y + 1)
        return Period(key, sunday - timedelta(days=6), sunday + timedelta(days=1))
    if key == "summer":
        first_day_of_school = date(y + 1, 8, 15) + timedelta(days=(7 - date(y + 1, 8, 15).weekday()) % 7)
        return Period(key, _weekday_on_or_before(date(y + 1, 6, 20)) + timedelta(days=1),
                      first_day_of_school - timedelta(days=1))
    raise ValueError(key)


def _season_year(period: Period) -> int:
    """The school year a break or term belongs to: a summer break starts in June but closes the
    school year that began the August before; a term or school year starting in July or August
    opens one."""
    return period.first.year if period.first.month >= 7 else period.first.year - 1


class _Calendar:
    """Breaks and terms around today: the school's own where it has them, else conventions."""

    def __init__(self, calendar: SchoolCalendar, today: date) -> None:
        self.today = today
        current = school_year_of(today)
        years = range(current - 2, current + 3)
        stored: dict[tuple[str, int], list[Period]] = {}
        breaks: list[Period] = []
        for period in calendar.breaks:
            if period.key in BREAK_KEYS:
                stored.setdefault((period.key, _season_year(period)), []).append(period)
            else:
                breaks.append(period)  # a break of the school's own kind still counts as "ferien"
        self._by_year: dict[tuple[str, int], Period] = {}
        for year in years:
            for key in BREAK_KEYS:
                own = stored.get((key, year))
                periods = own or [convention_break(key, year)]
                breaks += periods
                self._by_year[(key, year)] = Period(key, min(p.first for p in periods), max(p.last for p in periods))
        self.breaks = sorted(breaks, key=lambda p: (p.first, p.last))
        stored_terms: dict[tuple[str, int], list[Period]] = {}
        for period in calendar.terms:
            stored_terms.setdefault((period.key, _season_year(period)), []).append(period)
        terms: list[Period] = []
        for year in years[1:-1]:
            for key in TERM_KEYS:
                own = stored_terms.get((key, year))
                # Terms nested in semesters, or split in two, make one autumn or spring term.
                terms.append(Period(key, min(p.first for p in own), max(p.last for p in own)) if own
                             else self._convention_term(key, year))
        self.terms = sorted(terms, key=lambda p: (p.first, p.last))

    def _convention_term(self, key: str, year: int) -> Period:
        autumn = Period("autumn", _weekday_on_or_after(self._by_year[("summer", year - 1)].last + timedelta(days=1)),
                        self._by_year[("christmas", year)].first - timedelta(days=1))
        spring = Period("spring", _weekday_on_or_after(self._by_year[("christmas", year)].last + timedelta(days=1)),
                        self._by_year[("summer", year)].first - timedelta(days=1))
        if key == "autumn":
            return autumn
        if key == "spring":
            return spring
        return Period("year", autumn.first, spring.last)

    # Breaks ---------------------------------------------------------------------------------

    def _first(self, keys: Iterable[str] | None, condition: Callable[[Period], bool]) -> Period | None:
        """The first break (of ``keys``; None: any) that meets ``condition``."""
        wanted = set(keys) if keys is not None else None
        return next((p for p in self.breaks if (wanted is None or p.key in wanted) and condition(p)), None)

    def before(self, keys: Iterable[str] | None) -> Span | None:
        coming = self._first(keys, lambda p: p.first > self.today)
        return Span(self.today, coming.first - timedelta(days=1), SpanKind.PERIOD) if coming else None

    def after(self, keys: Iterable[str] | None) -> Span | None:
        """From the end of the break to the start of the next one: the stretch of school after it.
        A named break just gone is still the one meant ("etter jul" on 8 January); "etter
        ferien" is the break we are in or the next one."""
        grace = self.today - timedelta(days=AFTER_GRACE_DAYS if keys is not None else 0)
        ended = self._first(keys, lambda p: p.last >= grace)
        if ended is None:
            return None
        following = self._first(None, lambda p: p.first > ended.last)
        if following is None:
            return None
        return Span(ended.last + timedelta(days=1), following.first - timedelta(days=1), SpanKind.PERIOD)

    def during(self, keys: Iterable[str] | None) -> Span | None:
        period = self._first(keys, lambda p: p.last >= self.today)
        return Span(period.first, period.last, SpanKind.BREAK) if period else None

    # Terms ----------------------------------------------------------------------------------

    def term(self, keys: Iterable[str]) -> Span | None:
        """The rest of the term (one of ``keys``) we are in, or the whole of the next one."""
        wanted = set(keys)
        period = next((p for p in self.terms if p.key in wanted and p.last >= self.today), None)
        if period is None:
            return None
        return Span(max(period.first, self.today), period.last, SpanKind.TERM)

    def next_term(self) -> Span | None:
        period = next((p for p in self.terms if p.key != "year" and p.first > self.today), None)
        return Span(period.first, period.last, SpanKind.TERM) if period else None


# ----------------------------------------------------------------------------- vocabulary

WEEKDAYS: dict[str, int] = {}
for _index, _names in enumerate(
    [
        ("mandag", "måndag", "mondag", "monday", "mon", "man"),
        ("tirsdag", "tysdag", "tisdag", "tirdag", "tuesday", "tue", "tues", "tir", "tys"),
        ("onsdag", "wednesday", "wed", "ons"),
        ("torsdag", "thursday", "thu", "thurs", "tor"),
        ("fredag", "friday", "fri", "fre"),
        ("lørdag", "laurdag", "lordag", "saturday", "sat", "lør"),
        ("søndag", "sundag", "sondag", "sunday", "sun", "søn"),
    ]
):
    for _name in _names:
        WEEKDAYS[_name] = _index

MONTHS: dict[str, int] = {}
for _index, _names in enumerate(
    [
        ("januar", "january", "jan"),
        ("februar", "february", "feb"),
        ("mars", "march", "mar"),
        ("april", "apr"),
        ("mai", "may"),
        ("juni", "june", "jun"),
        ("juli", "july", "jul"),
        ("august", "aug"),
        ("september", "sept", "sep"),
        ("oktober", "october", "okt", "oct"),
        ("november", "nov"),
        ("desember", "december", "des", "dec"),
    ],
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _index

_NUMBER_WORDS = {
    "en": 1, "ei": 1, "ein": 1, "ett": 1, "eitt": 1, "a": 1, "an": 1, "one": 1,
    "to": 2, "two": 2, "tre": 3, "three": 3, "fire": 4, "four": 4, "fem": 5, "five": 5,
    "seks": 6, "six": 6, "sju": 7, "syv": 7, "seven": 7, "åtte": 8, "eight": 8,
    "ni": 9, "nine": 9, "ti": 10, "ten": 10,
}

# Holiday words after a preposition ("før jul", "after the Easter holidays"): phrase -> break key.
# "midterm" is whichever of the autumn and winter breaks comes first; "any" the next break.
_HOLIDAY_PHRASES: dict[str, str] = {}
_ENGLISH_HOLIDAY_PHRASES: set[str] = set()
for _key, _nordic, _english in [
    ("christmas", ("jul", "jula", "julen", "juleferien", "juleferie", "juleferia", "nyttår", "nyttåret",
                   "nyår", "nyåret"),
     ("christmas", "xmas", "christmas break", "christmas holidays", "christmas holiday", "christmas vacation",
      "new year", "new year's")),
    ("autumn", ("høstferien", "høstferie", "høstferia", "haustferien", "haustferie", "haustferia"),
     ("autumn break", "autumn holidays", "autumn holiday", "fall break", "autumn half term")),
    ("winter", ("vinterferien", "vinterferie", "vinterferia"),
     ("winter break", "winter holidays", "winter holiday", "february break", "february half term")),
    ("easter", ("påske", "påska", "påsken", "påskeferien", "påskeferie", "påskeferia"),
     ("easter", "easter break", "easter holidays", "easter holiday")),
    ("summer", ("sommerferien", "sommerferie", "sommarferien", "sommarferie", "sommarferia", "sommeren",
                "sommaren", "sommer", "sommar"),
     ("summer", "summer break", "summer holidays", "summer holiday", "summer vacation")),
    ("midterm", (), ("half term", "half-term", "halfterm", "midterm break", "mid-term break")),
    ("any", ("ferien", "ferie", "feria"), ("holidays", "holiday", "vacation")),
]:
    _HOLIDAY_PHRASES.update({phrase: _key for phrase in _nordic + _english})
    _ENGLISH_HOLIDAY_PHRASES.update(_english)


def _holiday_key(phrase: str) -> str:
    """The lookup form of a holiday phrase: "half-term", "half term" and "halfterm" alike."""
    return re.sub(r"[\s-]", "", phrase)


_HOLIDAY_OF = {_holiday_key(phrase): key for phrase, key in _HOLIDAY_PHRASES.items()}
_ENGLISH_HOLIDAYS = {_holiday_key(phrase) for phrase in _ENGLISH_HOLIDAY_PHRASES}
_HOLIDAY_KEYS = {
    "christmas": ("christmas",), "autumn": ("autumn",), "winter": ("winter",), "easter": ("easter",),
    "summer": ("summer",), "midterm": ("autumn", "winter"), "any": None,
}
_BEFORE_WORDS = {"før", "innen", "innan", "inntil", "fram til", "frem til", "til", "before", "until", "till",
                 "up to", "by"}
_AFTER_WORDS = {"etter", "after"}
_DURING_WORDS = {"i", "i løpet av", "under", "in", "during", "for", "this", "through"}  # and "over", see below


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace(r"\-", "[- ]?")
                    for w in sorted(words, key=len, reverse=True))


# Full weekday names only: "man", "tor", "fri" are ordinary words in running text.
_WEEKDAY_WORDS = "|".join(sorted((n for n in WEEKDAYS if len(n) > 4), key=len, reverse=True))
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUM = r"(\d{1,2}|" + _alternation(_NUMBER_WORDS) + r")"
_B = r"(?<![\wæøå])"  # word start (\b does not know æøå as letters in every position)
_E = r"(?![\wæøå])"
_WEEK = r"(?:uke|uka|uken|ukes|veke|veka|vekes|veko)"
_NOT_MONTH_NEXT = r"(?!\.?\s*(?:of\s+)?(?:" + _MONTH_WORDS + r")" + _E + r")"
# A day of the month stands at the end of a clause or before a small word, not before a noun:
# "den 14.?", "the 14th at 9", but not "den 3. oppgaven", "the 14th place".
_DOM_END = (r"(?=\s*$|\s*[?!.,;:)]|\s+(?:og|eller|or|and|kl|klokka|klokken|i|på|in|at|til|to|for|med|with"
            r"|neste|next|denne|this)" + _E + r")")
_NOT_NUMBER_NEXT = r"(?![.,/]?\d)"
# "for the Christmas party", "before the summer concert": an event's name, not a break.
_NOT_EVENT_NEXT = (r"(?!\s+(?:party|parties|concert|show|play|dinner|lunch|breakfast|fair|market|tree|songs?|carols?"
                   r"|cards?|gifts?|presents?|celebration|event|service|jumper|sweater|workshop|baking|decorations?"
                   r"|assembly|disco|dance|festival|performance|program|programme)" + _E + r")")
# "i vår" is also "in our": "i vår klasse" is not the spring term.
_VAAR_ALONE = (r"(?=\s*$|\s*[?!.,;:)]|\s+(?:og|eller|men|med|for|på|i|til|etter|før|som|da|så|også)" + _E + r")")

# Numbers after these words are page, task, chapter or score numbers, or clock times.
_NOT_A_DATE_BEFORE = re.compile(
    r"(?:^|[^\wæøå])(?:side|sida|sider|sidene|sidan|s|oppgave|oppgaver|oppgavene|oppgåve|oppgåver|oppg|kapittel|"
    r"kapitler|kapitlene|kap|nr|no|nummer|punkt|del|avsnitt|øving|øvelse|versjon|page|pages|pp|p|task|tasks|"
    r"exercise|exercises|ex|chapter|chapters|ch|section|question|questions|q|number|version|fikk|fekk|got|"
    r"scored|score|poeng|points|klasse|trinn|grade|karakter|karakteren|mark|nivå|level|rom|room|av|of|kl|klokka|"
    r"klokken|klokkå|at|ca|rundt)\.?\s*$"
)
_NOT_A_DATE_AFTER = re.compile(
    r"\s*(?:poeng|points|pts|p|prosent|percent|%|kr|km|m|kg|sider|pages|timer|hours|av|of)" + _E)

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(_B + r"(\d{4})-(\d{2})-(\d{2})" + _E)),
    # "14.–18. desember", "14-18 December", "December 14-18": a range of days in one month.
    ("day_range_month", re.compile(
        _B + r"(\d{1,2})\.?\s*[-–]\s*(\d{1,2})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(" + _MONTH_WORDS + r")\.?" + _E)),
    ("month_day_range", re.compile(
        _B + r"(" + _MONTH_WORDS + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*[-–]\s*(\d{1,2})(?:st|nd|rd|th)?" + _E)),
    # "i desember", "in December", "hele januar": the whole month (this year's, or the next).
    ("month", re.compile(_B + r"(?:i|in|during|gjennom|hele|heile|for)\s+(" + _MONTH_WORDS + r")\.?(?!\s*\d)" + _E)),
    ("day_month_name", re.compile(
        _B + r"(?:(?:den|the)\s+)?(\d{1,2})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(" + _MONTH_WORDS + r")\.?"
        r"(?:,?\s+(\d{4}))?" + _E)),
    ("month_name_day", re.compile(
        _B + r"(" + _MONTH_WORDS + r")\.?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?" + _E)),
    ("numeric", re.compile(r"(?<![\w.,/])(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?\.?" + _E + _NOT_NUMBER_NEXT)),
    ("dom_den", re.compile(_B + r"den\s+(\d{1,2})\.?" + _NOT_NUMBER_NEXT + _NOT_MONTH_NEXT + _DOM_END)),
    ("dom_the", re.compile(_B + r"the\s+(\d{1,2})(?:st|nd|rd|th)" + _NOT_MONTH_NEXT + _DOM_END)),
    ("dom_ordinal", re.compile(
        _B + r"(?:on|by|until|till|before|after|due|from)\s+(\d{1,2})(?:st|nd|rd|th)" + _NOT_MONTH_NEXT + _DOM_END)),
    # "14." alone, at the end of a clause: "hva skjer 14.?" (not "9. klasse", "14. plass").
    ("dom_bare", re.compile(r"(?<![\w.,/])(\d{1,2})\." + _NOT_NUMBER_NEXT + _DOM_END)),
    # Not "uka 14.–18. desember" (days of a month) nor "uka 14. desember".
    ("week_number", re.compile(_B + r"(?:uke|veke|veka|uka|week|wk|u|v)\.?\s*(\d{1,2})"
                               r"(?!\.?\s*[-–]\s*\d)(?!\.?\s*(?:" + _MONTH_WORDS + r"))" + _E)),
    ("in_weeks", re.compile(
        _B + r"(?:om|in)\s+" + _NUM + r"\s+(?:uke|uker|ukers|veke|veker|vekor|week|weeks)(?:'?s?\s+time)?" + _E)),
    ("in_days", re.compile(_B + r"(?:om|in)\s+" + _NUM + r"\s+(?:dag|dager|dagar|day|days)" + _E)),
    ("days_ago", re.compile(
        _B + r"(?:for\s+" + _NUM + r"\s+(?:dag|dager|dagar)\s+(?:siden|sidan)|" + _NUM + r"\s+days?\s+ago)" + _E)),
    ("day_after_tomorrow", re.compile(
        _B + r"(?:i\s*overmorg[eo]n|iovermorg[eo]n|overmorg[eo]n|(?:the\s+)?day\s+after\s+tomorrow)" + _E)),
    ("tomorrow", re.compile(
        _B + r"(?:i\s*morg[eo]n|i\s*morra|i\s*morn|imorgo|tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr)" + _E)),
    ("day_before_yesterday", re.compile(
        _B + r"(?:i\s*forgårs|i\s*forgår|(?:the\s+)?day\s+before\s+yesterday)" + _E)),
    ("yesterday", re.compile(_B + r"(?:i\s*går|igår|i\s*gar|yesterday)" + _E)),
    ("tonight", re.compile(_B + r"(?:i\s*kveld|ikveld|i\s*kvell|tonight|this\s+evening)" + _E)),
    ("today", re.compile(_B + r"(?:i\s*dag|idag|today)" + _E)),
    ("after_weekend", re.compile(
        _B + r"(?:etter\s+(?:helga|helgen|helgi|weekenden)|after\s+the\s+weekend|over\s+(?:helga|helgen|helgi))" + _E)),
    ("next_weekend", re.compile(_B + r"(?:(?:neste|nest)\s+(?:helg|helga|helgen|helgi)|next\s+weekend)" + _E)),
    ("weekend", re.compile(
        _B + r"(?:i\s+(?:helga|helgen|helgi)|(?:denne|dette)\s+(?:helga|helgen|helgi)|this\s+weekend|"
        r"(?:the\s+)?weekend(?:en)?|helga|helgen)" + _E)),
    ("rest_of_week", re.compile(
        _B + r"(?:resten\s+av\s+(?:denne\s+)?(?:uka|uken|veka|veke)|(?:the\s+)?rest\s+of\s+(?:the|this)\s+week)" + _E)),
    ("next_week", re.compile(
        _B + r"(?:(?:i\s+)?(?:neste|nest|kommende|kommande)\s+" + _WEEK + r"|(?:uka|uken|veka)\s+som\s+(?:kommer|kjem)"
        r"|next\s+week|(?:the\s+)?coming\s+week)" + _E)),
    ("last_week", re.compile(
        _B + r"(?:(?:i\s+)?(?:forrige|førre|sist)\s+" + _WEEK + r"|last\s+week|(?:the\s+)?previous\s+week)" + _E)),
    ("this_week", re.compile(
        _B + r"(?:(?:denne|inneværende|inneverande)\s+" + _WEEK + r"|i\s+(?:uka|veka)|this\s+week"
        r"|(?:the\s+)?current\s+week)" + _E)),
    ("next_weekday", re.compile(_B + r"(?:neste|next)\s+(" + _WEEKDAY_WORDS + r")" + _E)),
    ("coming_weekday", re.compile(
        _B + r"(?:førstkommende|førstkomande|kommende|kommande|this\s+coming|the\s+coming|coming)\s+("
        + _WEEKDAY_WORDS + r")(?:en)?" + _E)),
    ("last_weekday", re.compile(_B + r"(?:forrige|førre|sist|last)\s+(" + _WEEKDAY_WORDS + r")(?:en)?" + _E)),
    # "torsdag 17. ut på": a weekday and a day of the month, whatever follows.
    ("weekday_dom", re.compile(_B + r"(" + _WEEKDAY_WORDS + r")(?:en)?\s+(?:den\s+|the\s+)?(\d{1,2})(?:\.|st|nd|rd|th)"
                               r"(?![\d.,/])" + _NOT_MONTH_NEXT)),
    ("weekday", re.compile(_B + r"(" + _WEEKDAY_WORDS + r")(?:en|ar|er|s)?" + _E)),
    ("holiday", re.compile(
        _B + r"(" + _alternation(_BEFORE_WORDS | _AFTER_WORDS | _DURING_WORDS | {"over"}) + r")\s+(?:the\s+)?("
        + _alternation(_HOLIDAY_PHRASES) + r")" + _E + _NOT_EVENT_NEXT)),
    ("term_autumn", re.compile(
        _B + r"(?:i\s+(?:høst|haust)|til\s+(?:høsten|hausten)|this\s+(?:autumn|fall)|in\s+the\s+(?:autumn|fall)"
        r"|(?:the\s+)?(?:autumn|fall)\s+(?:term|semester)|(?:i\s+)?(?:høst|haust)(?:semesteret|halvåret|terminen))"
        + _E)),
    ("term_spring", re.compile(
        _B + r"(?:i\s+vår" + _VAAR_ALONE + r"|til\s+våren|this\s+spring|in\s+the\s+spring"
        r"|(?:the\s+)?spring\s+(?:term|semester)|(?:i\s+)?vår(?:semesteret|halvåret|terminen))" + _E)),
    ("term_current", re.compile(
        _B + r"(?:(?:i\s+)?dette\s+(?:halvåret|semesteret)|(?:i\s+)?denne\s+terminen"
        r"|resten\s+av\s+(?:semesteret|halvåret|terminen)|(?:the\s+)?rest\s+of\s+(?:the|this)\s+(?:term|semester)"
        r"|this\s+(?:term|semester))" + _E)),
    ("term_year", re.compile(
        _B + r"(?:(?:i\s+)?dette\s+skoleåret|resten\s+av\s+skoleåret"
        r"|(?:the\s+)?rest\s+of\s+(?:the|this)\s+school\s+year|this\s+school\s+year)" + _E)),
    ("term_next", re.compile(_B + r"(?:neste\s+(?:semester|halvår|termin)|next\s+(?:term|semester))" + _E)),
]

_PATTERNS_BY_NAME = dict(_PATTERNS)
# A pattern can only match a message holding one of its words ("#": a digit). Checking
# that with `in` first halves the cost of the messages without dates, most of them.
_DIGIT = "#"
_WEEK_WORDS = ("uk", "vek", "week")
_WEEKDAY_TRIGGERS = ("dag", "day", "thurs")
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "iso": (_DIGIT,), "month": ("i ", "in ", "during", "gjennom", "hele", "heile", "for "), "day_range_month": (_DIGIT,), "month_day_range": (_DIGIT,), "day_month_name": (_DIGIT,), "month_name_day": (_DIGIT,), "numeric": (_DIGIT,),
    "dom_den": (_DIGIT,), "dom_the": (_DIGIT,), "dom_ordinal": (_DIGIT,), "dom_bare": (_DIGIT,),
    "week_number": (_DIGIT,), "in_weeks": _WEEK_WORDS, "in_days": ("dag", "day"), "days_ago": ("dag", "day"),
    "day_after_tomorrow": ("morg", "tomorrow"), "tomorrow": ("mor", "tom", "tmr"),
    "day_before_yesterday": ("går", "yesterday"), "yesterday": ("går", "gar", "yesterday"),
    "tonight": ("kvel", "tonight", "evening"), "today": ("dag", "today"),
    "after_weekend": ("helg", "weekend"), "next_weekend": ("helg", "weekend"), "weekend": ("helg", "weekend"),
    "rest_of_week": ("rest",), "next_week": _WEEK_WORDS, "last_week": _WEEK_WORDS, "this_week": _WEEK_WORDS,
    "next_weekday": _WEEKDAY_TRIGGERS, "coming_weekday": _WEEKDAY_TRIGGERS, "last_weekday": _WEEKDAY_TRIGGERS,
    "weekday": _WEEKDAY_TRIGGERS, "weekday_dom": _WEEKDAY_TRIGGERS,
    "holiday": ("jul", "nyttår", "nyår", "feri", "påsk", "somm", "christmas", "xmas", "new year", "break",
                "holiday", "easter", "summer", "half", "term", "vacation"),
    "term_autumn": ("høst", "haust", "autumn", "fall"), "term_spring": ("vår", "spring"),
    "term_current": ("halvår", "semester", "term"), "term_year": ("skoleår", "school year"),
    "term_next": ("semester", "halvår", "term"),
}
_CHECKED_NUMBERS = {"numeric", "dom_bare"}
_CALENDAR_PATTERNS = {"holiday", "term_autumn", "term_spring", "term_current", "term_year", "term_next"}
# What may stand between two pieces that make one expression: "fredag i neste uke",
# "next week on friday", "Thursday, December 10th".
_JOINER = re.compile(r"[\s,]*(?:(?:i|på|on|in|of)[\s,]+)?")


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").replace("–", "-").split())


def _week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _nearest_year(today: date, month: int, day: int) -> date | None:
    """The date with that month and day closest to today (within half a year either way)."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    return min(candidates, key=lambda d: (abs((d - today).days), d < today))


def _day_of_month(today: date, day: int, weekday: int | None = None) -> date | None:
    """The first date from today on with that day of the month (and weekday, if given):
    "den 14." is the coming 14th; "mandag den 14." the coming 14th that is a Monday."""
    if not 1 <= day <= 31:
        return None
    coming = _next_day_of_month(today, day, weekday)
    if weekday is not None:
        # "thursday the 3rd" a week after Thursday 3 December is that day, not one in June:
        # a weekday and a date that fit a recent day mean the nearer one.
        gone = _last_day_of_month(today, day, weekday)
        if gone is not None and (coming is None or today - gone < coming - today):
            return gone
    return coming


def _last_day_of_month(today: date, day: int, weekday: int | None = None) -> date | None:
    """The last date before today, in this month or the two before it, with that day of the
    month (and weekday, if given)."""
    year, month = today.year, today.month
    for _ in range(3):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate < today and (weekday is None or candidate.weekday() == weekday):
            return candidate
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return None


def _next_day_of_month(today: date, day: int, weekday: int | None) -> date | None:
    year, month = today.year, today.month
    for _ in range(30):  # every (weekday, day) pair recurs within 14 months; 31sts a little later
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today and (weekday is None or candidate.weekday() == weekday):
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _iso_week_span(today: date, week: int) -> Span | None:
    if not 1 <= week <= 53:
        return None
    year = today.year
    # "uke 2" asked in December is next year's week 2; "uke 49" asked in January last year's.
    current = today.isocalendar().week
    if week < current - 26:
        year += 1
    elif week > current + 26:
        year -= 1
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return Span(monday, monday + timedelta(days=6), SpanKind.WEEK)


def _count(raw: str) -> int:
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]


def _coming(today: date, weekday: int) -> date:
    """The next such weekday, today included ("på tirsdag" on a Tuesday is today)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _day(day: date | None) -> Span | None:
    return Span(day, day) if day is not None else None


@dataclass
class _Piece:
    start: int
    end: int
    priority: int
    span: Span
    role: str | None = None  # weekday, week, in_weeks, dom, date: what may join a neighbour
    value: object = None


def _numeric_date(match: re.Match[str], today: date) -> date | None:
    d, m = int(match[1]), int(match[2])
    if match[3]:
        year = int(match[3])
        year += 2000 if year < 100 else 0
        try:
            return date(year, m, d)
        except ValueError:
            return None
    return _nearest_year(today, m, d) if 1 <= m <= 12 else None


def _named_date(day: int, month: int, year: str | None, today: date) -> date | None:
    if year:
        try:
            return date(int(year), month, day)
        except ValueError:
            return None
    return _nearest_year(today, month, day)


def _piece(name: str, match: re.Match[str], today: date,
           calendar: Callable[[], _Calendar]) -> tuple[Span | None, str | None, object]:
    """The span a pattern's match stands for, and what it may join with (role, value)."""
    if name == "iso":
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None, None, None
        return Span(day, day), "date", day
    if name == "month":
        month = MONTHS[match[1]]
        year = today.year if month >= today.month or today.month - month < 6 else today.year + 1
        if month > today.month and month - today.month > 6:
            year = today.year - 1  # "i august" asked in December: the one gone by
        first = date(year, month, 1)
        last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))
        return Span(first, last, SpanKind.PERIOD), None, None
    if name in ("day_range_month", "month_day_range"):
        first_day, last_day, month_name = ((match[1], match[2], match[3]) if name == "day_range_month"
                                           else (match[2], match[3], match[1]))
        start = _named_date(int(first_day), MONTHS[month_name], None, today)
        end = _named_date(int(last_day), MONTHS[month_name], None, today)
        if start is None or end is None or end < start:
            return None, None, None
        return Span(start, end), None, None
    if name in ("day_month_name", "month_name_day"):
        d, m = (match[1], match[2]) if name == "day_month_name" else (match[2], match[1])
        named = _named_date(int(d), MONTHS[m], match[3], today)
        return _day(named), "date", named
    if name == "numeric":
        numeric = _numeric_date(match, today)
        return _day(numeric), "date", numeric
    if name.startswith("dom_"):
        number = int(match[1])
        return _day(_day_of_month(today, number)), "dom", number
    if name == "week_number":
        span = _iso_week_span(today, int(match[1]))
        return span, "week", span.start if span else None
    if name == "in_weeks":
        weeks = _count(match[1])
        monday, sunday = _week_of(today + timedelta(days=7 * weeks))
        return Span(monday, sunday, SpanKind.WEEK), "in_weeks", weeks
    if name == "in_days":
        return _day(today + timedelta(days=_count(match[1]))), None, None
    if name == "days_ago":
        return _day(today - timedelta(days=_count(match[1] or match[2]))), None, None
    if name == "today":
        return Span(today, today), None, None
    if name == "tonight":
        return Span(today, today, evening=True), None, None
    if name in ("tomorrow", "day_after_tomorrow", "yesterday", "day_before_yesterday"):
        offset = {"tomorrow": 1, "day_after_tomorrow": 2, "yesterday": -1, "day_before_yesterday": -2}[name]
        return _day(today + timedelta(days=offset)), None, None
    if name == "after_weekend":
        return _day(today + timedelta(days=7 - today.weekday())), None, None  # the next Monday
    if name == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7) if today.weekday() < 6 else today - timedelta(1)
        return Span(saturday, saturday + timedelta(days=1), SpanKind.WEEKEND), None, None
    if name == "next_weekend":
        saturday = _week_of(today + timedelta(days=7))[0] + timedelta(days=5)
        return Span(saturday, saturday + timedelta(days=1), SpanKind.WEEKEND), None, None
    if name == "rest_of_week":
        return Span(today, _week_of(today)[1], SpanKind.PERIOD), None, None
    if name in ("next_week", "last_week", "this_week"):
        shift = {"next_week": 7, "last_week": -7, "this_week": 0}[name]
        monday, sunday = _week_of(today + timedelta(days=shift))
        return Span(monday, sunday, SpanKind.WEEK), "week", monday
    if name == "weekday_dom":
        return _day(_day_of_month(today, int(match[2]), WEEKDAYS[match[1]])), None, None
    if name in ("next_weekday", "coming_weekday", "last_weekday", "weekday"):
        target = WEEKDAYS[match[1]]
        if name == "next_weekday":
            # "neste fredag" is that day of next week; "på fredag" is the coming one.
            day = _week_of(today + timedelta(days=7))[0] + timedelta(days=target)
        elif name == "coming_weekday":
            day = today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)  # never today
        elif name == "last_weekday":
            day = today - timedelta(days=(today.weekday() - target - 1) % 7 + 1)  # never today
        else:
            day = _coming(today, target)
        return Span(day, day), ("weekday" if name in ("weekday", "coming_weekday") else None), target
    if name == "holiday":
        relation, holiday = " ".join(match[1].split()), _holiday_key(match[2])
        keys = _HOLIDAY_KEYS[_HOLIDAY_OF[holiday]]
        if relation == "over":
            # Norwegian "over jul" is after Christmas; English "over Christmas" is during it.
            relation = "during" if holiday in _ENGLISH_HOLIDAYS else "etter"
        if relation in _BEFORE_WORDS:
            return calendar().before(keys), None, None
        if relation in _AFTER_WORDS:
            return calendar().after(keys), None, None
        return calendar().during(keys), None, None
    if name == "term_autumn":
        return calendar().term(("autumn",)), None, None
    if name == "term_spring":
        return calendar().term(("spring",)), None, None
    if name == "term_current":
        return calendar().term(("autumn", "spring")), None, None
    if name == "term_year":
        return calendar().term(("year",)), None, None
    if name == "term_next":
        return calendar().next_term(), None, None
    return None, None, None  # pragma: no cover - every pattern is handled above


def _joined(first: _Piece, second: _Piece, today: date) -> Span | None:
    """One day from two neighbouring pieces that name it together, or None."""
    pair = {first.role, second.role}
    weekday = first if first.role == "weekday" else second
    other = second if weekday is first else first
    if pair == {"weekday", "week"}:
        day = cast(date, other.value) + timedelta(days=cast(int, weekday.value))
        return Span(day, day)
    if pair == {"weekday", "in_weeks"}:
        # "fredag om en uke": a week after the coming Friday.
        day = _coming(today, weekday.value) + timedelta(days=7 * other.value)  # type: ignore[arg-type,operator]
        return Span(day, day)
    if first.role == "weekday" and second.role == "dom":
        return _day(_day_of_month(today, second.value, first.value))  # type: ignore[arg-type]
    if first.role == "weekday" and second.role == "date":
        return second.span  # "mandag 14. desember": the date says it all
    return None


@lru_cache(maxsize=32)
def _calendar_around(calendar: SchoolCalendar, today: date) -> _Calendar:
    # Frozen and hashable: a school's calendar is worked out once a day per process.
    return _Calendar(calendar, today)


def _resolver(calendar: CalendarSource, today: date) -> Callable[[], _Calendar]:
    built: list[_Calendar] = []

    def get() -> _Calendar:
        if not built:
            own = calendar() if callable(calendar) else calendar
            built.append(_calendar_around(own or SchoolCalendar(), today))
        return built[0]

    return get


def find_spans(text: str, clock: Clock, calendar: CalendarSource = None) -> list[Span]:
    """Every date expression in ``text``, in the order written. Of overlapping candidates the
    one that starts first wins, then the longest (the whole expression over its parts).

    ``calendar`` gives the school's breaks and terms (None: Norwegian conventions only). It
    may be a function returning the calendar: it is called only when the message names a
    break or a term, so the turns that do not pay nothing for it.
    """
    normalised, selected = _select(text, clock, calendar)
    chosen = [span for _piece_, span in selected]
    # "i morgen kveld": the day from "i morgen", marked as evening.
    if chosen and re.search(_B + r"(?:kveld|kvelden|evening)" + _E, normalised):
        chosen = [Span(s.start, s.end, s.kind, evening=True) for s in chosen]
    return chosen


def without_dates(text: str, clock: Clock) -> str:
    """The text (normalised) with its date expressions taken out: "prøvene før jul" names no
    item through "jul"."""
    normalised, selected = _select(text, clock, None)
    for piece, _span in sorted(selected, key=lambda pair: -pair[0].start):
        normalised = normalised[: piece.start] + " " + normalised[piece.end:]
    return " ".join(normalised.split())


def _select(text: str, clock: Clock, calendar: CalendarSource) -> tuple[str, list[tuple[_Piece, Span]]]:
    """The normalised text and the date expressions chosen in it, with their spans."""
    normalised = _normalise(text)
    today = clock.today()
    cal = _resolver(calendar, today)
    pieces: list[_Piece] = []
    has_digit = any(c.isdigit() for c in normalised)
    for priority, (name, pattern) in enumerate(_PATTERNS):
        if not any(has_digit if word == _DIGIT else word in normalised for word in _TRIGGERS[name]):
            continue
        for match in pattern.finditer(normalised):
            if name in _CHECKED_NUMBERS and (
                _NOT_A_DATE_BEFORE.search(normalised, 0, match.start())
                or _NOT_A_DATE_AFTER.match(normalised, match.end())
            ):
                continue  # "side 14.", "oppgave 3.2", "kl 7.30", "12.5 poeng"
            span, role, value = _piece(name, match, today, cal)
            if span is not None and span.start <= span.end:
                pieces.append(_Piece(match.start(), match.end(), priority, span, role, value))
    joinable = [p for p in pieces if p.role]
    for first in joinable:
        for second in joinable:
            if first.end <= second.start and _JOINER.fullmatch(normalised, first.end, second.start):
                span = _joined(first, second, today)
                if span is not None:
                    pieces.append(_Piece(first.start, second.end, -1, span))
    pieces.sort(key=lambda p: (p.start, p.start - p.end, p.priority))
    chosen: list[Span] = []
    selected: list[tuple[_Piece, Span]] = []
    taken_until = -1
    for piece in pieces:
        if piece.start < taken_until:
            continue
        span = piece.span
        if piece.role == "weekday" and chosen and span.start < chosen[-1].start:
            # "fra mandag til onsdag": the Wednesday after that Monday.
            shifted = span.start + timedelta(days=7)
            span = Span(shifted, shifted)
        elif piece.role == "weekday" and span.start == today and _DUE_BY.search(normalised, 0, piece.start):
            # "leksa til mandag" asked on a Monday: the homework for next Monday.
            shifted = span.start + timedelta(days=7)
            span = Span(shifted, shifted)
        elif piece.role == "dom" and span.start > today and _about_the_past(normalised):
            # "what did we have for homework on the 4th?": the 4th gone by.
            gone = _last_day_of_month(today, int(cast(int, piece.value)))
            if gone is not None:
                span = Span(gone, gone)
        elif piece.role == "weekday" and span.start > today and _about_the_past(normalised):
            # "Hva var leksa på mandag?", "the homework that was due on Monday": the one gone by.
            shifted = span.start - timedelta(days=7)
            span = Span(shifted, shifted)
        chosen.append(span)
        selected.append((piece, span))
        taken_until = piece.end
    return normalised, selected


# "til mandag", "by Monday", "due Monday": the day work is due, so ahead of today.
_DUE_BY = re.compile(r"(?:^|\s)(?:til|by|innen|innan|due|until|till)\s*(?:på\s+|on\s+|neste\s+)?$")
# A bare weekday in a sentence about the past is the last such day, not the next.
_PAST = re.compile(_B + r"(?:var|vart|was|were|hadde|had|did|forgot|forgotten|glemte|glemt|gløymde|gløymt|missed"
                   r"|mistet|mista|fikk|fekk|got|skrev|wrote|sa|said|gikk|gjekk|went)" + _E)


# "what homework has 8A got for Friday?", "have you got": possession, not the past.
_HAVE_GOT = re.compile(_B + r"(?:has|have|'ve|'s|hasn't|haven't)\s+(?:\S+\s+){0,3}got" + _E)


def _about_the_past(normalised: str) -> bool:
    return any(m.group(0) != "got" or not _HAVE_GOT.search(normalised) for m in _PAST.finditer(normalised))


def question_sentence(text: str) -> str | None:
    """The last sentence that asks (ends with "?"), when the message has more than one:
    "Eva hadde feber i helga. Når er prøven?" asks about the test, not the weekend."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]
    asked = [s for s in sentences if s.endswith("?")]
    return asked[-1] if len(sentences) > 1 and asked else None


def asking_clause(text: str) -> str | None:
    """"William har vært syk i helgen, hva har han i lekse til i morgen?": the clause that asks."""
    clause = _ASKING_CLAUSE.search(text.strip())
    return clause.group(1) if clause and text.strip().endswith("?") else None


_ASKING_CLAUSE = re.compile(r",\s+((?:hva|hvem|når|hvor|hvilke|hvilken|kva|kven|kor|kvar|korleis|what|when|where|which|who"
                            r"|how)\b[^,]*)$", re.IGNORECASE)


def asked_span(text: str, clock: Clock, calendar: CalendarSource = None) -> Span | None:
    """The period the question asks about: its question sentence's, else the message's."""
    asked = question_sentence(text)
    if asked is not None:
        return find_span(asked, clock, calendar)
    clause = asking_clause(text)
    if clause is not None:
        # A day in the asking clause wins over one in the clause before it; none there, the message's.
        return find_span(clause, clock, calendar) or find_span(text, clock, calendar)
    return find_span(text, clock, calendar)


def find_span(text: str, clock: Clock, calendar: CalendarSource = None) -> Span | None:
    """The first date expression in ``text`` (earliest in the message), or None."""
    spans = find_spans(text, clock, calendar)
    return spans[0] if spans else None


_TIME_PATTERNS = [
    # 18:30, 18.30, kl 18, kl. 7.30, klokka 18, klokken 6, at 18:00
    re.compile(_B + r"(?:kl\.?|klokka|klokken|klokkå|klokkja|at|by|around|rundt|ca\.?)\s*(\d{1,2})(?:[:.](\d{2}))?"
               r"\s*(am|pm|a\.m\.|p\.m\.)?" + _E),
    re.compile(_B + r"(\d{1,2})[:.](\d{2})\s*(am|pm)?" + _E),
    re.compile(_B + r"(\d{1,2})\s*(am|pm)" + _E),
]


def find_time(text: str) -> time | None:
    """A clock time in ``text`` ("klokka 18", "kl. 7.30", "18:00", "at 6 pm"), or None."""
    normalised = _normalise(text)
    for index, pattern in enumerate(_TIME_PATTERNS):
        match = pattern.search(normalised)
        if not match:
            continue
        hour = int(match[1])
        if index == 2:
            minute, suffix = 0, match[2]
        else:
            minute = int(match[2]) if match[2] else 0
            suffix = match[3]
        if suffix and suffix.startswith("p") and hour < 12:
            hour += 12
        elif suffix and suffix.startswith("a") and hour == 12:
            hour = 0
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return time(hour, minute)
    return None


def find_times(text: str) -> list[time]:
    """Every clock time in ``text``, in order ("ikke mellom 21 og 7" → [21:00, 07:00])."""
    normalised = _normalise(text)
    found: list[tuple[int, time]] = []
    pattern = re.compile(
        _B + r"(?:(?:kl\.?|klokka|klokken|at|from|til|to|fra|mellom|between|and|og|etter|after|før|before)\s*)"
        r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?" + _E
    )
    for match in pattern.finditer(normalised):
        hour, minute = int(match[1]), int(match[2]) if match[2] else 0
        if match[3] == "pm" and hour < 12:
            hour += 12
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            found.append((match.start(), time(hour, minute)))
    return [t for _, t in sorted(found)]
