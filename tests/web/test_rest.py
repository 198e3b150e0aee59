"""POST /webhooks/rest/webhook: Rasa's REST format behind a bearer token that names the person."""

import pytest
from starlette.testclient import TestClient

from bot import api_tokens as tokens
from bot.config import load_settings
from bot.gateway import Gateway
from bot.identity import verify
from bot.runtime import Runtime
from ransel.app import create_app
from tests.builders import build_school
from tests.fake_engine import answer, fake_engine


@pytest.fixture
def rest(sqlite_url, tmp_path):  # noqa: ANN001, ANN201
    runtime = Runtime(load_settings(database_url=sqlite_url, data_dir=tmp_path))
    with runtime.sessions() as session:
        school = build_school(session)
        kari_id = school.kari.id
    with runtime.transaction() as session:
        from bot.models import Person

        secret = tokens.issue(session, session.get(Person, kari_id), "rest", runtime.clock)
        web_secret = tokens.issue(session, session.get(Person, kari_id), "web", runtime.clock)
    seen: list[dict] = []

    def engine(body: dict):  # noqa: ANN202
        seen.append(body)
        return answer([{"recipient_id": body["sender"], "text": "Hvem gjelder det?",
                        "buttons": [{"title": "Emma", "payload": "/choose_child"}]}])

    with fake_engine(engine) as url:
        gateway = Gateway(runtime.settings.model_copy(update={"engine_url": url}))
        with TestClient(create_app(runtime, gateway)) as client:
            yield client, secret, web_secret, seen, runtime, kari_id
    runtime.close()


def test_a_token_holder_gets_replies_in_rasa_rest_format(rest) -> None:  # noqa: ANN001
    client, secret, _, seen, runtime, kari_id = rest
    response = client.post("/webhooks/rest/webhook", headers={"Authorization": f"Bearer {secret}"},
                           json={"sender": "my-app", "message": "hva er leksene?"})
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": "my-app", "text": "Hvem gjelder det?",
                                "buttons": [{"title": "Emma", "payload": "/choose_child"}]}]
    # The engine hears the person the token belongs to, whatever the body's sender says.
    assert verify(runtime.settings.sender_secret, seen[0]["sender"]).person_id == kari_id


def test_missing_wrong_or_other_purpose_tokens_are_401_json(rest) -> None:  # noqa: ANN001
    client, _, web_secret, seen, _, _ = rest
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Bearer {web_secret}"},
                    {"Authorization": "Basic a2FyaTpwdw=="}):
        response = client.post("/webhooks/rest/webhook", headers=headers, json={"message": "hei"})
        assert response.status_code == 401 and response.json() == {"error": "unauthorized"}
        assert response.headers["www-authenticate"] == "Bearer"
    assert seen == []


def test_malformed_bodies_are_400_json(rest) -> None:  # noqa: ANN001
    client, secret, _, seen, _, _ = rest
    auth = {"Authorization": f"Bearer {secret}"}
    for body in (b"not json", b"[1, 2]", b'{"sender": "x"}', b'{"message": 5}', b'{"message": "hei", "sender": 3}'):
        response = client.post("/webhooks/rest/webhook", headers={**auth, "Content-Type": "application/json"},
                               content=body)
        assert response.status_code == 400 and "error" in response.json()
    assert seen == []


def test_a_revoked_token_stops_working(rest) -> None:  # noqa: ANN001
    client, secret, _, _, runtime, _ = rest
    with runtime.transaction() as session:
        assert tokens.revoke(session, secret, runtime.clock)
    response = client.post("/webhooks/rest/webhook", headers={"Authorization": f"Bearer {secret}"},
                           json={"message": "hei"})
    assert response.status_code == 401
