"""HTTP: ``POST /api/activity`` — a school's learning platform posts activity statements.

Authenticated with the school's bearer token (``Authorization: Bearer <token>``, purpose
``activity``, see :mod:`bot.learning.activity_tokens`). The body is one statement or a JSON array
(see :mod:`bot.learning.statements`). Answers, always JSON:

- 200 ``{"stored": [...ids], "duplicates": [...ids]}`` — duplicates were stored before
- 400 malformed JSON or statement, 413 batch too large, 422 unknown pupil/resource/aim,
  409 an id stored before with other content; body ``{"error": code, "errors": [{"path", "message"}]}``
- 401 no or unknown token (nothing else is said)

All statements of a request are stored, or none. Mounted by listing ``bot.learning.api`` in
``ransel.app.ROUTE_PROVIDERS``.
"""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.db import transaction
from bot.runtime import Runtime

from .activity import ingest
from .activity_tokens import school_for_token
from .statements import StatementErrors

log = logging.getLogger(__name__)
MAX_BODY = 2 * 1024 * 1024


def routes(runtime: Runtime) -> list[BaseRoute]:
    sessions, clock = runtime.sessions, runtime.clock

    async def post_activity(request: Request) -> JSONResponse:
        token = _bearer(request.headers.get("authorization"))
        with transaction(sessions) as session:
            school_id = school_for_token(session, token, clock.utcnow())
        if school_id is None:
            return JSONResponse(
                {"error": "unauthorized", "errors": [{"path": "", "message": "a valid school activity token is required"}]},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="ransel-activity"'},
            )
        body = await request.body()
        if len(body) > MAX_BODY:
            return _error(StatementErrors(413, "body_too_large", [{"path": "", "message": f"at most {MAX_BODY} bytes"}]))
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _error(StatementErrors(400, "invalid_json", [{"path": "", "message": f"the body is not JSON: {exc}"}]))
        if not isinstance(payload, (dict, list)):
            return _error(StatementErrors(400, "invalid_statement", [{"path": "", "message": "send a statement object or an array of them"}]))
        try:
            with transaction(sessions) as session:
                result = ingest(session, school_id, payload, clock=clock)
        except StatementErrors as exc:
            log.info("activity refused school=%s code=%s problems=%d", school_id, exc.code, len(exc.errors))
            return _error(exc)
        log.info("activity school=%s stored=%d duplicates=%d", school_id, len(result.stored), len(result.duplicates))
        return JSONResponse({"stored": result.stored, "duplicates": result.duplicates})

    return [Route("/api/activity", post_activity, methods=["POST"])]


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _error(exc: StatementErrors) -> JSONResponse:
    return JSONResponse({"error": exc.code, "errors": exc.errors}, status_code=exc.status)
