"""The signed-in person's own page: who they are signed in as, and the language of Ransel's
pages and messages (the same setting as "svar meg på nynorsk" in chat)."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.i18n import SUPPORTED
from bot.models import Person
from bot.runtime import Runtime
from portal.web import Viewer, form, in_thread, page, render


def routes(runtime: Runtime) -> list[BaseRoute]:

    @page()
    async def account(request: Request, viewer: Viewer) -> Response:
        return render(request, "account.html.j2", viewer=viewer, saved=request.query_params.get("saved") == "1")

    @page()
    async def set_language(request: Request, viewer: Viewer) -> Response:
        chosen = str((await form(request)).get("language") or "")
        if chosen not in SUPPORTED:
            return render(request, "account.html.j2", viewer=viewer, status_code=400, bad_language=True)

        def save(session: Session) -> None:
            person = session.get_one(Person, viewer.person_id)
            person.language, person.language_chosen = chosen, True

        await in_thread(runtime, save)
        return RedirectResponse("/account?saved=1", status_code=303)

    return [Route("/account", account), Route("/account/language", set_language, methods=["POST"])]
