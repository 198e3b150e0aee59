"""HTTP: the school's reminder rules, teacher broadcasts, and private calendar feeds.

Staff authenticate with ``Authorization: Bearer <token>`` of purpose ``admin``
(``bot.api_tokens``): school admins may read and replace their school's rules; teachers and
school admins may send broadcasts and see their delivery. Calendar feeds are authenticated
by the secret in their URL. Refusals say nothing about what exists.

- ``GET  /api/schools/{school}/reminders``   the rules as YAML, as the school wrote them
- ``PUT  /api/schools/{school}/reminders``   replace them (YAML body); 422 names bad lines
- ``POST /api/broadcasts``                   send now or at ``send_at`` (JSON)
- ``GET  /api/broadcasts/{id}``              per-recipient status and totals
- ``DELETE /api/broadcasts/{id}``            cancel what has not gone out
- ``GET  /calendar/{token}.ics``             the holder's calendar
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot import api_tokens
from bot import reminder_rules as rules
from bot.access import admin_school_ids, may_follow_broadcast
from bot.models import Audience, Broadcast, BroadcastScope, Person, School
from bot.reminder_rules import MAX_RULES_BYTES
from bot.runtime import Runtime
from bot.services.broadcasts import BroadcastError, cancel_broadcast, send_broadcast, summary
from scheduler import ical

STAFF_PURPOSE = "admin"


def _staff(request: Request, session: Session) -> Person | None:
    now = request.app.state.runtime.clock.utcnow()
    return api_tokens.resolve(session, api_tokens.bearer(request.headers.get("authorization")), STAFF_PURPOSE, now)


def _denied() -> JSONResponse:
    return JSONResponse({"error": "not_found"}, status_code=404)


def _school(session: Session, ref: str) -> School | None:
    conditions = [School.sourced_id == ref]
    if ref.isdigit():
        conditions.append(School.id == int(ref))
    return session.scalars(select(School).where(or_(*conditions))).first()


def routes(runtime: Runtime) -> list[BaseRoute]:
    clock = runtime.clock

    async def get_rules(request: Request) -> Response:
        with runtime.transaction() as session:
            admin, school = _staff(request, session), _school(session, request.path_params["school"])
            if admin is None or school is None or school.id not in admin_school_ids(session, admin):
                return _denied()
            text = rules.source_for(session, school.id) or ""
        return PlainTextResponse(text, media_type="application/yaml")

    async def put_rules(request: Request) -> Response:
        with runtime.transaction() as session:  # who asks, before a byte of the body is read
            admin, school = _staff(request, session), _school(session, request.path_params["school"])
            if admin is None or school is None or school.id not in admin_school_ids(session, admin):
                return _denied()
        body = await request.body()  # bounded by the app's body limit (bot/web/limits.py)
        with runtime.transaction() as session:
            admin, school = _staff(request, session), _school(session, request.path_params["school"])
            if admin is None or school is None:
                return _denied()
            if len(body) > MAX_RULES_BYTES:
                return JSONResponse({"errors": ["too large"]}, status_code=413)
            try:
                text = body.decode("utf-8")
                checked = rules.store(session, school, text, now=clock.now(), by_id=admin.id, language=admin.language)
            except UnicodeDecodeError:
                return JSONResponse({"errors": ["not UTF-8"]}, status_code=422)
            except rules.RuleError as exc:  # raised before anything is written
                return JSONResponse({"errors": [p.format(exc.source, exc.language) for p in exc.problems]}, status_code=422)
            warnings = [w.format("reminders.yaml", admin.language) for w in checked.warnings]
        return JSONResponse({"rules": len(checked.rules.rules), "warnings": warnings})

    async def post_broadcast(request: Request) -> Response:
        with runtime.transaction() as session:  # who asks, before the body is read
            if _staff(request, session) is None:
                return _denied()
        try:
            data: dict[str, Any] = await request.json()
            scope = BroadcastScope(data["scope"])
            audience = Audience(data.get("audience", "guardians"))
            send_at = datetime.fromisoformat(data["send_at"]) if data.get("send_at") else None
            grade = int(data["grade"]) if data.get("grade") is not None else None
            text = str(data["text"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "bad_request"}, status_code=400)
        with runtime.transaction() as session:
            author = _staff(request, session)
            if author is None:
                return _denied()
            try:
                broadcast = send_broadcast(
                    session, author, text=text, clock=clock, scope=scope, audience=audience,
                    group=data.get("group"), grade=grade, send_at=send_at, urgent=bool(data.get("urgent", False)),
                )
            except BroadcastError as exc:
                status = 403 if exc.code == "not_allowed" else 422
                return JSONResponse({"error": exc.code, "message": str(exc)}, status_code=status)
            result = summary(session, broadcast, author, clock.today()).as_dict()
        return JSONResponse(result, status_code=201)

    def _own_broadcast(request: Request, session: Session) -> tuple[Person, Broadcast] | None:
        author = _staff(request, session)
        broadcast = session.get(Broadcast, request.path_params["id"])
        if author is None or broadcast is None:
            return None
        if not may_follow_broadcast(session, author, broadcast):
            return None
        return author, broadcast

    async def get_broadcast(request: Request) -> Response:
        with runtime.transaction() as session:
            own = _own_broadcast(request, session)
            if own is None:
                return _denied()
            reader, broadcast = own
            return JSONResponse(summary(session, broadcast, reader, clock.today()).as_dict())

    async def delete_broadcast(request: Request) -> Response:
        with runtime.transaction() as session:
            own = _own_broadcast(request, session)
            if own is None:
                return _denied()
            reader, broadcast = own
            cancel_broadcast(session, broadcast, clock=clock)
            result = summary(session, broadcast, reader, clock.today()).as_dict()
        return JSONResponse(result)

    async def calendar(request: Request) -> Response:
        with runtime.transaction() as session:
            holder = api_tokens.resolve(session, request.path_params["token"], ical.PURPOSE, clock.utcnow())
            if holder is None:
                return PlainTextResponse("not found", status_code=404)
            body = ical.feed(session, holder, clock)
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={"Cache-Control": "private, max-age=900"})

    return [
        Route("/api/schools/{school}/reminders", get_rules, methods=["GET"]),
        Route("/api/schools/{school}/reminders", put_rules, methods=["PUT"]),
        Route("/api/broadcasts", post_broadcast, methods=["POST"]),
        Route("/api/broadcasts/{id:int}", get_broadcast, methods=["GET"]),
        Route("/api/broadcasts/{id:int}", delete_broadcast, methods=["DELETE"]),
        Route("/calendar/{token}.ics", calendar, methods=["GET"]),
    ]
