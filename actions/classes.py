"""A teacher or school admin asking about their own classes from the chat.

The question actions (homework, tests, bring, progress, missing results, who teaches) ask
:func:`answer_for_staff` first: when the asker is staff and the message is about a class
rather than one pupil ("hvilke prøver har 9B i uke 3?", "snitt på brøkprøven?", "who is in
6A?"), the answer is about the class, limited to the groups the asker may see
(:func:`bot.access.staff_group_ids`). A class that is not theirs, or no class at all, gets
the one refusal that reveals nothing.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from actions._base import REGISTRY, RanselAction, Turn, _named, family_children, full_names
from actions._items import NO_TIME
from bot.access import AccessDenied
from bot.models import AssignmentKind, Group, Role
from bot.phrases import ItemFocus, item_focus
from bot.services.calendar import next_school_day
from bot.services.classes import (
    ClassItem,
    Scope,
    class_items,
    class_names_in,
    contact_class,
    grades_in,
    groups_taught,
    items_named_in_scope,
    limit_above,
    limit_in,
    named_scope,
    names_other_item,
    own_scope,
    roster,
    test_report,
)
from bot.services.describe import substance, things_of, times_said
from bot.services.people import pupils_named
from bot.services.teaching import pupils_behind

STAFF = {Role.TEACHER, Role.SCHOOL_ADMIN}
HOMEWORK_DAYS = 6
TEST_DAYS = 28
GRADED = {AssignmentKind.TEST, AssignmentKind.HOMEWORK, AssignmentKind.PROJECT}

# What a teacher's question about a class wants, by its words (checked in this order).
# Words that ask for numbers about a test's results (both lists below use them).
_STAT_WORDS = (r"snitt|average|mean|median|høyest|høgast|lavest|lågast|highest|lowest|best|fordeling|distribution"
               r"|\btop\b|\bbottom\b|under halv|below half|less than half|\bavg\b|over \d|above \d|minst \d"
               r"|rangering|ranking|rank|under \d|below \d")
_RESULTS = re.compile(
    _STAT_WORDS + r"|snit\b|gjennomsnit|hoyest|dårligst|lavst|lågst|høyst|høgst|dårlegast|svakast|worst|"
    r"full pott|full score|fullt hus|alt rett|all correct|top score|toppscore|maks poeng|full marks|"
    r"resultat|result|score|poeng|points|karakter|marks|spread|"
    r"rekkefølge|ranger|more than \d|mer enn \d|meir enn \d|at least \d|"
    r"full skår|full skåre|fullt skår|mindre enn \d|lavere enn \d|lågare enn \d|færre enn \d|gikk|gjekk|went|did .* do|"
    r"på topp|på bunnen|øverst|nederst|"
    r"(?:under|below|less than|mindre enn) (?:en|ein|a|one|two|to|tre|three) (?:tredjedel|fjerdedel|third|quarter)|"
    r"mangler|manglar|missing|ikke levert|ikkje levert|not handed|no result|ikke fått|ikkje fått", re.IGNORECASE)
_RANKING = re.compile(r"rangering|ranger|ranking|rank|rekkefølge|rekkjefølgje|alle resultat|all (?:the )?(?:results|scores)"
                      r"|liste|list|sorter|sortert|sorted|everyone'?s|alle sine", re.IGNORECASE)
_ROSTER = re.compile(
    r"(?:hvem|kven|who)(?:'s| er| går| is| are)? (?:med )?(?:i|på|in) (?:klassen|\d)|elevene i|elevane i|elevliste|klasseliste"
    r"|class list|roster|pupils in|students in|kids in|navn på alle|namn på alle|names of", re.IGNORECASE)
_TESTS = re.compile(r"prøve|prøva|test|quiz|eksamen|exam|kartlegging", re.IGNORECASE)
_BRING = re.compile(r"ha med|ta med|bring|pack|pakke|utstyr|gear|kit", re.IGNORECASE)
_HOMEWORK = re.compile(r"lekse|lekser|leksa|homework|innlevering|hand in|oppgåve|oppgave|assignment|due", re.IGNORECASE)
_NAMES_A_TEST = re.compile(r"\w+prøv\w*|prøven|prøva|testen|\w+test(?:en)?\b|\w*quiz\w*|the \w+ test|\w+-test",
                           re.IGNORECASE)
_BEHIND = re.compile(r"etter|behind|sliter|slit |struggl|henger|heng |falling|mangler|manglar|missing|svake|weak",
                     re.IGNORECASE)
_BEHIND_CLEARLY = re.compile(r"\bbehind\b|henger etter|heng etter|ligger etter|ligg etter|ligger bak|sliter|slit med"
                             r"|struggl\w*|falling behind|svake elever|svake elevar|weak pupils|weak students",
                             re.IGNORECASE)
_MISSING = re.compile(r"mangler|manglar|missing|ikke levert|ikkje levert|not handed|no result|ikke fått|ikkje fått"
                      r"|uten resultat|uten karakter|uten poeng|uttan", re.IGNORECASE)
# Statistics asked for beside "who is missing" ("fikk alle minst 10, og hvem mangler?").
_STATS = re.compile(_STAT_WORDS + r"|scored|fikk|fekk|got", re.IGNORECASE)
_EVENTS = re.compile(r"\bskjer\b|happening|what's on|whats on|going on|coming up|upcoming|på gang|på gong|arrangement|event|aktivitet|activity|\btur\b"
                     r"|\btrip\b|program|plan(?:en)?\b", re.IGNORECASE)
_AHEAD = re.compile(r"framover|fremover|fram\s+til|frem\s+til|kommende|komande|ahead|coming|upcoming|neste|next"
                    r"|snart|soon|resten|rest\s+of|fremtid|framtid", re.IGNORECASE)
PROJECT_WORDS = re.compile(r"prosjekt\w*|project\w*|presentasjon\w*|presentation\w*|foredrag\w*|fremføring\w*"
                            r"|framføring\w*|plakat\w*|poster\w*|innlevering\w*|frist\w*|due|hand\s+in|assignment\w*"
                            r"|oppgåve\w*|oppgave\w*|arbeid|work|levere|leveres|leverast", re.IGNORECASE)
_COUNT = re.compile(r"hvor mange|kor mange|how many|antall|number of", re.IGNORECASE)
_CONTACT = re.compile(r"kontaktlærer|kontaktlærar|contact teacher|form teacher|class teacher|homeroom", re.IGNORECASE)
_MINE = re.compile(
    r"(?:hvilke|hvilken|kva for|kva|which|what)\s+(?:klasser|klassar|grupper|grupper|classes|groups|fag|subjects)"
    r"|mine klasser|mine klassar|my classes|my groups|klassene mine|klassane mine|gruppene mine"
    r"|(?:hvem|kven|which|what) (?:underviser|underviser jeg|teach)(?! \w+ i)|what do i teach|kva underviser eg"
    r"|hva underviser jeg", re.IGNORECASE)


def is_staff_question(turn: Turn) -> bool:
    """Staff asking about a class, a grade, or their own groups — not about one pupil or
    their own child (a teacher who is also a parent asks about their child by name, or
    without naming a class)."""
    if not (STAFF & turn.roles):
        return False
    names = _named(turn)
    # A name the model found that is no pupil (a test's title) does not make it about a pupil;
    # a full name, known or not, does.
    if names and (full_names(turn.text) or any(pupils_named(turn.session, turn.person, n, turn.today) for n in names)):
        return False
    if class_names_in(turn.text) or grades_in(turn.text):
        return True
    if names:
        return False
    return not family_children(turn)


def scope_of(turn: Turn, *, contact_first: bool = False) -> Scope | None:
    """The class the message names, else (for "klassen min") the asker's own class, else
    every group they teach. Raises AccessDenied for a class that is not theirs."""
    scope = named_scope(turn.session, turn.person, turn.text, turn.today, turn.subject_code)
    if scope is not None:
        return scope
    if contact_first:
        own = contact_class(turn.session, turn.person, turn.today)
        if own is not None:
            return own
    return own_scope(turn.session, turn.person, turn.today, turn.subject_code)


def asked_by_words(text: str) -> str | None:
    """What a staff question asks, when its words say so clearly."""
    if _RESULTS.search(text) or _BEHIND_CLEARLY.search(text):
        return "progress"
    kinds = [name for name, pattern in (("tests", _TESTS), ("bring", _BRING), ("homework", _HOMEWORK),
                                         ("all", _EVENTS)) if pattern.search(text)]
    if not kinds and (_ROSTER.search(text) or _COUNT.search(text) or _CONTACT.search(text) or _MINE.search(text)):
        return "class"
    if len(kinds) > 1 or kinds == ["all"]:
        return "all"  # "lekser og arrangement", "hva skjer": everything in the period
    if kinds:
        return kinds[0]  # "hva må elevene i 6C ha med": about things, not who the pupils are
    if _ROSTER.search(text) or _COUNT.search(text) or _CONTACT.search(text) or _MINE.search(text):
        return "class"
    return None


def answer_for_staff(turn: Turn, asked: str | None) -> bool:
    """Answer a staff question about classes; False when the message is not one.

    ``asked`` is what the model took the message for ("homework", "tests", "bring",
    "progress", "missing", "class"), or None from an action that only answers staff when the
    message names a class (the fallback). Clear words in the message win over the model's
    guess: a question with "snitt" is about results whatever intent was picked.
    """
    if not is_staff_question(turn):
        return False
    by_words = asked_by_words(turn.text)
    class_named = bool(class_names_in(turn.text) or grades_in(turn.text))
    if asked is None:
        if by_words is None and not class_named:
            return False
        asked = by_words or "all"
    elif by_words is not None and not (asked == "missing" and by_words == "progress"):
        asked = by_words
    elif by_words is None and asked == "progress" and class_named and _AHEAD.search(turn.text):
        # "Kva har 5A i samfunnsfag framover?": what is coming, not how it went.
        asked = "all"
    elif by_words is None and asked in ("homework", "tests", "bring"):
        # "Hva har 5A tirsdag?": no word says which kind, so everything of that day.
        asked = "all"
    if asked == "class":
        _answer_class(turn)
        return True
    scope = scope_of(turn)
    if scope is None:
        turn.say("staff_no_classes")
        return True
    ignore = _people_words(turn)
    named = items_named_in_scope(turn.session, scope, turn.text, turn.clock, ignore=ignore,
                                 listing=bool(_AHEAD.search(turn.text) or turn.spans()))
    wants_results = asked in ("progress", "missing")
    if named:
        if wants_results and named[0].kind in GRADED:
            _answer_results(turn, scope, named[0])
        else:
            _answer_items_named(turn, named)
        return True
    if wants_results and not class_named and not turn.subject_code and not _BEHIND.search(turn.text) \
            and not _NAMES_A_TEST.search(turn.text):
        # "korleis går det?" with no class, test or pupil: ask which pupil (the pupil path).
        return False
    if wants_results and (_NAMES_A_TEST.search(turn.text)
                          or names_other_item(turn.session, turn.person, scope, turn.text, turn.clock, ignore=ignore)):
        # A test in a group the asker does not teach and one that does not exist get the
        # same answer.
        turn.say("test_not_found")
        return True
    if wants_results:
        # No test named: who is behind, in the class or the subject asked about.
        _answer_behind(turn, scope)
        return True
    _answer_items(turn, scope, asked)
    return True


def _people_words(turn: Turn) -> frozenset[str]:
    return frozenset({turn.person.given_name.casefold(), turn.person.family_name.casefold()})


# --------------------------------------------------------------------------- items


def _item_view(item: ClassItem) -> dict[str, object]:
    bring = things_of(item.title, item.description, bring_item=item.kind is AssignmentKind.BRING)
    return {"title": item.title, "kind": item.kind.value, "subject_code": item.subject_code,
            "group_name": item.group_name, "due": item.due, "show_time": item.due.time() not in NO_TIME,
            "substance": _without_title(substance(item.description), item.title), "bring": bring,
            "times": times_said(item.description, f"{item.due:%H:%M}")}


def _without_title(text: str | None, title: str) -> str | None:
    """A description that opens by repeating the title ("Skidag ved X. Skidag ved X. Ta med ...")."""
    if text and text.casefold().startswith(title.casefold()) and text[len(title):len(title) + 1] in ("", ".", ":", "–", "-", "!"):
        text = text[len(title):].lstrip(" .:–-")
    return text or None


def _answer_items(turn: Turn, scope: Scope, asked: str) -> None:
    span = turn.span()
    kinds: set[AssignmentKind] | None
    if asked == "tests":
        kinds, days = {AssignmentKind.TEST}, TEST_DAYS
    elif asked == "bring":
        kinds, days = None, 0
    elif asked == "homework":
        kinds, days = {AssignmentKind.HOMEWORK}, HOMEWORK_DAYS
        if PROJECT_WORDS.search(turn.text):
            kinds.add(AssignmentKind.PROJECT)
    else:
        kinds, days = None, HOMEWORK_DAYS
    if span is not None:
        start, end = span.start, span.end
    elif asked == "bring":
        start = end = _next_day(turn, scope)
    else:
        if _AHEAD.search(turn.text):
            days = max(days, TEST_DAYS)  # "framover", "snart", "coming up": the next four weeks
        start, end = turn.today, turn.today + timedelta(days=days)
    items = class_items(turn.session, scope, start, end, turn.clock, kinds, turn.subject_code)
    views = [_item_view(i) for i in items]
    if asked == "bring":
        views = [v for v in views if v["bring"] or v["kind"] in ("bring", "event")]
    turn.say("class_items", items=views, asked=asked, label=scope.label, start=start, end=end,
             subject=turn.subject_code)


def _next_day(turn: Turn, scope: Scope) -> date:
    school_id = turn.session.scalar(select(Group.school_id).where(Group.id.in_(scope.group_ids)).limit(1))
    return next_school_day(turn.session, school_id, turn.today, turn.clock.zone) if school_id else turn.today


def _answer_items_named(turn: Turn, named: list[ClassItem]) -> None:
    focus = item_focus(turn.text) or ItemFocus.WHAT
    turn.say("class_item", items=[_item_view(i) for i in named], focus=focus)


# --------------------------------------------------------------------------- results


def _answer_results(turn: Turn, scope: Scope, item: ClassItem) -> None:
    if item.group_id not in scope.group_ids:
        # Planned for the class, but the results are another teacher's: the same answer as
        # for a test that does not exist.
        turn.say("test_not_found")
        return
    report = test_report(turn.session, scope, item.assignment_id, turn.text, turn.clock, turn.today)
    if report.past and _MISSING.search(turn.text) and not _STATS.search(turn.text):
        turn.say("missing_results", report=report)
        return
    turn.say("class_results", report=report, ranking=bool(_RANKING.search(turn.text)), parts=_parts(turn.text))


def _parts(text: str) -> set[str]:
    """Which parts of a test's results the question asks for (none named: all of them)."""
    parts = {name for name, pattern in _PARTS if pattern.search(text)}
    if parts or limit_in(text) is not None or limit_above(text) is not None or _RANKING.search(text):
        return parts
    return {"average", "median", "top", "bottom", "bands", "missing"}


_PARTS = [
    ("average", re.compile(r"snitt|snit\b|gjennomsnit|average|\bavg\b|mean|hvordan gikk|korleis gjekk|how did|how was|went",
                           re.IGNORECASE)),
    ("median", re.compile(r"median|hvordan gikk|korleis gjekk|how did|how was|went", re.IGNORECASE)),
    ("top", re.compile(r"høyest|høyst|høgast|høgst|hoyest|highest|best|full pott|full score|fullt hus|alt rett|all correct"
                       r"|top score|toppscore|maks poeng|full marks|full skår|fullt skår|full skåre|\btop\b|på topp|øverst|hvordan gikk|korleis gjekk|how did|how was|went",
                       re.IGNORECASE)),
    ("bottom", re.compile(r"lavest|lavst|lågast|lågst|lowest|dårligst|dårlegast|svakast|worst|\bbottom\b|på bunnen|nederst|hvordan gikk|korleis gjekk|how did|how was|went",
                          re.IGNORECASE)),
    ("bands", re.compile(r"fordeling|distribution|spread|spreiing|spredning|hvordan gikk|korleis gjekk|how did"
                         r"|how was|went", re.IGNORECASE)),
    ("missing", re.compile(r"mangler|manglar|missing|ikke levert|ikkje levert|no result|uten|utan|hvordan gikk"
                           r"|ikke fått|ikkje fått|ikkje fenge|ikke har fått|ikkje har fått|not got|not received"
                           r"|haven't got|hasn't got|no score|ingen resultat|har ikke resultat|har ikkje resultat"
                           r"|korleis gjekk|how did|how was|went", re.IGNORECASE)),
]


def _answer_behind(turn: Turn, scope: Scope) -> None:
    rows = []
    for group_id in sorted(scope.group_ids):
        try:
            behind = pupils_behind(turn.session, turn.person, group_id, turn.clock)
        except AccessDenied:
            continue
        group = turn.session.get_one(Group, group_id)
        if turn.subject_code and group.subject_code != turn.subject_code:
            continue
        only_missing = bool(_MISSING.search(turn.text))
        if only_missing:
            # "Is anyone missing results?": who lacks a hand-in, not who has a low average.
            behind = [b for b in behind if b.missing]
        if behind:
            rows.append({"group": group.name, "behind": behind})
    turn.say("class_behind", rows=rows, label=scope.label, subject=turn.subject_code,
             only_missing=bool(_MISSING.search(turn.text)))


# --------------------------------------------------------------------------- people


def _answer_class(turn: Turn) -> None:
    named = named_scope(turn.session, turn.person, turn.text, turn.today)
    if named is None and _MINE.search(turn.text) and not _COUNT.search(turn.text):
        turn.say("staff_groups", groups=groups_taught(turn.session, turn.person, turn.today))
        return
    scope = named or contact_class(turn.session, turn.person, turn.today)
    if scope is None:
        turn.say("staff_groups", groups=groups_taught(turn.session, turn.person, turn.today))
        return
    focus = "count" if _COUNT.search(turn.text) else "contact" if _CONTACT.search(turn.text) else "list"
    turn.say("class_roster", roster=roster(turn.session, scope, turn.today), focus=focus)


class StaffQuestionAction(RanselAction):
    """A staff question about a named class that the model took for something else (a
    child's name, a timetable question, nothing it understood): answered by its words."""

    # Actions whose intent a staff question about a class is often mistaken for.
    REROUTES = frozenset({"action_choose_child", "action_fallback", "action_practice", "action_timetable",
                          "action_week_plan", "action_greet", "action_help", "action_out_of_scope", "action_thanks",
                          "action_goodbye", "action_reminders", "action_report_absence", "action_send_relay",
                          "action_answer_question"})

    def name(self) -> str:
        return "action_staff_question"

    @staticmethod
    def applies(turn: Turn) -> bool:
        """Staff, clear words, and a class named or one of their own items named."""
        if not (STAFF & turn.roles) or not is_staff_question(turn):
            return False
        if class_names_in(turn.text) or grades_in(turn.text):
            return True
        if asked_by_words(turn.text) is None:
            return False
        scope = own_scope(turn.session, turn.person, turn.today)
        return scope is not None and bool(items_named_in_scope(turn.session, scope, turn.text, turn.clock,
                                                               ignore=_people_words(turn)))

    def respond(self, turn: Turn) -> None:
        if not answer_for_staff(turn, None):
            REGISTRY["action_fallback"]().respond(turn)


class ClassInfoAction(RanselAction):
    """"Hvem er i 7B?", "hvor mange elever har 6A?", "which classes do I have?"."""

    def name(self) -> str:
        return "action_class_info"

    def respond(self, turn: Turn) -> None:
        if not (STAFF & turn.roles):
            raise AccessDenied()
        if not answer_for_staff(turn, "class"):
            _answer_class(turn)
