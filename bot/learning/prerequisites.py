"""Which competence aims a pupil should master before working on an aim.

LK20 states no prerequisites, so Ransel derives them from the curriculum's own structure:
the prerequisites of aim A are the aims of **the same subject** in **the nearest earlier
grade band** (the largest band grade below A's) that share **at least one core element**
(kjerneelement) with A. Example: KM281 (maths, after grade 5, "Representasjon og
kommunikasjon") has as prerequisites the grade-4 maths aims in representation and
communication (KM287, KM290 and KM291). An aim of the first band, or one that shares no core
element with the band before, has none — and then Ransel does not warn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import CompetenceAim


@dataclass(frozen=True)
class Prerequisites:
    aim_code: str
    band_grade: int | None  # the earlier band they come from
    codes: tuple[str, ...]


def prerequisites(session: Session, aim_codes: Iterable[str]) -> dict[str, Prerequisites]:
    codes = set(aim_codes)
    if not codes:
        return {}
    aims = list(session.scalars(select(CompetenceAim).where(CompetenceAim.code.in_(codes))))
    subjects = {a.subject_code for a in aims}
    by_subject: dict[str, dict[int, list[CompetenceAim]]] = defaultdict(lambda: defaultdict(list))
    for other in session.scalars(select(CompetenceAim).where(CompetenceAim.subject_code.in_(subjects))):
        by_subject[other.subject_code][other.after_grade].append(other)
    out: dict[str, Prerequisites] = {}
    for aim in aims:
        bands = by_subject[aim.subject_code]
        earlier = max((g for g in bands if g < aim.after_grade), default=None)
        if earlier is None:
            out[aim.code] = Prerequisites(aim.code, None, ())
            continue
        mine = {_norm(e) for e in aim.core_elements}
        found = sorted(o.code for o in bands[earlier] if mine & {_norm(e) for e in o.core_elements})
        out[aim.code] = Prerequisites(aim.code, earlier, tuple(found))
    return out


def _norm(element: str) -> str:
    return element.strip().lower()
