"""A small, realistic school built straight into the stores for service and access tests.

Solbakken skole (Fjellby kommune): class 4A and class 9B with subject groups, pupils,
guardians (one with two children, one relative without parental responsibility), subject
and contact teachers, a school admin, a second school nobody here may see into, lessons,
gear rules, a skating day, breaks and assignments around Tuesday 2026-12-01.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.models import (
    Assignment,
    AssignmentKind,
    CalendarEvent,
    CompetenceAim,
    EventKind,
    GearRule,
    GradeBand,
    Group,
    GroupKind,
    Guardianship,
    Lesson,
    MemberRole,
    Membership,
    Owner,
    Person,
    PersonRole,
    Result,
    Role,
    School,
    SchoolBreak,
    ScoreStatus,
    Subject,
)

OSLO = ZoneInfo("Europe/Oslo")
SUBJECTS = {
    "MAT01-05": ("matematikk", "matematikk", "maths"),
    "NOR01-07": ("norsk", "norsk", "Norwegian"),
    "ENG01-05": ("engelsk", "engelsk", "English"),
    "KRO01-05": ("kroppsøving", "kroppsøving", "PE"),
}


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=OSLO)


@dataclass
class TestSchool:
    session: Session
    people: dict[str, Person] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    assignments: dict[str, Assignment] = field(default_factory=dict)
    school: School | None = None
    other_school: School | None = None

    def __getattr__(self, name: str) -> Person:
        try:
            return self.__dict__["people"][name]
        except KeyError:
            raise AttributeError(name) from None

    # --- building blocks -------------------------------------------------------------
    def person(self, key: str, given: str, family: str, *roles: Role, school: School | None = None,
               birth: date | None = None, language: str = "nb") -> Person:
        p = Person(sourced_id=f"u-{key}", username=key.replace("_", "."), given_name=given,
                   family_name=family, birth_date=birth, language=language,
                   email=f"{key.replace('_', '.')}@fjellby.kommune.no")
        p.roles = [PersonRole(role=r, school_id=(school or self.school).id) for r in roles]
        self.session.add(p)
        self.session.flush()
        self.people[key] = p
        return p

    def group(self, key: str, name: str, kind: GroupKind, grade: int, subject: str | None = None,
              school: School | None = None) -> Group:
        g = Group(sourced_id=f"g-{key}", school_id=(school or self.school).id, name=name, kind=kind,
                  grade=grade, subject_code=subject)
        self.session.add(g)
        self.session.flush()
        self.groups[key] = g
        return g

    def member(self, person: Person, *group_keys: str, role: MemberRole = MemberRole.PUPIL,
               contact: bool = False) -> None:
        for key in group_keys:
            self.session.add(Membership(group_id=self.groups[key].id, person_id=person.id, role=role,
                                        is_contact_teacher=contact))

    def guardian_of(self, guardian: Person, child: Person, responsibility: bool = True,
                    relation: str = "parent") -> None:
        self.session.add(Guardianship(guardian_id=guardian.id, pupil_id=child.id, relation=relation,
                                      parental_responsibility=responsibility))

    def assignment(self, key: str, group_key: str, kind: AssignmentKind, title: str, due: datetime,
                   subject: str | None = None, description: str | None = None,
                   aims: list[str] | None = None, max_score: float | None = None) -> Assignment:
        group = self.groups[group_key]
        a = Assignment(sourced_id=f"a-{key}", group_id=group.id, kind=kind, title=title, due_at=due,
                       subject_code=subject or group.subject_code, description=description,
                       max_score=max_score)
        if aims:
            a.aims = [self.session.get(CompetenceAim, code) for code in aims]
        self.session.add(a)
        self.session.flush()
        self.assignments[key] = a
        return a

    def result(self, assignment_key: str, pupil: Person, score: float | None,
               status: ScoreStatus = ScoreStatus.FULLY_GRADED) -> None:
        self.session.add(Result(assignment_id=self.assignments[assignment_key].id, pupil_id=pupil.id,
                                score=score, status=status))


def build_school(session: Session) -> TestSchool:
    s = TestSchool(session)
    for code, (nb, nn, en) in SUBJECTS.items():
        session.add(Subject(code=code, name_nb=nb, name_nn=nn, name_en=en,
                            curriculum_title_nb=f"Læreplan i {nb}", curriculum_title_en=f"Curriculum for {en}"))
    session.flush()
    band = GradeBand(subject_code="MAT01-05", after_grade=9, label_nb="9. trinn", label_en="year 9")
    session.add(band)
    session.flush()
    session.add(CompetenceAim(code="KM282", subject_code="MAT01-05", grade_band_id=band.id, after_grade=9,
                              text_nb="utforske brøk, desimaltall og prosent", text_en="explore fractions",
                              core_elements=[]))
    owner = Owner(sourced_id="o-fjellby", name="Fjellby kommune")
    session.add(owner)
    session.flush()
    s.school = School(sourced_id="s-solbakken", owner_id=owner.id, name="Solbakken skole")
    s.other_school = School(sourced_id="s-nordby", owner_id=owner.id, name="Nordby skole")
    session.add_all([s.school, s.other_school])
    session.flush()

    s.group("4a", "4A", GroupKind.BASIS, 4)
    s.group("4a_mat", "4A matematikk", GroupKind.TEACHING, 4, "MAT01-05")
    s.group("4a_kro", "4A kroppsøving", GroupKind.TEACHING, 4, "KRO01-05")
    s.group("9b", "9B", GroupKind.BASIS, 9)
    s.group("9b_mat", "9B matematikk", GroupKind.TEACHING, 9, "MAT01-05")
    s.group("9b_eng", "9B engelsk", GroupKind.TEACHING, 9, "ENG01-05")
    s.group("nordby_5", "5N", GroupKind.BASIS, 5, school=s.other_school)

    emma = s.person("emma", "Emma", "Hansen", Role.PUPIL, birth=date(2016, 5, 3))
    jonas = s.person("jonas", "Jonas", "Hansen", Role.PUPIL, birth=date(2011, 8, 20))
    nora = s.person("nora", "Nora", "Lie", Role.PUPIL, birth=date(2016, 2, 11), language="nn")
    olivia = s.person("olivia", "Olivia", "Smith", Role.PUPIL, birth=date(2011, 3, 9), language="en")
    # An older pupil in 9B who turns 18 on Tuesday 2026-12-01 (the test clock's day).
    mats = s.person("mats", "Mats", "Dahl", Role.PUPIL, birth=date(2008, 12, 1))
    ida = s.person("ida", "Ida", "Nordby", Role.PUPIL, school=s.other_school, birth=date(2015, 1, 1))
    s.member(emma, "4a", "4a_mat", "4a_kro")
    s.member(nora, "4a", "4a_mat", "4a_kro")
    s.member(jonas, "9b", "9b_mat", "9b_eng")
    s.member(olivia, "9b", "9b_mat", "9b_eng")
    s.member(mats, "9b", "9b_mat", "9b_eng")
    s.member(ida, "nordby_5")

    kari = s.person("kari", "Kari", "Hansen", Role.GUARDIAN)
    per = s.person("per", "Per", "Lie", Role.GUARDIAN, language="nn")
    james = s.person("james", "James", "Smith", Role.GUARDIAN, language="en")
    bestemor = s.person("bestemor", "Randi", "Hansen", Role.GUARDIAN)
    dahl = s.person("dahl", "Eva", "Dahl", Role.GUARDIAN)
    s.guardian_of(kari, emma)
    s.guardian_of(kari, jonas)
    s.guardian_of(per, nora)
    s.guardian_of(james, olivia)
    s.guardian_of(bestemor, emma, responsibility=False, relation="relative")
    s.guardian_of(dahl, mats)

    liv = s.person("liv", "Liv", "Andersen", Role.TEACHER)
    tor = s.person("tor", "Tor", "Haugen", Role.TEACHER)
    gunnar = s.person("gunnar", "Gunnar", "Vik", Role.TEACHER, language="nn")
    sarah = s.person("sarah", "Sarah", "Jones", Role.TEACHER, language="en")
    s.member(liv, "4a", role=MemberRole.TEACHER, contact=True)
    s.member(liv, "4a_mat", role=MemberRole.TEACHER)
    s.member(tor, "9b", role=MemberRole.TEACHER, contact=True)
    s.member(tor, "9b_mat", role=MemberRole.TEACHER)
    s.member(gunnar, "4a_kro", role=MemberRole.TEACHER)
    s.member(sarah, "9b_eng", role=MemberRole.TEACHER)
    s.person("rektor", "Berit", "Solheim", Role.SCHOOL_ADMIN)
    kommune = s.person("kommune", "Ola", "Kommune", Role.OWNER_ADMIN)
    kommune.roles[0].school_id, kommune.roles[0].owner_id = None, owner.id

    school_id = s.school.id
    session.add_all([
        Lesson(group_id=s.groups["4a_mat"].id, weekday=1, starts=time(8, 30), ends=time(9, 15), subject_code="MAT01-05", room="4A"),
        Lesson(group_id=s.groups["4a"].id, weekday=1, starts=time(11, 0), ends=time(11, 30), slot_key="lunch"),
        Lesson(group_id=s.groups["4a_kro"].id, weekday=1, starts=time(11, 30), ends=time(12, 30), subject_code="KRO01-05", place="gymsal"),
        Lesson(group_id=s.groups["4a_kro"].id, weekday=3, starts=time(9, 30), ends=time(10, 30), subject_code="KRO01-05", place="gymsal"),
        Lesson(group_id=s.groups["4a_mat"].id, weekday=3, starts=time(8, 30), ends=time(9, 15), subject_code="MAT01-05"),
        Lesson(group_id=s.groups["9b_mat"].id, weekday=1, starts=time(8, 15), ends=time(9, 45), subject_code="MAT01-05"),
        Lesson(group_id=s.groups["9b_eng"].id, weekday=3, starts=time(10, 0), ends=time(11, 0), subject_code="ENG01-05"),
        GearRule(school_id=school_id, place="gymsal", item_key="gym_clothes"),
        GearRule(school_id=school_id, place="skoytebane", item_key="skates"),
        GearRule(school_id=school_id, place="skoytebane", item_key="helmet"),
        CalendarEvent(school_id=school_id, group_id=s.groups["4a"].id, kind=EventKind.SKATING_DAY,
                      title_nb="Skøytedag", title_nn="Skeisedag", title_en="Skating day",
                      starts_at=local(date(2026, 12, 4), 9), ends_at=local(date(2026, 12, 4), 13),
                      place="skoytebane", bring=["skates", "helmet", "packed_lunch"]),
        CalendarEvent(school_id=school_id, group_id=None, kind=EventKind.PLANNING_DAY,
                      title_nb="Planleggingsdag", title_nn="Planleggingsdag", title_en="Staff planning day",
                      starts_at=local(date(2027, 1, 4), 0), ends_at=local(date(2027, 1, 5), 0), no_teaching=True),
        SchoolBreak(school_id=school_id, name_key="christmas", first_day=date(2026, 12, 21), last_day=date(2027, 1, 1)),
    ])

    s.assignment("brok", "9b_mat", AssignmentKind.TEST, "Prøve i brøk og prosent",
                 local(date(2026, 11, 24), 8, 15), aims=["KM282"], max_score=40)
    s.result("brok", jonas, 31)
    s.result("brok", olivia, 36)  # mats has no result
    s.assignment("mat_lekse", "4a_mat", AssignmentKind.HOMEWORK, "Gangetabellen: 6-gangen",
                 local(date(2026, 12, 2), 8, 30), description="Øv på 6-gangen, side 42")
    s.assignment("gange", "4a_mat", AssignmentKind.TEST, "Gangeprøve", local(date(2026, 12, 10), 8, 30))
    s.assignment("eng_glose", "9b_eng", AssignmentKind.TEST, "Vocabulary test: Christmas",
                 local(date(2026, 12, 3), 10, 0))
    s.assignment("eng_lekse", "9b_eng", AssignmentKind.HOMEWORK, "Read chapter 4",
                 local(date(2026, 12, 3), 10, 0))
    s.assignment("tur", "4a", AssignmentKind.BRING, "Matpakke og drikkeflaske til turen",
                 local(date(2026, 12, 3), 8, 30), subject=None)
    s.assignment("old_mat", "4a_mat", AssignmentKind.HOMEWORK, "Tiervenner", local(date(2026, 11, 18), 8, 30), max_score=10)
    s.result("old_mat", emma, 9)
    s.result("old_mat", nora, None, ScoreStatus.NOT_SUBMITTED)
    session.commit()
    return s
