"""Catalogue search for teachers, beyond the top ten: free Norwegian text and filters.

Free text is matched term by term (:mod:`bot.learning.text`: stemmed, æøå-tolerant,
prefix) against the title, publisher, description, subject and the texts of the
resource's competence aims; every term must match somewhere. Filters: aim code, subject,
level range (declared), adaptation, didactics (group setting) and method. Results are
ordered by how well the text matched (title counts most), then by average review.

The catalogue is not personal data, but searching it is a staff tool: teachers and
school/owner admins may search, others get :class:`bot.access.AccessDenied`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.access import AccessDenied, roles_of
from bot.models import CompetenceAim, LearningResource, Person, Role, Subject, resource_aims

from .reviews import ReviewSummary, review_summaries
from .text import terms

STAFF = {Role.TEACHER, Role.SCHOOL_ADMIN, Role.OWNER_ADMIN}
FIELD_WEIGHTS = {"title": 3.0, "aims": 1.0, "description": 1.5, "publisher": 1.0, "subject": 0.5}


@dataclass(frozen=True)
class SearchHit:
    resource: LearningResource
    relevance: float
    reviews: ReviewSummary | None


def search(
    session: Session,
    asker: Person,
    *,
    text: str | None = None,
    aim_code: str | None = None,
    subject_code: str | None = None,
    level: tuple[float, float] | None = None,
    adaptation: str | None = None,
    didactics: str | None = None,
    method: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[SearchHit]:
    if not roles_of(session, asker) & STAFF:
        raise AccessDenied()
    query = select(LearningResource).options(selectinload(LearningResource.aims)).where(LearningResource.active.is_(True))
    if aim_code:
        query = query.where(
            LearningResource.id.in_(select(resource_aims.c.resource_id).where(resource_aims.c.aim_code == aim_code))
        )
    if subject_code:
        query = query.where(LearningResource.subject_code == subject_code)
    if level:
        query = query.where(LearningResource.level >= level[0], LearningResource.level <= level[1])
    rows = list(session.scalars(query))
    # JSON list filters are applied here: portable across SQLite and PostgreSQL.
    if adaptation:
        rows = [r for r in rows if adaptation in r.adaptations]
    if didactics:
        rows = [r for r in rows if didactics in r.didactics]
    if method:
        rows = [r for r in rows if method in r.methods]
    wanted = terms(text)
    scored: list[tuple[float, LearningResource]] = []
    if wanted:
        subjects = {s.code: f"{s.name_nb} {s.name_nn} {s.name_en}" for s in session.scalars(select(Subject))}
        for r in rows:
            fields = {
                "title": terms(r.title),
                "description": terms(r.description),
                "publisher": terms(r.publisher),
                "subject": terms(subjects.get(r.subject_code or "", "")),
                "aims": [t for a in r.aims for t in terms(f"{a.code} {a.text_nb}")],
            }
            total = 0.0
            for term in wanted:
                best = max(
                    (FIELD_WEIGHTS[name] * (1.0 if term in words else 0.7)
                     for name, words in fields.items() if any(w.startswith(term) for w in words)),
                    default=0.0,
                )
                if best == 0.0:
                    break
                total += best
            else:
                scored.append((total, r))
    else:
        scored = [(0.0, r) for r in rows]
    summaries = review_summaries(session, [r.id for _, r in scored])
    scored.sort(key=lambda s: (-s[0], -(summaries[s[1].id].average if s[1].id in summaries else 0.0), s[1].title))
    return [SearchHit(r, round(rel, 3), summaries.get(r.id)) for rel, r in scored[offset : offset + limit]]


def _matches(wanted: list[str], words: list[str]) -> bool:
    return all(any(w.startswith(term) for w in words) for term in wanted)


def topic_aims(session: Session, text: str, subject_code: str | None = None) -> set[str]:
    """Aims a free-text topic ("brøk", "lesestrategier") is about: aims whose wording
    matches every term, and the aims of resources whose title or description does."""
    wanted = terms(text)
    if not wanted:
        return set()
    aims = select(CompetenceAim.code, CompetenceAim.text_nb)
    if subject_code:
        aims = aims.where(CompetenceAim.subject_code == subject_code)
    found = {code for code, wording in session.execute(aims) if _matches(wanted, terms(f"{code} {wording}"))}
    resources = select(LearningResource.id, LearningResource.title, LearningResource.description).where(
        LearningResource.active.is_(True)
    )
    if subject_code:
        resources = resources.where(LearningResource.subject_code == subject_code)
    ids = [rid for rid, title, desc in session.execute(resources) if _matches(wanted, terms(f"{title} {desc or ''}"))]
    if ids:
        found |= set(session.scalars(select(resource_aims.c.aim_code).where(resource_aims.c.resource_id.in_(ids))))
    return found
