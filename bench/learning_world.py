"""A synthetic municipality for the learning benchmarks, written straight into the stores.

Real LK20 aims (maths, Norwegian, English, science; Udir, NLOD 2.0 — see
data/lk20/NOTICE.md), synthetic pupils in classes of 25 across grades 1-10, a
synthetic catalogue and, optionally, a history of activity per pupil (computed mastery rows,
activity rows and resource outcome counters), bulk-inserted so that 10,000 pupils take
seconds, not the hours the per-statement path would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.importers.lk20 import import_lk20
from bot.models import (
    Activity,
    AimStatus,
    CompetenceAim,
    Dimension,
    Group,
    GroupKind,
    LearningResource,
    Membership,
    MemberRole,
    Owner,
    Person,
    PersonRole,
    ResourceOutcome,
    Role,
    School,
    Source,
    resource_aims,
)

ROOT = Path(__file__).resolve().parents[1]
SUBJECTS = {
    "MAT01-05": ("mathematics", "matematikk", "mathematics"),
    "NOR01-07": ("norwegian", "norsk", "Norwegian"),
    "ENG01-05": ("english", "engelsk", "English"),
    "NAT01-04": ("science", "naturfag", "science"),
}
ADAPTATIONS = ["audio", "captions", "easy_read"]
LICENCES = ["CC-BY-SA-4.0"] * 5 + ["municipal-licence"] * 3 + ["pay-per-use"] * 2
PUBLISHERS = ["Fjordlæring", "Tallriket", "Lærelyst AS", "Kvist Digital", "Nordlys Forlag", "Ordriket forlag"]
START = datetime(2026, 8, 17, 8, 0, tzinfo=timezone.utc)


@dataclass
class World:
    owner_id: int
    school_id: int
    teacher_ids: dict[int, int]  # group id -> teacher id
    pupil_ids: list[int]
    pupil_grade: dict[int, int]
    aims_by_subject_grade: dict[tuple[str, int], list[str]]
    aim_grade: dict[str, int]
    resource_ids: list[int] = field(default_factory=list)


def load_lk20(session: Session) -> tuple[dict[tuple[str, int], list[str]], dict[str, int]]:
    """The whole curriculum through the LK20 importer; the aims of the benchmark's subjects by
    (subject, band) and each aim's grade."""
    import_lk20(session.connection(), ROOT / "data" / "lk20")
    by_band: dict[tuple[str, int], list[str]] = {}
    grades: dict[str, int] = {}
    rows = session.execute(
        select(CompetenceAim.subject_code, CompetenceAim.after_grade, CompetenceAim.code)
        .where(CompetenceAim.subject_code.in_(list(SUBJECTS)))
        .order_by(CompetenceAim.code)
    )
    for subject, grade, code in rows:
        by_band.setdefault((subject, grade), []).append(code)
        grades[code] = grade
    return by_band, grades


def band_for(grades_of_subject: list[int], grade: int) -> int:
    return min((g for g in grades_of_subject if g >= grade), default=max(grades_of_subject))


def build(session: Session, *, pupils: int, resources: int, rng: random.Random) -> World:
    by_band, aim_grade = load_lk20(session)
    owner = Owner(sourced_id="bench-kommune", name="Benchby kommune")
    session.add(owner)
    session.flush()
    school = School(sourced_id="bench-skole", name="Benchby skole", owner_id=owner.id)
    session.add(school)
    session.flush()
    n_classes = max(1, pupils // 25)
    groups = []
    for i in range(n_classes):
        grade = 1 + i % 10
        groups.append({"sourced_id": f"g{i}", "school_id": school.id, "name": f"{grade}{chr(65 + i // 10 % 26)}{i}",
                       "kind": GroupKind.BASIS, "grade": grade})
    session.execute(insert(Group), groups)
    group_rows = session.execute(Group.__table__.select().where(Group.school_id == school.id)).all()
    people, roles, members = [], [], []
    for i in range(pupils + n_classes):
        people.append({"sourced_id": f"p{i}", "username": f"p{i}", "given_name": f"Elev{i}", "family_name": "Bench",
                       "language": "nb", "enabled": True})
    session.execute(insert(Person), people)
    ids = [r.id for r in session.execute(Person.__table__.select().order_by(Person.id)).all()]
    pupil_ids, teacher_list = ids[:pupils], ids[pupils:]
    pupil_grade, teachers = {}, {}
    for idx, pid in enumerate(pupil_ids):
        g = group_rows[idx % n_classes]
        roles.append({"person_id": pid, "role": Role.PUPIL, "school_id": school.id})
        members.append({"group_id": g.id, "person_id": pid, "role": MemberRole.PUPIL, "is_contact_teacher": False})
        pupil_grade[pid] = g.grade
    for g, tid in zip(group_rows, teacher_list):
        roles.append({"person_id": tid, "role": Role.TEACHER, "school_id": school.id})
        members.append({"group_id": g.id, "person_id": tid, "role": MemberRole.TEACHER, "is_contact_teacher": True})
        teachers[g.id] = tid
    session.execute(insert(PersonRole), roles)
    session.execute(insert(Membership), members)
    world = World(owner.id, school.id, teachers, pupil_ids, pupil_grade, by_band, aim_grade)
    add_resources(session, world, resources, rng)
    return world


def add_resources(session: Session, world: World, n: int, rng: random.Random) -> None:
    keys = sorted(world.aims_by_subject_grade)
    rows, links = [], []
    for i in range(n):
        subject, grade = keys[i % len(keys)]
        aims = rng.sample(world.aims_by_subject_grade[(subject, grade)], k=min(len(world.aims_by_subject_grade[(subject, grade)]), rng.choice([1, 1, 2, 3])))
        licence = rng.choice(LICENCES)
        rows.append({
            "external_id": f"bench-{i}", "title": f"Ressurs {i} i {subject}", "publisher": rng.choice(PUBLISHERS),
            "subject_code": subject, "level": round(max(1.0, min(10.0, grade - 0.5 + rng.gauss(0, 0.8))), 1),
            "didactics": rng.sample(["individual", "pair", "group", "class"], k=rng.randint(1, 2)),
            "technical_requirements": rng.sample(["pc", "tablet", "headphones"], k=rng.randint(0, 2)),
            "adaptations": rng.sample(ADAPTATIONS, k=rng.choice([0, 0, 1, 2])), "suitability": [],
            "methods": rng.sample(["video", "game", "text", "practice"], k=rng.randint(1, 2)),
            "languages": ["nb", "nn"] if subject != "ENG01-05" else ["en"], "licence": licence,
            "cost_per_use": 10.0 if licence == "pay-per-use" else 0.0, "active": True,
        })
        links.append(aims)
    session.execute(insert(LearningResource), rows)
    ids = [r.id for r in session.execute(LearningResource.__table__.select().order_by(LearningResource.id)).all()][-n:]
    session.execute(insert(resource_aims), [{"resource_id": rid, "aim_code": a} for rid, aims in zip(ids, links) for a in aims])
    world.resource_ids.extend(ids)


def add_history(session: Session, world: World, *, per_pupil: int, rng: random.Random) -> int:
    """Past activity: computed mastery rows, activity rows and outcome counters."""
    res_by_aim: dict[str, list[int]] = {}
    for rid, aim in session.execute(resource_aims.select()):
        res_by_aim.setdefault(aim, []).append(rid)
    statuses, activities, outcomes = [], [], {}
    for pid in world.pupil_ids:
        grade = world.pupil_grade[pid]
        options = [(s, g) for (s, g) in world.aims_by_subject_grade if g == band_for(
            [gg for (ss, gg) in world.aims_by_subject_grade if ss == s], grade)]
        aims = list({a for key in options for a in world.aims_by_subject_grade[key]})
        practised = rng.sample(aims, k=min(len(aims), max(1, per_pupil // 2)))
        for aim in practised:
            statuses.append({"pupil_id": pid, "aim_code": aim, "dimension": Dimension.SKILLS, "level": rng.random(),
                             "source": Source.COMPUTED, "evidence": 2, "set_at": START})
        for k in range(per_pupil):
            aim = practised[k % len(practised)]
            rid = rng.choice(res_by_aim[aim]) if aim in res_by_aim else None
            before = rng.random()
            after = min(1.0, before + rng.uniform(-0.1, 0.3))
            at = START + timedelta(days=rng.randint(0, 100), minutes=k)
            activities.append({"statement_id": f"h{pid}-{k}", "pupil_id": pid, "resource_id": rid, "aim_code": aim,
                               "verb": "answered", "score": rng.random(), "occurred_at": at, "source": "api",
                               "mastery_before": before, "mastery_after": after, "recorded_at": at})
            if rid is not None:
                for seg in ("all", "mastery:low" if before < 0.4 else "mastery:mid" if before < 0.7 else "mastery:high"):
                    o = outcomes.setdefault((rid, aim, seg), {"resource_id": rid, "aim_code": aim, "segment": seg, "uses": 0,
                                                              "completions": 0, "abandons": 0, "scored": 0, "success_sum": 0.0,
                                                              "expected_sum": 0.0, "gain_sum": 0.0, "followed": 0, "improved": 0,
                                                              "next_gain_sum": 0.0, "updated_at": at})
                    o["uses"] += 1
                    o["scored"] += 1
                    o["success_sum"] += 0.6
                    o["expected_sum"] += 0.6
                    o["gain_sum"] += after - before
                    o["followed"] += 1
                    o["improved"] += 1 if after > before else 0
    for chunk in range(0, len(statuses), 5000):
        session.execute(insert(AimStatus), statuses[chunk:chunk + 5000])
    for chunk in range(0, len(activities), 5000):
        session.execute(insert(Activity), activities[chunk:chunk + 5000])
    rows = list(outcomes.values())
    for chunk in range(0, len(rows), 5000):
        session.execute(insert(ResourceOutcome), rows[chunk:chunk + 5000])
    return len(activities)
