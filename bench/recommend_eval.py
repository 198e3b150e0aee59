"""Offline evaluation of the recommender on simulated pupils over a simulated term.

    .venv/bin/python bench/recommend_eval.py [--pupils 60] [--sessions 20] [--seed 3]

The simulation (the ground truth the recommender never sees):

- 4th/5th-grade maths on the real LK20 aims of grades 4 and 5 (Udir, NLOD 2.0).
- Each pupil has a latent true ability and, per aim, a latent binary mastery (the BKT
  generative model); a third of them need read-aloud (their profile says so).
- Each resource has a latent true level (its declared level is that plus noise) and a
  latent teaching quality. Using resource r on a not-yet-mastered aim, pupil p learns it
  with probability ``0.45 * quality * zpd(p, r) * (0.25 if p needs read-aloud and r has no
  audio)``, where ``zpd`` peaks when p's true success chance with r is ~0.7. Answers
  follow BKT: right with 1 - slip if mastered, else with a guess chance that falls as r
  gets harder for p.

Three arms run the same term on their own copy of the stores, each session one pupil
using the arm's first choice: **ransel** (``bot.learning.recommend.rank``, learning from
every outcome through the real ``activity.record`` path), **random**, and **popular**
(the resource used most so far). Reported: true aims mastered per pupil at the end of the
term (gain over the start), and NDCG@10 of each arm's ranking at every decision against
the true expected gain of every candidate.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from bench.learning_world import load_lk20  # noqa: E402
from bot import db  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.learning import activity  # noqa: E402
from bot.learning.activity import Observation  # noqa: E402
from bot.learning.pupil import load_pupil  # noqa: E402
from bot.learning.recommend import rank  # noqa: E402
from bot.models import (  # noqa: E402
    Group,
    GroupKind,
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
    resource_aims,
)

SUBJECT = "MAT01-05"
GRADE = 5
SLIP, GUESS = 0.1, 0.25


@dataclass
class TrueResource:
    id: int
    aims: list[str]
    level: float
    quality: float
    audio: bool


def p_success(ability: float, level: float) -> float:
    return 1.0 / (1.0 + math.exp(-1.7 * (ability - level)))


def zpd(p: float) -> float:
    return math.exp(-(((p - 0.7) / 0.22) ** 2))


def true_gain(pupil: dict, r: TrueResource) -> float:
    """Expected number of aims the pupil masters by using r once."""
    p = p_success(pupil["ability"], r.level)
    learn = 0.45 * r.quality * zpd(p) * (0.25 if pupil["read_aloud"] and not r.audio else 1.0)
    return sum(learn for a in r.aims if not pupil["mastered"][a])


def ndcg_at_10(ranking: list[int], gains: dict[int, float]) -> float:
    dcg = sum(gains.get(rid, 0.0) / math.log2(i + 2) for i, rid in enumerate(ranking[:10]))
    ideal = sorted(gains.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 1.0


def build(url: str, args: argparse.Namespace) -> tuple[list[dict], list[TrueResource], list[str]]:
    rng = random.Random(args.seed)
    db.upgrade(url)
    engine = db.make_engine(url)
    with db.transaction(db.session_factory(engine)) as s:
        by_band, _ = load_lk20(s)
        aims = by_band[(SUBJECT, 4)] + by_band[(SUBJECT, 5)]
        owner = Owner(sourced_id="sim", name="Simby kommune")
        s.add(owner)
        s.flush()
        school = School(sourced_id="sim-skole", name="Simby skole", owner_id=owner.id)
        s.add(school)
        s.flush()
        group = Group(sourced_id="5A", school_id=school.id, name="5A", kind=GroupKind.BASIS, grade=GRADE)
        s.add(group)
        s.flush()
        pupils = []
        for i in range(args.pupils):
            person = Person(sourced_id=f"sim-{i}", username=f"sim{i}", given_name=f"Elev{i}", family_name="Sim")
            person.roles.append(PersonRole(role=Role.PUPIL, school_id=school.id))
            s.add(person)
            s.flush()
            s.add(Membership(group_id=group.id, person_id=person.id, role=MemberRole.PUPIL))
            ability = rng.gauss(GRADE - 0.3, 0.9)
            read_aloud = rng.random() < 0.33
            if read_aloud:
                s.add(ProfileSetting(pupil_id=person.id, key="read_aloud", value=True, source=Source.TEACHER,
                                     set_at=datetime(2026, 8, 17, tzinfo=timezone.utc)))
            mastered = {a: rng.random() < (0.55 if a in by_band[(SUBJECT, 4)] else 0.15) for a in aims}
            pupils.append({"id": person.id, "ability": ability, "read_aloud": read_aloud, "mastered": mastered})
        resources, rows, links = [], [], []
        for i in range(args.resources):
            true_level = rng.uniform(3.0, 7.5)
            audio = rng.random() < 0.35
            chosen = rng.sample(aims, k=rng.choice([1, 1, 2]))
            rows.append({"external_id": f"sim-r{i}", "title": f"Ressurs {i}", "publisher": "Sim", "subject_code": SUBJECT,
                         "level": round(true_level + rng.gauss(0, 0.6), 1), "didactics": ["individual"],
                         "technical_requirements": [], "adaptations": ["audio"] if audio else [], "suitability": [],
                         "methods": ["practice"], "languages": ["nb", "nn"], "licence": "CC-BY-4.0", "cost_per_use": 0.0,
                         "active": True})
            resources.append(TrueResource(0, chosen, true_level, rng.uniform(0.2, 1.0), audio))
        s.execute(insert(LearningResource), rows)
        ids = [r.id for r in s.query(LearningResource.id).order_by(LearningResource.id)]
        for r, rid in zip(resources, ids):
            r.id = rid
            links.extend({"resource_id": rid, "aim_code": a} for a in r.aims)
        s.execute(insert(resource_aims), links)
    engine.dispose()
    return pupils, resources, aims


def run_arm(arm: str, url: str, pupils: list[dict], resources: list[TrueResource], args: argparse.Namespace) -> tuple[float, float, float]:
    rng = random.Random(args.seed * 1000 + hash(arm) % 997)
    pupils = [{**p, "mastered": dict(p["mastered"])} for p in pupils]
    start_mastered = sum(sum(p["mastered"].values()) for p in pupils)
    by_id = {r.id: r for r in resources}
    uses: Counter[int] = Counter()
    engine = db.make_engine(url)
    sessions = db.session_factory(engine)
    clock = Clock(zone=ZoneInfo("Europe/Oslo"), fixed=datetime(2026, 8, 24, 9, 0, tzinfo=timezone(timedelta(hours=2))))
    ndcgs, n = [], 0
    started = time.perf_counter()
    for step in range(args.sessions):
        for pupil in pupils:
            gains = {r.id: true_gain(pupil, r) for r in resources}
            if arm == "ransel":
                with sessions() as s:
                    profile = load_pupil(s, s.get(Person, pupil["id"]))
                    ranking = [x.id for x in rank(s, profile, subject_code=SUBJECT, clock=clock)]
                # Resources the recommender leaves out (far too hard or easy) rank last, as a list would.
                ranking += [rid for rid in rng.sample(list(by_id), len(by_id)) if rid not in set(ranking)]
            elif arm == "random":
                ranking = rng.sample(list(by_id), len(by_id))
            else:
                shuffled = rng.sample(list(by_id), len(by_id))
                ranking = sorted(shuffled, key=lambda rid: -uses[rid])
            ndcgs.append(ndcg_at_10(ranking, gains))
            choice = by_id[ranking[0]]
            uses[choice.id] += 1
            p = p_success(pupil["ability"], choice.level)
            observations = []
            for aim in choice.aims:
                right = rng.random() < ((1 - SLIP) if pupil["mastered"][aim] else GUESS * 2 * p)
                n += 1
                observations.append(Observation(f"{arm}-{n}", pupil["id"], choice.id, [aim], "answered", float(right),
                                                clock.utcnow(), "api"))
            learn = 0.45 * choice.quality * zpd(p) * (0.25 if pupil["read_aloud"] and not choice.audio else 1.0)
            for aim in choice.aims:
                if not pupil["mastered"][aim] and rng.random() < learn:
                    pupil["mastered"][aim] = True
            with db.transaction(sessions) as s:
                activity.record(s, observations, clock=clock)
            clock.advance(timedelta(minutes=7))
        clock.advance(timedelta(days=3))
    engine.dispose()
    end_mastered = sum(sum(p["mastered"].values()) for p in pupils)
    return (end_mastered - start_mastered) / len(pupils), sum(ndcgs) / len(ndcgs), time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pupils", type=int, default=60)
    ap.add_argument("--resources", type=int, default=150)
    ap.add_argument("--sessions", type=int, default=20, help="practice sessions per pupil over the term")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.db"
        pupils, resources, aims = build(f"sqlite:///{base}", args)
        results = {}
        for arm in ("ransel", "random", "popular"):
            copy = Path(tmp) / f"{arm}.db"
            copy.write_bytes(base.read_bytes())
            results[arm] = run_arm(arm, f"sqlite:///{copy}", pupils, resources, args)
    print(f"offline evaluation: {args.pupils} simulated pupils, {args.resources} resources on {len(aims)} LK20 maths aims "
          f"(grades 4-5), {args.sessions} sessions each, seed {args.seed}")
    print(f"{'arm':<10} {'aims mastered per pupil (gain)':>32} {'NDCG@10':>9} {'run s':>7}")
    for arm, (gain, ndcg, secs) in results.items():
        print(f"{arm:<10} {gain:>32.2f} {ndcg:>9.3f} {secs:>7.1f}")
    best_other = max(results["random"][0], results["popular"][0])
    print(f"ransel vs best baseline: mastery gain x{results['ransel'][0] / best_other:.2f}, "
          f"NDCG@10 x{results['ransel'][1] / max(results['random'][1], results['popular'][1]):.2f}")


if __name__ == "__main__":
    main()
