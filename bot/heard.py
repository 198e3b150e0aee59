"""What a spoken message most likely said, for the person who said it.

A recogniser gives several readings of one recording (Whisper's n-best). Three things here
turn them into the message the dialogue engine gets:

* :func:`vocabulary` — the words this person is likely to say that a general speech model
  does not know: their children's (or their own) first names, their groups, their subjects
  in their language, and the titles of this week's and next week's tests and events. It is
  the recogniser's prompt, and the names are what readings are corrected towards.
* :func:`repair_names` — a word that sounds like one of those names ("Tirill", "Siver")
  becomes the name as it is written.
* :func:`choose` — each reading is parsed by the engine's NLU; the one it understands best
  wins (intent confidence, a little more for entities found, a little less the further down
  the recogniser's list it was). When even the best is unsure, or the recogniser's first
  readings disagree about what was asked, the person is asked ("Jeg hørte: «…». Stemmer
  det?") instead of Ransel guessing.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import access
from bot.i18n import render
from bot.models import Assignment, AssignmentKind, Group, GroupKind, Person, Role, Subject

if TYPE_CHECKING:
    from bot.runtime import Runtime

# A reading the engine classifies with less confidence than this is read back to the person.
SURE = 0.6
FALLBACK_INTENTS = {"nlu_fallback", "out_of_scope"}


@dataclass(frozen=True)
class Vocabulary:
    names: tuple[str, ...] = ()  # first names and class names, as written
    words: tuple[str, ...] = ()  # subjects, then item titles
    language: str = "nb"
    subjects: int = 0  # how many of ``words`` are subjects

    def prompt(self) -> list[str]:
        """The recogniser's prompt: one sentence in the person's language that uses these words
        the way a question would (a bare word list makes Whisper answer with word lists)."""
        classes = [n for n in self.names if any(c.isdigit() for c in n)]
        people = [n for n in self.names if n not in classes]
        return [render("speech_prompt", self.language, names=people, classes=classes,
                       subjects=list(self.words[:self.subjects]), titles=list(self.words[self.subjects:]))]


@dataclass(frozen=True)
class Reading:
    text: str
    confidence: float
    intent: str | None
    entities: int = 0
    rank: int = 0

    @property
    def score(self) -> float:
        return self.confidence + 0.05 * min(self.entities, 3) - 0.02 * self.rank


@dataclass
class Choice:
    text: str
    sure: bool
    readings: list[Reading] = field(default_factory=list)


def vocabulary(session: Session, person: Person, on: date, language: str) -> Vocabulary:
    """Names, subjects and near item titles of the pupils ``person`` may see (children, or self)."""
    pupil_ids = access.family_pupil_ids(session, [person.id], on).get(person.id, set())
    names: list[str] = []
    for pupil in session.scalars(select(Person).where(Person.id.in_(pupil_ids)).order_by(Person.given_name)):
        names.extend(pupil.given_name.split())
    group_ids: set[int] = set()
    for pupil_id in pupil_ids:
        group_ids |= access.pupil_group_ids(session, pupil_id, on)
    if Role.TEACHER in access.roles_of(session, person):
        group_ids |= access.taught_group_ids(session, person, on)
    groups = session.scalars(select(Group).where(Group.id.in_(group_ids))).all() if group_ids else []
    names.extend(sorted({g.name for g in groups if g.kind == GroupKind.BASIS}))
    codes = {g.subject_code for g in groups if g.subject_code}
    words = sorted(s.name(language) for s in session.scalars(select(Subject).where(Subject.code.in_(codes))))
    subjects = len(words)
    if group_ids:
        start = datetime.combine(on - timedelta(days=on.weekday()), time(0), tzinfo=UTC)
        titles = session.scalars(
            select(Assignment.title).where(
                Assignment.group_id.in_(group_ids),
                Assignment.kind.in_([AssignmentKind.TEST, AssignmentKind.EVENT, AssignmentKind.PROJECT]),
                Assignment.due_at >= start, Assignment.due_at < start + timedelta(days=14),
            ).order_by(Assignment.due_at)
        ).all()
        words.extend(list(dict.fromkeys(titles))[:6])
    return Vocabulary(tuple(dict.fromkeys(names)), tuple(dict.fromkeys(w for w in words if w)), language, subjects)


def _fold(word: str) -> str:
    """Lower case without accents and doubled letters: how a name sounds, roughly."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))
    plain = plain.replace("w", "v").replace("ph", "f").replace("th", "t").replace("ck", "k").replace("c", "k")
    return re.sub(r"(.)\1+", r"\1", plain)


_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def repair_names(text: str, names: Sequence[str]) -> str:
    """Words that sound like one of ``names`` written as that name (case and possessive kept)."""
    if not names:
        return text
    folded = {_fold(n): n for n in names if len(n) >= 3}

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in names:
            return word
        stem, tail = (word[:-1], "s") if word.endswith("s") and len(word) > 4 else (word, "")
        key = _fold(stem)
        if len(key) < 3:
            return word
        if key in folded:
            return folded[key] + tail
        close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.8)
        if close and key[0] == close[0][0]:
            return folded[close[0]] + tail
        return word

    return _WORD.sub(fix, text)


Parse = Callable[[str], Awaitable[dict[str, Any] | None]]


async def choose(readings: Sequence[str], parse: Parse, vocabulary: Vocabulary) -> Choice:
    """The reading the engine understands best; ``sure`` is False when even that one is doubtful."""
    texts = list(dict.fromkeys(repair_names(t, vocabulary.names) for t in readings if t.strip()))
    if not texts:
        return Choice("", False)
    scored: list[Reading] = []
    for rank, text in enumerate(texts):
        parsed = await parse(text)
        if parsed is None:  # the engine cannot be asked: take the recogniser's first reading
            return Choice(texts[0], True)
        intent = (parsed.get("intent") or {}).get("name")
        confidence = float((parsed.get("intent") or {}).get("confidence") or 0.0)
        if intent in FALLBACK_INTENTS:
            confidence = 0.0
        entities = len(parsed.get("entities") or [])
        named = sum(1 for n in vocabulary.names if re.search(rf"\b{re.escape(n)}\b", text))
        scored.append(Reading(text, confidence, intent, entities + named, rank))
    best = max(scored, key=lambda r: r.score)
    # The engine is often confident about noise ("Vi og ha satt." reads as goodbye); readings
    # of clear speech agree on what was asked, readings of unclear speech do not.
    top = scored[:3]
    agree = sum(r.intent == best.intent for r in top) / len(top)
    return Choice(best.text, best.confidence >= SURE and agree >= 0.5, scored)


def vocabulary_of(runtime: Runtime, person_id: int, language: str) -> Vocabulary:
    """:func:`vocabulary` for a person by id, in a transaction of its own."""
    with runtime.transaction() as session:
        person = session.get(Person, person_id)
        if person is None:
            return Vocabulary()
        return vocabulary(session, person, runtime.clock.today(), language)
