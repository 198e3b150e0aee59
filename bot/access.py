"""Every access rule in Ransel, in one place.

Every service call names the asking person; every path (chat, SMS, voice, calendar feed,
admin API) comes through here. The rules:

- a pupil sees only themself;
- a guardian sees the children they have parental responsibility for, and not from the day
  the child turns 18;
- a teacher sees the groups they teach and the pupils in them; of a pupil's groups, a subject
  teacher sees the ones they teach, the contact teacher (kontaktlærer) sees all of them;
- a school admin sees the pupils and groups of their school;
- an owner admin (kommune) sees only aggregated statistics, never a single pupil.

A refusal is always :class:`AccessDenied` with no detail: callers answer the same way
whether the pupil does not exist or is not theirs, so a refusal reveals nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from functools import partial

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, Subquery, and_, or_, select
from sqlalchemy.orm import Session, aliased

from bot.db import IN_CHUNK, chunks
from bot.memo import memo
from bot.models import (
    Broadcast,
    BroadcastScope,
    Group,
    GroupKind,
    Guardianship,
    MemberRole,
    Membership,
    Person,
    PersonRole,
    Role,
    School,
    Source,
)

ADULT_AGE = 18


class AccessDenied(Exception):
    """The asker may not see this. Deliberately carries no detail."""

    def __init__(self) -> None:
        super().__init__("access denied")


def turns_adult_on(birth_date: date) -> date:
    """The day a person turns 18 (born 29 February: 28 February in a common year)."""
    return birth_date + relativedelta(years=ADULT_AGE)


def is_adult(pupil: Person, on: date, session: Session | None = None) -> bool:
    """18 or older on ``on``. Without a birth date the pupil's school policy decides
    (``schools.unknown_birth_date``): "adult" (strict) counts them as adult, so guardians get
    no access; the default "minor" counts a pupil enrolled in grades 1-10 as a minor (the
    import lists every such gap). Never fails open: a pupil enrolled only above grade 10 is
    counted as adult."""
    if pupil.birth_date is not None:
        return on >= turns_adult_on(pupil.birth_date)
    if session is None:
        return True
    return memo(session, ("unknown_age_adult", pupil.id), lambda: unknown_age_is_adult(session, pupil.id))


def unknown_age_is_adult(session: Session, pupil_id: int) -> bool:
    rows = session.execute(
        select(School.unknown_birth_date, Group.grade)
        .join(Group, Group.school_id == School.id)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.person_id == pupil_id, Membership.role == MemberRole.PUPIL)
    ).all()
    if any(policy == "adult" for policy, _ in rows):
        return True
    return bool(rows) and all(grade is not None and grade > 10 for _, grade in rows)


def roles_of(session: Session, person: Person) -> set[Role]:
    """The person's roles, read once per session."""
    return set(memo(session, ("roles", person.id), lambda: frozenset(
        session.scalars(select(PersonRole.role).where(PersonRole.person_id == person.id))
    )))


def admin_school_ids(session: Session, person: Person) -> set[int]:
    rows = session.scalars(
        select(PersonRole.school_id).where(
            PersonRole.person_id == person.id,
            PersonRole.role == Role.SCHOOL_ADMIN,
            PersonRole.school_id.is_not(None),
        )
    )
    return {school_id for school_id in rows if school_id is not None}


def _responsible_children(guardian_ids: Iterable[int]):
    """(guardian id, child) for children under parental responsibility, enabled accounts."""
    return (
        select(Guardianship.guardian_id, Person)
        .join(Person, Person.id == Guardianship.pupil_id)
        .where(
            Guardianship.guardian_id.in_(list(guardian_ids)),
            Guardianship.parental_responsibility.is_(True),
            Person.enabled.is_(True),
        )
        .order_by(Person.given_name, Person.id)
    )


def children_of(session: Session, guardian: Person, on: date) -> list[Person]:
    """Children the guardian has parental responsibility for and who are under 18 on ``on``
    (read once per session: access checks and replies ask it several times a turn)."""
    return list(memo(session, ("children", guardian.id, on), lambda: tuple(
        child for _, child in session.execute(_responsible_children([guardian.id])).all()
        if not is_adult(child, on, session)
    )))


def family_pupil_ids(session: Session, person_ids: Iterable[int], on: date) -> dict[int, set[int]]:
    """For many people at once (reminder batches): the ids of the pupils each one sees as
    themself or as a guardian (:func:`family_of`'s rule; disabled accounts see nobody)."""
    ids = set(person_ids)
    if not ids:
        return {}
    enabled = dict(session.execute(select(Person.id, Person.enabled).where(Person.id.in_(ids))).tuples().all())
    roles: dict[int, set[Role]] = {pid: set() for pid in ids}
    for pid, role in session.execute(select(PersonRole.person_id, PersonRole.role).where(PersonRole.person_id.in_(ids))):
        roles[pid].add(role)
    seen = {pid: ({pid} if Role.PUPIL in roles[pid] else set()) for pid in ids}
    guardians = [pid for pid in ids if Role.GUARDIAN in roles[pid]]
    if guardians:
        for guardian_id, child in session.execute(_responsible_children(guardians)):
            if not is_adult(child, on, session):
                seen[guardian_id].add(child.id)
    return {pid: (pupils if enabled.get(pid) else set()) for pid, pupils in seen.items()}


def current(on: date, membership=Membership):
    """Memberships current on ``on`` (no dates means always): every access path uses only
    these, so a pupil who left a class is no longer visible to its teachers."""
    return and_(or_(membership.begin_date.is_(None), membership.begin_date <= on),
                or_(membership.end_date.is_(None), membership.end_date >= on))


def _group_ids(session: Session, person_id: int, role: MemberRole, on: date | None = None) -> set[int]:
    def read() -> frozenset[int]:
        stmt = select(Membership.group_id).where(Membership.person_id == person_id, Membership.role == role)
        if on is not None:
            stmt = stmt.where(current(on))
        return frozenset(session.scalars(stmt))

    return set(memo(session, ("groups", person_id, role, on), read))


def taught_group_ids(session: Session, teacher: Person, on: date | None = None) -> set[int]:
    return _group_ids(session, teacher.id, MemberRole.TEACHER, on)


def pupil_group_ids(session: Session, pupil_id: int, on: date | None = None) -> set[int]:
    return _group_ids(session, pupil_id, MemberRole.PUPIL, on)


def contact_group_ids(session: Session, teacher: Person, on: date) -> set[int]:
    return set(
        session.scalars(
            select(Membership.group_id).where(
                Membership.person_id == teacher.id,
                Membership.role == MemberRole.TEACHER,
                Membership.is_contact_teacher.is_(True),
                current(on),
            )
        )
    )


def _pupils_in_groups(session: Session, group_ids: Iterable[int], on: date) -> set[int]:
    ids = list(group_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Membership.person_id).where(
                Membership.group_id.in_(ids), Membership.role == MemberRole.PUPIL, current(on)
            )
        )
    )


def family_of(session: Session, person: Person, on: date) -> list[Person]:
    """The pupils a person sees as family: themself if a pupil, then the children they have
    parental responsibility for (whom they may ask about, write to a teacher about, follow in
    a calendar feed)."""
    roles = roles_of(session, person)
    pupils = [person] if Role.PUPIL in roles else []
    if Role.GUARDIAN in roles:
        pupils += children_of(session, person, on)
    return pupils


def _family_pupil_ids(session: Session, asker: Person, roles: set[Role], on: date) -> set[int]:
    """:func:`family_of` as ids, from what this session already knows (the roles, the
    children): three statements fewer per turn."""
    seen = {asker.id} if Role.PUPIL in roles else set()
    if Role.GUARDIAN in roles:
        seen.update(child.id for child in children_of(session, asker, on))
    return seen


def require_family_pupil(session: Session, asker: Person, pupil_id: int, on: date) -> Person:
    """The pupil, if the asker is that pupil or a guardian with parental responsibility for
    them while they are under 18 (:func:`family_of`); :class:`AccessDenied` otherwise. The
    family page, consents, the data export and a request for deletion go through this: a
    teacher who may see a pupil is not their family."""
    if not asker.enabled or pupil_id not in _family_pupil_ids(session, asker, roles_of(session, asker), on):
        raise AccessDenied()
    return session.get_one(Person, pupil_id)


# From this age a pupil gives or withdraws a consent about themself (as in the Norwegian
# practice for pupils' own choices at school from 15); guardians give it for younger ones.
OWN_CONSENT_AGE = 15


def may_consent_for(session: Session, asker: Person, pupil_id: int, on: date) -> bool:
    """A guardian with parental responsibility for the (minor) pupil; the pupil themself
    from :data:`OWN_CONSENT_AGE`."""
    pupil = require_family_pupil(session, asker, pupil_id, on)
    if asker.id != pupil.id:
        return True
    return pupil.birth_date is not None and on >= pupil.birth_date + relativedelta(years=OWN_CONSENT_AGE)


def visible_pupil_ids(session: Session, asker: Person, on: date) -> set[int]:
    if not asker.enabled:
        return set()
    return set(memo(session, ("visible", asker.id, on), lambda: frozenset(_visible_pupil_ids(session, asker, on))))


def _visible_pupil_ids(session: Session, asker: Person, on: date) -> set[int]:
    roles = roles_of(session, asker)
    visible = _family_pupil_ids(session, asker, roles, on)
    if Role.TEACHER in roles:
        visible.update(_pupils_in_groups(session, taught_group_ids(session, asker, on), on))
    if Role.SCHOOL_ADMIN in roles:
        schools = admin_school_ids(session, asker)
        if schools:
            groups = session.scalars(select(Group.id).where(Group.school_id.in_(schools)))
            visible.update(_pupils_in_groups(session, groups, on))
    return visible


def visible_pupils(session: Session, asker: Person, on: date) -> list[Person]:
    ids = visible_pupil_ids(session, asker, on)
    if not ids:
        return []
    return list(
        session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.given_name, Person.id))
    )


def can_see_pupil(session: Session, asker: Person, pupil_id: int, on: date) -> bool:
    return pupil_id in visible_pupil_ids(session, asker, on)


def require_pupil(session: Session, asker: Person, pupil_id: int, on: date) -> Person:
    """The pupil, if the asker may see them; :class:`AccessDenied` otherwise."""
    if not can_see_pupil(session, asker, pupil_id, on):
        raise AccessDenied()
    pupil = session.get(Person, pupil_id)
    if pupil is None:  # pragma: no cover - visible ids come from existing rows
        raise AccessDenied()
    return pupil


def acting_as(session: Session, asker: Person, pupil_id: int, on: date) -> Source:
    """In which capacity the asker acts on a pupil they may see (their profile, their status):
    the pupil themself, as staff (a teacher of one of the pupil's groups or an admin of the
    school, also when they are a guardian of the pupil too) or as a guardian with parental
    responsibility. :class:`AccessDenied` for anyone else."""
    require_pupil(session, asker, pupil_id, on)
    if asker.id == pupil_id:
        return Source.SELF
    roles = roles_of(session, asker)
    if (Role.TEACHER in roles or Role.SCHOOL_ADMIN in roles) and _visible_groups_of_pupil(
            session, asker, pupil_id, on, as_staff=True):
        return Source.TEACHER
    if pupil_id in _family_pupil_ids(session, asker, roles, on):
        return Source.GUARDIAN
    raise AccessDenied()


def visible_groups_of_pupil(session: Session, asker: Person, pupil_id: int, on: date) -> set[int]:
    """Which of a (visible) pupil's groups the asker may see data from."""
    require_pupil(session, asker, pupil_id, on)
    return set(memo(session, ("visible_groups", asker.id, pupil_id, on),
                    lambda: frozenset(_visible_groups_of_pupil(session, asker, pupil_id, on))))


def _visible_groups_of_pupil(session: Session, asker: Person, pupil_id: int, on: date, *,
                             as_staff: bool = False) -> set[int]:
    """``as_staff``: only what the asker sees as a teacher or school admin."""
    groups = pupil_group_ids(session, pupil_id, on)
    roles = roles_of(session, asker)
    if not as_staff and pupil_id in _family_pupil_ids(session, asker, roles, on):
        return groups
    if Role.SCHOOL_ADMIN in roles:
        schools = admin_school_ids(session, asker)
        in_school = set(
            session.scalars(select(Group.id).where(Group.id.in_(groups), Group.school_id.in_(schools)))
        )
        if in_school:
            return groups
    if Role.TEACHER in roles:
        basis = set(
            session.scalars(select(Group.id).where(Group.id.in_(groups), Group.kind == GroupKind.BASIS))
        )
        if basis & contact_group_ids(session, asker, on):
            return groups
        return groups & taught_group_ids(session, asker, on)
    return set()


def can_see_group(session: Session, asker: Person, group_id: int, on: date) -> bool:
    if not asker.enabled:
        return False
    roles = roles_of(session, asker)
    if Role.TEACHER in roles and group_id in taught_group_ids(session, asker, on):
        return True
    if Role.SCHOOL_ADMIN in roles:
        group = session.get(Group, group_id)
        if group is not None and group.school_id in admin_school_ids(session, asker):
            return True
    return any(
        group_id in pupil_group_ids(session, pupil_id, on)
        for pupil_id in _family_pupil_ids(session, asker, roles, on)
    )


def staff_group_ids(session: Session, asker: Person, on: date) -> set[int]:
    """Groups a teacher or school admin may ask about as staff: the groups they teach, every
    group of the pupils of a class they are contact teacher of, and a school admin's school's
    groups. Guardians and pupils have none."""
    if not asker.enabled:
        return set()
    roles = roles_of(session, asker)
    ids: set[int] = set()
    if Role.TEACHER in roles:
        ids |= taught_group_ids(session, asker, on)
        contact = contact_group_ids(session, asker, on)
        if contact:
            pupils = _pupils_in_groups(session, contact, on)
            if pupils:
                ids |= set(session.scalars(select(Membership.group_id).where(
                    Membership.person_id.in_(pupils), Membership.role == MemberRole.PUPIL, current(on))))
    if Role.SCHOOL_ADMIN in roles:
        schools = admin_school_ids(session, asker)
        if schools:
            ids |= set(session.scalars(select(Group.id).where(Group.school_id.in_(schools))))
    return ids


def require_teacher_of(session: Session, asker: Person, group_id: int, on: date) -> Group:
    """For teacher-only views (who is missing a result): the asker must teach the group."""
    if group_id not in taught_group_ids(session, asker, on):
        raise AccessDenied()
    return session.get(Group, group_id)  # type: ignore[return-value]


def staff_schools(session: Session, person: Person) -> list[int]:
    """The schools a person is a teacher or school admin at, in the order stored."""
    return [r.school_id for r in _school_roles(session, person.id)
            if r.school_id is not None and r.role in (Role.TEACHER, Role.SCHOOL_ADMIN)]


def may_broadcast(session: Session, author: Person, school_id: int, scope: BroadcastScope, group_id: int | None,
                  urgent: bool = False) -> bool:
    """A school admin may reach anyone at the school, urgently too; a teacher their own groups
    (on time, not urgent), and a grade, the whole school or urgently only where the school
    allows teachers that (``teachers_broadcast_widely``)."""
    roles = _school_roles(session, author.id)
    if any(r.role is Role.SCHOOL_ADMIN and r.school_id == school_id for r in roles):
        return True
    if not any(r.role is Role.TEACHER and r.school_id in (school_id, None) for r in roles):
        return False
    if scope is not BroadcastScope.GROUP or urgent:
        school = session.get(School, school_id)
        if school is None or not school.teachers_broadcast_widely:
            return False
    if scope is BroadcastScope.GROUP:
        return session.scalar(
            select(Membership.id).where(
                Membership.group_id == group_id, Membership.person_id == author.id, Membership.role == MemberRole.TEACHER
            )
        ) is not None
    return any(r.role is Role.TEACHER and r.school_id == school_id for r in roles)


def may_follow_broadcast(session: Session, reader: Person, broadcast: Broadcast) -> bool:
    """Who may follow a broadcast's delivery and cancel what has not gone out: its author,
    and a school admin of its school (who sees totals, not names: see the summary)."""
    return reader.enabled and (broadcast.author_id == reader.id
                               or broadcast.school_id in admin_school_ids(session, reader))


def _school_roles(session: Session, person_id: int) -> list[PersonRole]:
    return list(session.scalars(select(PersonRole).where(PersonRole.person_id == person_id)))


# --- who is in a group (memberships current on a day), for services that list or count them


def members(group_ids: int | Iterable[int], role: MemberRole, on: date) -> Select[tuple[Person]]:
    """The people of ``role`` in the groups on ``on``: a query the caller orders (and makes
    distinct when it asks about several groups)."""
    ids = [group_ids] if isinstance(group_ids, int) else list(group_ids)
    return (select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id.in_(ids), Membership.role == role, current(on)))


def contact_teachers_of(group_id: int, on: date) -> Select[tuple[Person]]:
    """The group's contact teachers (kontaktlærer) on ``on``: a query the caller orders."""
    return members(group_id, MemberRole.TEACHER, on).where(Membership.is_contact_teacher.is_(True))


def pupil_ids_in(session: Session, group_id: int, on: date) -> list[int]:
    """The ids of the group's pupils on ``on``, in id order, each once."""
    return list(session.scalars(
        select(Membership.person_id).where(Membership.group_id == group_id, Membership.role == MemberRole.PUPIL,
                                           current(on)).distinct().order_by(Membership.person_id)))


def groups_of_pupil(session: Session, pupil_id: int) -> list[Group]:
    """Every group the pupil is (or was) a pupil of, whatever the dates, in membership order."""
    return list(session.scalars(
        select(Group).join(Membership, Membership.group_id == Group.id)
        .where(Membership.person_id == pupil_id, Membership.role == MemberRole.PUPIL)
        .order_by(Membership.id)))


def school_of(session: Session, pupil_id: int) -> int | None:
    """The pupil's school (the school of a group they are a pupil of), read once per session."""
    return memo(session, ("school_of", pupil_id), lambda: session.scalar(
        select(Group.school_id)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.person_id == pupil_id, Membership.role == MemberRole.PUPIL)
        .limit(1)
    ))


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


def pupils_of_school(school_id: int) -> Select[tuple[int]]:
    """The ids of everyone who is a pupil of a group of the school (a subquery)."""
    return (select(Membership.person_id).join(Group, Group.id == Membership.group_id)
            .where(Group.school_id == school_id, Membership.role == MemberRole.PUPIL))


# --- for many pupils at once (a night's reminders, a broadcast's audience)


def pupil_groups(session: Session, group_ids: Iterable[int], day: date) -> dict[int, set[int]]:
    """pupil id → the groups (among ``group_ids``) they are a pupil of on ``day`` (enabled
    accounts only)."""
    out: dict[int, set[int]] = defaultdict(set)
    for chunk in chunks(list(group_ids), IN_CHUNK):
        rows = session.execute(
            select(Membership.person_id, Membership.group_id)
            .join(Person, Person.id == Membership.person_id)
            .where(
                Membership.group_id.in_(chunk),
                Membership.role == MemberRole.PUPIL,
                Person.enabled.is_(True),
                current(day),
            )
        )
        for pupil_id, group_id in rows:
            out[pupil_id].add(group_id)
    return out


def guardians_of(session: Session, pupil_ids: Iterable[int], day: date) -> dict[int, list[int]]:
    """pupil id → guardians with parental responsibility, while the pupil is under 18 (the rule
    of :func:`children_of`, for many pupils at once)."""
    out: dict[int, list[int]] = defaultdict(list)
    for chunk in chunks(list(pupil_ids), IN_CHUNK):
        rows = session.execute(
            select(Guardianship.pupil_id, Guardianship.guardian_id, Person.birth_date)
            .join(Person, Person.id == Guardianship.pupil_id)
            .where(Guardianship.pupil_id.in_(chunk), Guardianship.parental_responsibility.is_(True))
            .order_by(Guardianship.pupil_id, Guardianship.guardian_id)
        )
        for pupil_id, guardian_id, birth_date in rows:
            if birth_date is not None:
                minor = day < turns_adult_on(birth_date)
            else:  # the school's policy for an unknown birth date
                minor = not memo(session, ("unknown_age_adult", pupil_id),
                                 partial(unknown_age_is_adult, session, pupil_id))
            if minor:
                out[pupil_id].append(guardian_id)
    return out


def subject_teachers(session: Session, pupil_id: int, on: date,
                      subject_code: str | None = None) -> list[tuple[str, Person]]:
    """(subject code, teacher) of the pupil's teaching groups on ``on``, by subject and then
    teacher, each pair once; only ``subject_code``'s when given."""
    pupil_of = aliased(Membership)
    query = (
        select(Group.subject_code, Person)
        .join(Membership, Membership.group_id == Group.id)
        .join(Person, Person.id == Membership.person_id)
        .join(pupil_of, pupil_of.group_id == Group.id)
        .where(
            pupil_of.person_id == pupil_id, pupil_of.role == MemberRole.PUPIL, current(on, pupil_of),
            Membership.role == MemberRole.TEACHER, current(on), Person.enabled.is_(True),
            Group.kind == GroupKind.TEACHING, Group.subject_code.is_not(None),
        )
        .order_by(Group.subject_code, Person.id)
    )
    if subject_code:
        query = query.where(Group.subject_code == subject_code)
    return list(dict.fromkeys((code, teacher) for code, teacher in session.execute(query).tuples() if code is not None))


def groups_of_pupils(session: Session, pupil_ids: Iterable[int], on: date) -> list[tuple[int, int, int]]:
    """(pupil id, group id, school id) for every group the pupils are pupils of on ``on``."""
    return list(session.execute(
        select(Membership.person_id, Membership.group_id, Group.school_id)
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.person_id.in_(list(pupil_ids) or [-1]), Membership.role == MemberRole.PUPIL, current(on))
    ).tuples())


def basis_pupils(school_ids: Iterable[int]) -> Subquery:
    """(pupil_id, school_id, grade, group_id, group_name) of every pupil in a class (basis
    group) of these schools: the rows the school owner's statistics count (aggregated; small
    groups are hidden there)."""
    return (
        select(Membership.person_id.label("pupil_id"), Group.school_id, Group.grade,
               Group.id.label("group_id"), Group.name.label("group_name"))
        .join(Group, Group.id == Membership.group_id)
        .where(Group.school_id.in_(list(school_ids)), Group.kind == GroupKind.BASIS,
               Membership.role == MemberRole.PUPIL)
        .subquery()
    )


def group_pupils() -> Subquery:
    """(group_id, pupil_id) of every pupil membership, for statistics over assignments."""
    return select(Membership.group_id, Membership.person_id.label("pupil_id")).where(
        Membership.role == MemberRole.PUPIL).subquery()


def schools_of_people(session: Session, person_ids: Iterable[int]) -> dict[int, set[int]]:
    """person id -> every school they belong to: as a pupil (any membership), as staff (a
    role at a school), as a guardian (their children's schools, whatever the responsibility
    or age). For rules that follow the school, such as how long conversations are kept."""
    ids = list(set(person_ids))
    out: dict[int, set[int]] = {pid: set() for pid in ids}
    for chunk in chunks(ids, IN_CHUNK):
        for pid, school_id in session.execute(
                select(Membership.person_id, Group.school_id).join(Group, Group.id == Membership.group_id)
                .where(Membership.person_id.in_(chunk)).distinct()):
            out[pid].add(school_id)
        for pid, school_id in session.execute(
                select(PersonRole.person_id, PersonRole.school_id)
                .where(PersonRole.person_id.in_(chunk), PersonRole.school_id.is_not(None)).distinct()):
            out[pid].add(school_id)
        child = aliased(Membership)
        for pid, school_id in session.execute(
                select(Guardianship.guardian_id, Group.school_id)
                .join(child, child.person_id == Guardianship.pupil_id)
                .join(Group, Group.id == child.group_id)
                .where(Guardianship.guardian_id.in_(chunk), child.role == MemberRole.PUPIL).distinct()):
            out[pid].add(school_id)
    return out


def any_guardian_ids(session: Session, pupil_id: int) -> set[int]:
    """Everyone recorded as the pupil's guardian, with parental responsibility or not: only to
    say what a person is to the pupil (the data export), never to grant access."""
    return set(session.scalars(select(Guardianship.guardian_id).where(Guardianship.pupil_id == pupil_id)))


def families_of_school(session: Session, school_id: int, on: date) -> list[tuple[Person, Role]]:
    """The school's pupils (enabled, in a group of the school on ``on``) and the guardians who
    have parental responsibility for them, each once: whom the school admin may give a link code."""
    pupil_ids = set(session.scalars(pupils_of_school(school_id).where(current(on))))
    pupils = list(session.scalars(select(Person).where(Person.id.in_(pupil_ids or {-1}), Person.enabled.is_(True))))
    guardian_ids = {g for ids in guardians_of(session, [p.id for p in pupils], on).values() for g in ids}
    guardians = list(session.scalars(select(Person).where(Person.id.in_(guardian_ids or {-1}),
                                                          Person.enabled.is_(True))))
    return [(p, Role.GUARDIAN) for p in guardians] + [(p, Role.PUPIL) for p in pupils]
