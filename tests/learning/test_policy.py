"""The school owner's learning policy: set from a file, validated, per owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.learning.policy import DEFAULT_POLICY, load_policy_file, policy_for_pupil
from bot.models import Source

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "learning_policy.yaml"


def test_an_owner_sets_its_policy_from_a_file_and_its_pupils_get_it(session, world, clock, tmp_path) -> None:  # noqa: ANN001
    assert policy_for_pupil(session, world.jonas.id) == DEFAULT_POLICY
    f = tmp_path / "policy.yaml"
    f.write_text(DEMO.read_text(encoding="utf-8").replace("owner: fjellby", "owner: kommune-0301"), encoding="utf-8")
    owner_id, policy = load_policy_file(session, f, clock=clock)
    assert owner_id == world.owner.id
    got = policy_for_pupil(session, world.jonas.id)
    assert got == policy and "Lærelyst AS" in got.licensed_publishers and got.weights.open_licence == 0.5
    assert got.mastery_precedence[0] is Source.TEACHER and got.subject_focus == {"MAT01-05": 0.3}


@pytest.mark.parametrize(("text", "message"), [
    ("owner: kommune-0301\npolicy: {pay_per_use: sometimes}\n", "policy.yaml: pay_per_use: Input should be 'exclude', 'penalise' or 'allow'"),
    ("owner: kommune-0301\npolicy: {weights: {plan: -1}}\n", "policy.yaml: weights.plan: Input should be greater than or equal to 0"),
    ("owner: nobody\npolicy: {}\n", "policy.yaml: no school owner with sourcedId 'nobody'"),
    ("policy: {}\n", "policy.yaml: expected exactly the keys 'owner' and 'policy'"),
    ("owner: kommune-0301\npolicy: {mastery_precedence: [teacher, teacher]}\n", "a source may appear only once"),
])
def test_a_bad_policy_file_is_refused_with_the_reason(session, world, clock, tmp_path, text, message) -> None:  # noqa: ANN001
    f = tmp_path / "policy.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_policy_file(session, f, clock=clock)
    assert message in str(err.value)
