"""The identifiers other systems know a person by (OneRoster ``userIds``), and finding the
person an OpenID provider vouches for by one of them.

A OneRoster ``userIds`` cell lists ``{scheme:value}`` pairs separated by commas, e.g.
``{Feide:liv.andersen@fjellby.kommune.no},{NIN:01017012345}``. Values are stored exactly as
the school gave them. Schemes are compared without case, and so are Feide user ids (they are
e-mail-like: ``Liv.Andersen@Fjellby.kommune.no`` is the same user); national identity
numbers are compared as digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Person, PersonIdentifier

# Schemes whose values are compared without regard to case.
CASELESS_SCHEMES = frozenset({"feide"})

_PAIR = re.compile(r"\{\s*([^{}:,\s][^{}:,]*?)\s*:\s*([^{}]*?)\s*\}")


def identifier_key(scheme: str, value: str) -> tuple[str, str]:
    """Two identifiers that sign-in could not tell apart have the same key."""
    folded = scheme.strip().casefold()
    return folded, value.casefold() if folded in CASELESS_SCHEMES else value


@dataclass(frozen=True)
class ParsedIds:
    pairs: list[tuple[str, str]]
    broken: list[str]  # the parts that are not {scheme:value}, as written


def parse_user_ids(cell: str) -> ParsedIds:
    """The ``{scheme:value}`` pairs of a userIds cell, and whatever else it holds."""
    pairs: list[tuple[str, str]] = []
    broken: list[str] = []
    position = 0
    for match in _PAIR.finditer(cell):
        between = cell[position:match.start()].strip().strip(",").strip()
        if between:
            broken.append(between)
        if match.group(2):
            pairs.append((match.group(1), match.group(2)))
        else:
            broken.append(match.group(0))
        position = match.end()
    rest = cell[position:].strip().strip(",").strip()
    if rest:
        broken.append(rest)
    return ParsedIds(pairs, broken)


def people_with_identifier(session: Session, scheme: str, values: Iterable[str]) -> list[Person]:
    """Everyone holding one of ``values`` in ``scheme`` (more than one is a conflict the
    caller refuses: a sign-in must name exactly one person)."""
    folded = scheme.strip().casefold()
    wanted = {value.strip() for value in values if value and value.strip()}
    if not wanted:
        return []
    column = PersonIdentifier.value
    if folded in CASELESS_SCHEMES:
        match = func.lower(column).in_(sorted(v.lower() for v in wanted))
    else:
        match = column.in_(sorted(wanted))
    ids = session.scalars(select(PersonIdentifier.person_id).where(
        func.lower(PersonIdentifier.scheme) == folded, match).distinct()).all()
    return [person for person in (session.get(Person, i) for i in sorted(ids)) if person is not None]
