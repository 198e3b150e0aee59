"""What the teacher pages share: the signed-in teacher as a Person, their groups now, and
the formatter for dates and numbers in the viewer's language.

The rules stay in ``bot``: a group is the teacher's when :func:`bot.access.taught_group_ids`
says so today (the groups they teach now, not the ones a contact teacher may look into).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.access import AccessDenied, require_teacher_of
from bot.clock import Clock
from bot.i18n import Formatter
from bot.models import Group, Person
from portal.web import Viewer


def teacher(session: Session, viewer: Viewer) -> Person:
    return session.get_one(Person, viewer.person_id)


def own_group(session: Session, viewer: Viewer, group_id: int, clock: Clock) -> Group:
    """The group, if the viewer teaches it today; :class:`AccessDenied` otherwise."""
    group = require_teacher_of(session, teacher(session, viewer), group_id, clock.today())
    if group is None:  # a group id that does not exist: the same refusal
        raise AccessDenied()
    return group


def formatter(viewer: Viewer) -> Formatter:
    return Formatter(viewer.language)
