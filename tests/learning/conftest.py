"""A small school on real LK20 aims, built once per test on a fresh database.

The LK20 importer lands separately, so aims are read straight from the shared curriculum
JSON (Udir, NLOD 2.0; see ../shared/data/lk20/NOTICE.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.models import (
    CompetenceAim,
    GradeBand,
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
    Subject,
)

LK20 = Path(__file__).resolve().parents[3] / "shared" / "data" / "lk20"
if not LK20.is_dir():  # a clone beside shared/ (CI) or a worktree under /work
    LK20 = Path("/work/shared/data/lk20")
SUBJECT_FILES = {"MAT01-05": "mathematics", "NOR01-07": "norwegian", "ENG01-05": "english", "NAT01-04": "science"}
SUBJECT_NAMES = {
    "MAT01-05": ("matematikk", "matematikk", "mathematics"),
    "NOR01-07": ("norsk", "norsk", "Norwegian"),
    "ENG01-05": ("engelsk", "engelsk", "English"),
    "NAT01-04": ("naturfag", "naturfag", "science"),
}
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def load_lk20(session: Session, codes: tuple[str, ...] = tuple(SUBJECT_FILES)) -> None:
    """Subjects, grade bands 1-10 and their aims from the real curriculum files."""
    for code in codes:
        data = json.loads((LK20 / f"{SUBJECT_FILES[code]}.json").read_text(encoding="utf-8"))["subject"]
        nb, nn, en = SUBJECT_NAMES[code]
        session.add(Subject(code=code, name_nb=nb, name_nn=nn, name_en=en,
                            curriculum_title_nb=data["name"]["local"], curriculum_title_en=data["name"]["en"]))
        session.flush()
        for band in data["gradeBands"]:
            grade = band["afterGrade"]
            if grade > 10:
                continue
            gb = GradeBand(subject_code=code, after_grade=grade, label_nb=band["label"]["local"], label_en=band["label"]["en"])
            session.add(gb)
            session.flush()
            for goal in band["competenceGoals"]:
                session.add(CompetenceAim(code=goal["code"], subject_code=code, grade_band_id=gb.id, after_grade=grade,
                                          text_nb=goal["text"]["local"], text_en=goal["text"].get("en") or goal["text"]["local"],
                                          core_elements=goal.get("coreElements", [])))
    session.flush()


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
