"""POST /api/activity: a school's learning platform posts what pupils did."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.learning import api
from bot.learning import activity_tokens as tokens
from bot.runtime import Runtime
from bot.models import Activity, AimStatus, ProfileSetting, ResourceOutcome, School, Source

from .conftest import resource


@pytest.fixture
def client(sessions, world, clock, settings):  # noqa: ANN001, ANN201
    with sessions.begin() as s:
        resource(s, "fjord-brok-1", ["KM270"], level=4.0, title="Del opp pizzaen")
        token = tokens.issue_activity_token(s, s.get(School, world.school.id), clock=clock)
    runtime = Runtime(settings, clock=clock)
    app = Starlette(routes=api.routes(runtime))
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c
    runtime.close()


def statement(sid: str = "st-1", **over) -> dict:  # noqa: ANN003
    body = {
        "id": sid,
        "actor": {"sourcedId": "elev-jonas"},
        "verb": "http://adlnet.gov/expapi/verbs/answered",
        "object": {"resource": "fjord-brok-1", "aim": "KM270"},
        "result": {"score": {"scaled": 1.0}, "success": True, "completion": True, "duration": "PT4M30S"},
        "timestamp": "2026-12-01T09:14:00+01:00",
    }
    body.update(over)
    return body


def test_a_platform_without_a_valid_token_is_refused_with_401(client) -> None:  # noqa: ANN001
    for header in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        client.headers.pop("Authorization", None)
        client.headers.update(header)
        response = client.post("/api/activity", json=statement())
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"


def test_a_right_answer_is_stored_and_raises_the_pupils_computed_mastery(client, session, world) -> None:  # noqa: ANN001
    response = client.post("/api/activity", json=statement())
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": ["st-1"], "duplicates": []}
    row = session.scalar(select(AimStatus).where(AimStatus.pupil_id == world.jonas.id, AimStatus.aim_code == "KM270"))
    # Jonas is in grade 4 and KM270 is a grade-4 aim: tracing starts at .3, one right answer -> .692683
    assert row.source == Source.COMPUTED and row.evidence == 1
    assert row.level == pytest.approx(0.692683, abs=1e-6)
    activity = session.scalar(select(Activity))
    assert (activity.duration_s, activity.mastery_before, activity.correct) == (270.0, 0.3, True)
    pace = session.scalar(select(ProfileSetting).where(ProfileSetting.key == "pace"))
    assert pace.source == Source.COMPUTED and pace.value > 0
    outcome = session.scalar(select(ResourceOutcome).where(ResourceOutcome.segment == "all"))
    assert (outcome.uses, outcome.scored, outcome.completions) == (1, 1, 1)


def test_a_resent_statement_is_stored_once(client, session) -> None:  # noqa: ANN001
    assert client.post("/api/activity", json=statement()).status_code == 200
    again = client.post("/api/activity", json=[statement(), statement("st-2")])
    assert again.status_code == 200
    assert again.json() == {"stored": ["st-2"], "duplicates": ["st-1"]}
    assert session.scalar(select(func.count()).select_from(Activity)) == 2
    assert session.scalar(select(AimStatus.evidence)) == 2


def test_a_resent_id_with_other_content_is_a_conflict(client) -> None:  # noqa: ANN001
    client.post("/api/activity", json=statement())
    response = client.post("/api/activity", json=statement(result={"score": 0.1}))
    assert response.status_code == 409
    assert "stored before with other content" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (statement(result={"score": {"scaled": 1.7}}), "result.score.scaled", "between 0 and 1"),
        (statement(actor={}), "actor", "sourcedId or username"),
        (statement(verb="liked"), "verb", "unknown verb 'liked'"),
        (statement(timestamp="2026-12-01T09:14:00"), "timestamp", "UTC offset"),
        (statement(result={"duration": "4 minutes"}), "result.duration", "ISO 8601 duration"),
        ({k: v for k, v in statement().items() if k != "id"}, "id", "is required"),
    ],
)
def test_a_malformed_statement_gets_400_naming_the_field(client, body, path, message) -> None:  # noqa: ANN001
    response = client.post("/api/activity", json=body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["path"] == path and message in error["message"], error


def test_a_batch_is_stored_whole_or_not_at_all(client, session) -> None:  # noqa: ANN001
    response = client.post("/api/activity", json=[statement("a"), statement("b", object={"aim": "KM999"})])
    assert response.status_code == 422
    assert response.json()["errors"] == [{"path": "[1].object.aim", "message": "unknown competence aim 'KM999'"}]
    assert session.scalar(select(func.count()).select_from(Activity)) == 0


def test_a_pupil_of_another_school_is_unknown_here(client, session, world) -> None:  # noqa: ANN001
    response = client.post("/api/activity", json=statement(actor={"username": "nobody.else"}))
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "no pupil with username 'nobody.else' at this school"


def test_a_body_that_is_not_json_gets_400(client) -> None:  # noqa: ANN001
    response = client.post("/api/activity", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_json"


def test_a_resource_without_an_aim_updates_every_aim_it_covers(client, session, world, sessions, clock) -> None:  # noqa: ANN001
    with sessions.begin() as s:
        resource(s, "fjord-deling-2", ["KM290", "KM291"], level=4.0)
    body = statement("multi", object={"resource": "fjord-deling-2"})
    assert client.post("/api/activity", json=body).status_code == 200
    rows = session.scalars(select(Activity.statement_id).order_by(Activity.statement_id)).all()
    school = f"school{world.school.id}:"  # ids are kept per school
    assert rows == [f"{school}multi", f"{school}multi#KM291"]
    assert client.post("/api/activity", json=body).json()["duplicates"] == ["multi"]


def test_statement_ids_are_unique_per_school_not_across_schools(client, session, world, clock) -> None:  # noqa: ANN001
    """Another school's platform using the same id neither collides with nor learns of ours."""
    from datetime import date

    from bot.learning.activity import ingest
    from bot.models import Group, GroupKind, MemberRole, Membership, Role

    from .conftest import person

    other = School(sourced_id="skole-2", name="Nabo skole", owner=world.owner)
    session.add(other)
    session.flush()
    group = Group(sourced_id="4B-nabo", school_id=other.id, name="4B", kind=GroupKind.BASIS, grade=4)
    session.add(group)
    session.flush()
    pupil = person(session, "elev-nabo", "Siri", "Nabo", Role.PUPIL, other, birth=date(2016, 3, 3))
    session.add(Membership(group_id=group.id, person_id=pupil.id, role=MemberRole.PUPIL))
    session.commit()

    assert client.post("/api/activity", json=statement("shared-1")).json()["stored"] == ["shared-1"]
    theirs = statement("shared-1", actor={"sourcedId": "elev-nabo"}, result={"score": {"scaled": 0.2}})
    result = ingest(session, other.id, theirs, clock=clock)
    session.commit()
    assert result.stored == ["shared-1"] and result.duplicates == []
    assert session.scalar(select(func.count()).select_from(Activity)) == 2
