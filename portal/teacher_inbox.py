"""Private questions from guardians and pupils to this teacher, answered on the page.

- ``GET  /teacher/questions``                the teacher's threads, those waiting first
- ``GET  /teacher/questions/{id}``           one thread
- ``POST /teacher/questions/{id}/answer``    the answer, into the same thread as chat's "svar 12 ..."

The threads are :mod:`bot.services.relay`'s: only the thread's teacher sees it, the answer
goes through :func:`bot.services.relay.answer` to the person who asked and nobody else, by
the outbox as a chat answer does (template ``teacher_answer``, the asker's channel and
language). A thread that is not the teacher's gets the same page as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.access import AccessDenied
from bot.clock import Clock
from bot.models import Person, Role, Thread
from bot.runtime import Runtime
from bot.services import relay
from portal.teacher_common import formatter, teacher
from portal.web import Viewer, form, in_thread, page, refusal, render


def waiting_count(session: Session, me: Person, clock: Clock) -> int:
    return len(relay.awaiting_answer(session, me))


def _view(session: Session, thread: Thread, me: Person, clock: Clock) -> dict[str, Any]:
    asker = session.get_one(Person, thread.asker_id)
    pupil = session.get(Person, thread.pupil_id) if thread.pupil_id else None
    people = {me.id: me.name, asker.id: asker.name}
    messages = [{"author": people.get(m.author_id, ""), "mine": m.author_id == me.id, "text": m.text,
                 "at": clock.local(m.created_at)} for m in thread.messages]
    waiting = bool(thread.messages) and thread.messages[-1].author_id != me.id and thread.closed_at is None
    return {"thread": thread, "asker": asker.name, "pupil": pupil.name if pupil else "",
            "asker_is_pupil": pupil is not None and pupil.id == asker.id, "messages": messages,
            "waiting": waiting, "closed": thread.closed_at is not None,
            "first": messages[0]["text"] if messages else "", "last_at": messages[-1]["at"] if messages else None}


def routes(runtime: Runtime) -> list[BaseRoute]:
    clock = runtime.clock

    @page(Role.TEACHER)
    async def inbox(request: Request, viewer: Viewer) -> Response:
        def load(session: Session) -> list[dict[str, Any]]:
            me = teacher(session, viewer)
            views = [_view(session, t, me, clock) for t in relay.threads_of(session, me)]
            return sorted(views, key=lambda v: not v["waiting"])

        threads = await in_thread(runtime, load)
        return render(request, "teacher_inbox.html.j2", viewer=viewer, threads=threads, fmt=formatter(viewer))

    def one(session: Session, viewer: Viewer, thread_id: int) -> dict[str, Any]:
        me = teacher(session, viewer)
        thread = relay.thread_of(session, me, thread_id)
        open_now = relay.still_open(session, thread, clock)
        view = _view(session, thread, me, clock)
        view["closed"] = not open_now
        return view

    @page(Role.TEACHER)
    async def thread_page(request: Request, viewer: Viewer) -> Response:
        try:
            found = await in_thread(runtime, lambda s: one(s, viewer, request.path_params["id"]))
        except AccessDenied:
            return refusal(request, viewer)
        return render(request, "teacher_thread.html.j2", viewer=viewer, fmt=formatter(viewer),
                      answered=request.query_params.get("answered") == "1", problem=None, draft="", **found)

    @page(Role.TEACHER)
    async def answer(request: Request, viewer: Viewer) -> Response:
        thread_id = request.path_params["id"]
        text = str((await form(request)).get("text") or "").strip()

        def work(session: Session) -> dict[str, Any] | None:
            me = teacher(session, viewer)
            relay.thread_of(session, me, thread_id)  # not theirs: refused before anything else
            if not text or len(text) > relay.MAX_TEXT:
                view = one(session, viewer, thread_id)
                view["problem"] = "empty" if not text else "too_long"
                return view
            relay.answer(session, me, thread_id, text, clock)
            return None

        try:
            problem = await in_thread(runtime, work)
        except AccessDenied:
            return refusal(request, viewer)
        if problem is not None:
            return render(request, "teacher_thread.html.j2", viewer=viewer, fmt=formatter(viewer), answered=False,
                          draft=text, status_code=400, **problem)
        return RedirectResponse(f"/teacher/questions/{thread_id}?answered=1", status_code=303)

    return [
        Route("/teacher/questions", inbox),
        Route("/teacher/questions/{id:int}", thread_page),
        Route("/teacher/questions/{id:int}/answer", answer, methods=["POST"]),
    ]
