"""Mastery per aim: computed beside hand-set values, the owner's policy decides which counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.learning import activity, mastery
from bot.learning.activity import Observation
from bot.learning.policy import DEFAULT_POLICY, policy_for_pupil, set_policy
from bot.models import (
    AimStatus,
    Assignment,
    AssignmentKind,
    CompetenceAim,
    Dimension,
    ProfileSetting,
    Result,
    ScoreStatus,
    Source,
)

from .conftest import T0


def observe(session, pupil, aim, scores, clock, start=T0):  # noqa: ANN001, ANN201
    obs = [
        Observation(f"{pupil.id}-{aim}-{start:%j}-{i}", pupil.id, None, [aim], "answered", s, start + timedelta(days=i), "api")
        for i, s in enumerate(scores)
    ]
    return activity.record(session, obs, clock=clock)


def teacher_sets(session, world, pupil, aim, level):  # noqa: ANN001, ANN201
    session.add(AimStatus(pupil_id=pupil.id, aim_code=aim, dimension=Dimension.KNOWLEDGE, level=level,
                          source=Source.TEACHER, set_by_id=world.tone.id, set_at=T0))
    session.flush()


def test_the_teachers_value_wins_over_the_computed_one_by_default(session, world, clock) -> None:  # noqa: ANN001
    observe(session, world.jonas, "KM270", [0, 0, 0, 0], clock)
    teacher_sets(session, world, world.jonas, "KM270", 0.8)
    m = mastery.mastery_of(session, world.jonas.id, ["KM270"], policy=DEFAULT_POLICY, pupil_grade=4)["KM270"]
    assert m.source == Source.TEACHER and m.level == 0.8
    assert m.by_source[Source.COMPUTED] < 0.3 and m.evidence == 4


def test_an_owner_who_trusts_evidence_first_gets_the_computed_value(session, world, clock) -> None:  # noqa: ANN001
    observe(session, world.jonas, "KM270", [0, 0, 0, 0], clock)
    teacher_sets(session, world, world.jonas, "KM270", 0.8)
    set_policy(session, world.owner.id, {"mastery_precedence": ["computed", "teacher", "self", "guardian"]}, by=None, clock=clock)
    policy = policy_for_pupil(session, world.jonas.id)
    m = mastery.mastery_of(session, world.jonas.id, ["KM270"], policy=policy, pupil_grade=4)["KM270"]
    assert m.source == Source.COMPUTED and m.level < 0.3


def test_a_computed_value_from_too_little_evidence_yields_to_what_the_pupil_said(session, world, clock) -> None:  # noqa: ANN001
    set_policy(session, world.owner.id, {"mastery_precedence": ["computed", "self"], "computed_min_evidence": 3}, by=None, clock=clock)
    session.add(AimStatus(pupil_id=world.jonas.id, aim_code="KM290", dimension=Dimension.SKILLS, level=0.9,
                          source=Source.SELF, set_at=T0))
    observe(session, world.jonas, "KM290", [0], clock)
    policy = policy_for_pupil(session, world.jonas.id)
    assert mastery.mastery_of(session, world.jonas.id, ["KM290"], policy=policy, pupil_grade=4)["KM290"].source == Source.SELF
    observe(session, world.jonas, "KM290", [0, 0], clock, start=T0 + timedelta(days=10))
    assert mastery.mastery_of(session, world.jonas.id, ["KM290"], policy=policy, pupil_grade=4)["KM290"].source == Source.COMPUTED


def test_tracing_starts_from_the_teachers_judgement(session, world, clock) -> None:  # noqa: ANN001
    teacher_sets(session, world, world.jonas, "KM291", 0.6)
    observe(session, world.jonas, "KM291", [1], clock)
    row = session.scalar(select(AimStatus).where(AimStatus.source == Source.COMPUTED, AimStatus.aim_code == "KM291"))
    # .6*.9=.54; .4*.2=.08; .54/.62=.870968; + .129032*.1 = .883871
    assert row.level == pytest.approx(0.883871, abs=1e-6) and row.evidence == 1
    assert row.set_at == T0


def test_unknown_aims_get_a_grade_aware_prior(session, world) -> None:  # noqa: ANN001
    m = mastery.mastery_of(session, world.sara.id, ["KM270", "KM241", "KM231"], policy=DEFAULT_POLICY, pupil_grade=9)
    assert (m["KM270"].level, m["KM241"].level, m["KM231"].level) == (0.7, 0.3, 0.1)
    assert not m["KM241"].known


def test_pace_is_mastery_growth_per_week(session, world, clock) -> None:  # noqa: ANN001
    start = clock.utcnow() - timedelta(weeks=2)
    observe(session, world.jonas, "KM270", [1, 1], clock, start=start)
    stored = session.scalar(select(ProfileSetting).where(ProfileSetting.key == "pace"))
    after = mastery.bkt.trace([1, 1])[-1]
    assert stored.source == Source.COMPUTED
    assert stored.value == pytest.approx((after - 0.3) / 2, abs=1e-4)
    pace = mastery.update_pace(session, world.jonas.id, clock=clock)
    assert pace.by_subject == {"MAT01-05": pace.per_week} and pace.aims == 1


def test_an_imported_test_result_becomes_an_outcome_per_aim(session, world, clock) -> None:  # noqa: ANN001
    from bot.models import CompetenceAim

    assignment = Assignment(sourced_id="li-1", group_id=world.class4.id, kind=AssignmentKind.TEST, subject_code="MAT01-05",
                            title="Prøve i divisjon", due_at=datetime(2026, 11, 20, 8, tzinfo=timezone.utc), max_score=20)
    assignment.aims = [session.get(CompetenceAim, "KM270"), session.get(CompetenceAim, "KM290")]
    session.add(assignment)
    session.flush()
    result = Result(sourced_id="r-1", assignment_id=assignment.id, pupil_id=world.jonas.id, score=16,
                    status=ScoreStatus.FULLY_GRADED, scored_on=date(2026, 11, 21))
    ungraded = Result(sourced_id="r-2", assignment_id=assignment.id, pupil_id=world.emma.id, score=None,
                      status=ScoreStatus.SUBMITTED)
    session.add_all([result, ungraded])
    session.flush()
    first = activity.activity_from_results(session, [result, ungraded], clock=clock)
    again = activity.activity_from_results(session, [result], clock=clock)
    assert first.stored == ["oneroster:r-1"] and again.duplicates == ["oneroster:r-1"]
    levels = dict(session.execute(select(AimStatus.aim_code, AimStatus.level).where(AimStatus.source == Source.COMPUTED)).all())
    assert levels == pytest.approx({"KM270": mastery.bkt.update(0.3, 0.8), "KM290": mastery.bkt.update(0.3, 0.8)})


def test_asking_for_many_aims_at_once_gives_what_asking_for_each_gives(session, world, clock) -> None:  # noqa: ANN001
    observe(session, world.jonas, "KM270", [1, 1, 0, 1], clock)
    teacher_sets(session, world, world.jonas, "KM281", 0.7)
    teacher_sets(session, world, world.emma, "KM290", 0.9)  # someone else's value is not Jonas's
    codes = sorted(session.scalars(select(CompetenceAim.code)))[: mastery.MANY_AIMS + 20]
    codes = sorted({*codes, "KM270", "KM281", "KM290"})
    assert len(codes) > mastery.MANY_AIMS  # the path that reads all of the pupil's rows
    many = mastery.mastery_of(session, world.jonas.id, codes, policy=DEFAULT_POLICY, pupil_grade=4)
    one_by_one = {c: mastery.mastery_of(session, world.jonas.id, [c], policy=DEFAULT_POLICY, pupil_grade=4)[c]
                  for c in codes}
    assert many == one_by_one and set(many) == set(codes)
    assert many["KM281"].source == Source.TEACHER and many["KM290"].source is None
