"""Date and time expressions against the fixed clock: Tuesday 2026-12-01 10:00, week 49."""

from datetime import date, time

import pytest

from bot.dates import SpanKind, find_span, find_time, find_times


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("hva er leksene i dag", date(2026, 12, 1), date(2026, 12, 1)),
        ("leksa idag?", date(2026, 12, 1), date(2026, 12, 1)),
        ("hva har vi i morgen", date(2026, 12, 2), date(2026, 12, 2)),
        ("kva er leksa i morgon", date(2026, 12, 2), date(2026, 12, 2)),
        ("lekser imorgen", date(2026, 12, 2), date(2026, 12, 2)),
        ("ka har vi i morra", date(2026, 12, 2), date(2026, 12, 2)),
        ("homework for tomorrow", date(2026, 12, 2), date(2026, 12, 2)),
        ("hva skjer i overmorgen", date(2026, 12, 3), date(2026, 12, 3)),
        ("kva skjer i overmorgon", date(2026, 12, 3), date(2026, 12, 3)),
        ("what about the day after tomorrow", date(2026, 12, 3), date(2026, 12, 3)),
        ("hva må vi ha med på fredag", date(2026, 12, 4), date(2026, 12, 4)),
        ("hva har vi i matte til fredag?", date(2026, 12, 4), date(2026, 12, 4)),
        ("what do we have on Friday", date(2026, 12, 4), date(2026, 12, 4)),
        ("når begynner skolen på mandag", date(2026, 12, 7), date(2026, 12, 7)),
        ("kva har vi på måndag", date(2026, 12, 7), date(2026, 12, 7)),
        ("kva har vi på tysdag", date(2026, 12, 1), date(2026, 12, 1)),
        ("neste fredag", date(2026, 12, 11), date(2026, 12, 11)),
        ("lekser neste uke", date(2026, 12, 7), date(2026, 12, 13)),
        ("lekser neste veke", date(2026, 12, 7), date(2026, 12, 13)),
        ("what's due next week", date(2026, 12, 7), date(2026, 12, 13)),
        ("hva skjer denne uka", date(2026, 11, 30), date(2026, 12, 6)),
        ("kva skjer denne veka", date(2026, 11, 30), date(2026, 12, 6)),
        ("this week", date(2026, 11, 30), date(2026, 12, 6)),
        ("ukeplan for uke 50", date(2026, 12, 7), date(2026, 12, 13)),
        ("vekeplan veke 49", date(2026, 11, 30), date(2026, 12, 6)),
        ("week 2 plan", date(2027, 1, 11), date(2027, 1, 17)),
        ("hva skjer 4. desember", date(2026, 12, 4), date(2026, 12, 4)),
        ("prøve 10 des", date(2026, 12, 10), date(2026, 12, 10)),
        ("what is on December 4th", date(2026, 12, 4), date(2026, 12, 4)),
        ("the 4th of december", date(2026, 12, 4), date(2026, 12, 4)),
        ("hva var leksa 24. november", date(2026, 11, 24), date(2026, 11, 24)),
        ("hva skjer 4/12", date(2026, 12, 4), date(2026, 12, 4)),
        ("hva skjer 04.12.2026", date(2026, 12, 4), date(2026, 12, 4)),
        ("leksene 5. januar", date(2027, 1, 5), date(2027, 1, 5)),
        ("hva må vi ha med etter helga", date(2026, 12, 7), date(2026, 12, 7)),
        ("after the weekend", date(2026, 12, 7), date(2026, 12, 7)),
        ("hva skjer i helga", date(2026, 12, 5), date(2026, 12, 6)),
        ("om to dager", date(2026, 12, 3), date(2026, 12, 3)),
    ],
)
def test_expressions_resolve_to_school_days_relative_to_the_clock(clock, text, start, end) -> None:  # noqa: ANN001
    span = find_span(text, clock)
    assert span is not None, text
    assert (span.start, span.end) == (start, end)


def test_no_date_in_a_message_is_none(clock) -> None:  # noqa: ANN001
    assert find_span("hvordan går det med Emma i matte", clock) is None
    assert find_span("send meg påminnelser som tale", clock) is None
    # "man" (one) and "tor" (dares) are words, not weekdays.
    assert find_span("hva må man ha med seg", clock) is None


def test_weeks_are_marked_as_weeks_and_evening_as_evening(clock) -> None:  # noqa: ANN001
    assert find_span("ukeplan neste uke", clock).kind == SpanKind.WEEK
    tonight = find_span("hva må eg gjere i kveld", clock)
    assert tonight.start == date(2026, 12, 1) and tonight.evening
    tomorrow_evening = find_span("i morgen kveld", clock)
    assert tomorrow_evening.start == date(2026, 12, 2) and tomorrow_evening.evening


def test_the_first_expression_wins(clock) -> None:  # noqa: ANN001
    assert find_span("i morgen, eller på fredag", clock).start == date(2026, 12, 2)


def test_a_time_is_not_taken_for_a_date(clock) -> None:  # noqa: ANN001
    assert find_span("send påminnelser kl 7.30", clock) is None


def test_date_expressions_follow_the_clock_across_a_weekend() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.clock import Clock

    saturday = Clock(zone=ZoneInfo("Europe/Oslo"), fixed=datetime.fromisoformat("2026-12-05T12:00:00+01:00"))
    assert find_span("etter helga", saturday).start == date(2026, 12, 7)
    assert find_span("i helga", saturday).start == date(2026, 12, 5)
    assert find_span("i morgen", saturday).start == date(2026, 12, 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("send meg påminnelser som tale klokka 18", time(18, 0)),
        ("kl. 7.30", time(7, 30)),
        ("kl 19", time(19, 0)),
        ("remind me at 6 pm", time(18, 0)),
        ("at 18:15 please", time(18, 15)),
        ("klokken 6", time(6, 0)),
        ("20:00", time(20, 0)),
    ],
)
def test_clock_times(text: str, expected: time) -> None:
    assert find_time(text) == expected


def test_no_time_and_several_times() -> None:
    assert find_time("send meg påminnelser som tale") is None
    assert find_times("ikke send noe mellom 21 og 7") == [time(21, 0), time(7, 0)]
    assert find_times("no messages between 9 pm and 7") == [time(21, 0), time(7, 0)]


def test_several_expressions_in_one_message_are_all_found(clock) -> None:  # noqa: ANN001
    from bot.dates import find_spans

    spans = find_spans("Emma er syk i dag og i morgen", clock)
    assert [s.start for s in spans] == [date(2026, 12, 1), date(2026, 12, 2)]
    assert [s.start for s in find_spans("fra mandag til onsdag", clock)] == [date(2026, 12, 7), date(2026, 12, 9)]


def test_the_clause_that_asks_names_the_day_asked_about(clock) -> None:  # noqa: ANN001
    from bot.dates import asked_span

    # Ill at the weekend, asking about tomorrow: tomorrow (Wednesday 2 December).
    span = asked_span("William har vært syk i helgen, hva har han i lekse til i morgen?", clock)
    assert (span.start, span.end) == (date(2026, 12, 2), date(2026, 12, 2))
    # No day in the asking clause: the message's.
    span = asked_span("Hvis han er syk i morgen, hva gjør vi?", clock)
    assert (span.start, span.end) == (date(2026, 12, 2), date(2026, 12, 2))
