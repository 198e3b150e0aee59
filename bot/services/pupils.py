"""Facts about one pupil that several services share: their school and groups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import current
from bot.memo import memo
from bot.models import Group, GroupKind, MemberRole, Membership


def school_of(session: Session, pupil_id: int) -> int | None:
    return memo(session, ("school_of", pupil_id), lambda: session.scalar(
        select(Group.school_id)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.person_id == pupil_id, Membership.role == MemberRole.PUPIL)
        .limit(1)
    ))


def group_names(session: Session, group_ids: set[int]) -> dict[int, str]:
    if not group_ids:
        return {}
    return dict(session.execute(select(Group.id, Group.name).where(Group.id.in_(group_ids))).tuples().all())


def basis_group(session: Session, pupil_id: int, on: date) -> Group | None:
    """The pupil's class on ``on`` (a pupil who moved class has the new one from that day)."""

    return session.scalar(
        select(Group)
        .join(Membership, Membership.group_id == Group.id)
        .where(
            Membership.person_id == pupil_id,
            Membership.role == MemberRole.PUPIL,
            Group.kind == GroupKind.BASIS,
            current(on),
        )
        .order_by(Membership.begin_date.desc().nulls_last())
        .limit(1)
    )
