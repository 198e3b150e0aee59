"""Date expressions people write, in running sentences, in bokmål, nynorsk and English.

Every expectation below was worked out from the calendar by hand, not copied from the code:

Clock DEC: Tuesday 1 December 2026, ISO week 49 (30 Nov - 6 Dec). Week 50 is 7-13 Dec,
week 51 14-20 Dec; 2026 has a week 53 (28 Dec - 3 Jan), so week 3 of 2027 is 18-24 Jan.
Clock MAR: Friday 5 March 2027, ISO week 9 (1-7 Mar); Easter Sunday is 28 March 2027.

Norwegian conventions (no stored calendar), school year 2026/27:
  autumn break 28 Sep - 2 Oct 2026 (week 40), Christmas 19 Dec 2026 - 1 Jan 2027 (20 Dec is a
  Sunday, so the last school day is Friday 18 Dec), winter break 22-26 Feb 2027 (week 8),
  Easter 22-29 Mar 2027, summer 19 Jun - 15 Aug 2027 (20 Jun is a Sunday; 15 Aug a Sunday,
  school starts Monday 16 Aug); autumn term 17 Aug - 18 Dec 2026, spring term 4 Jan -
  18 Jun 2027. 2027/28: autumn break 4-8 Oct 2027, Christmas 21 Dec 2027 - 1 Jan 2028
  (20 Dec 2027 is a Monday), winter break 21-25 Feb 2028; autumn term 16 Aug - 20 Dec 2027.
A stored calendar (a Bergen-like school, STORED below) overrides what it has and falls back
to the conventions for what it has not (the 2027/28 breaks).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import Clock
from bot.dates import Period, SchoolCalendar, SpanKind, find_span, find_spans

D = date
OSLO = ZoneInfo("Europe/Oslo")
CLOCKS = {
    "dec": Clock(zone=OSLO, fixed=datetime.fromisoformat("2026-12-01T10:00:00+01:00")),
    "mar": Clock(zone=OSLO, fixed=datetime.fromisoformat("2027-03-05T10:00:00+01:00")),
}
STORED = SchoolCalendar(
    breaks=(
        Period("autumn", D(2026, 10, 5), D(2026, 10, 9)),  # week 41
        Period("christmas", D(2026, 12, 21), D(2027, 1, 3)),
        Period("winter", D(2027, 3, 1), D(2027, 3, 5)),  # week 9
        Period("easter", D(2027, 3, 22), D(2027, 3, 29)),
        Period("summer", D(2027, 6, 23), D(2027, 8, 17)),
    ),
    terms=(
        Period("year", D(2026, 8, 19), D(2027, 6, 22)),
        Period("autumn", D(2026, 8, 19), D(2026, 12, 20)),
        Period("spring", D(2027, 1, 4), D(2027, 6, 22)),
    ),
)
CALENDARS = {"conventions": None, "stored": STORED}

DEC_11 = (D(2026, 12, 11), D(2026, 12, 11))
WEEK_50 = (D(2026, 12, 7), D(2026, 12, 13))
WEEK_51 = (D(2026, 12, 14), D(2026, 12, 20))
DEC_14 = (D(2026, 12, 14), D(2026, 12, 14))
BEFORE_XMAS = (D(2026, 12, 1), D(2026, 12, 18))
AFTER_XMAS = (D(2027, 1, 2), D(2027, 2, 21))
XMAS = (D(2026, 12, 19), D(2027, 1, 1))
REST_OF_AUTUMN = (D(2026, 12, 1), D(2026, 12, 18))
SPRING = (D(2027, 1, 4), D(2027, 6, 18))
NONE = (None, None)

# ------------------------------------------------------------------ Tuesday 1 Dec, conventions
DEC_CONVENTIONS = [
    # A weekday and next week, in any order and form.
    ("hva er leksene på fredag neste uke?", *DEC_11),
    ("kva er leksene på fredag neste veke?", *DEC_11),
    ("hva har vi neste uke fredag?", *DEC_11),
    ("kva skjer på fredag i neste veke?", *DEC_11),
    ("har vi gym fredag om en uke?", *DEC_11),
    ("what's due friday next week?", *DEC_11),
    ("what do we have next week on friday?", *DEC_11),
    ("what's due next friday?", *DEC_11),
    ("hva må Emma ha med neste fredag?", *DEC_11),
    ("er det prøve neste uke på mandag?", D(2026, 12, 7), D(2026, 12, 7)),
    ("har vi svømming mandag i neste uke", D(2026, 12, 7), D(2026, 12, 7)),
    ("kva har vi onsdag neste veke?", D(2026, 12, 9), D(2026, 12, 9)),
    ("is the trip on Wednesday next week?", D(2026, 12, 9), D(2026, 12, 9)),
    ("next week, on tuesday, what do we need?", D(2026, 12, 8), D(2026, 12, 8)),
    ("hva skjer neste uke, tirsdag?", D(2026, 12, 8), D(2026, 12, 8)),
    ("kva skjer neste måndag?", D(2026, 12, 7), D(2026, 12, 7)),
    ("har vi prøve torsdag om to uker?", D(2026, 12, 17), D(2026, 12, 17)),
    ("hva skjer onsdag om en uke", D(2026, 12, 9), D(2026, 12, 9)),
    ("om en uke på torsdag har vi tur", D(2026, 12, 10), D(2026, 12, 10)),
    ("hva skjer fredag i uke 50?", *DEC_11),
    ("kva har vi tysdag veke 51?", D(2026, 12, 15), D(2026, 12, 15)),
    # this / on / coming / last.
    ("is there a test this friday?", D(2026, 12, 4), D(2026, 12, 4)),
    ("what do we need on Friday?", D(2026, 12, 4), D(2026, 12, 4)),
    ("hva skjer kommende fredag?", D(2026, 12, 4), D(2026, 12, 4)),
    ("hva må vi ha med førstkommende mandag?", D(2026, 12, 7), D(2026, 12, 7)),
    ("leksene til førstkommende tirsdag", D(2026, 12, 8), D(2026, 12, 8)),
    ("hva har vi på tirsdag?", D(2026, 12, 1), D(2026, 12, 1)),
    ("what's on this coming monday?", D(2026, 12, 7), D(2026, 12, 7)),
    ("anything due the coming thursday?", D(2026, 12, 3), D(2026, 12, 3)),
    ("hva skjer fredag denne uka?", D(2026, 12, 4), D(2026, 12, 4)),
    ("hva hadde vi mandag denne uka?", D(2026, 11, 30), D(2026, 11, 30)),
    ("what's due friday this week?", D(2026, 12, 4), D(2026, 12, 4)),
    ("hva var leksa forrige fredag?", D(2026, 11, 27), D(2026, 11, 27)),
    ("what was the homework last monday?", D(2026, 11, 30), D(2026, 11, 30)),
    ("hva skjedde fredag forrige uke?", D(2026, 11, 27), D(2026, 11, 27)),
    ("har vi fri på laurdag?", D(2026, 12, 5), D(2026, 12, 5)),
    ("kva skjer på sundag?", D(2026, 12, 6), D(2026, 12, 6)),
    # Day of the month.
    ("hva skjer den 14.?", *DEC_14),
    ("hva er leksene til den 14", *DEC_14),
    ("hva skjer 14.?", *DEC_14),
    ("har vi prøve mandag den 14.?", *DEC_14),
    ("what's due on Thursday the 10th?", D(2026, 12, 10), D(2026, 12, 10)),
    ("is the concert on Friday the 11th?", *DEC_11),
    ("what happens on Tuesday the 15th", D(2026, 12, 15), D(2026, 12, 15)),
    ("hva skjer fredag den 18.", D(2026, 12, 18), D(2026, 12, 18)),
    # A weekday and a day of the month that fit a day just gone: that day, not one next year
    # (26 November 2026 is a Thursday; the next Thursday the 26th is in August 2027).
    ("what page was the homework on thursday 26th?", D(2026, 11, 26), D(2026, 11, 26)),
    # "has ... got" is having, not the past: the coming Friday.
    ("what homework has 8A got for friday?", D(2026, 12, 4), D(2026, 12, 4)),
    ("what did Emma get on friday?", D(2026, 11, 27), D(2026, 11, 27)),
    # A day of the month in a sentence about the past is the one gone by.
    ("what did we have for maths homework on the 30th?", D(2026, 11, 30), D(2026, 11, 30)),
    ("hva var leksa til den 27.?", D(2026, 11, 27), D(2026, 11, 27)),
    ("hva var leksa fredag den 27.?", D(2026, 11, 27), D(2026, 11, 27)),
    # 14 December is a Monday; the next Thursday the 14th is in January.
    ("har vi prøve torsdag den 14.?", D(2027, 1, 14), D(2027, 1, 14)),
    # 1 Dec is a Tuesday, 1 Jan a Friday, 1 Feb 2027 a Monday.
    ("hva skjer mandag den 1.?", D(2027, 2, 1), D(2027, 2, 1)),
    ("leksene til den 1.", D(2026, 12, 1), D(2026, 12, 1)),
    ("kva skjer den 9.?", D(2026, 12, 9), D(2026, 12, 9)),
    ("hva skjer den 30. i matte?", D(2026, 12, 30), D(2026, 12, 30)),
    ("what's due on the 14th?", *DEC_14),
    ("I need it by the 20th.", D(2026, 12, 20), D(2026, 12, 20)),
    ("what happens on the 3rd", D(2026, 12, 3), D(2026, 12, 3)),
    ("hva skjer 14/12?", *DEC_14),
    ("hva skjer 14.12", *DEC_14),
    ("prøven er 14. desember", *DEC_14),
    ("prøve 14 des", *DEC_14),
    ("hva skjer 14. des.?", *DEC_14),
    ("what's on the 14th of December?", *DEC_14),
    ("what's due December 14th?", *DEC_14),
    ("test on Dec 14", *DEC_14),
    ("hva skjer den 14. desember?", *DEC_14),
    ("hva skjer mandag 14. desember?", *DEC_14),
    ("hva skjer i 3B uka 14.-18. desember?", D(2026, 12, 14), D(2026, 12, 18)),
    # A bare weekday in a sentence about the past: the one gone by (today is Tuesday 1 Dec).
    ("hva var matteleksa på mandag?", D(2026, 11, 30), D(2026, 11, 30)),
    ("kva var leksa på fredag?", D(2026, 11, 27), D(2026, 11, 27)),
    ("she forgot the homework that was due on Monday", D(2026, 11, 30), D(2026, 11, 30)),
    ("hva fikk hun på prøven på torsdag?", D(2026, 11, 26), D(2026, 11, 26)),
    ("hva er leksa til mandag?", D(2026, 12, 7), D(2026, 12, 7)),
    ("hva går leksa til torsdag 17. ut på?", D(2026, 12, 17), D(2026, 12, 17)),
    ("what tests do we have in december", D(2026, 12, 1), D(2026, 12, 31)),
    ("hvilke mattelekser hadde han i november?", D(2026, 11, 1), D(2026, 11, 30)),
    ("kva prøvar er det i januar?", D(2027, 1, 1), D(2027, 1, 31)),
    ("kva skjer måndag 14. i gymmen?", *DEC_14),
    ("leksene til tirsdag?", D(2026, 12, 8), D(2026, 12, 8)),  # asked on a Tuesday: next week's
    ("kva skjer 14.–18. desember", D(2026, 12, 14), D(2026, 12, 18)),
    ("what's on 14-18 December?", D(2026, 12, 14), D(2026, 12, 18)),
    ("anything on December 14-18?", D(2026, 12, 14), D(2026, 12, 18)),
    ("hva skjer uka 14. desember", *DEC_14),
    ("is it on Thursday, December 10th?", D(2026, 12, 10), D(2026, 12, 10)),
    ("leksene til 8. januar", D(2027, 1, 8), D(2027, 1, 8)),
    ("hva skjer 20.1?", D(2027, 1, 20), D(2027, 1, 20)),
    ("hva skjer 3/2", D(2027, 2, 3), D(2027, 2, 3)),
    ("hva skjer 14.12.2026", *DEC_14),
    ("what's due on the 2nd of January", D(2027, 1, 2), D(2027, 1, 2)),
    ("what's due January 8", D(2027, 1, 8), D(2027, 1, 8)),
    ("hva skjer 14. desember 2026?", *DEC_14),
    ("hva var leksa 28. november?", D(2026, 11, 28), D(2026, 11, 28)),
    # Christmas and the other breaks.
    ("hva har vi av prøver før jul?", *BEFORE_XMAS),
    ("kva har vi av prøvar før jul?", *BEFORE_XMAS),
    ("hvilke prøver har vi etter jul?", *AFTER_XMAS),
    ("hva må vi gjøre til jul?", *BEFORE_XMAS),
    ("hva er planen fram til jul?", *BEFORE_XMAS),
    ("kva skal vi lese fram til jul", *BEFORE_XMAS),
    ("er det flere prøver før juleferien?", *BEFORE_XMAS),
    ("hva skjer etter nyttår?", *AFTER_XMAS),
    ("hva har vi før nyttår?", *BEFORE_XMAS),
    ("hva skjer før ferien?", *BEFORE_XMAS),
    ("hva skjer etter ferien?", *AFTER_XMAS),
    ("kva skjer etter juleferien?", *AFTER_XMAS),
    ("hva gjør vi over jul?", *AFTER_XMAS),
    ("er det prøver før høstferien?", D(2026, 12, 1), D(2027, 10, 3)),
    ("hva skjer etter høstferien?", D(2027, 10, 9), D(2027, 12, 20)),
    ("hva har vi før vinterferien?", D(2026, 12, 1), D(2027, 2, 21)),
    ("kva skjer etter vinterferien?", D(2027, 2, 27), D(2027, 3, 21)),
    ("hvilke prøver er det før påske?", D(2026, 12, 1), D(2027, 3, 21)),
    ("hva skjer etter påske?", D(2027, 3, 30), D(2027, 6, 18)),
    ("kva skjer før påskeferien?", D(2026, 12, 1), D(2027, 3, 21)),
    ("hva skjer etter påskeferien", D(2027, 3, 30), D(2027, 6, 18)),
    ("hva må vi rekke før sommerferien?", D(2026, 12, 1), D(2027, 6, 18)),
    ("kva skjer etter sommarferien?", D(2027, 8, 16), D(2027, 10, 3)),
    ("frem til påske har vi brøk", D(2026, 12, 1), D(2027, 3, 21)),
    ("hva skal vi gjøre til sommeren?", D(2026, 12, 1), D(2027, 6, 18)),
    ("what tests are there before Christmas?", *BEFORE_XMAS),
    ("what's the plan after Christmas?", *AFTER_XMAS),
    ("any homework before the holidays?", *BEFORE_XMAS),
    ("what happens after the holidays?", *AFTER_XMAS),
    ("what do we do after half term?", D(2027, 2, 27), D(2027, 3, 21)),
    ("what's planned after the winter break?", D(2027, 2, 27), D(2027, 3, 21)),
    ("is there a test before Easter?", D(2026, 12, 1), D(2027, 3, 21)),
    ("what do we learn after Easter?", D(2027, 3, 30), D(2027, 6, 18)),
    ("what's due until Christmas?", *BEFORE_XMAS),
    ("what must be done by Christmas?", *BEFORE_XMAS),
    ("what do we read up to the summer holidays?", D(2026, 12, 1), D(2027, 6, 18)),
    ("is anything due before the autumn break?", D(2026, 12, 1), D(2027, 10, 3)),
    ("har vi lekser i jula?", *XMAS),
    ("har vi lekser i juleferien?", *XMAS),
    ("is there homework over Christmas?", *XMAS),
    ("any reading this Christmas?", *XMAS),
    ("har vi lekser i ferien?", *XMAS),
    ("is there homework in the Easter holidays?", D(2027, 3, 22), D(2027, 3, 29)),
    ("skal vi lese i påska?", D(2027, 3, 22), D(2027, 3, 29)),
    ("har vi lekser i vinterferien?", D(2027, 2, 22), D(2027, 2, 26)),
    ("anything during the winter break?", D(2027, 2, 22), D(2027, 2, 26)),
    ("har vi lekser i sommerferien?", D(2027, 6, 19), D(2027, 8, 15)),
    ("kva skjer i haustferien?", D(2027, 10, 4), D(2027, 10, 8)),
    # The weekend.
    ("har vi lekser i helga?", D(2026, 12, 5), D(2026, 12, 6)),
    ("hva skjer i helgen?", D(2026, 12, 5), D(2026, 12, 6)),
    ("kva skal vi gjere i helgi?", D(2026, 12, 5), D(2026, 12, 6)),
    ("hva skjer denne helga?", D(2026, 12, 5), D(2026, 12, 6)),
    ("any homework this weekend?", D(2026, 12, 5), D(2026, 12, 6)),
    ("what do we read at the weekend?", D(2026, 12, 5), D(2026, 12, 6)),
    ("anything to do over the weekend?", D(2026, 12, 5), D(2026, 12, 6)),
    ("hva må vi ha med etter helga?", D(2026, 12, 7), D(2026, 12, 7)),
    # Norwegian "over helga" is after the weekend (as "over jul", "over nyttår").
    ("hva er leksene over helga?", D(2026, 12, 7), D(2026, 12, 7)),
    ("what do we need after the weekend?", D(2026, 12, 7), D(2026, 12, 7)),
    ("hva skjer neste helg?", D(2026, 12, 12), D(2026, 12, 13)),
    ("any plans next weekend?", D(2026, 12, 12), D(2026, 12, 13)),
    # Relative days and weeks.
    ("hva har vi om to uker?", *WEEK_51),
    ("kva har vi om to veker?", *WEEK_51),
    ("hva skjer om 2 uker?", *WEEK_51),
    ("what's due in two weeks?", *WEEK_51),
    ("what's due in two weeks' time?", *WEEK_51),
    ("hva skjer om en uke?", *WEEK_50),
    ("kva skjer om ei veke?", *WEEK_50),
    ("what's on in a week?", *WEEK_50),
    ("hva skjer om tre dager?", D(2026, 12, 4), D(2026, 12, 4)),
    ("kva skjer om tre dagar?", D(2026, 12, 4), D(2026, 12, 4)),
    ("what's due in 3 days?", D(2026, 12, 4), D(2026, 12, 4)),
    ("hva skjer om en dag?", D(2026, 12, 2), D(2026, 12, 2)),
    ("hva er leksene i overmorgen?", D(2026, 12, 3), D(2026, 12, 3)),
    ("hva var leksa i forgårs?", D(2026, 11, 29), D(2026, 11, 29)),
    ("hva skjedde for to dager siden?", D(2026, 11, 29), D(2026, 11, 29)),
    ("what was due 3 days ago?", D(2026, 11, 28), D(2026, 11, 28)),
    ("hva er leksene neste uke?", *WEEK_50),
    ("kva er leksene neste veke?", *WEEK_50),
    ("hva skjer uka som kommer?", *WEEK_50),
    ("what's due next week?", *WEEK_50),
    ("hva skjer denne uka?", D(2026, 11, 30), D(2026, 12, 6)),
    ("kva skjer denne veka?", D(2026, 11, 30), D(2026, 12, 6)),
    ("what's on this week?", D(2026, 11, 30), D(2026, 12, 6)),
    ("hva var leksene forrige uke?", D(2026, 11, 23), D(2026, 11, 29)),
    ("what was due last week?", D(2026, 11, 23), D(2026, 11, 29)),
    ("hva er leksene resten av uka?", D(2026, 12, 1), D(2026, 12, 6)),
    ("kva er leksene resten av veka?", D(2026, 12, 1), D(2026, 12, 6)),
    ("what's due the rest of the week?", D(2026, 12, 1), D(2026, 12, 6)),
    ("homework for the rest of this week?", D(2026, 12, 1), D(2026, 12, 6)),
    ("ukeplan for uke 3", D(2027, 1, 18), D(2027, 1, 24)),
    ("vekeplan for veke 3", D(2027, 1, 18), D(2027, 1, 24)),
    ("what's the plan for week 3?", D(2027, 1, 18), D(2027, 1, 24)),
    # Terms.
    ("hvilke prøver har vi i høst?", *REST_OF_AUTUMN),
    ("kva prøvar har vi i haust?", *REST_OF_AUTUMN),
    ("hva skal vi lære dette halvåret?", *REST_OF_AUTUMN),
    ("what tests are left this term?", *REST_OF_AUTUMN),
    ("what do we learn this autumn?", *REST_OF_AUTUMN),
    ("hva skjer resten av semesteret?", *REST_OF_AUTUMN),
    ("what's due the rest of the term?", *REST_OF_AUTUMN),
    ("hvilke prøver har vi i vår?", *SPRING),
    ("what do we learn this spring?", *SPRING),
    ("hva skjer til våren?", *SPRING),
    ("hva skjer neste semester?", *SPRING),
    ("what are the topics next term?", *SPRING),
    ("hvilke prøver er det igjen dette skoleåret?", D(2026, 12, 1), D(2027, 6, 18)),
    # Not dates.
    ("les side 14", *NONE),
    # An event named after a holiday is an event, not the break.
    ("what do I need for the Christmas party?", *NONE),
    ("when is the christmas concert", *NONE),
    ("les side 14.", *NONE),
    ("gjør s. 40–41 i matteboka", *NONE),
    ("hvordan løser jeg oppgave 3.2?", *NONE),
    ("gjør oppgave 14.", *NONE),
    ("les kapittel 4.1", *NONE),
    ("read page 12", *NONE),
    ("how do I do task 2.3?", *NONE),
    ("Emma fikk 12,5 poeng", *NONE),
    ("hun fikk 12.5 poeng", *NONE),
    ("jeg hadde 3 av 4 riktige", *NONE),
    ("jeg fikk 14.", *NONE),
    ("send påminnelser kl 7.30", *NONE),
    ("hun går i 9. klasse", *NONE),
    ("vi kom på 14. plass", *NONE),
    ("gjelder det 1.-4. trinn?", *NONE),
    ("Emma fikk karakter 5.", *NONE),
    ("hva skjer i vår klasse?", *NONE),
    ("god jul!", *NONE),
    ("hva må man ha med seg", *NONE),
]

# ------------------------------------------------------------------ Friday 5 Mar, conventions
MAR_CONVENTIONS = [
    ("hva skjer etter påske?", D(2027, 3, 30), D(2027, 6, 18)),
    ("kva har vi før påske?", D(2027, 3, 5), D(2027, 3, 21)),
    ("hvilke prøver har vi i vår?", D(2027, 3, 5), D(2027, 6, 18)),
    ("what tests do we have this spring?", D(2027, 3, 5), D(2027, 6, 18)),
    ("what's left this term?", D(2027, 3, 5), D(2027, 6, 18)),
    ("hva skal vi lære i høst?", D(2027, 8, 16), D(2027, 12, 20)),
    ("hva skjer neste semester?", D(2027, 8, 16), D(2027, 12, 20)),
    ("hva skjer resten av skoleåret?", D(2027, 3, 5), D(2027, 6, 18)),
    ("hva er leksene neste fredag?", D(2027, 3, 12), D(2027, 3, 12)),
    ("what's due next friday?", D(2027, 3, 12), D(2027, 3, 12)),
    ("hva er leksene på fredag?", D(2027, 3, 5), D(2027, 3, 5)),
    ("is there a test this friday?", D(2027, 3, 5), D(2027, 3, 5)),
    ("hva skjer kommende fredag?", D(2027, 3, 12), D(2027, 3, 12)),
    ("hva skjer fredag neste uke?", D(2027, 3, 12), D(2027, 3, 12)),
    ("har vi gym fredag om en uke?", D(2027, 3, 12), D(2027, 3, 12)),
    ("kva skjer fredag om to veker?", D(2027, 3, 19), D(2027, 3, 19)),
    ("hva skjer på mandag?", D(2027, 3, 8), D(2027, 3, 8)),
    ("hva skjer neste mandag?", D(2027, 3, 8), D(2027, 3, 8)),
    ("har vi lekser i helga?", D(2027, 3, 6), D(2027, 3, 7)),
    ("hva må vi ha med etter helga?", D(2027, 3, 8), D(2027, 3, 8)),
    ("hva skjer neste helg?", D(2027, 3, 13), D(2027, 3, 14)),
    ("hva er leksene resten av uka?", D(2027, 3, 5), D(2027, 3, 7)),
    ("what's due the rest of the week?", D(2027, 3, 5), D(2027, 3, 7)),
    # Winter break (22-26 Feb) ended a week ago: it is still the one meant.
    ("hva skjer etter vinterferien?", D(2027, 2, 27), D(2027, 3, 21)),
    ("what do we do after half term?", D(2027, 2, 27), D(2027, 3, 21)),
    ("hva skjer før vinterferien?", D(2027, 3, 5), D(2028, 2, 20)),
    # "ferien" alone is the next break: Easter.
    ("hva skjer før ferien?", D(2027, 3, 5), D(2027, 3, 21)),
    ("hva skjer etter ferien?", D(2027, 3, 30), D(2027, 6, 18)),
    ("hva må vi rekke før sommerferien?", D(2027, 3, 5), D(2027, 6, 18)),
    ("har vi lekser i påskeferien?", D(2027, 3, 22), D(2027, 3, 29)),
    ("kva skjer i sommar?", D(2027, 6, 19), D(2027, 8, 15)),
    # Christmas 2026 is long gone: the next one (21 Dec 2027 - 1 Jan 2028).
    ("hva skjer før jul?", D(2027, 3, 5), D(2027, 12, 20)),
    ("hva skjer etter jul?", D(2028, 1, 2), D(2028, 2, 20)),
    ("hva skjer om to uker?", D(2027, 3, 15), D(2027, 3, 21)),
    ("ukeplan for uke 12", D(2027, 3, 22), D(2027, 3, 28)),
    ("hva skjer den 14.?", D(2027, 3, 14), D(2027, 3, 14)),
    ("har vi prøve mandag den 15.?", D(2027, 3, 15), D(2027, 3, 15)),
    # 14 March 2027 is a Sunday; 14 April a Wednesday.
    ("hva skjer onsdag den 14.?", D(2027, 4, 14), D(2027, 4, 14)),
    ("what's due on the 1st?", D(2027, 4, 1), D(2027, 4, 1)),
    ("leksene til 1. april", D(2027, 4, 1), D(2027, 4, 1)),
    ("hva skjer 14/3?", D(2027, 3, 14), D(2027, 3, 14)),
    ("hva var leksa i går?", D(2027, 3, 4), D(2027, 3, 4)),
    ("les side 14", *NONE),
]

# ------------------------------------------------------------------ with the school's own calendar
DEC_STORED = [
    ("hva har vi av prøver før jul?", D(2026, 12, 1), D(2026, 12, 20)),
    ("kva har vi av prøvar fram til jul?", D(2026, 12, 1), D(2026, 12, 20)),
    ("hvilke prøver har vi etter jul?", D(2027, 1, 4), D(2027, 2, 28)),
    ("what's due after the holidays?", D(2027, 1, 4), D(2027, 2, 28)),
    ("hva skjer før ferien?", D(2026, 12, 1), D(2026, 12, 20)),
    ("har vi lekser i juleferien?", D(2026, 12, 21), D(2027, 1, 3)),
    # The school stores only this year's autumn break; next year's is week 40 by convention.
    ("er det prøver før høstferien?", D(2026, 12, 1), D(2027, 10, 3)),
    ("hva skjer i vinterferien?", D(2027, 3, 1), D(2027, 3, 5)),
    ("kva skjer etter vinterferien?", D(2027, 3, 6), D(2027, 3, 21)),
    ("what do we do after half term?", D(2027, 3, 6), D(2027, 3, 21)),
    ("hva skjer etter påske?", D(2027, 3, 30), D(2027, 6, 22)),
    ("hva må vi rekke før sommerferien?", D(2026, 12, 1), D(2027, 6, 22)),
    ("hva skjer etter sommerferien?", D(2027, 8, 18), D(2027, 10, 3)),
    ("hvilke prøver har vi i høst?", D(2026, 12, 1), D(2026, 12, 20)),
    ("what tests are left this term?", D(2026, 12, 1), D(2026, 12, 20)),
    ("hvilke prøver har vi i vår?", D(2027, 1, 4), D(2027, 6, 22)),
    ("hva skjer neste semester?", D(2027, 1, 4), D(2027, 6, 22)),
    ("hva skjer resten av skoleåret?", D(2026, 12, 1), D(2027, 6, 22)),
    # Nothing about breaks or terms: the calendar changes nothing.
    ("hva er leksene på fredag neste uke?", *DEC_11),
    ("hva skjer i helga?", D(2026, 12, 5), D(2026, 12, 6)),
]

MAR_STORED = [
    # Friday 5 March is the last day of this school's winter break (week 9).
    ("hva skjer etter vinterferien?", D(2027, 3, 6), D(2027, 3, 21)),
    ("hva skjer i vinterferien?", D(2027, 3, 1), D(2027, 3, 5)),
    ("hva skjer etter ferien?", D(2027, 3, 6), D(2027, 3, 21)),
    ("hva skjer før ferien?", D(2027, 3, 5), D(2027, 3, 21)),
    ("hva skjer før vinterferien?", D(2027, 3, 5), D(2028, 2, 20)),
    ("hva skjer etter påske?", D(2027, 3, 30), D(2027, 6, 22)),
    ("hvilke prøver har vi i vår?", D(2027, 3, 5), D(2027, 6, 22)),
    # The autumn term 2027 is not stored: it starts after this school's summer break.
    ("hva skal vi lære i høst?", D(2027, 8, 18), D(2027, 12, 20)),
    ("what are the topics next term?", D(2027, 8, 18), D(2027, 12, 20)),
    ("har vi lekser i sommerferien?", D(2027, 6, 23), D(2027, 8, 17)),
]

CASES = (
    [("dec", "conventions", *row) for row in DEC_CONVENTIONS]
    + [("mar", "conventions", *row) for row in MAR_CONVENTIONS]
    + [("dec", "stored", *row) for row in DEC_STORED]
    + [("mar", "stored", *row) for row in MAR_STORED]
)


@pytest.mark.parametrize(
    ("clock", "calendar", "text", "start", "end"), CASES,
    ids=[f"{c}-{k}-{t}" for c, k, t, _, _ in CASES],
)
def test_expression_in_a_sentence_names_the_days_a_person_means(clock, calendar, text, start, end) -> None:  # noqa: ANN001
    span = find_span(text, CLOCKS[clock], CALENDARS[calendar])
    if start is None:
        assert span is None, f"{text!r} is not a date, got {span}"
    else:
        assert span is not None, text
        assert (span.start, span.end) == (start, end), text


def test_the_table_holds_at_least_two_hundred_expressions() -> None:
    assert len(CASES) >= 200


def test_a_weekday_with_its_week_is_one_span_not_two() -> None:
    for text in ("fredag neste uke", "neste uke fredag", "friday next week", "next week on friday",
                 "mandag den 14.", "Thursday the 10th", "fredag om en uke"):
        assert len(find_spans(text, CLOCKS["dec"])) == 1, text


def test_kinds_say_what_was_asked() -> None:
    dec = CLOCKS["dec"]
    assert find_span("resten av uka", dec).kind == SpanKind.PERIOD
    assert find_span("før jul", dec).kind == SpanKind.PERIOD
    assert find_span("i juleferien", dec).kind == SpanKind.BREAK
    assert find_span("i vår", dec).kind == SpanKind.TERM
    assert find_span("om to uker", dec).kind == SpanKind.WEEK
    assert find_span("next weekend", dec).kind == SpanKind.WEEKEND
    assert find_span("fredag neste uke", dec).kind == SpanKind.DAY


def test_the_calendar_is_read_only_when_a_break_or_term_is_named() -> None:
    asked: list[str] = []

    def calendar() -> SchoolCalendar:
        asked.append("read")
        return STORED

    dec = CLOCKS["dec"]
    assert find_span("hva er leksene til fredag neste uke?", dec, calendar).start == D(2026, 12, 11)
    assert asked == []
    assert find_span("hva har vi før jul?", dec, calendar).end == D(2026, 12, 20)
    assert asked == ["read"]

