import asyncio
import socket

import pytest
from starlette.responses import PlainTextResponse

from bot.config import load_settings
from bot.gateway import MAX_MESSAGE_CHARS, Asker, Gateway
from bot.identity import verify
from bot.models import Channel
from tests.fake_engine import answer, fake_engine


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ask(gateway: Gateway, asker: Asker, text: str):  # noqa: ANN202
    async def ask_and_close():  # noqa: ANN202
        try:
            return await gateway.ask(asker, Channel.WEB, text)
        finally:
            await gateway.aclose()

    return asyncio.run(ask_and_close())


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nb", "Prøv igjen om litt"), ("nn", "Orsak, eg får ikkje svart"), ("en", "try again in a little while")],
)
def test_engine_down_gets_a_try_again_shortly_in_the_persons_language(language: str, expected: str) -> None:
    settings = load_settings(engine_url=f"http://127.0.0.1:{_closed_port()}")
    replies = _ask(Gateway(settings), Asker(7, language), "hva er leksene?")
    assert len(replies) == 1 and expected in replies[0].text


def test_engine_error_or_garbage_answer_is_not_a_crash() -> None:
    for handler in (
        lambda body: PlainTextResponse("boom", status_code=500),
        lambda body: PlainTextResponse("<html>not json</html>"),
        lambda body: answer({"not": "a list"}),  # type: ignore[arg-type]
    ):
        with fake_engine(handler) as url:
            gateway = Gateway(load_settings(engine_url=url))
            assert "Prøv igjen" in _ask(gateway, Asker(7, "nb"), "hei")[0].text


def test_engine_receives_a_signed_conversation_and_replies_come_back_with_choices() -> None:
    settings = load_settings()
    seen: dict = {}

    def engine(body: dict):  # noqa: ANN202
        seen.update(body)
        return answer([
            {"recipient_id": seen["sender"], "text": "Hvilket barn?",
             "buttons": [{"title": "Emma", "payload": "/choose{\"child\":\"Emma\"}"}]},
        ])

    with fake_engine(engine) as url:
        replies = _ask(Gateway(settings.model_copy(update={"engine_url": url})), Asker(42, "nb"), "  hvordan går det?  ")
    assert seen["message"] == "hvordan går det?"
    assert verify(settings.sender_secret, seen["sender"]).person_id == 42
    assert replies[0].text == "Hvilket barn?" and replies[0].choices[0].title == "Emma"


def test_oversize_and_empty_messages_are_answered_without_reaching_the_engine() -> None:
    called: list[dict] = []
    with fake_engine(lambda body: called.append(body) or answer([])) as url:
        gateway = Gateway(load_settings(engine_url=url))
        assert str(MAX_MESSAGE_CHARS) in _ask(gateway, Asker(1, "en"), "x" * (MAX_MESSAGE_CHARS + 1))[0].text
        assert "empty message" in _ask(gateway, Asker(1, "en"), "   ")[0].text
    assert called == []
