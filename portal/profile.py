"""The pupil profile page: what the pupil, the guardians and the teachers keep together.

``GET /profile`` lists the profiles the viewer may open (a pupil goes straight to their own);
``GET /profile/{pupil}`` shows every field with the value that counts, who set it, when and
whether Ransel computed it, the values of the other sources beside it, a form for each field
the viewer's role may set, how the pupil is doing per aim in words a pupil understands (with
the latest activity behind it), teachers' status per aim and subject in the school's
dimensions, and the history. Every change and the undo of the latest one go through
:mod:`bot.services.profile`, the same functions the chat uses; anyone who may not see the
pupil gets the same 404 as for a page that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, get_args

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.access import AccessDenied, acting_as, visible_pupils
from bot.i18n import Formatter
from bot.models import Dimension, Person, Role
from bot.profile import AIM, FIELDS, SUBJECT, Didactics, Equipment, InvalidProfileValue, LearningMethod, SpecialNeed
from bot.runtime import Runtime
from bot.services import profile as service
from portal.web import Viewer, form, in_thread, page, refusal, render, texts

# How each field is edited: several choices, one choice, yes/no or a number (min, max, step).
LANGUAGES = ("en", "nb", "nn", "se", "pl", "uk", "ar", "so", "de", "es")
INPUTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "learning_methods": ("many", get_args(LearningMethod)),
    "equipment": ("many", get_args(Equipment)),
    "special_needs": ("many", get_args(SpecialNeed)),
    "font_size": ("one", ("normal", "large", "x-large")),
    "group_preference": ("one", get_args(Didactics)),
    "situation": ("one", ("at_school", "at_home", "ill")),
    "language": ("one", LANGUAGES),
    "captions": ("bool", ()),
    "read_aloud": ("bool", ()),
    "speaking_rate": ("number", (80, 300, 10)),
    "pace": ("number", (0, 10, 0.1)),
}
assert set(INPUTS) == set(FIELDS), "every profile field needs an input on the page"


def value_from(key: str, posted: FormData) -> Any:
    """The value a field's form posted, as the profile stores it (validated by the service)."""
    kind, _ = INPUTS[key]
    if kind == "many":
        return [str(v) for v in posted.getlist("value")]
    raw = str(posted.get("value") or "").strip()
    if kind == "bool":
        return {"yes": True, "no": False}.get(raw, raw)
    if kind == "number":
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            return raw
        return int(number) if key == "speaking_rate" and number.is_integer() else number
    return raw


class Shown:
    """Values and moments as the viewer reads them (the page's language and the school's time)."""

    def __init__(self, t: dict[str, Any], language: str, runtime: Runtime) -> None:
        self.t, self.fmt, self.zone = t["profile"], Formatter(language), runtime.clock.zone

    def value(self, key: str, value: Any) -> str:
        if value is None:
            return self.t["nothing"]
        if isinstance(value, bool):
            return self.t["answer_yes"] if value else self.t["answer_no"]
        if isinstance(value, list):
            return ", ".join(self.choice(key, v) for v in value) if value else self.t["nothing"]
        if isinstance(value, float | int):
            return self.fmt.number(round(value, 2))
        return self.choice(key, value)

    def choice(self, key: str, choice: Any) -> str:
        return str(self.t["choices"].get(key, {}).get(choice, choice))

    def level(self, level: float | None) -> str:
        return self.t["levels"][service.words_for(level)]

    def when(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        return f"{self.fmt.short_date(local)} {local.year} {self.t['at']} {self.fmt.time(local)}"

    def day(self, moment: datetime) -> str:
        return self.fmt.short_date(moment.astimezone(self.zone))

    def what(self, entry: service.HistoryEntry, view: service.ProfileView) -> str:
        """What a history row is about: the field, or the aim's or subject's status."""
        if entry.scope == AIM:
            aim = view.aim_texts.get(entry.key, entry.key)
            return f"{self.t['dimensions'][entry.dimension]}: {aim}" if entry.dimension else aim
        if entry.scope == SUBJECT:
            subject = view.subject_names.get(entry.key, entry.key)
            return f"{self.t['dimensions'][entry.dimension]}: {subject}" if entry.dimension else subject
        return self.t["fields"][entry.key]

    def change_value(self, entry: service.HistoryEntry, value: Any) -> str:
        if entry.scope in (AIM, SUBJECT):
            return self.t["nothing"] if value is None else self.level(value)
        return self.value(entry.key, value)


def routes(runtime: Runtime) -> list[BaseRoute]:

    def person(session: Session, viewer: Viewer) -> Person:
        return session.get_one(Person, viewer.person_id)

    @page()
    async def index(request: Request, viewer: Viewer) -> Response:
        def pupils(session: Session) -> list[tuple[int, str]]:
            return [(p.id, p.name) for p in visible_pupils(session, person(session, viewer), runtime.clock.today())]

        found = await in_thread(runtime, pupils)
        if viewer.roles <= {Role.PUPIL} and [pid for pid, _ in found] == [viewer.person_id]:
            return RedirectResponse(f"/profile/{viewer.person_id}", status_code=303)
        return render(request, "profile_index.html.j2", viewer=viewer, pupils=found)

    async def show(request: Request, viewer: Viewer, pupil_id: int, status_code: int = 200,
                   **context: Any) -> Response:
        def read(session: Session) -> service.ProfileView | None:
            try:
                return service.view(session, person(session, viewer), pupil_id, runtime.clock, viewer.language)
            except AccessDenied:
                return None

        view = await in_thread(runtime, read)
        if view is None:
            return refusal(request, viewer)
        shown = Shown(texts(viewer.language), viewer.language, runtime)
        notice = _notice(request, view)
        return render(request, "profile.html.j2", viewer=viewer, status_code=status_code, view=view, shown=shown,
                      inputs=INPUTS, notice=notice, dimensions=list(Dimension), **context)

    @page()
    async def profile(request: Request, viewer: Viewer) -> Response:
        return await show(request, viewer, request.path_params["pupil"])

    @page()
    async def set_field(request: Request, viewer: Viewer) -> Response:
        pupil_id, key = request.path_params["pupil"], request.path_params["key"]
        if key not in FIELDS:
            return refusal(request, viewer)
        posted = await form(request)
        value = None if posted.get("remove") else value_from(key, posted)

        def save(session: Session) -> service.Saved:
            return service.set_field(session, person(session, viewer), pupil_id, key, value, runtime.clock)

        return await _saving(request, viewer, pupil_id, save, key)

    @page()
    async def set_status(request: Request, viewer: Viewer) -> Response:
        pupil_id = request.path_params["pupil"]
        posted = await form(request)
        scope = str(posted.get("scope") or "")
        try:
            dimension = Dimension(str(posted.get("dimension") or ""))
        except ValueError:
            return await show(request, viewer, pupil_id, status_code=400, problem="bad_status")
        words = str(posted.get("level") or "")
        if words and words not in service.STATUS_LEVELS:
            return await show(request, viewer, pupil_id, status_code=400, problem="bad_status")
        level = service.STATUS_LEVELS[words] if words else None
        code = str(posted.get("code") or "")

        def save(session: Session) -> service.Saved:
            return service.set_status(session, person(session, viewer), pupil_id, scope=scope, code=code,
                                      dimension=dimension, level=level, clock=runtime.clock)

        return await _saving(request, viewer, pupil_id, save, None)

    async def _saving(request: Request, viewer: Viewer, pupil_id: int, save: Callable[[Session], service.Saved],
                      key: str | None) -> Response:
        def attempt(session: Session) -> service.Saved | str:
            try:
                return save(session)
            except service.NotYours:
                return "not_allowed"
            except InvalidProfileValue:
                return "bad_value" if key else "bad_status"

        try:
            outcome = await in_thread(runtime, attempt)
        except AccessDenied:
            return refusal(request, viewer)
        if isinstance(outcome, str):
            return await show(request, viewer, pupil_id, status_code=400, problem=outcome, problem_field=key)
        query = f"saved={outcome.entry.id}" if outcome.entry is not None else f"unchanged={key or ''}"
        return RedirectResponse(f"/profile/{pupil_id}?{query}#notice", status_code=303)

    @page()
    async def undo(request: Request, viewer: Viewer) -> Response:
        pupil_id = request.path_params["pupil"]
        posted = await form(request)
        try:
            history_id = int(str(posted.get("history_id") or ""))
        except ValueError:
            history_id = 0

        def reverse(session: Session) -> service.Reverted | None:
            asker = person(session, viewer)
            acting_as(session, asker, pupil_id, runtime.clock.today())  # AccessDenied if not theirs
            return service.undo_change(session, asker, history_id, runtime.clock)

        try:
            reverted = await in_thread(runtime, reverse)
        except AccessDenied:
            return refusal(request, viewer)
        if reverted is None:
            return await show(request, viewer, pupil_id, status_code=409, problem="undo_gone")
        return RedirectResponse(f"/profile/{pupil_id}?undone={history_id}#notice", status_code=303)

    return [
        Route("/profile", index),
        Route("/profile/{pupil:int}", profile),
        Route("/profile/{pupil:int}/field/{key}", set_field, methods=["POST"]),
        Route("/profile/{pupil:int}/status", set_status, methods=["POST"]),
        Route("/profile/{pupil:int}/undo", undo, methods=["POST"]),
    ]


def _notice(request: Request, view: service.ProfileView) -> dict[str, Any] | None:
    """What the page confirms after a change (``?saved=``, ``?undone=``, ``?unchanged=``),
    read back from the history so it says exactly what is stored."""
    for kind in ("saved", "undone"):
        raw = request.query_params.get(kind, "")
        if raw.isdigit():
            entry = next((h for h in view.history if h.id == int(raw)), None)
            if entry is not None:
                return {"kind": kind, "entry": entry}
    unchanged = request.query_params.get("unchanged")
    if unchanged is not None:
        return {"kind": "unchanged", "key": unchanged if unchanged in FIELDS else None}
    return None
