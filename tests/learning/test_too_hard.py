"""A teacher assigning a resource beyond what a pupil's prerequisites support is warned."""

from __future__ import annotations

from datetime import timedelta

from bot.learning import activity
from bot.learning.activity import Observation
from bot.learning.prerequisites import prerequisites
from bot.learning.too_hard import check_assignment, check_group_assignment
from bot.models import AimStatus, Dimension, Source

from .conftest import T0, resource


def traced(session, pupil, aim, scores, clock) -> None:  # noqa: ANN001
    activity.record(session, [Observation(f"{pupil.id}-{aim}-{i}", pupil.id, None, [aim], "answered", s,
                                          T0 + timedelta(hours=i), "api") for i, s in enumerate(scores)], clock=clock)


def test_prerequisites_are_the_earlier_bands_aims_sharing_a_core_element(session, world) -> None:  # noqa: ANN001
    found = prerequisites(session, ["KM281", "KM198"])
    assert found["KM281"].band_grade == 4 and found["KM281"].codes == ("KM287", "KM290", "KM291")
    assert found["KM198"].codes == ()  # the first maths band has none


def test_a_teacher_is_warned_for_the_pupil_who_lacks_the_prerequisites(session, world, clock) -> None:  # noqa: ANN001
    brok = resource(session, "brok-tallinje", ["KM281"], level=5.0, title="Brøk på tallinjen")
    traced(session, world.jonas, "KM290", [0, 0, 0], clock)
    traced(session, world.jonas, "KM291", [0, 1, 0], clock)
    session.add(AimStatus(pupil_id=world.emma.id, aim_code="KM290", dimension=Dimension.SKILLS, level=0.8,
                          source=Source.TEACHER, set_at=T0))
    session.flush()
    warnings = check_group_assignment(session, world.tone, brok, world.class4.id, clock=clock)
    assert [w.pupil_id for w in warnings] == [world.jonas.id]  # Emma is ready, by her teacher's judgement
    w = warnings[0]
    assert w.prerequisites == ("KM290", "KM291") and w.band_grade == 4 and w.prerequisite_mastery < 0.3
    percent = round(w.prerequisite_mastery * 100)
    assert w.message == (  # Tone reads nynorsk
        f"Kan bli for vanskeleg for Jonas Berg: «Brøk på tallinjen» er på nivå 5, men Jonas meistrar "
        f"forkunnskapane frå 4. trinn (KM290, KM291) berre om lag {percent} %."
    )
    world.tone.language = "en"
    assert check_assignment(session, world.tone, brok, [world.jonas.id], clock=clock)[0].message == (
        f"May be too hard for Jonas Berg: “Brøk på tallinjen” is at level 5, but Jonas has only about "
        f"{percent} % mastery of the prerequisites from year 4 (KM290, KM291)."
    )
    world.tone.language = "nb"
    assert check_assignment(session, world.tone, brok, [world.jonas.id], clock=clock)[0].message.startswith(
        "Kan bli for vanskelig for Jonas Berg: «Brøk på tallinjen» er på nivå 5, men Jonas mestrer forkunnskapene fra 4. trinn"
    )


def test_no_warning_without_evidence_or_for_a_resource_at_the_pupils_level(session, world, clock) -> None:  # noqa: ANN001
    brok = resource(session, "brok-tallinje", ["KM281"], level=5.0)
    easy = resource(session, "brok-intro", ["KM281"], level=4.2)
    assert check_assignment(session, world.tone, brok, [world.jonas.id], clock=clock) == []  # nothing known yet
    traced(session, world.jonas, "KM290", [1, 1, 1], clock)
    assert check_assignment(session, world.tone, brok, [world.jonas.id], clock=clock) == []  # mastered
    traced(session, world.emma, "KM290", [0, 0], clock)
    assert check_assignment(session, world.tone, easy, [world.emma.id], clock=clock) == []


def test_pupils_the_teacher_may_not_see_are_skipped_silently(session, world, clock) -> None:  # noqa: ANN001
    brok = resource(session, "brok-tallinje", ["KM281"], level=5.0)
    traced(session, world.sara, "KM290", [0, 0, 0], clock)
    assert check_assignment(session, world.tone, brok, [world.sara.id], clock=clock) == []


def test_adding_homework_with_a_resource_warns_the_teacher_about_who_it_is_too_hard_for(session, world, clock) -> None:  # noqa: ANN001
    from datetime import timedelta as td

    from bot.models import AssignmentKind
    from bot.services.teaching import add_assignment

    brok = resource(session, "brok-tallinje", ["KM281"], level=5.0, title="Brøk på tallinjen")
    traced(session, world.jonas, "KM290", [0, 0, 0], clock)
    added = add_assignment(session, world.tone, group_id=world.class4.id, kind=AssignmentKind.HOMEWORK,
                           title="Brøk", due=clock.now() + td(days=3), resource_id=brok.id, clock=clock)
    assert [w.pupil_id for w in added.warnings] == [world.jonas.id]
    assert added.warnings[0].message.startswith("Kan bli for vanskeleg for Jonas Berg")
