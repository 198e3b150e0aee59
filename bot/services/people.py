"""Finding people: by reference (CLI, imports), by contact point (channels), by name (dialogue)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.access import visible_pupils
from bot.models import Person


def find_person(session: Session, ref: str) -> Person | None:
    """By OneRoster sourcedId, username or email (case-insensitive for the last two)."""
    ref = ref.strip()
    return session.scalar(
        select(Person).where(
            or_(
                Person.sourced_id == ref,
                func.lower(Person.username) == ref.lower(),
                func.lower(Person.email) == ref.lower(),
            )
        ).limit(1)
    )


def words_of(text: str) -> set[str]:
    """The message's words, case-folded, for matching names ("Jonas's" has the word "jonas")."""
    return {w.casefold() for w in re.findall(r"[\wæøåÆØÅ-]+", text)}


def named_in(text: str, people: Iterable[Person]) -> list[Person]:
    """Those of ``people`` whose first name is a word of ``text`` ("Hva har Emma i lekse?")."""
    words = words_of(text)
    return [p for p in people if p.given_name.casefold() in words]


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ø", "o").replace("æ", "ae")


def pupils_named(session: Session, asker: Person, name: str, on: date) -> list[Person]:
    """The asker's visible pupils whose first name (or full name) matches ``name``.

    Tolerates case, accents and one typo ("emmma", "Jonás"). Searches only pupils the asker
    may see, so an unknown name and someone else's child give the same empty answer.
    """
    wanted = _fold(name)
    if not wanted:
        return []
    exact, close = [], []
    for pupil in visible_pupils(session, asker, on):
        candidates = {_fold(pupil.given_name), _fold(pupil.name)}
        if wanted in candidates:
            exact.append(pupil)
        elif any(difflib.SequenceMatcher(None, wanted, c).ratio() >= 0.8 for c in candidates):
            close.append(pupil)
    return exact or close
