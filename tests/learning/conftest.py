"""A small school on real LK20 aims, built once per test on a fresh database.

The curriculum comes in through `ransel import lk20`'s importer from data/lk20 (Udir, NLOD
2.0; see data/lk20/NOTICE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from sqlalchemy.orm import Session

from bot.config import PROJECT_ROOT
from bot.importers.lk20 import import_lk20
from bot.models import (
    CompetenceAim,
    Group,
    GroupKind,
    Guardianship,
    LearningResource,
    Membership,
    MemberRole,
    Owner,
    Person,
    PersonRole,
    ProfileSetting,
    Role,
    School,
    Source,
)

LK20 = PROJECT_ROOT / "data" / "lk20"  # the curriculum as Udir publishes it (NLOD 2.0, see NOTICE.md)
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def load_lk20(session: Session) -> None:
    """Every subject, grade band 1-10 and aim of the real curriculum, through the importer."""
    import_lk20(session.connection(), LK20)


@dataclass
class World:
    owner: Owner
    school: School
    class4: Group
    class9: Group
    tone: Person  # teaches 4A
    per: Person  # teaches 9A
    jonas: Person  # 4A
    emma: Person  # 4A, needs read-aloud
    sara: Person  # 9A
    mor: Person  # Jonas's mother
    stranger: Person  # a teacher at the school without groups


def person(session: Session, sid: str, given: str, family: str, role: Role, school: School, *, language: str = "nb",
           birth: date | None = None) -> Person:
    p = Person(sourced_id=sid, username=sid.replace("-", "."), given_name=given, family_name=family,
               language=language, birth_date=birth)
    p.roles.append(PersonRole(role=role, school_id=school.id))
    session.add(p)
    session.flush()
    return p


def build_world(session: Session) -> World:
    load_lk20(session)
    owner = Owner(sourced_id="kommune-0301", name="Lilleby kommune", identifier="9999")
    school = School(sourced_id="skole-1", name="Bakketun skole", owner=owner)
    session.add_all([owner, school])
    session.flush()
    class4 = Group(sourced_id="4A", school_id=school.id, name="4A", kind=GroupKind.BASIS, grade=4)
    class9 = Group(sourced_id="9A", school_id=school.id, name="9A", kind=GroupKind.BASIS, grade=9)
    session.add_all([class4, class9])
    session.flush()
    tone = person(session, "laerer-tone", "Tone", "Lie", Role.TEACHER, school, language="nn")
    per = person(session, "laerer-per", "Per", "Dahl", Role.TEACHER, school, language="en")
    stranger = person(session, "laerer-ola", "Ola", "Vik", Role.TEACHER, school)
    jonas = person(session, "elev-jonas", "Jonas", "Berg", Role.PUPIL, school, birth=date(2016, 5, 3))
    emma = person(session, "elev-emma", "Emma", "Hansen", Role.PUPIL, school, birth=date(2016, 8, 9))
    sara = person(session, "elev-sara", "Sara", "Ali", Role.PUPIL, school, birth=date(2011, 2, 1))
    mor = person(session, "foresatt-kari", "Kari", "Berg", Role.GUARDIAN, school)
    session.add_all([
        Membership(group_id=class4.id, person_id=tone.id, role=MemberRole.TEACHER),
        Membership(group_id=class9.id, person_id=per.id, role=MemberRole.TEACHER),
        Membership(group_id=class4.id, person_id=jonas.id, role=MemberRole.PUPIL),
        Membership(group_id=class4.id, person_id=emma.id, role=MemberRole.PUPIL),
        Membership(group_id=class9.id, person_id=sara.id, role=MemberRole.PUPIL),
        Guardianship(guardian_id=mor.id, pupil_id=jonas.id),
        ProfileSetting(pupil_id=emma.id, key="read_aloud", value=True, source=Source.TEACHER, set_at=T0),
    ])
    session.flush()
    return World(owner, school, class4, class9, tone, per, jonas, emma, sara, mor, stranger)


def resource(session: Session, ext: str, aims: list[str], *, level: float, subject: str = "MAT01-05", title: str | None = None,
             adaptations: list[str] | None = None, licence: str = "CC-BY-SA-4.0", cost: float = 0.0,
             publisher: str = "Fjordlæring", methods: list[str] | None = None, didactics: list[str] | None = None,
             languages: list[str] | None = None, requirements: list[str] | None = None,
             suitability: list[str] | None = None, description: str | None = None) -> LearningResource:
    r = LearningResource(external_id=ext, title=title or ext, publisher=publisher, subject_code=subject, level=level,
                         adaptations=adaptations or [], licence=licence, cost_per_use=cost, methods=methods or ["practice"],
                         didactics=didactics or ["individual"], languages=languages or ["nb", "nn"],
                         technical_requirements=requirements or ["pc"], suitability=suitability or [],
                         description=description)
    r.aims = [session.get(CompetenceAim, code) for code in aims]
    session.add(r)
    session.flush()
    return r


@pytest.fixture
def world(session: Session) -> World:
    w = build_world(session)
    session.commit()
    return w
