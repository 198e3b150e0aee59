import asyncio
import json
import socket

import httpx
import pytest

from bot.config import load_settings
from bot.gateway import MAX_MESSAGE_CHARS, Asker, Gateway
from bot.identity import verify
from bot.models import Channel


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ask(gateway: Gateway, asker: Asker, text: str):  # noqa: ANN202
    return asyncio.run(gateway.ask(asker, Channel.WEB, text))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nb", "Prøv igjen om litt"), ("nn", "Orsak, eg får ikkje svart"), ("en", "try again in a little while")],
)
def test_engine_down_gets_a_try_again_shortly_in_the_persons_language(language: str, expected: str) -> None:
    settings = load_settings(engine_url=f"http://127.0.0.1:{_closed_port()}")
    replies = _ask(Gateway(settings), Asker(7, language), "hva er leksene?")
    assert len(replies) == 1 and expected in replies[0].text


def test_engine_error_or_garbage_answer_is_not_a_crash() -> None:
    settings = load_settings()
    for handler in (
        lambda request: httpx.Response(500, text="boom"),
        lambda request: httpx.Response(200, text="<html>not json</html>"),
    ):
        gateway = Gateway(settings, httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        assert "Prøv igjen" in _ask(gateway, Asker(7, "nb"), "hei")[0].text


def test_engine_receives_a_signed_conversation_and_replies_come_back_with_choices() -> None:
    settings = load_settings()
    seen: dict = {}

    def engine(request: httpx.Request) -> httpx.Response:
        seen.update(json.loads(request.content))
        return httpx.Response(200, json=[
            {"recipient_id": seen["sender"], "text": "Hvilket barn?",
             "buttons": [{"title": "Emma", "payload": "/choose{\"child\":\"Emma\"}"}]},
        ])

    gateway = Gateway(settings, httpx.AsyncClient(transport=httpx.MockTransport(engine)))
    replies = _ask(gateway, Asker(42, "nb"), "  hvordan går det?  ")
    assert seen["message"] == "hvordan går det?"
    assert verify(settings.sender_secret, seen["sender"]).person_id == 42
    assert replies[0].text == "Hvilket barn?" and replies[0].choices[0].title == "Emma"


def test_oversize_and_empty_messages_are_answered_without_reaching_the_engine() -> None:
    def engine(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not be called
        raise AssertionError("engine called")

    gateway = Gateway(load_settings(), httpx.AsyncClient(transport=httpx.MockTransport(engine)))
    assert str(MAX_MESSAGE_CHARS) in _ask(gateway, Asker(1, "en"), "x" * (MAX_MESSAGE_CHARS + 1))[0].text
    assert "empty message" in _ask(gateway, Asker(1, "en"), "   ")[0].text
