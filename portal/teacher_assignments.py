"""Homework, tests, projects and things to bring for the teacher's groups.

- ``GET  /teacher/groups/{id}/assignments``   what the group has coming that the teacher added
- ``GET  /teacher/assignments/new``            the form (``?group=ID``)
- ``POST /teacher/assignments/new``            the form again: search aims and resources, or save
- ``GET  /teacher/aims``                       LK20 aims matching ``q`` (JSON; ``assign.js``)
- ``POST /teacher/assignments/{id}/move``      another date
- ``GET|POST /teacher/assignments/{id}/remove``  asks, then removes
- ``POST /teacher/undo``                       "angre": the latest change back as it was

The aims search works without script: its button posts the whole form back and the page
comes back with what was written and the aims found (``bot.learning.search.topic_aims``);
with script, ``assign.js`` asks ``/teacher/aims`` as the teacher types. Resources come from
the catalogue search (``bot.learning.search.search``). Saving is
:func:`bot.services.teaching.add_assignment`, as in chat; when a resource is linked, the
"too hard" check (:func:`bot.learning.too_hard.check_group_assignment`) runs first and
its warnings are shown before anything is saved, with a second button to save anyway.
Moving and removing are the chat's ``move_assignment``/``remove_assignment``, and whoever
a reminder about the old day already reached gets the same correction
(:func:`bot.services.teaching.correct_reminded`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.access import AccessDenied, taught_group_ids
from bot.learning.search import search, topic_aims
from bot.learning.too_hard import check_group_assignment
from bot.models import Assignment, AssignmentKind, CompetenceAim, Group, LearningResource, Role
from bot.runtime import Runtime
from bot.services import changes
from bot.services.teaching import (
    InvalidAssignment,
    add_assignment,
    correct_reminded,
    move_assignment,
    own_upcoming,
    remove_assignment,
    snapshot,
    taught_groups,
)
from bot.services.undo import undo_last
from portal.teacher_common import formatter, own_group, teacher
from portal.web import Viewer, form, in_thread, page, refusal, render, texts

KINDS = [AssignmentKind.HOMEWORK, AssignmentKind.TEST, AssignmentKind.PROJECT, AssignmentKind.BRING]
DEFAULT_TIME = {AssignmentKind.TEST: time(8, 30)}
AIMS_FOUND = 15
RESOURCES_FOUND = 8
_CODE = re.compile(r"\bKM\d{2,5}\b", re.IGNORECASE)


@dataclass
class AssignmentDraft:
    group: str = ""
    kind: str = AssignmentKind.HOMEWORK.value
    title: str = ""
    description: str = ""
    day: str = ""
    at: str = ""
    max_score: str = ""
    aims: list[str] = field(default_factory=list)
    aim_query: str = ""
    resource: str = ""
    resource_query: str = ""
    confirmed_for: str = ""  # "group:resource" the teacher saw the too-hard warnings for
    problems: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, data: FormData) -> AssignmentDraft:
        return cls(group=str(data.get("group") or ""), kind=str(data.get("kind") or ""),
                   title=str(data.get("title") or ""), description=str(data.get("description") or ""),
                   day=str(data.get("day") or ""), at=str(data.get("at") or ""),
                   max_score=str(data.get("max_score") or ""),
                   aims=[str(a) for a in data.getlist("aims") if a],
                   aim_query=str(data.get("aim_query") or ""), resource=str(data.get("resource") or ""),
                   resource_query=str(data.get("resource_query") or ""),
                   confirmed_for=str(data.get("confirmed_for") or ""))

    @property
    def warning_key(self) -> str:
        return f"{self.group}:{self.resource}"


def find_aims(session: Session, query: str, subject_code: str | None) -> list[CompetenceAim]:
    """Aims for a search text: codes written out ("KM282"), else the aims whose wording (or
    whose resources) match every word, in the group's subject first."""
    codes = {c.upper() for c in _CODE.findall(query)}
    words = _CODE.sub(" ", query).strip()
    if words:
        codes |= topic_aims(session, words, subject_code) or topic_aims(session, words)
    if not codes:
        return []
    rows = session.scalars(select(CompetenceAim).where(CompetenceAim.code.in_(codes))).all()
    return sorted(rows, key=lambda a: (a.subject_code != subject_code, a.after_grade, a.code))[:AIMS_FOUND]


def routes(runtime: Runtime) -> list[BaseRoute]:
    clock = runtime.clock

    def form_context(session: Session, viewer: Viewer, draft: AssignmentDraft, search_now: bool) -> dict[str, Any]:
        me = teacher(session, viewer)
        groups = taught_groups(session, me, clock)
        group = next((g for g in groups if str(g.id) == draft.group), None)
        subject = group.subject_code if group else None
        chosen = list(session.scalars(select(CompetenceAim).where(CompetenceAim.code.in_(draft.aims))))
        found_aims = find_aims(session, draft.aim_query, subject) if search_now and draft.aim_query.strip() else []
        resources: list[LearningResource] = []
        if search_now and draft.resource_query.strip():
            resources = [h.resource for h in search(session, me, text=draft.resource_query, limit=RESOURCES_FOUND)]
        if draft.resource.isdigit():
            current = session.get(LearningResource, int(draft.resource))
            if current is not None and current not in resources:
                resources.insert(0, current)
        return {"groups": groups, "chosen_aims": chosen,
                "found_aims": [a for a in found_aims if a.code not in draft.aims],
                "resources": resources, "searched": search_now, "kinds": [k.value for k in KINDS]}

    def show(request: Request, viewer: Viewer, draft: AssignmentDraft, context: dict[str, Any],
             status_code: int = 200, warnings: list[str] | None = None) -> Response:
        return render(request, "teacher_assignment_new.html.j2", viewer=viewer, draft=draft, warnings=warnings or [],
                      status_code=status_code, **context)

    @page(Role.TEACHER)
    async def new(request: Request, viewer: Viewer) -> Response:
        if request.method == "GET":
            draft = AssignmentDraft(group=request.query_params.get("group", ""))
            context = await in_thread(runtime, lambda s: form_context(s, viewer, draft, False))
            if not context["groups"]:
                return refusal(request, viewer)
            return show(request, viewer, draft, context)
        data = await form(request)
        draft = AssignmentDraft.read(data)
        if data.get("action") != "save":  # a search, or a search field's Enter
            context = await in_thread(runtime, lambda s: form_context(s, viewer, draft, True))
            return show(request, viewer, draft, context)
        return await save(request, viewer, draft)

    def parse(draft: AssignmentDraft, language: str) -> dict[str, Any]:
        t = texts(language)["teacher"]
        out: dict[str, Any] = {}
        try:
            out["kind"] = AssignmentKind(draft.kind)
            if out["kind"] not in KINDS:
                raise ValueError(draft.kind)
        except ValueError:
            draft.problems["kind"] = t["choose_kind"]
        if not draft.group.isdigit():
            draft.problems["group"] = t["choose_group"]
        if not draft.title.strip():
            draft.problems["title"] = t["empty_title"]
        try:
            day = date.fromisoformat(draft.day)
            at = time.fromisoformat(draft.at) if draft.at else DEFAULT_TIME.get(out.get("kind"), time(8, 0))  # type: ignore[arg-type]
            out["due"] = datetime.combine(day, at, tzinfo=clock.zone)
        except ValueError:
            draft.problems["day"] = t["bad_date"]
        out["max_score"] = None
        if draft.max_score.strip():
            try:
                out["max_score"] = float(draft.max_score.replace(",", "."))
                if out["max_score"] <= 0:
                    raise ValueError(draft.max_score)
            except ValueError:
                draft.problems["max_score"] = t["bad_score"]
        if draft.resource and not draft.resource.isdigit():
            draft.problems["resource"] = t["invalid"]["resource"]
        return out

    async def save(request: Request, viewer: Viewer, draft: AssignmentDraft) -> Response:
        values = parse(draft, viewer.language)
        t = texts(viewer.language)["teacher"]

        def work(session: Session) -> tuple[str, Any]:
            me = teacher(session, viewer)
            if draft.problems:
                return "form", form_context(session, viewer, draft, False)
            group = own_group(session, viewer, int(draft.group), clock)
            resource = session.get(LearningResource, int(draft.resource)) if draft.resource else None
            if draft.resource and resource is None:
                draft.problems["resource"] = t["invalid"]["resource"]
                return "form", form_context(session, viewer, draft, False)
            if resource is not None and draft.confirmed_for != draft.warning_key:
                # Shown before anything is saved: the teacher decides with the warning in view.
                warned = [w.message for w in check_group_assignment(session, me, resource, group.id, clock=clock)]
                if warned:
                    return "warn", (form_context(session, viewer, draft, False), warned)
            try:
                added = add_assignment(session, me, group_id=group.id, kind=values["kind"], title=draft.title,
                                       due=values["due"], clock=clock, description=draft.description or None,
                                       aims=draft.aims or None, resource_id=resource.id if resource else None,
                                       max_score=values["max_score"])
            except InvalidAssignment as error:
                draft.problems["day" if error.code.startswith("due") else "title" if error.code == "title"
                               else "aims" if error.code == "aims" else "resource"] = t["invalid"][error.code]
                return "form", form_context(session, viewer, draft, False)
            changes.record(session, me, changes.HOMEWORK, {"assignment_id": added.assignment.id}, clock)
            return "saved", (group.id, added.assignment.id)

        try:
            outcome, payload = await in_thread(runtime, work)
        except AccessDenied:
            return refusal(request, viewer)
        if outcome == "form":
            return show(request, viewer, draft, payload, status_code=400)
        if outcome == "warn":
            context, warned = payload
            return show(request, viewer, draft, context, status_code=200, warnings=warned)
        group_id, assignment_id = payload
        return RedirectResponse(f"/teacher/groups/{group_id}/assignments?added={assignment_id}", status_code=303)

    @page(Role.TEACHER)
    async def aims(request: Request, viewer: Viewer) -> Response:
        query = request.query_params.get("q", "")[:200]
        group_ref = request.query_params.get("group", "")

        def load(session: Session) -> list[dict[str, str]]:
            me = teacher(session, viewer)
            subject = None
            if group_ref.isdigit() and int(group_ref) in taught_group_ids(session, me, clock.today()):
                group = session.get(Group, int(group_ref))
                subject = group.subject_code if group else None
            return [{"code": a.code, "text": a.text(viewer.language), "subject": a.subject_code}
                    for a in find_aims(session, query, subject)]

        found = await in_thread(runtime, load) if query.strip() else []
        return JSONResponse({"aims": found}, headers={"Cache-Control": "no-store"})

    @page(Role.TEACHER)
    async def group_assignments(request: Request, viewer: Viewer) -> Response:
        group_id = request.path_params["id"]

        def load(session: Session) -> dict[str, Any]:
            group = own_group(session, viewer, group_id, clock)
            mine = [a for a in own_upcoming(session, teacher(session, viewer), clock) if a.group_id == group.id]
            return {"group": group, "items": [{"id": a.id, "kind": a.kind.value, "title": a.title,
                                               "aims": [aim.code for aim in a.aims], "due": clock.local(a.due_at)}
                                              for a in mine]}

        try:
            found = await in_thread(runtime, load)
        except AccessDenied:
            return refusal(request, viewer)
        added = request.query_params.get("added")
        return render(request, "teacher_assignments.html.j2", viewer=viewer, fmt=formatter(viewer),
                      added=int(added) if added and added.isdigit() else None,
                      done=request.query_params.get("done"), corrected=request.query_params.get("corrected"),
                      problem=request.query_params.get("problem"), **found)

    def owned(session: Session, viewer: Viewer, assignment_id: int) -> Assignment:
        """The viewer's own upcoming item (the ones chat lets them change); others refused."""
        me = teacher(session, viewer)
        found = next((a for a in own_upcoming(session, me, clock) if a.id == assignment_id), None)
        if found is None:
            raise AccessDenied()
        return found

    @page(Role.TEACHER)
    async def move(request: Request, viewer: Viewer) -> Response:
        assignment_id = request.path_params["id"]
        data = await form(request)

        def work(session: Session) -> str:
            me = teacher(session, viewer)
            item = owned(session, viewer, assignment_id)
            group_id = item.group_id
            try:
                day = date.fromisoformat(str(data.get("day") or ""))
                at = time.fromisoformat(str(data.get("at"))) if data.get("at") else clock.local(item.due_at).time()
                due = datetime.combine(day, at.replace(tzinfo=None), tzinfo=clock.zone)
            except ValueError:
                return f"/teacher/groups/{group_id}/assignments?problem=bad_date"
            before = snapshot(item)
            try:
                changed = move_assignment(session, me, assignment_id, due, clock)
            except InvalidAssignment as error:
                return f"/teacher/groups/{group_id}/assignments?problem={error.code}"
            corrected = correct_reminded(session, assignment_id, changed, clock)
            changes.record(session, me, changes.HOMEWORK_CHANGE, before, clock)
            return f"/teacher/groups/{group_id}/assignments?done=moved&corrected={corrected}"

        try:
            target = await in_thread(runtime, work)
        except AccessDenied:
            return refusal(request, viewer)
        return RedirectResponse(target, status_code=303)

    @page(Role.TEACHER)
    async def remove(request: Request, viewer: Viewer) -> Response:
        assignment_id = request.path_params["id"]
        confirmed = request.method == "POST" and (await form(request)).get("confirm") == "1"

        def work(session: Session) -> tuple[str, Any]:
            me = teacher(session, viewer)
            item = owned(session, viewer, assignment_id)
            group_id = item.group_id
            if not confirmed:
                group = session.get_one(Group, group_id)
                return "ask", {"assignment": item, "group": group, "due": clock.local(item.due_at)}
            before = snapshot(item)
            changed = remove_assignment(session, me, assignment_id, clock)
            corrected = correct_reminded(session, assignment_id, changed, clock)
            changes.record(session, me, changes.HOMEWORK_CHANGE, before, clock)
            return "done", f"/teacher/groups/{group_id}/assignments?done=removed&corrected={corrected}"

        try:
            outcome, payload = await in_thread(runtime, work)
        except AccessDenied:
            return refusal(request, viewer)
        if outcome == "ask":
            return render(request, "teacher_assignment_remove.html.j2", viewer=viewer, fmt=formatter(viewer),
                          **payload)
        return RedirectResponse(payload, status_code=303)

    @page(Role.TEACHER)
    async def undo(request: Request, viewer: Viewer) -> Response:
        """"Angre", as in chat: the teacher's latest change (an item added, moved or removed)
        goes back as it was, within the same time limit."""
        group = str((await form(request)).get("group") or "")

        def work(session: Session) -> str | None:
            undone = undo_last(session, teacher(session, viewer), clock)
            return undone.facts.get("title") if undone is not None else None

        title = await in_thread(runtime, work)
        back = f"/teacher/groups/{group}/assignments" if group.isdigit() else "/teacher"
        return RedirectResponse(back + ("?done=undone" if title is not None else "?done=nothing_to_undo"),
                                status_code=303)

    return [
        Route("/teacher/undo", undo, methods=["POST"]),
        Route("/teacher/groups/{id:int}/assignments", group_assignments),
        Route("/teacher/assignments/new", new, methods=["GET", "POST"]),
        Route("/teacher/aims", aims),
        Route("/teacher/assignments/{id:int}/move", move, methods=["POST"]),
        Route("/teacher/assignments/{id:int}/remove", remove, methods=["GET", "POST"]),
    ]
