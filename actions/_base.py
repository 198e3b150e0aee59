"""What every Ransel action does before and after its own few lines.

:class:`RanselAction` opens the asker's :class:`~actions._turn.Turn` (who is asking, one
transaction, the one refusal that reveals nothing), lets a message whose meaning is fixed by
its shape go to the action that answers it (:func:`_override`), and calls ``respond``.
Replies are rendered from ``bot/templates`` in the person's language. Actions are found by
name in :data:`REGISTRY`, which :mod:`actions` fills from its explicit list.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypedDict

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import _runtime
from actions._shapes import named_items, order_action
from actions._turn import Turn as Turn
from actions._turn import family_children as family_children
from actions._turn import open_turn
from bot import confirm_codes
from bot.access import AccessDenied, visible_pupils
from bot.models import Channel, Person, Role
from bot.phrases import (
    absence_cue,
    answer_command,
    confirmation_code,
    is_question,
    is_undo,
    language_request,
    other_assistant,
    personal_reminder,
    preference_request,
    relay_cue,
    reminder_cue,
    school_topic,
    yes_or_no,
)
from bot.profile_phrases import asks_about_profile, profile_request
from bot.services.people import named_in, pupils_named, words_of

CHOOSE_CHILD_INTENT = "choose_child"


class RanselAction(Action, ABC):
    """Base for every action: identity, one transaction, refusal, rendering."""

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def respond(self, turn: Turn) -> None: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        with open_turn(tracker, dispatcher, self.name()) as turn:
            if turn is None:
                return []
            handler = _override(turn, self.name()) or self
            children = all_children_meant(turn) if handler.name() in FOR_EACH_CHILD else []
            if children:
                # "Hva må barna ha med neste uke?": the same answer for each child, in turn.
                asked = list(turn.entities)
                others = [e for e in asked if e.get("entity") != "person"]
                for child in children:
                    turn.entities = [*others, {"entity": "person", "value": child.given_name}]
                    handler.respond(turn)
                turn.entities = asked
            else:
                handler.respond(turn)
        if turn is None:
            return []
        return handler.closing_events(turn)

    def closing_events(self, turn: Turn) -> list[EventType]:
        # An answer ends any fallback sequence, any question waiting for a child's name and
        # any yes/no question waiting for a yes: what was not confirmed does not happen.
        return [*reset(turn.tracker, "fallback_asked", "pending", "confirm"), *turn.events]


ANSWER_ACTION = "action_answer_question"
CONFIRM_ACTION = "action_confirm"
UNDO_ACTION = "action_undo"
LANGUAGE_ACTION = "action_choose_language"


OUT_OF_SCOPE_ACTION = "action_out_of_scope"
STAFF_ACTION = "action_staff_question"
# Actions a message for another assistant cannot mislead: they change and claim nothing.
KEEP_ON_TOPIC = frozenset({OUT_OF_SCOPE_ACTION, UNDO_ACTION, LANGUAGE_ACTION})


def not_for_ransel(turn: Turn) -> bool:
    """A request for what phone and home assistants do (an alarm, music, the weather, the
    lights, a reminder of one's own) that names nothing of school: whatever intent the model
    picked, the answer is the polite "I only help with school", and nothing changes."""
    if not (other_assistant(turn.text) or personal_reminder(turn.text)):
        return False
    return not school_topic(turn.text) and not turn.entity_values("subject") and not _known_named(turn)


def _known_named(turn: Turn) -> list[str]:
    """The asker's own children or pupils named in the message (a name the model found that
    is nobody's the asker knows does not make a message about school)."""
    if turn.roles <= {Role.PUPIL}:
        return []
    if turn.roles <= {Role.GUARDIAN, Role.PUPIL}:
        candidates = family_children(turn)
    else:
        candidates = visible_pupils(turn.session, turn.person, turn.today)
    return [p.given_name for p in named_in(turn.text, candidates)]


def _override(turn: Turn, action_name: str) -> RanselAction | None:
    """Messages whose meaning is fixed syntax or plain words, not left to the model's guess:
    the first of ``REROUTES`` that applies names the action that answers instead."""
    for reroute in REROUTES:
        wanted = reroute(turn, action_name)
        if wanted is not None:
            if wanted == action_name:
                return None
            action = REGISTRY.get(wanted)
            return action() if action is not None else None
    return None


# Each reroute: (turn, the model's action) -> the action wanted instead, or None when it does
# not apply. Checked in the order of REROUTES (below); the first that applies decides.

def _answer_command(turn: Turn, action_name: str) -> str | None:
    """A teacher's "svar 112 ..." answers case 112 whatever the model made of the rest
    ("svar 112 turen er flyttet til torsdag" is not a question about what to bring)."""
    return ANSWER_ACTION if Role.TEACHER in turn.roles and answer_command(turn.text) else None


def _yes_or_no(turn: Turn, action_name: str) -> str | None:
    """"ja"/"nei" (or a confirmation code) while a yes/no question waits answers it."""
    waiting = turn.tracker.get_slot("confirm")
    return CONFIRM_ACTION if waiting and (yes_or_no(turn.text) is not None or confirmation_code(turn.text)) else None


def _undo(turn: Turn, action_name: str) -> str | None:
    """"angre"/"undo" reverses the last change."""
    return UNDO_ACTION if is_undo(turn.text) else None


def _language(turn: Turn, action_name: str) -> str | None:
    """"svar på nynorsk"/"reply in English" chooses the language."""
    return LANGUAGE_ACTION if language_request(turn.text) else None


def _not_for_ransel(turn: Turn, action_name: str) -> str | None:
    """A request meant for another assistant gets the polite out-of-scope answer."""
    return OUT_OF_SCOPE_ACTION if action_name not in KEEP_ON_TOPIC and not_for_ransel(turn) else None


def _order(turn: Turn, action_name: str) -> str | None:
    """A staff member's order ("legg til lekse ...") whatever the model read."""
    return _staff_order(turn) if action_name not in (UNDO_ACTION, LANGUAGE_ACTION) else None


def _staff_question(turn: Turn, action_name: str) -> str | None:
    """A teacher's question about their own classes read as a family question."""
    staff = REGISTRY.get(STAFF_ACTION)
    return STAFF_ACTION if staff is not None and action_name in staff.REROUTES and staff.applies(turn) else None


def _relay(turn: Turn, action_name: str) -> str | None:
    """A message for a teacher read as a question."""
    relay = REGISTRY.get("action_relay_from_message")
    applies = action_name in RELAY_MISREAD and relay is not None and relay.applies(turn)
    return "action_relay_from_message" if applies else None


def _absence(turn: Turn, action_name: str) -> str | None:
    """"Ella må vere heime fredag, ho er med på ein turnering" read as a question about
    Friday: a statement that a child will be away (it is confirmed before anything is saved)."""
    applies = action_name in ABSENCE_MISREAD and Role.GUARDIAN in turn.roles and absence_cue(turn.text) \
        and not is_question(turn.text) and not _BRING_WORDS.search(turn.text) and profile_request(turn.text) is None
    return "action_report_absence" if applies else None


def _reminders(turn: Turn, action_name: str) -> str | None:
    """"Jeg vil gjerne få beskjed dagen før prøver" read as a question about tests."""
    return "action_reminders" if action_name in REMINDERS_MISREAD and _asks_for_reminders(turn) else None


def _bring_this_week(turn: Turn, action_name: str) -> str | None:
    """"Hva må Liam ha med seg denne uka og neste uke?" read as a week plan question."""
    applies = action_name in ("action_week_plan", "action_timetable") and _BRING_WORDS.search(turn.text)
    return "action_bring" if applies else None


def _results_not_understood(turn: Turn, action_name: str) -> str | None:
    """"Kva resultat har Elias fått i naturfag?" not understood: a child and results."""
    applies = action_name in MISREAD | {"action_goodbye", "action_thanks", OUT_OF_SCOPE_ACTION} \
        and _RESULT_WORDS.search(turn.text) and _known_named(turn)
    return "action_progress" if applies else None


def _who_teaches(turn: Turn, action_name: str) -> str | None:
    """"Kven har Eirik i engelsk?" read as a child's name or not understood."""
    applies = action_name in MISREAD | {"action_timetable", "action_week_plan"} and asks_who_teaches(turn.text)
    return "action_who_teaches" if applies else None


def _results_read_as_work(turn: Turn, action_name: str) -> str | None:
    """"Hvilke resultater har Mathilde fått til nå?" read as a question about homework."""
    applies = action_name in ("action_homework", "action_tests", "action_week_plan", "action_timetable") \
        and _RESULT_WORDS.search(turn.text) and not _KIND_ASKED.search(turn.text) and _known_named(turn)
    return "action_progress" if applies else None


def _test_results(turn: Turn, action_name: str) -> str | None:
    """"Har Theodor fått tilbake noen prøver?", "På hvilken prøve gjorde Isak det best?" read
    as a question about coming tests: words of a test already marked, and a known child."""
    applies = action_name in ("action_tests", "action_homework") and _MARKED.search(turn.text) \
        and _known_named(turn)
    return "action_progress" if applies else None


def _whats_on(turn: Turn, action_name: str) -> str | None:
    """"What's happening for Oliver on Thursday the 17th?" not understood: what is on, a day,
    and one's own or a child's school: the day's plan."""
    applies = action_name in MISREAD | {OUT_OF_SCOPE_ACTION} and ({Role.PUPIL, Role.GUARDIAN} & turn.roles) \
        and _WHATS_ON.search(turn.text) and bool(turn.spans())
    return "action_week_plan" if applies else None


def _profile_statement(turn: Turn, action_name: str) -> str | None:
    """"vi har ikke PC hjemme, bare en mobil", "i lern best when i can do stuff with my hands"
    read as something else: a statement the profile's words recognise (it is asked about
    before anything is noted)."""
    applies = action_name in PROFILE_MISREAD and ({Role.PUPIL, Role.GUARDIAN, Role.TEACHER} & turn.roles) \
        and not is_question(turn.text) and profile_request(turn.text) is not None
    return "action_set_profile" if applies else None


def _profile_question(turn: Turn, action_name: str) -> str | None:
    """"What have you noted about Emma?", "hva vet du om meg egentlig" read as something else."""
    applies = action_name in PROFILE_MISREAD and is_question(turn.text) and asks_about_profile(turn.text)
    return "action_show_profile" if applies else None


def _kind_and_day(turn: Turn, action_name: str) -> str | None:
    """"Kva er prøva på fredag om?" not understood: a kind of work and a day."""
    if action_name not in MISREAD | {OUT_OF_SCOPE_ACTION} or not ({Role.PUPIL, Role.GUARDIAN} & turn.roles):
        return None
    kind = _KIND_ASKED.search(turn.text)
    if kind is None or not turn.spans():
        return None
    return "action_tests" if kind.group(1) else "action_homework" if kind.group(2) else "action_bring"


def _about_school_after_all(turn: Turn, action_name: str) -> str | None:
    """It names a pupil the asker knows or one of their items: about school after all (the
    fallback answers an item it names, or asks)."""
    applies = action_name == OUT_OF_SCOPE_ACTION and (_known_named(turn) or _names_own_item(turn))
    return "action_fallback" if applies else None


REROUTES: list[Callable[[Turn, str], str | None]] = [
    _answer_command, _yes_or_no, _undo, _language, _not_for_ransel, _order, _staff_question, _relay, _absence,
    _reminders, _bring_this_week, _results_not_understood, _who_teaches, _results_read_as_work, _test_results,
    _whats_on, _profile_statement, _profile_question, _kind_and_day, _about_school_after_all,
]


# Question actions a request for reminders is misread as.
REMINDERS_MISREAD = frozenset({"action_bring", "action_homework", "action_tests", "action_week_plan", "action_fallback",
                               "action_choose_child", "action_help", "action_progress"})


def _asks_for_reminders(turn: Turn) -> bool:
    """A request (not a question) about Ransel's reminders that names what to change."""
    polite = re.match(r"\s*(?:kan|kunne|vil)\s+du|\s*(?:can|could|would|will)\s+you", turn.text, re.IGNORECASE)
    if (is_question(turn.text) and not polite) or relay_cue(turn.text) or absence_cue(turn.text) \
            or not reminder_cue(turn.text):
        return False
    return preference_request(turn.text, turn.clock).changes_anything


# Question actions a statement about an absence is misread as.
ABSENCE_MISREAD = frozenset({"action_bring", "action_homework", "action_tests", "action_timetable", "action_week_plan",
                             "action_fallback", "action_choose_child", "action_greet", "action_help", "action_progress"})
# Question actions a request to write to a teacher is misread as.
RELAY_MISREAD = frozenset({"action_practice", "action_progress", "action_missing_results", "action_homework",
                           "action_tests", "action_bring",
                           "action_fallback", "action_timetable", "action_week_plan", "action_out_of_scope",
                           "action_who_teaches", "action_help", "action_thanks", "action_greet", "action_goodbye",
                           "action_choose_child", "action_reminders"})
_KIND_ASKED = re.compile(r"(prøv\w*|\btest\w*|quiz\w*)|(leks\w*|homework)"
                         r"|(ha\s+med|ta\s+med|bring\w*|need\w*\s+for|pack\w*|trenger\s+\w*\s*til|treng\s+\w*\s*til"
                         r"|(?:do|does|will)\s+\w+\s+need|\bneeds\b|trenger\s+(?:jeg|vi|han|hun|hu|\w+)\s+(?:en|et|ei|noen)\b"
                         r"|treng\s+(?:eg|vi|han|ho|\w+)\s+(?:ein|eit|ei|nokon|noko)\b)",
                         re.IGNORECASE)
_BRING_WORDS = re.compile(r"\b(?:ha med|ta med|bring|pakke|pack|ha med seg)\b", re.IGNORECASE)
_RESULT_WORDS = re.compile(r"resultat\w*|karakter\w*|poeng|score\w*|results?|grades?|marks?|how\s+is\s+\w+\s+doing"
                           r"|kommentar\w*|comments?|tilbakemelding\w*|feedback"
                           r"|how's\s+\w+\s+doing"
                           r"|hvordan\s+går\s+det|korleis\s+går\s+det", re.IGNORECASE)
# A test already marked: got back, did best or worst on.
_MARKED = re.compile(r"fått\s+(?:\w+\s+){0,3}tilbake|fått\s+(?:\w+\s+){0,3}att\b|fått\s+(?:\w+\s+){0,2}igjen"
                     r"|got\s+(?:\w+\s+){0,3}back|gjorde\s+(?:\w+\s+)?det\s+(?:best|bra|dårligst|dårlegast|verst|svakest)"
                     r"|did\s+(?:\w+\s+)?(?:best|worst|well|badly)|gikk\s+best|gjekk\s+best|went\s+best", re.IGNORECASE)
_WHATS_ON = re.compile(r"what'?s\s+(?:happening|on|going\s+on)|\bhappening\b|hva\s+skjer|kva\s+skjer|på\s+gang|på\s+gong",
                       re.IGNORECASE)
# Actions a statement about a pupil's profile, or a question about it, is misread as.
PROFILE_MISREAD = frozenset({"action_fallback", "action_choose_child", "action_greet", "action_help", OUT_OF_SCOPE_ACTION,
                             "action_progress", "action_missing_results", "action_practice", "action_timetable"})
# Actions a question is often misread as when the model is unsure.
MISREAD = frozenset({"action_fallback", "action_choose_child", "action_greet", "action_help"})
_WHO_TEACHES = re.compile(
    r"^\s*(?:hvem|kven|who)\b(?:(?!\?).)*(?:\b(?:underviser|undervise|teaches|teach)|\w*lærer(?:en|ne)?|\w*lærar(?:en|ane)?"
    r"|\w*teachers?|kontaktlærer\w*|kontaktlærar\w*|har\s+\w+\s+i\s+\w+|has\s+\w+\s+for"
    # "who do I ask about the geography quiz?", "hvem kan jeg spørre om ...?"
    r"|do\s+i\s+ask|should\s+i\s+ask|can\s+i\s+ask|spør\s+jeg|kan\s+jeg\s+spørre|bør\s+jeg\s+spørre|spør\s+eg"
    r"|kan\s+eg\s+spørje|bør\s+eg\s+spørje)\b", re.IGNORECASE)


def asks_who_teaches(text: str) -> bool:
    """"Hvem underviser Filip i naturfag?", "kven har Eirik i engelsk?", "who teaches Ella maths?"."""
    return bool(_WHO_TEACHES.search(text))


def _names_own_item(turn: Turn) -> bool:
    """The message names one of the asker's (or their children's) items ("når vi går til
    biblioteket", "dyreforedraget"): about school, whatever the model thought."""
    if not ({Role.PUPIL, Role.GUARDIAN} & turn.roles):
        return False
    pupils = ([turn.person] if Role.PUPIL in turn.roles else []) + family_children(turn)
    return any(named_items(turn, pupil) for pupil in pupils)


def _staff_order(turn: Turn) -> str | None:
    """A teacher's order by its shape ("send til foresatte i 6A: ...", "legg inn lekse i
    matte til torsdag for 6A: ...", "hvordan gikk meldingen?"): see :mod:`actions.orders`."""
    if not ({Role.TEACHER, Role.SCHOOL_ADMIN} & turn.roles):
        return None
    return order_action(turn)


# Question actions a guardian may ask about all their children at once.
FOR_EACH_CHILD = frozenset({"action_homework", "action_tests", "action_bring", "action_timetable", "action_week_plan",
                            "action_progress", "action_who_teaches"})
_ALL_CHILDREN = re.compile(
    r"\b(?:barna|ungene|ungane|ungar|jentene|jentane|guttene|gutane|gutta|begge|children|kids|both|the girls"
    r"|the boys|alle tre|all three|barna mine|ungane mine)\b", re.IGNORECASE)


def all_children_meant(turn: Turn) -> list[Person]:
    """A guardian of several who names none of them but says "the children", "begge":
    every child."""
    if Role.GUARDIAN not in turn.roles:
        return []
    children = family_children(turn)
    if len(children) < 2:
        return []
    named = named_in(turn.text, children)
    if len(named) > 1:
        return named  # "Hvem er kontaktlærer for Selma og for Markus?"
    if not _ALL_CHILDREN.search(turn.text) or _named(turn):
        return []
    return children


# Intents whose actions only answer: where a message goes when a state-changing intent was
# a mistake ("hvordan gikk prøven til Emma?" is not an absence report).
ANSWERING: dict[str, str] = {
    "ask_homework": "action_homework",
    "ask_tests": "action_tests",
    "ask_bring": "action_bring",
    "ask_timetable": "action_timetable",
    "ask_week_plan": "action_week_plan",
    "ask_progress": "action_progress",
    "ask_practice": "action_practice",
    "ask_missing_results": "action_missing_results",
    "ask_teacher": "action_who_teaches",
    "ask_class": "action_class_info",
    "greet": "action_greet",
    "help": "action_help",
    "thanks": "action_thanks",
    "goodbye": "action_goodbye",
    "out_of_scope": "action_out_of_scope",
}
REROUTE_MIN_CONFIDENCE = 0.1


def about_school(turn: Turn) -> bool:
    """The message is about school: names a subject, a person we know, or school things."""
    if turn.entity_values("person") or turn.entity_values("subject") or school_topic(turn.text):
        return True
    return bool(_named(turn))


def reroute(turn: Turn, *, about_school: bool) -> None:
    """Answer with the likeliest intent that only answers, for a message a state-changing
    action will not act on. Not about school at all: the polite "I only help with school";
    nothing likely: the clarifying question."""
    if not about_school:
        REGISTRY["action_out_of_scope"]().respond(turn)
        return
    if _RESULT_WORDS.search(turn.text) and (_known_named(turn) or _names_own_item(turn)):
        # "Hva skrev læreren som kommentar på naturfagsprøven til Marie?": about a result.
        REGISTRY["action_progress"]().respond(turn)
        return
    ranking = turn.tracker.latest_message.get("intent_ranking") or []
    for candidate in ranking:
        action = ANSWERING.get(candidate.get("name", ""))
        if action and action != "action_out_of_scope" and (candidate.get("confidence") or 0) >= REROUTE_MIN_CONFIDENCE:
            REGISTRY[action]().respond(turn)
            return
    REGISTRY["action_fallback"]().respond(turn)


def ask_confirm(turn: Turn, kind: str, data: dict[str, Any], template: str, **context: Any) -> None:
    """Ask a yes/no question that says exactly what will happen; the plan waits in the
    ``confirm`` slot for "ja" (:mod:`actions.confirm`), and anything else drops it. By SMS
    the yes is a code sent with the question (:mod:`bot.confirm_codes`)."""
    pending: dict[str, Any] = {"kind": kind, "data": data}
    context["code"] = None
    if turn.channel == Channel.SMS:
        # A sender number can be forged; the code goes to the real number only.
        code, kept = confirm_codes.issue(_runtime.get().settings.sender_secret, turn.person.id, kind, data,
                                         turn.clock.utcnow())
        pending["code"] = kept
        context["code"] = code
    turn.say(template, **context)
    turn.set("confirm", pending)


def reset(tracker: Tracker, *slots: str) -> list[EventType]:
    """SlotSet(None) for those of ``slots`` that hold a value. Events are only for changes:
    Rasa replays and ships every event of a conversation on every turn."""
    return [SlotSet(name, None) for name in slots if tracker.get_slot(name) is not None]


# Action name -> class (filled by :mod:`actions` from its list), so a question can be resumed
# once the person says which child, and a message can go to the action that answers it.
REGISTRY: dict[str, type[RanselAction]] = {}
FALLBACK_ACTION = "action_fallback"
CHOOSE_CHILD_ACTION = "action_choose_child"


# --------------------------------------------------------------------------- which pupil


def _named(turn: Turn) -> list[str]:
    """Names in the message: the model's, else the asker's own pupils found in the text, else
    (for staff) a full name written out ("Zacharias Quist"), known or not: a pupil who is not
    theirs must get the refusal, not an answer about something else."""
    return turn.entity_values("person") or _known_named(turn) or (
        full_names(turn.text) if {Role.TEACHER, Role.SCHOOL_ADMIN} & turn.roles else [])


_FULL_NAME = re.compile(r"\b([A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøåéü]+)?) ([A-ZÆØÅ][a-zæøåéü]+)\b")
_NOT_NAMES = frozenset(["hva", "hvem", "hvor", "hvordan", "hvilke", "hvilken", "når", "kva", "kven", "kor", "korleis", "kva", "what", "who", "how", "which", "when", "where", "why", "the", "i", "jeg", "eg", "du", "vi", "dere", "send", "skriv", "gi", "legg", "kan", "vil", "har", "er", "is", "are", "can", "will", "please", "hei", "hi", "hello", "takk", "thanks", "ok"])


def full_names(text: str) -> list[str]:
    """Two capitalised words in a row that read as a person's given and family name."""
    return [f"{a} {b}" for a, b in _FULL_NAME.findall(text)
            if a.casefold() not in _NOT_NAMES and b.casefold() not in _NOT_NAMES]


class ExampleNames(TypedDict):
    child: str | None
    pupil: str | None


def example_names(turn: Turn) -> ExampleNames:
    """Names for the examples a reply offers, taken from the asker's own world (their child,
    a pupil they teach) so that no other school's names appear; None where there is none."""
    children = family_children(turn)
    pupil = None
    if Role.TEACHER in turn.roles:
        taught = [p for p in visible_pupils(turn.session, turn.person, turn.today) if p.id != turn.person.id]
        pupil = min(taught, key=lambda p: (p.family_name, p.given_name)).given_name if taught else None
    return ExampleNames(child=children[0].given_name if children else None, pupil=pupil)


def child_buttons(children: list[Person]) -> list[dict[str, str]]:
    """One button per child; the payload goes straight to the choose_child intent."""
    given = [c.given_name for c in children]
    buttons = []
    for child in children:
        label = child.given_name if given.count(child.given_name) == 1 else child.name
        buttons.append({"title": label, "payload": f'/{CHOOSE_CHILD_INTENT}{{"person": "{label}"}}'})
    return buttons


def resolve_pupil(turn: Turn, action_name: str, *, ask: bool = True,
                  guess: Callable[[Turn], Person | None] | None = None) -> Person | None:
    """The pupil a question is about, or None after asking which one (or refusing).

    - a name in the message: that pupil among those the asker may see; otherwise the one
      refusal (identical whether the child exists or not);
    - no name: a pupil asks about themself; a guardian with one child about that child;
      with several, we ask which, with the names as buttons, and resume when they answer.
    """
    names = _named(turn)
    own = Role.PUPIL in turn.roles
    if names:
        for name in names:
            if own and name.casefold() in {turn.person.given_name.casefold(), turn.person.name.casefold()}:
                return turn.person
            matches = pupils_named(turn.session, turn.person, name, turn.today)
            if len(matches) > 1:
                # "Filip Henriksen" when there are two Filips: the family name decides.
                words = words_of(turn.text)
                by_family = [p for p in matches if p.family_name.casefold() in words]
                matches = by_family if len(by_family) == 1 else matches
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                if ask:
                    _ask_which(turn, action_name, matches)
                return None
        raise AccessDenied()
    if own and Role.GUARDIAN not in turn.roles:
        return turn.person
    children = family_children(turn)
    if len(children) == 1 and not own:
        return children[0]
    if len(children) > 1 and guess is not None:
        # No name, but what the message is about belongs to one child only.
        guessed = guess(turn)
        if guessed is not None:
            return guessed
    if children or own:
        pupils = ([turn.person] if own else []) + children
        if ask:
            _ask_which(turn, action_name, pupils)
        return None
    if Role.TEACHER in turn.roles or Role.SCHOOL_ADMIN in turn.roles:
        turn.say("ask_pupil_name")
        return None
    turn.say("no_pupils")
    return None


def _ask_which(turn: Turn, action_name: str, pupils: list[Person]) -> None:
    given = [p.given_name for p in pupils]
    names = [p.given_name if given.count(p.given_name) == 1 else p.name for p in pupils]
    turn.say("which_child", buttons=child_buttons(pupils), names=names)
    kept = [{"entity": e["entity"], "value": e["value"]} for e in turn.entities if e.get("entity") != "person"]
    turn.set("pending", {"action": action_name, "text": turn.text, "entities": kept,
                         "intent": turn.intent, "confidence": turn.confidence})


def about(turn: Turn, pupil: Person) -> dict[str, Any]:
    """Template context naming the pupil the way the asker would: "du" for oneself."""
    return {"own": pupil.id == turn.person.id, "name": pupil.given_name, "full_name": pupil.name}
