"""Teachers' reviews of learning resources: 1-5 and a text, one per teacher per resource.

A teacher who reviews again edits their review (same row, ``updated_at`` moves).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.i18n import render
from bot.models import LearningResource, Person, Review, Role


class ReviewRefused(Exception):
    """The person may not review, or the review is invalid; ``reason`` is a message key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReviewSummary:
    count: int
    average: float  # 1..5, unshrunk


def review(session: Session, teacher: Person, resource: LearningResource, rating: int, text: str | None, *, clock: Clock) -> Review:
    """Create or edit ``teacher``'s review of ``resource``."""
    if not teacher.has_role(Role.TEACHER):
        raise ReviewRefused("not_a_teacher")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ReviewRefused("rating_out_of_range")
    text = (text or "").strip() or None
    if text is not None and len(text) > 4000:
        raise ReviewRefused("text_too_long")
    now = clock.utcnow()
    row = session.scalar(select(Review).where(Review.resource_id == resource.id, Review.teacher_id == teacher.id))
    if row is None:
        row = Review(resource_id=resource.id, teacher_id=teacher.id, rating=rating, text=text, created_at=now, updated_at=now)
        session.add(row)
    else:
        row.rating, row.text, row.updated_at = rating, text, now
    session.flush()
    return row


def reviews_of(session: Session, resource_id: int) -> tuple[ReviewSummary | None, list[Review]]:
    """The average and the reviews of a resource, newest edit first."""
    rows = list(session.scalars(select(Review).where(Review.resource_id == resource_id).order_by(Review.updated_at.desc(), Review.id.desc())))
    return review_summaries(session, [resource_id]).get(resource_id), rows


def review_summaries(session: Session, resource_ids: Iterable[int]) -> dict[int, ReviewSummary]:
    ids = set(resource_ids)
    if not ids:
        return {}
    query = select(Review.resource_id, func.count(), func.avg(Review.rating)).group_by(Review.resource_id)
    if len(ids) <= 50:
        query = query.where(Review.resource_id.in_(ids))
    # Else: far fewer resources are reviewed than recommended from; read them all.
    return {rid: ReviewSummary(count=n, average=float(avg)) for rid, n, avg in session.execute(query) if rid in ids}


def render_reviews(session: Session, resource: LearningResource, language: str) -> str:
    """The average and every review of a resource, for a teacher, newest edit first."""

    summary, rows = reviews_of(session, resource.id)
    names = dict(session.execute(select(Person.id, Person.given_name + " " + Person.family_name).where(
        Person.id.in_([r.teacher_id for r in rows]))).tuples().all()) if rows else {}
    return render(
        "learning_reviews",
        language,
        title=resource.title,
        count=summary.count if summary else 0,
        average=summary.average if summary else 0.0,
        items=[(names.get(r.teacher_id, ""), r.rating, r.text) for r in rows],
    )
