"""A teacher's messages to a group or a grade: the composer, the preview, sending, and the
delivery page that follows each recipient live.

- ``GET  /teacher/broadcasts/new``            the composer (``?group=ID`` picks the group)
- ``POST /teacher/broadcasts/new``            the composer again with what was written (from the preview)
- ``POST /teacher/broadcasts/preview``        what would happen, in each recipient language
- ``POST /teacher/broadcasts``                send (now or at the time chosen)
- ``GET  /teacher/broadcasts/{id}``           delivery per recipient
- ``GET  /teacher/broadcasts/{id}/status``    the same as JSON for ``delivery.js`` (X-CSRF-Token)
- ``POST /teacher/broadcasts/{id}/cancel``    stop what has not gone out

The rules are the chat's and the API's: who may be reached is
:func:`bot.access.may_broadcast` (the targets offered and the send itself), the preview and
the send are :func:`bot.services.broadcasts.preview_broadcast` and ``send_broadcast``, the
delivery report is ``summary`` (names only of recipients in the teacher's own groups),
following and cancelling is :func:`bot.access.may_follow_broadcast`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.access import may_broadcast, may_follow_broadcast, staff_schools
from bot.i18n import Formatter
from bot.models import Audience, Broadcast, BroadcastScope, Group, Person, Role, School
from bot.runtime import Runtime
from bot.services import changes
from bot.services.broadcasts import (
    MAX_TEXT,
    BroadcastError,
    Summary,
    cancel_broadcast,
    preview_broadcast,
    send_broadcast,
    summary,
)
from bot.services.teaching import taught_groups
from portal.teacher_common import formatter, teacher
from portal.web import Viewer, csrf_ok, form, in_thread, page, refusal, render, texts

# Statuses that may still change: the delivery page keeps asking while any row has one.
LIVE = {"queued", "sent", "digested"}
# Why a copy was not sent, as the dispatcher and cancel record it, with a text in the locale.
REASONS = {"no_person", "opted_out", "paused", "category_off", "no_address", "nothing_to_say", "cancelled"}


@dataclass
class Draft:
    """The composer's fields as written, and what is wrong with them (field -> message)."""

    target: str = ""
    audience: str = Audience.GUARDIANS.value
    when: str = "now"
    at: str = ""
    urgent: bool = False
    text: str = ""
    problems: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, data: FormData) -> Draft:
        return cls(target=str(data.get("target") or ""), audience=str(data.get("audience") or ""),
                   when=str(data.get("when") or "now"), at=str(data.get("at") or ""),
                   urgent=data.get("urgent") == "1", text=str(data.get("text") or ""))


@dataclass(frozen=True)
class Target:
    value: str  # "group:12", "grade:4", "school"
    label: str
    urgent: bool = False  # may the author send an urgent message here (the same rule, asked)


def targets(session: Session, author: Person, runtime: Runtime, language: str) -> list[Target]:
    """What the author may send to: their groups, and a grade or the whole school where
    :func:`may_broadcast` allows it (a school that lets teachers broadcast widely)."""
    t = texts(language)["teacher"]
    groups = taught_groups(session, author, runtime.clock)
    found = [Target(f"group:{g.id}", g.name,
                    may_broadcast(session, author, g.school_id, BroadcastScope.GROUP, g.id, urgent=True))
             for g in groups if may_broadcast(session, author, g.school_id, BroadcastScope.GROUP, g.id)]
    schools = staff_schools(session, author)
    if schools:
        school_id = schools[0]  # the school a grade or school broadcast goes to (the service's choice)
        for grade in sorted({g.grade for g in groups if g.grade is not None and g.school_id == school_id}):
            if may_broadcast(session, author, school_id, BroadcastScope.GRADE, None):
                found.append(Target(f"grade:{grade}", t["grade"].format(grade=grade),
                                    may_broadcast(session, author, school_id, BroadcastScope.GRADE, None, urgent=True)))
        if may_broadcast(session, author, school_id, BroadcastScope.SCHOOL, None):
            school = session.get(School, school_id)
            found.append(Target("school", t["whole_school"].format(school=school.name if school else ""),
                                may_broadcast(session, author, school_id, BroadcastScope.SCHOOL, None, urgent=True)))
    return found


def arguments(session: Session, draft: Draft, runtime: Runtime, language: str) -> dict[str, Any]:
    """The service's keyword arguments for a draft; problems are noted on the draft."""
    t = texts(language)["teacher"]
    args: dict[str, Any] = {"text": draft.text, "urgent": draft.urgent, "language": language}
    kind, _, ref = draft.target.partition(":")
    if kind == "group" and ref.isdigit():
        group = session.get(Group, int(ref))
        args.update(scope=BroadcastScope.GROUP, group=group.sourced_id if group else f"#{ref}")
    elif kind == "grade" and ref.isdigit():
        args.update(scope=BroadcastScope.GRADE, grade=int(ref))
    elif kind == "school":
        args.update(scope=BroadcastScope.SCHOOL)
    else:
        draft.problems["target"] = t["choose_target"]
    try:
        args["audience"] = Audience(draft.audience)
    except ValueError:
        draft.problems["audience"] = t["choose_audience"]
    args["send_at"] = None
    if draft.when == "later":
        try:
            args["send_at"] = datetime.fromisoformat(draft.at).replace(tzinfo=runtime.clock.zone)
        except ValueError:
            draft.problems["at"] = t["bad_time"]
    if not draft.text.strip():
        draft.problems["text"] = t["empty_text"]
    return args


_ERROR_FIELD = {"empty": "text", "too_long": "text", "past": "at", "unknown_group": "target", "not_allowed": "target",
                "no_grade": "target", "no_school": "target"}


def status_code(status: str, reason: str | None) -> str:
    """A recipient's status as the page names it: a copy withdrawn by cancelling is "cancelled"."""
    return "cancelled" if status == "skipped" and reason == "cancelled" else status


def delivery_rows(report: Summary, fmt: Formatter, language: str, zone: ZoneInfo) -> list[dict[str, Any]]:
    t = texts(language)["teacher"]
    rows = []
    for r in report.recipients:
        if r.name is None:
            continue
        code = status_code(r.status, r.reason)
        moment = r.delivered_at or r.sent_at
        rows.append({
            "person": r.person_id, "name": r.name, "status": code, "label": t["status"][code],
            "channel": t["channels"].get(r.channel or "", "") if r.channel else "",
            "at": fmt.time(moment.astimezone(zone)) if moment else "",
            "reason": t["reasons"][r.reason] if r.reason in REASONS and code != "cancelled" else "",
        })
    return rows


def totals_text(report: Summary, language: str) -> str:
    t = texts(language)["teacher"]
    counts: dict[str, int] = {}
    for r in report.recipients:
        code = status_code(r.status, r.reason)
        counts[code] = counts.get(code, 0) + 1
    parts = [f"{n} {t['status'][code]}" for code, n in sorted(counts.items(), key=lambda kv: ORDER.index(kv[0]))]
    return t["totals"].format(count=len(report.recipients), parts=", ".join(parts)) if parts else t["no_recipients"]


ORDER = ["queued", "digested", "sent", "delivered", "read", "failed", "skipped", "cancelled"]


def routes(runtime: Runtime) -> list[BaseRoute]:
    clock = runtime.clock

    @page(Role.TEACHER)
    async def new(request: Request, viewer: Viewer) -> Response:
        if request.method == "POST":
            draft = Draft.read(await form(request))
        else:
            draft = Draft(target=f"group:{request.query_params.get('group', '')}")
        choices = await in_thread(runtime, lambda s: targets(s, teacher(s, viewer), runtime, viewer.language))
        if not choices:
            return refusal(request, viewer)
        return render(request, "teacher_broadcast_new.html.j2", viewer=viewer, draft=draft, choices=choices,
                      max_text=MAX_TEXT)

    async def checked(request: Request, viewer: Viewer, send: bool) -> Response:
        draft = Draft.read(await form(request))

        def work(session: Session) -> tuple[list[Target], Any]:
            author = teacher(session, viewer)
            choices = targets(session, author, runtime, viewer.language)
            args = arguments(session, draft, runtime, viewer.language)
            if draft.problems:
                return choices, None
            try:
                if send:
                    broadcast = send_broadcast(session, author, clock=clock, **args)
                    changes.record(session, author, changes.BROADCAST, {"broadcast_id": broadcast.id}, clock)
                    return choices, broadcast.id
                return choices, preview_broadcast(session, author, clock=clock, **args)
            except BroadcastError as error:
                draft.problems[_ERROR_FIELD.get(error.code, "text")] = str(error)
                return choices, None

        choices, outcome = await in_thread(runtime, work)
        if outcome is None:
            return render(request, "teacher_broadcast_new.html.j2", viewer=viewer, draft=draft, choices=choices,
                          max_text=MAX_TEXT, status_code=400)
        if send:
            return RedirectResponse(f"/teacher/broadcasts/{outcome}?sent=1", status_code=303)
        label = next((c.label for c in choices if c.value == draft.target), draft.target)
        return render(request, "teacher_broadcast_preview.html.j2", viewer=viewer, draft=draft, preview=outcome,
                      target_label=label, fmt=formatter(viewer))

    @page(Role.TEACHER)
    async def preview(request: Request, viewer: Viewer) -> Response:
        return await checked(request, viewer, send=False)

    @page(Role.TEACHER)
    async def create(request: Request, viewer: Viewer) -> Response:
        return await checked(request, viewer, send=True)

    def followed(session: Session, viewer: Viewer, broadcast_id: int) -> tuple[Person, Broadcast] | None:
        reader = teacher(session, viewer)
        broadcast = session.get(Broadcast, broadcast_id)
        if broadcast is None or not may_follow_broadcast(session, reader, broadcast):
            return None
        return reader, broadcast

    def report(session: Session, viewer: Viewer, broadcast_id: int) -> dict[str, Any] | None:
        found = followed(session, viewer, broadcast_id)
        if found is None:
            return None
        reader, broadcast = found
        result = summary(session, broadcast, reader, clock.today())
        fmt = formatter(viewer)
        rows = delivery_rows(result, fmt, viewer.language, clock.zone)
        group = session.get(Group, broadcast.group_id) if broadcast.group_id else None
        school = session.get(School, broadcast.school_id)
        t = texts(viewer.language)["teacher"]
        target = (group.name if group else t["grade"].format(grade=broadcast.grade) if broadcast.grade
                  else t["whole_school"].format(school=school.name if school else ""))
        statuses = [status_code(r.status, r.reason) for r in result.recipients]
        return {
            "broadcast": broadcast, "rows": rows, "unnamed": sum(r.name is None for r in result.recipients),
            "totals": totals_text(result, viewer.language), "target": target,
            "send_at": clock.local(broadcast.send_at), "live": any(s in LIVE for s in statuses),
            "cancellable": broadcast.cancelled_at is None and "queued" in statuses,
            "cancelled": broadcast.cancelled_at is not None,
        }

    @page(Role.TEACHER)
    async def delivery(request: Request, viewer: Viewer) -> Response:
        found = await in_thread(runtime, lambda s: report(s, viewer, request.path_params["id"]))
        if found is None:
            return refusal(request, viewer)
        return render(request, "teacher_broadcast.html.j2", viewer=viewer, fmt=formatter(viewer),
                      sent=request.query_params.get("sent") == "1",
                      stopped=request.query_params.get("stopped"), **found)

    @page(Role.TEACHER)
    async def delivery_status(request: Request, viewer: Viewer) -> Response:
        if not csrf_ok(runtime, viewer, request.headers.get("x-csrf-token")):
            return JSONResponse({"error": "csrf"}, status_code=403)
        found = await in_thread(runtime, lambda s: report(s, viewer, request.path_params["id"]))
        if found is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return JSONResponse({"recipients": found["rows"], "totals": found["totals"], "live": found["live"],
                             "cancellable": found["cancellable"]}, headers={"Cache-Control": "no-store"})

    @page(Role.TEACHER)
    async def cancel(request: Request, viewer: Viewer) -> Response:
        broadcast_id = request.path_params["id"]

        def work(session: Session) -> int | None:
            found = followed(session, viewer, broadcast_id)
            if found is None:
                return None
            return cancel_broadcast(session, found[1], clock=clock)

        stopped = await in_thread(runtime, work)
        if stopped is None:
            return refusal(request, viewer)
        return RedirectResponse(f"/teacher/broadcasts/{broadcast_id}?stopped={stopped}", status_code=303)

    return [
        Route("/teacher/broadcasts/new", new, methods=["GET", "POST"]),
        Route("/teacher/broadcasts/preview", preview, methods=["POST"]),
        Route("/teacher/broadcasts", create, methods=["POST"]),
        Route("/teacher/broadcasts/{id:int}", delivery),
        Route("/teacher/broadcasts/{id:int}/status", delivery_status),
        Route("/teacher/broadcasts/{id:int}/cancel", cancel, methods=["POST"]),
    ]


def recent(session: Session, author: Person, limit: int = 10) -> list[Broadcast]:
    """The author's latest broadcasts, newest first (for the teacher's front page)."""
    return list(session.scalars(select(Broadcast).where(Broadcast.author_id == author.id)
                                .order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit)))
