"""``POST /webhooks/rest/webhook``: Rasa's REST channel format, for people with a token.

Request ``{"sender": "...", "message": "..."}`` with ``Authorization: Bearer <token>``
(an :class:`~bot.models.ApiToken` of purpose ``rest``, minted by ``ransel token issue``).
The token, not the body, says who is talking: ``sender`` is only echoed back as
``recipient_id``. Replies are Rasa's list of ``{"recipient_id", "text", "buttons"?}``.
A missing or unknown token is 401, a malformed body 400, both as JSON.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot import api_tokens
from bot.gateway import Asker
from bot.i18n import language_of
from bot.models import Channel
from bot.runtime import Runtime

log = logging.getLogger(__name__)

PURPOSE = "rest"
PATH = "/webhooks/rest/webhook"


def _error(status: int, code: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": code}, status_code=status, headers=headers)


async def webhook(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    secret = api_tokens.bearer(request.headers.get("authorization"))
    with runtime.transaction() as session:
        person = api_tokens.resolve(session, secret, PURPOSE, runtime.clock.utcnow())
        asker = Asker(person.id, language_of(person.language)) if person is not None else None
    if asker is None:
        log.info("rest webhook refused: %s token", "missing" if not secret else "unknown")
        return _error(401, "unauthorized")
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "body must be JSON")
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return _error(400, "expected an object with a string 'message'")
    sender = body.get("sender")
    if sender is not None and not isinstance(sender, str):
        return _error(400, "'sender' must be a string")
    replies = await request.app.state.gateway.ask(asker, Channel.WEB, body["message"])
    recipient = sender if sender is not None else str(asker.person_id)
    return JSONResponse([reply.as_rest(recipient) for reply in replies])


def routes(runtime: Runtime) -> list[BaseRoute]:
    return [Route(PATH, webhook, methods=["POST"])]
