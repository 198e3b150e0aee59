"""A real local HTTP server standing in for the Rasa engine's REST channel, for tests of what
our side does with the engine's answers (errors, garbage, choices) without a trained model."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from channels.emulators._server import serve_in_thread

Handler = Callable[[dict[str, Any]], Response]


def answer(elements: list[dict[str, Any]]) -> Response:
    return JSONResponse(elements)


@contextmanager
def fake_engine(handler: Handler) -> Iterator[str]:
    """Serve ``handler`` (request JSON -> response) at ``/webhooks/rest/webhook``; yields the URL."""

    async def webhook(request: Request) -> Response:
        return handler(json.loads(await request.body()))

    with serve_in_thread(Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"])])) as url:
        yield url
