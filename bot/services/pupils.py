"""Facts about pupils that several services share: their school, their class, group names.

Which groups a pupil is in is an access fact, so the first two are :mod:`bot.access`'s; they
are named here too because the services have always found them here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import basis_group, school_of
from bot.models import Group

__all__ = ["basis_group", "group_names", "school_of"]


def group_names(session: Session, group_ids: set[int]) -> dict[int, str]:
    if not group_ids:
        return {}
    return dict(session.execute(select(Group.id, Group.name).where(Group.id.in_(group_ids))).tuples().all())
