"""The one access question the learning services ask, until ``bot/access.py`` lands on main.

TEMPORARY: when the lead's ``bot.access.can_see_pupil(session, asker, pupil, on_day)`` is
on main, this module becomes a one-line re-export of it. It exists so that every learning
service asks through one function; it is not a second set of access rules and only covers
what those services need: a pupil sees themself, a guardian with parental responsibility
their child under 18, a teacher the pupils of groups they teach (membership dates honoured).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from bot.models import Guardianship, Membership, MemberRole, Person


def can_see_pupil(session: Session, asker: Person, pupil: Person, on_day: date) -> bool:
    if not asker.enabled:
        return False
    if asker.id == pupil.id:
        return True
    guardian = session.scalar(
        select(Guardianship.id).where(
            Guardianship.guardian_id == asker.id,
            Guardianship.pupil_id == pupil.id,
            Guardianship.parental_responsibility.is_(True),
        )
    )
    if guardian is not None and not _adult(pupil, on_day):
        return True
    teaching, learning = aliased(Membership), aliased(Membership)
    return bool(
        session.scalar(
            select(
                exists().where(
                    teaching.person_id == asker.id,
                    teaching.role == MemberRole.TEACHER,
                    learning.group_id == teaching.group_id,
                    learning.person_id == pupil.id,
                    learning.role == MemberRole.PUPIL,
                    _active(teaching, on_day),
                    _active(learning, on_day),
                )
            )
        )
    )


def _active(membership, on_day: date):  # noqa: ANN001, ANN202 - SQL expression
    return and_(
        or_(membership.begin_date.is_(None), membership.begin_date <= on_day),
        or_(membership.end_date.is_(None), membership.end_date >= on_day),
    )


def _adult(pupil: Person, on_day: date) -> bool:
    born = pupil.birth_date
    if born is None:
        return False
    return (on_day.year - born.year - ((on_day.month, on_day.day) < (born.month, born.day))) >= 18
