"""Things a person asks about by name: "foredraget", "geometriprøven", "aktivitetsdagen",
"the geography quiz", "turen til biblioteket".

A school whose system exports only OneRoster keeps everything in lineItem titles and
descriptions. People name an item the way they say it, not the way it is titled:
Norwegian compounds and definite forms ("geometriprøven" for "Prøve i geometri",
"bibliotekturen" for "Tur til biblioteket"), nynorsk ("prøva", "skeisedagen"), English
("the geography quiz" for "Geografiquiz: Europa"). :func:`items_named` finds the items of a
pupil that a message names, among those due from four weeks back to the end of the term:

- words are stemmed (Snowball Norwegian) and folded (æøå and their ASCII spellings meet);
- compounds on either side are split into known parts ("geometri|prøv", "bibliotek|tur");
- English school words are translated to Norwegian stems; close spellings meet
  ("geography"/"geografi");
- words that only say what kind of thing it is ("prøve", "test") or which subject
  ("matte") count for little on their own: "prøven i matte" names a test only if there is
  one such test near in time, and "leksene i matte" (plural) names none — it asks for a list.

Reading is restricted to the groups the asker may see (:mod:`bot.access`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import visible_groups_of_pupil
from bot.clock import Clock
from bot.dates import asked_span, without_dates
from bot.learning.text import fold, stem
from bot.memo import memo
from bot.models import Assignment, AssignmentKind, Group, Person, Result, ScoreStatus
from bot.services.calendar import local_bounds

DAYS_BACK = 28
DAYS_AHEAD = 200  # to the end of the school year at most; the term's end is usually sooner

_WORD = re.compile(r"[0-9a-zæøåäöüéèêóòôáàâíìîúùû]+(?:'s)?", re.IGNORECASE)

# Words that never name an item.
_STOP = frozenset(["og", "i", "på", "for", "med", "til", "en", "et", "ei", "ein", "eit", "av", "som", "det", "den", "de", "dei", "å", "er", "om", "fra", "frå", "ved", "eller", "at", "ikke", "ikkje", "hva", "kva", "når", "kor", "korleis", "hvordan", "hvem", "kven", "hvor", "kvar", "hvilken", "hvilke", "kva", "for", "må", "skal", "kan", "får", "fikk", "fekk", "vil", "ha", "har", "hadde", "være", "vere", "blir", "ble", "vart", "gjøre", "gjere", "gjør", "gjer", "jeg", "eg", "du", "han", "hun", "ho", "vi", "me", "dere", "de", "dei", "meg", "deg", "seg", "oss", "sin", "sitt", "sine", "hans", "hennes", "hennar", "mitt", "min", "mi", "mine", "vår", "våre", "sønnen", "dattera", "datteren", "barnet", "ungen", "gutten", "jenta", "min", "mi", "gikk", "gjekk", "går", "skjer", "neste", "denne", "dette", "disse", "første", "siste", "nå", "no", "da", "då", "så", "også", "òg", "bare", "berre", "noe", "noko", "noen", "nokon", "mye", "mykje", "egentlig", "eigentleg", "lov", "lurer", "lurar", "spør", "spørre", "spørje", "husk", "huske", "hugs", "hugse", "the", "a", "an", "of", "and", "to", "in", "on", "at", "for", "with", "is", "are", "was", "were", "be", "what", "when", "where", "who", "how", "which", "does", "do", "did", "will", "would", "can", "could", "should", "my", "his", "her", "their", "our", "your", "its", "it", "this", "that", "there", "here", "have", "has", "had", "get", "got", "need", "needs", "go", "going", "about", "any", "some", "much", "many", "bring", "take", "pack", "tomorrow", "today", "week", "next", "time", "etter", "før", "under", "over", "mellom", "gjennom", "rundt", "mot", "uten", "utan", "inn", "ut", "opp", "ned", "fram", "frem", "bak", "foran", "after", "before", "during", "between", "through", "around", "against", "without", "into", "out", "up", "down", "from", "by", "lunsj", "lunch", "frokost", "friminutt", "break", "pause", "skoledag", "skuledag", "skolen", "skulen", "school", "day", "days", "dag", "dagen", "dager", "dagar", "uke", "uka", "veke", "veka", "helg", "helga", "helgen", "weekend", "morgen", "morgon", "kveld", "kveldstid", "mandag", "måndag", "tirsdag", "tysdag", "onsdag", "torsdag", "fredag", "lørdag", "laurdag", "søndag", "sundag", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "morning", "afternoon", "evening", "tonight", "begynner", "byrjar", "starter", "startar", "slutter", "sluttar", "ferdig", "begin", "begins", "start", "starts", "end", "ends", "finish", "finishes", "klokka", "klokken", "kl", "time", "timen", "timane", "timene", "timer", "lesson", "lessons", "class", "period", "vi", "we", "us", "me", "oss", "hjem", "heim", "home", "igjen", "again", "alltid", "always", "ofte", "often", "litt", "little", "øve", "øver", "øv", "øva", "øving", "trene", "trener", "practise", "practice", "practising", "practicing", "train", "revise"])

# What kind of thing a word names (stems, folded).
_KIND_WORDS: dict[str, AssignmentKind] = {
    **dict.fromkeys(["prov", "test", "quiz", "kartlegging", "eksam", "exam", "tentam", "heldagsprov",
                     "gloseprov", "glosetest"], AssignmentKind.TEST),
    **dict.fromkeys(["leks", "lekse", "homework", "hjemmeleks", "heimeleks", "innlevering"],
                    AssignmentKind.HOMEWORK),
    **dict.fromkeys(["prosjekt", "project", "foredrag", "presentasjon", "presentation", "fremforing",
                     "framforing"], AssignmentKind.PROJECT),
    **dict.fromkeys(["tur", "trip", "utflukt", "ekskursjon", "arrangement", "aktivitetsdag", "avslutning",
                     "konsert", "forestilling", "fest"], AssignmentKind.EVENT),
}

# Subject words as people write them (stems, folded) -> LK20 subject code prefix.
_SUBJECT_WORDS: dict[str, str] = {
    **dict.fromkeys(["matt", "matte", "matematikk", "math", "maths", "mathematic", "regning"], "MAT"),
    **dict.fromkeys(["norsk", "norwegian"], "NOR"),
    **dict.fromkeys(["engelsk", "english"], "ENG"),
    **dict.fromkeys(["naturfag", "natur", "science"], "NAT"),
    **dict.fromkeys(["samfunnsfag", "samfunn", "social"], "SAF"),
    **dict.fromkeys(["krle", "rle", "religion"], "RLE"),
    **dict.fromkeys(["kunst", "khv", "handverk", "art"], "KHV"),
    **dict.fromkeys(["musikk", "music"], "MUS"),
    **dict.fromkeys(["gym", "kroppsoving", "pe"], "KRO"),
    **dict.fromkeys(["spansk", "tysk", "fransk", "spanish", "german", "french"], "FSP"),
}

# English (and a few nynorsk) school words -> the Norwegian stems titles use.
_TRANSLATIONS: dict[str, tuple[str, ...]] = {
    "presentation": ("presentasjon", "foredrag"), "talk": ("foredrag",), "speech": ("foredrag",),
    "trip": ("tur",), "outing": ("tur", "utflukt"), "excursion": ("ekskursjon", "tur"), "walk": ("tur",),
    "library": ("bibliotek",), "activity": ("aktivitet",), "day": ("dag",), "sport": ("idrett",),
    "sports": ("idrett",), "swimming": ("svomming", "bading"), "swim": ("svomming",), "skating": ("skoyt",),
    "ski": ("ski",), "skiing": ("ski",), "christmas": ("jul",), "xmas": ("jul",), "party": ("fest", "avslutning"),
    "concert": ("konsert",), "play": ("forestilling",), "show": ("forestilling",), "museum": ("museum",),
    "test": ("prov", "test"), "quiz": ("quiz", "prov"), "exam": ("eksam", "prov"), "homework": ("leks",),
    "reading": ("lesing", "les"), "spelling": ("rettskriving",), "vocabulary": ("glos",), "words": ("glos",),
    "geography": ("geografi",), "history": ("historie",), "fraction": ("brok",), "fractions": ("brok",),
    "multiplication": ("gang",), "times": ("gang",), "geometry": ("geometri",), "project": ("prosjekt",),
    "book": ("bok",), "report": ("rapport",), "experiment": ("forsok",), "cooking": ("mat",),
    "baking": ("baking",), "forest": ("skog",), "nature": ("natur",), "ending": ("avslutning",),
    "skeis": ("skoyt",), "skeisedag": ("skoytedag",), "symjing": ("svomming",), "heimeleks": ("leks",),
    "nynorsk": ("nynorsk",), "picnic": ("piknik",), "cinema": ("kino",), "film": ("film",),
    "milk": ("melk",), "carton": ("kartong",), "cartons": ("kartong",), "celebration": ("avslutning", "fest"),
    "read": ("les",), "aloud": ("høyt",), "vocab": ("glos",), "goggles": ("svommebrill",),
    "regn": ("regning",), "rekn": ("regning",), "rekning": ("regning",),
    "body": ("kropp",), "human": ("kropp", "menneske"), "planets": ("planet",), "planet": ("planet",),
    "poster": ("plakat",), "song": ("sang",), "songs": ("sang",), "carol": ("julesang",), "carols": ("julesang",),
    "weather": ("vær",), "temperature": ("temperatur",), "vikings": ("viking",), "viking": ("viking",),
    "capitals": ("hovedstad",), "europe": ("europa",), "decimals": ("desimaltall",), "decimal": ("desimaltall",),
    "story": ("fortelling",), "writing": ("skriving",), "dictation": ("diktat",), "map": ("kart",),
    "mapping": ("kartlegging",), "arithmetic": ("regning",), "geo": ("geografi",), "compass": ("passer",), "ruler": ("linjal",),
    "protractor": ("gradskive",), "calculator": ("kalkulator",), "scissors": ("saks",), "glue": ("lim",),
}

_GENERIC = frozenset(["dag", "uk", "time", "tim", "del", "kapittel", "kapitl", "side", "sid", "oppgav", "oppg", "nr",
                      "elev", "hjelp", "glemt", "husk", "hugs"])
# Kind words that say only what sort of thing it is; "foredrag", "tur", "aktivitetsdag" also
# name the thing and count like any other word of a title.
_ONLY_KIND = frozenset(["prov", "test", "quiz", "eksam", "exam", "tentam", "leks", "lekse",
                        "homework", "innlevering", "prosjekt", "project", "arrangement"])
_DEFINITE = re.compile(r"(?:en|et|a|n|ene|ane|a)$")


@dataclass(frozen=True)
class ResultFacts:
    score: float | None
    max_score: float | None
    status: ScoreStatus
    comment: str | None
    scored_on: date | None


@dataclass(frozen=True)
class NamedItem:
    assignment_id: int
    kind: AssignmentKind
    subject_code: str | None
    title: str
    description: str | None
    due: datetime  # school time
    group_name: str
    result: ResultFacts | None
    score: float  # how well the message names it
    max_score: float | None = None


@lru_cache(maxsize=8192)
def _terms(text: str) -> tuple[tuple[str, str], ...]:
    """(word, folded stem) for the words of a text that could name something. Kept per text:
    every question ranks the asker's same few dozen titles again."""
    out = []
    for match in _WORD.finditer(text.casefold()):
        word = match.group(0).removesuffix("'s")
        if word in _STOP or word.isdigit() or len(word) < 2:
            continue
        out.append((word, fold(stem(word))))
    return tuple(out)


def _split(token: str, vocabulary: set[str]) -> list[str]:
    """A compound's known parts ("geometriprov" -> ["geometri", "prov"]); [token] if none."""
    if token in vocabulary or len(token) < 6:
        return [token]
    for cut in range(len(token) - 3, 2, -1):
        head, tail = token[:cut], token[cut:]
        for joint in ("", "s", "e"):
            if joint and not head.endswith(joint):
                continue
            left = head[: len(head) - len(joint)] if joint else head
            if len(left) >= 3 and left in vocabulary:
                rest = _split(tail, vocabulary)
                if tail in vocabulary or rest != [tail]:
                    return [left, *rest]
                if any(tail.startswith(v) and len(v) >= 3 for v in vocabulary):
                    return [left, tail]
    return [token]


def _close(a: str, b: str) -> bool:
    """Same word, a part of a compound at its start or end, or a near spelling."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and (long_.startswith(short) or long_.endswith(short)):
        return True
    if len(short) >= 5 and short[:5] == long_[:5] and SequenceMatcher(None, a, b).ratio() >= 0.75:
        return True
    return False


def _variants(stem_: str) -> set[str]:
    return {stem_, *(fold(t) for t in _TRANSLATIONS.get(stem_, ()))}


@dataclass(frozen=True)
class _Query:
    parts: set[str]  # every stem and compound part of the message's words
    kinds: set[AssignmentKind]
    subjects: set[str]
    singular_kind: bool  # "prøven", "the test": one thing, not a list


# Word parts nynorsk spells differently from bokmål (folded): "mjølkekartongar" names
# "Ta med tomme melkekartonger", "skuletur" names "Skoletur".
_NN_PARTS = (("mjolk", "melk"), ("skul", "skol"), ("vek", "uk"), ("heim", "hjem"), ("kvit", "hvit"),
             ("golv", "gulv"), ("songar", "sanger"), ("song", "sang"), ("haust", "host"), ("sommar", "sommer"))


def _spelled_both_ways(terms: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    out = list(terms)
    for word, stem_ in terms:
        for nn, nb in _NN_PARTS:
            if nn in stem_ and len(stem_) > len(nn) + 2:
                out.append((word, stem_.replace(nn, nb)))
    return out


def _query(text: str, vocabulary: set[str]) -> _Query:
    parts: set[str] = set()
    kinds: set[AssignmentKind] = set()
    subjects: set[str] = set()
    singular = False
    known = vocabulary | set(_KIND_WORDS) | set(_SUBJECT_WORDS)
    for word, stem_ in _spelled_both_ways(_terms(text)):
        pieces = _split(stem_, known - {stem_})
        if len(pieces) > 1:
            parts.add(stem_)
        # An English word the Norwegian stemmer cuts ("science" -> "scienc") is looked up whole.
        whole = fold(word)
        if whole != stem_ and (whole in _SUBJECT_WORDS or whole in _TRANSLATIONS or whole in _KIND_WORDS):
            pieces = [*pieces, whole]
        for piece in pieces:
            for variant in _variants(piece):
                parts.add(variant)
                if variant in _KIND_WORDS:
                    kinds.add(_KIND_WORDS[variant])
                    # "prøven", "testen", "turen", "leksa" (definite singular) vs "prøvene", "tests"
                    if not re.search(r"(?:ene|ane|er|ar|s)$", word) or word.endswith(("ss", "quiz")):
                        singular = True
                if variant in _SUBJECT_WORDS:
                    subjects.add(_SUBJECT_WORDS[variant])
        if len(pieces) > 1 and any(p in _SUBJECT_WORDS for p in pieces) and any(p in _KIND_WORDS for p in pieces):
            singular = singular or not re.search(r"(?:ene|ane)$", word)
    return _Query(parts, kinds, subjects, singular)


def _title_stems(title: str, vocabulary: set[str]) -> set[str]:
    stems: set[str] = set()
    known = vocabulary | set(_KIND_WORDS) | set(_SUBJECT_WORDS)
    for _, stem_ in _terms(title):
        # A title's own compound splits into the other words people use ("matteprøve"),
        # and is kept whole too: the same compound in a message is the strongest match.
        parts = _split(stem_, known - {stem_})
        stems.update(parts)
        if len(parts) > 1:
            stems.add(_WHOLE + stem_)
    return stems


_WHOLE = "="  # marks a title's whole compound: it matches only the same compound


@dataclass(frozen=True)
class Candidate:
    """What the matcher needs of an item."""

    key: int
    title: str
    kind: AssignmentKind
    subject_code: str | None
    due_at: datetime
    # What the item says: names it only when its title does not ("juleverkstaden" for
    # "Ta med tomme melkekartonger: Vi lager juleverksted").
    description: str | None = None


def rank(text: str, candidates: list[Candidate], now: datetime, *, ignore: frozenset[str] = frozenset(),
         limit: int = 3) -> list[tuple[Candidate, float]]:
    """The candidates the message names, best first; several only when equally named;
    empty when it names none or too many equally (then it asks for a list)."""
    if not candidates:
        return []
    text = " ".join(w for w in re.split(r"(\s+)", text) if w.strip(" ,.?!:;").casefold() not in ignore)
    vocabulary: set[str] = set()
    for c in candidates:
        vocabulary.update(stem_ for _, stem_ in _terms(c.title))
    query = _query(text, vocabulary)
    if not query.parts:
        return []
    # A title's compound splits also on the words the question uses ("skidag" for "ski").
    splitting = vocabulary | query.parts | _GENERIC
    titles = {c.key: _title_stems(c.title, splitting) for c in candidates}
    document_frequency: dict[str, int] = {}
    for stems in titles.values():
        for s in stems:
            document_frequency[s] = document_frequency.get(s, 0) + 1
    total = len(candidates)

    # Only words that say more than the kind or the subject can name a thing: "neste prøve"
    # must not name "Rettskrivingsprøve" through its last part.
    naming = {q for q in query.parts if q not in _ONLY_KIND and q not in _SUBJECT_WORDS and q not in _GENERIC}
    scored: list[tuple[float, Candidate]] = []
    for c in candidates:
        distinct = 0.0
        for title_stem in titles[c.key]:
            if title_stem in _ONLY_KIND or title_stem in _SUBJECT_WORDS or title_stem in _GENERIC:
                continue
            if title_stem.startswith(_WHOLE):
                if title_stem[1:] in query.parts:  # "matteprøven" for "Matteprøve: ..."
                    distinct += math.log(1 + total / document_frequency[title_stem])
                continue
            if any(_close(title_stem, q) for q in naming):
                distinct += math.log(1 + total / document_frequency[title_stem])
        kind_match = c.kind in query.kinds or any(
            _KIND_WORDS.get(s) == c.kind and s in query.parts for s in titles[c.key])
        subject_match = any(c.subject_code.startswith(code) for code in query.subjects) if c.subject_code else False
        if query.subjects and c.subject_code and not subject_match:
            continue  # "KRLE-leksa" names no Norwegian item, whatever words they share
        if distinct > 0:
            score = distinct + (0.5 if kind_match else 0) + (0.5 if subject_match else 0)
        elif kind_match and subject_match and query.singular_kind:
            score = 0.5  # "matteprøven": the one such item nearest in time, below
        else:
            continue
        scored.append((score, c))
    if not scored:
        scored = _by_description(candidates, naming, splitting)
    if not scored:
        return []
    best = max(score for score, _ in scored)
    top = [(s, c) for s, c in scored if s >= best - 1e-9]
    if best <= 0.5:
        # Named only by kind and subject: the next such item (or, if none is ahead, the last).
        ahead = [t for t in top if t[1].due_at >= now - timedelta(hours=12)]
        top = [min(ahead, key=lambda t: t[1].due_at)] if ahead else [max(top, key=lambda t: t[1].due_at)]
    if len(top) > limit:
        return []
    return [(c, s) for s, c in top]


# A word of the question found only in descriptions must say something: long, not a kind,
# subject or generic word, and not in too many items.
_DESCRIPTION_MIN_LETTERS = 5
_DESCRIPTION_MAX_SHARE = 0.25


def _by_description(candidates: list[Candidate], naming: set[str], splitting: set[str]) -> list[tuple[float, Candidate]]:
    words = {q for q in naming if len(q) >= _DESCRIPTION_MIN_LETTERS}
    if not words:
        return []
    stems = {c.key: _title_stems(c.description or "", splitting) for c in candidates}
    found: list[tuple[float, Candidate]] = []
    for c in candidates:
        hits = {w for w in words if any(_close(s, w) for s in stems[c.key] if len(s) >= _DESCRIPTION_MIN_LETTERS)}
        if hits:
            found.append((0.4 + 0.2 * len(hits), c))
    if not found or len(found) > max(1, int(len(candidates) * _DESCRIPTION_MAX_SHARE)):
        return []
    return found


def items_named(session: Session, asker: Person, pupil_id: int, text: str, clock: Clock,
                *, ignore: frozenset[str] = frozenset(), limit: int = 3) -> list[NamedItem]:
    """The pupil's items the message names (see :func:`rank`). Raises AccessDenied for a
    pupil the asker may not see. Asked again in the same turn (a guardian's children are
    tried one by one, then the one found is answered), the first answer is reused."""
    def both() -> tuple[NamedItem, ...]:
        found = _items_named(session, asker, pupil_id, text, clock, ignore, limit)
        # "på naturfagsprøva og geografiquizen": each part may name its own item.
        parts = re.split(r"\s(?:og|and|eller|or)\s", text)
        if found and len(parts) > 1:
            for part in parts[1:]:
                extra = _items_named(session, asker, pupil_id, part, clock, ignore, 1)
                found += [i for i in extra if i.score > 0.5 and i.assignment_id not in {f.assignment_id for f in found}]
        return tuple(found)

    return list(memo(session, ("items_named", asker.id, pupil_id, text, ignore, limit), both))


def _items_named(session: Session, asker: Person, pupil_id: int, text: str, clock: Clock,
                 ignore: frozenset[str], limit: int) -> list[NamedItem]:
    rows = _candidates(session, asker, pupil_id, clock)
    group_of = {key: group_name for key, _t, _k, _s, _d, group_name, _desc in rows}
    candidates = [Candidate(key, title, kind, subject, due, description)
                  for key, title, kind, subject, due, _g, description in rows]
    # A date expression names no item: "før jul" is not "Juleavslutning".
    found = rank(without_dates(text, clock), candidates, clock.utcnow(), ignore=ignore, limit=limit)
    if found and all(score <= 0.5 for _, score in found):
        # Named only by its kind ("leksa i engelsk til i morgen"): a day in the question must
        # be the item's day, else the question is about that day, not about this item.
        span = asked_span(text, clock)
        if span is not None and not any(span.start <= clock.local(c.due_at).date() <= span.end for c, _ in found):
            return []
    if found:
        # "Skal Odin ha med badetøy denne uka?": an item named that was over before the
        # period asked about is not the answer; the period is.
        span = asked_span(text, clock)
        if span is not None and all(clock.local(c.due_at).date() < span.start for c, _ in found):
            return []
    if not found:
        return []
    # Only the items named are read whole (the candidates are read as a few columns).
    read = {key: (description, max_score) for key, description, max_score in session.execute(
        select(Assignment.id, Assignment.description, Assignment.max_score)
        .where(Assignment.id.in_([c.key for c, _ in found]))).tuples()}
    results = _results(session, pupil_id, [c.key for c, _ in found])
    return [NamedItem(c.key, c.kind, c.subject_code, c.title, read[c.key][0], clock.local(c.due_at),
                      group_of[c.key], results.get(c.key), score, read[c.key][1]) for c, score in found]


def _candidates(session: Session, asker: Person, pupil_id: int, clock: Clock) -> list[tuple]:
    """(id, title, kind, subject code, due, group name) of the pupil's items in reach."""
    groups = visible_groups_of_pupil(session, asker, pupil_id, clock.today())
    if not groups:
        return []
    today = clock.today()
    first, after_last = local_bounds(clock.zone, today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD))
    return list(session.execute(
        select(Assignment.id, Assignment.title, Assignment.kind, Assignment.subject_code, Assignment.due_at, Group.name,
               Assignment.description)
        .join(Group, Group.id == Assignment.group_id)
        .where(Assignment.group_id.in_(groups), Assignment.due_at >= first, Assignment.due_at < after_last)
        .order_by(Assignment.due_at, Assignment.id)
    ).tuples())


def _results(session: Session, pupil_id: int, assignment_ids: list[int]) -> dict[int, ResultFacts]:
    rows = session.scalars(
        select(Result).where(Result.pupil_id == pupil_id, Result.assignment_id.in_(assignment_ids))
    ).all()
    return {r.assignment_id: ResultFacts(r.score, r.assignment.max_score, r.status, r.comment, r.scored_on)
            for r in rows}
