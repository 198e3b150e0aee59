"""Norwegian (bokmål, nynorsk) and English date and time expressions, read against the clock.

People write "hva er leksa i morgon", "har vi gym på fredag", "ukeplan for veke 49",
"what's due next week", "hva må vi ha med etter helga". :func:`find_span` finds the first
such expression in a message and turns it into a :class:`Span` of school days relative to
:class:`bot.clock.Clock`; :func:`find_time` finds a clock time ("klokka 18", "kl. 7.30",
"at 6 pm"). Both are deterministic and fast (a handful of regexes): they run on every turn.

dateparser covers numeric dates and month names but not the relative Norwegian phrases
("i overmorgen", "etter helga", "veke 49", "denne uka") and is slow on first use, so this
module owns the whole vocabulary instead of mixing two sources of truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from bot.clock import Clock


class SpanKind:
    DAY = "day"
    WEEK = "week"
    WEEKEND = "weekend"


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

# Full weekday names only: "man", "tor", "fri" are ordinary words in running text.
_WEEKDAY_WORDS = "|".join(sorted((n for n in WEEKDAYS if len(n) > 4), key=len, reverse=True))
_MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))
_B = r"(?<![\wæøå])"  # word start (\b does not know æøå as letters in every position)
_E = r"(?![\wæøå])"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(_B + r"(\d{4})-(\d{2})-(\d{2})" + _E)),
    ("day_month_name", re.compile(_B + r"(\d{1,2})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(" + _MONTH_WORDS + r")\.?" + _E)),
    ("month_name_day", re.compile(_B + r"(" + _MONTH_WORDS + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?" + _E)),
    ("numeric", re.compile(_B + r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?" + _E)),
    ("week_number", re.compile(_B + r"(?:uke|veke|veka|uka|week|wk|u|v)\.?\s*(\d{1,2})" + _E)),
    ("day_after_tomorrow", re.compile(
        _B + r"(?:i\s*overmorg[eo]n|iovermorg[eo]n|overmorg[eo]n|(?:the\s+)?day\s+after\s+tomorrow)" + _E)),
    ("tomorrow", re.compile(
        _B + r"(?:i\s*morg[eo]n|i\s*morra|i\s*morn|imorgo|tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr)" + _E)),
    ("yesterday", re.compile(_B + r"(?:i\s*går|igår|i\s*gar|yesterday)" + _E)),
    ("tonight", re.compile(_B + r"(?:i\s*kveld|ikveld|i\s*kvell|tonight|this\s+evening)" + _E)),
    ("today", re.compile(_B + r"(?:i\s*dag|idag|today)" + _E)),
    ("after_weekend", re.compile(
        _B + r"(?:etter\s+(?:helga|helgen|helgi|helga?)|after\s+the\s+weekend|over\s+helga|over\s+helgen)" + _E)),
    ("weekend", re.compile(
        _B + r"(?:i\s+helga|i\s+helgen|i\s+helgi|denne\s+helga|denne\s+helgen|this\s+weekend|the\s+weekend|helga|helgen)"
        + _E)),
    ("next_week", re.compile(
        _B + r"(?:neste\s+(?:uke|uka|uken|veke|veka)|nest\s+uke|next\s+week|kommende\s+uke|i\s+neste\s+uke)" + _E)),
    ("this_week", re.compile(
        _B + r"(?:denne\s+(?:uka|uken|uke|veka|veke)|i\s+(?:uka|veka)|this\s+week|resten\s+av\s+(?:uka|veka))" + _E)),
    ("next_weekday", re.compile(_B + r"(?:neste|next)\s+(" + _WEEKDAY_WORDS + r")" + _E)),
    ("weekday", re.compile(_B + r"(" + _WEEKDAY_WORDS + r")(?:en|ar|er|s)?" + _E)),
    ("in_days", re.compile(_B + r"(?:om|in)\s+(\d{1,2}|to|tre|two|three|fire|four)\s+(?:dager|dagar|days)" + _E)),
]

_PATTERNS_BY_NAME = dict(_PATTERNS)
_SMALL_NUMBERS = {"to": 2, "tre": 3, "fire": 4, "two": 2, "three": 3, "four": 4}


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


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


def _span_for(name: str, match: re.Match[str], today: date) -> Span | None:
    if name == "iso":
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
        return Span(day, day)
    if name == "day_month_name":
        day = _nearest_year(today, MONTHS[match[2]], int(match[1]))
        return Span(day, day) if day else None
    if name == "month_name_day":
        day = _nearest_year(today, MONTHS[match[1]], int(match[2]))
        return Span(day, day) if day else None
    if name == "numeric":
        d, m = int(match[1]), int(match[2])
        if match[3]:
            year = int(match[3])
            year += 2000 if year < 100 else 0
            try:
                day = date(year, m, d)
            except ValueError:
                return None
        else:
            day = _nearest_year(today, m, d) if 1 <= m <= 12 else None
        return Span(day, day) if day else None
    if name == "week_number":
        return _iso_week_span(today, int(match[1]))
    if name == "today":
        return Span(today, today)
    if name == "tonight":
        return Span(today, today, evening=True)
    if name == "tomorrow":
        day = today + timedelta(days=1)
        return Span(day, day)
    if name == "day_after_tomorrow":
        day = today + timedelta(days=2)
        return Span(day, day)
    if name == "yesterday":
        day = today - timedelta(days=1)
        return Span(day, day)
    if name == "after_weekend":
        day = today + timedelta(days=7 - today.weekday())  # the next Monday
        return Span(day, day)
    if name == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7) if today.weekday() < 6 else today - timedelta(1)
        return Span(saturday, saturday + timedelta(days=1), SpanKind.WEEKEND)
    if name == "next_week":
        monday, sunday = _week_of(today + timedelta(days=7))
        return Span(monday, sunday, SpanKind.WEEK)
    if name == "this_week":
        monday, sunday = _week_of(today)
        return Span(monday, sunday, SpanKind.WEEK)
    if name == "next_weekday":
        # "neste fredag" is that day of next week; "på fredag" is the coming one.
        day = _week_of(today + timedelta(days=7))[0] + timedelta(days=WEEKDAYS[match[1]])
        return Span(day, day)
    if name == "weekday":
        target = WEEKDAYS[match[1]]
        day = today + timedelta(days=(target - today.weekday()) % 7)
        return Span(day, day)
    if name == "in_days":
        raw = match[1]
        count = int(raw) if raw.isdigit() else _SMALL_NUMBERS[raw]
        day = today + timedelta(days=count)
        return Span(day, day)
    return None  # pragma: no cover - every pattern is handled above


def find_spans(text: str, clock: Clock) -> list[Span]:
    """Every date expression in ``text``, in the order written, overlapping ones resolved
    in favour of the one that starts first (then the more specific pattern)."""
    normalised = _normalise(text)
    today = clock.today()
    found: list[tuple[int, int, int, Span]] = []
    for priority, (name, pattern) in enumerate(_PATTERNS):
        for match in pattern.finditer(normalised):
            if name == "numeric" and re.search(r"(?:kl\.?|klokka|klokken)\s*$", normalised[: match.start()]):
                continue  # "kl 7.30" is a time, not 7 March
            span = _span_for(name, match, today)
            if span is not None:
                found.append((match.start(), priority, match.end(), name, span))
    found.sort(key=lambda f: (f[0], f[1]))
    chosen: list[Span] = []
    taken_until = -1
    for start, _, end, name, span in found:
        if start >= taken_until:
            if name == "weekday" and chosen and span.start < chosen[-1].start:
                # "fra mandag til onsdag": the Wednesday after that Monday.
                shifted = span.start + timedelta(days=7)
                span = Span(shifted, shifted)
            chosen.append(span)
            taken_until = end
    # "i morgen kveld": the day from "i morgen", marked as evening.
    if chosen and re.search(_B + r"(?:kveld|kvelden|evening)" + _E, normalised):
        chosen = [Span(s.start, s.end, s.kind, evening=True) for s in chosen]
    return chosen


def find_span(text: str, clock: Clock) -> Span | None:
    """The first date expression in ``text`` (earliest in the message), or None."""
    spans = find_spans(text, clock)
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


def weekday_of(text: str) -> int | None:
    """The first weekday named in ``text`` (Monday = 0), or None."""
    match = _PATTERNS_BY_NAME["weekday"].search(_normalise(text))
    return WEEKDAYS[match[1]] if match else None
