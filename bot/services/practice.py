"""What to practise: the best learning resources for a pupil and subject.

Until the learning engine (``bot.learning``) is available this ranks by fit alone: active
resources on the subject whose level is near the pupil's grade, the aims the pupil is
weakest on first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import require_pupil
from bot.clock import Clock
from bot.models import AimStatus, LearningResource, Person, resource_aims
from bot.services.pupils import basis_group


@dataclass(frozen=True)
class PracticeItem:
    title: str
    url: str | None
    subject_code: str | None
    reason: str  # one line in the asker's language


def practice(session: Session, asker: Person, pupil_id: int, clock: Clock, *, language: str,
             subject_code: str | None = None, limit: int = 3) -> list[PracticeItem]:
    """Raises AccessDenied for a pupil the asker may not see."""
    require_pupil(session, asker, pupil_id, clock.today())
    group = basis_group(session, pupil_id)
    grade = group.grade if group is not None and group.grade else None
    stmt = select(LearningResource).where(LearningResource.active.is_(True))
    if subject_code:
        stmt = stmt.where(LearningResource.subject_code == subject_code)
    if grade:
        stmt = stmt.where(LearningResource.level >= grade - 1.5, LearningResource.level <= grade + 0.5)
    resources = list(session.scalars(stmt))
    if not resources:
        return []
    levels: dict[str, list[float]] = defaultdict(list)
    for aim, level in session.execute(select(AimStatus.aim_code, AimStatus.level).where(AimStatus.pupil_id == pupil_id)):
        levels[aim].append(level)
    aims_of: dict[int, set[str]] = defaultdict(set)
    for resource_id, aim in session.execute(
        select(resource_aims.c.resource_id, resource_aims.c.aim_code)
        .where(resource_aims.c.resource_id.in_([r.id for r in resources]))
    ):
        aims_of[resource_id].add(aim)

    def weakness(resource: LearningResource) -> float:
        known = [sum(levels[a]) / len(levels[a]) for a in aims_of[resource.id] if levels.get(a)]
        return min(known) if known else 0.5

    from bot.i18n import render

    ranked = sorted(resources, key=lambda r: (weakness(r), abs(r.level - (grade or r.level)), r.title))
    return [
        PracticeItem(r.title, r.url, r.subject_code,
                     render("practice_reason", language, weak=weakness(r) < 0.5, level=r.level, grade=grade))
        for r in ranked[:limit]
    ]
