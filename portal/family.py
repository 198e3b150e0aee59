"""The family page: today and the coming week for every child (or the pupil's own), results
and progress, the reminder settings, the private calendar link, consents and data rights.

Guardians and pupils only. Whom a viewer sees is :func:`bot.access.family_of` (a guardian's
children with parental responsibility, under 18; a pupil themself): a guardian without
parental responsibility, or of a child who has turned 18, sees nothing of that pupil here,
in the export or anywhere else. Every change goes through the service the chat uses
(:mod:`bot.services.preferences`, :mod:`~bot.services.calendar_feed`,
:mod:`~bot.services.consent`, :mod:`~bot.services.privacy`), and a reminder change is
confirmed in the chat's own words, with the same undo.

A school admin confirms or declines requests for deletion at ``/family/deletions``.
"""

from __future__ import annotations

import json
from datetime import time
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot import conversations
from bot.access import AccessDenied, family_of, may_consent_for
from bot.i18n import Formatter
from bot.i18n import render as render_message
from bot.models import Channel, DeliveryMode, Form, Person, Role
from bot.phrases import PreferenceRequest
from bot.runtime import Runtime
from bot.services import calendar_feed, consent, preferences, privacy, reach
from bot.services.family import family_week
from bot.services.undo import undo_last
from portal.web import Viewer, form, in_thread, page, refusal, render

CHANNELS = (Channel.SMS, Channel.TELEGRAM, Channel.WEB)
MODES = (DeliveryMode.INSTANT, DeliveryMode.DAILY, DeliveryMode.WEEKLY, DeliveryMode.OFF)


class BadForm(ValueError):
    """A field of the reminder form could not be read: ``field`` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _time(value: str, field: str) -> time | None:
    if not value.strip():
        return None
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise BadForm(field) from None


def _choice(kind: Any, value: str, field: str) -> Any:
    """The enum member ``value`` names (None for an empty field); BadForm(field) otherwise."""
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise BadForm(field) from None


def reminder_request(fields: Any, current: preferences.PreferenceView,
                     channels: tuple[Channel, ...] = CHANNELS) -> PreferenceRequest:
    """What the reminder form asks to change, as the chat's :class:`PreferenceRequest` (only
    what differs from the settings as they stand, so the confirmation names just that).
    ``channels``: those the person can be reached on (a contact point that is not stopped)."""
    def get(name: str) -> str:
        return str(fields.get(name) or "")

    wanted_stop = get("reminders") == "off"
    if wanted_stop:
        return PreferenceRequest(stop=not current.opted_out)
    resume = current.opted_out
    channel = _choice(Channel, get("channel"), "channel")
    shape = _choice(Form, get("form"), "form")
    mode = _choice(DeliveryMode, get("mode"), "mode")
    if channel is not None and channel not in channels and channel != current.channel:
        raise BadForm("channel")
    at = _time(get("preferred_time"), "preferred_time")
    quiet_start = _time(get("quiet_start"), "quiet_start")
    quiet_end = _time(get("quiet_end"), "quiet_end")
    weekends = get("quiet_weekends") == "on"
    modes = set(current.modes.values())
    current_mode = next(iter(modes)) if len(modes) == 1 else None
    return PreferenceRequest(
        channel=channel if channel is not None and channel != current.channel else None,
        form=shape if shape is not None and shape != current.form else None,
        preferred_time=at if at is not None and at != current.preferred_time else None,
        quiet_start=quiet_start if quiet_start is not None and quiet_start != current.quiet_start else None,
        quiet_end=quiet_end if quiet_end is not None and quiet_end != current.quiet_end else None,
        quiet_weekends=weekends if weekends != current.quiet_weekends else None,
        mode=mode if mode is not None and mode != (current_mode or DeliveryMode.INSTANT) else None,
        resume=resume,
    )


def routes(runtime: Runtime) -> list[BaseRoute]:
    clock = runtime.clock
    trackers: dict[str, Engine | None] = {}

    def tracker() -> Engine | None:
        url = runtime.settings.engine_tracker_url
        if trackers.get(url) is None:
            trackers[url] = conversations.tracker_engine(url)
        return trackers[url]

    def person(session: Session, viewer: Viewer) -> Person:
        return session.get_one(Person, viewer.person_id)

    def reachable(session: Session, me: Person) -> tuple[Channel, ...]:
        """The channels the person has an open address on (the scheduler's own reading),
        plus the one they chose: the choices of the channel field."""
        found = reach.load(session, [me.id]).get(me.id)
        have = {a.channel for a in found.addresses} if found else set()
        chosen = preferences.view(session, me).channel
        return tuple(c for c in CHANNELS if c in have or c == chosen)

    def page_context(session: Session, viewer: Viewer) -> dict[str, Any]:
        me = person(session, viewer)
        today = clock.today()
        children = family_week(session, me, clock)
        consents = {}
        rights = {}
        for child in children:
            pid = child.pupil.id
            consents[pid] = consent.consents(session, me, pid, clock)
            rights[pid] = {"may_consent": may_consent_for(session, me, pid, today),
                           "deletion": privacy.open_request(session, pid)}
        modes = set(preferences.view(session, me).modes.values())
        return {
            "children": children, "consents": consents, "rights": rights, "fmt": Formatter(viewer.language),
            "prefs": preferences.view(session, me), "mode": next(iter(modes)) if len(modes) == 1 else None,
            "feed": calendar_feed.feed_status(session, me, clock), "today": today,
            "own": [c.pupil.id for c in children if c.pupil.id == me.id], "channels": reachable(session, me),
            "modes": MODES,
            "now": clock.now(),
        }

    async def show(request: Request, viewer: Viewer, status_code: int = 200, **extra: Any) -> Response:
        context = await in_thread(runtime, lambda session: page_context(session, viewer))
        return render(request, "family.html.j2", viewer=viewer, status_code=status_code, **context, **extra)

    @page(Role.GUARDIAN, Role.PUPIL)
    async def overview(request: Request, viewer: Viewer) -> Response:
        done = request.query_params.get("done")
        return await show(request, viewer, done=done if done in DONE else None)

    @page(Role.GUARDIAN, Role.PUPIL)
    async def set_reminders(request: Request, viewer: Viewer) -> Response:
        fields = await form(request)

        def save(session: Session) -> str:
            me = person(session, viewer)
            asked = reminder_request(fields, preferences.view(session, me), reachable(session, me))
            if not asked.changes_anything:
                return ""
            now = preferences.update(session, me, asked, clock)
            return render_message("reminders", viewer.language, request=asked, changed=True, prefs=now)

        try:
            said = await in_thread(runtime, save)
        except BadForm as bad:
            return await show(request, viewer, status_code=400, bad_field=bad.field)
        return await show(request, viewer, reminders_said=said, reminders_unchanged=not said)

    @page(Role.GUARDIAN, Role.PUPIL)
    async def undo(request: Request, viewer: Viewer) -> Response:
        def work(session: Session) -> str:
            undone = undo_last(session, person(session, viewer), clock)
            if undone is None:
                return render_message("undo_nothing", viewer.language)
            return render_message("undo_done", viewer.language, kind=undone.kind, today=clock.today(), **undone.facts)

        return await show(request, viewer, undo_said=await in_thread(runtime, work))

    @page(Role.GUARDIAN, Role.PUPIL)
    async def issue_calendar(request: Request, viewer: Viewer) -> Response:
        def work(session: Session) -> calendar_feed.IssuedFeed | None:
            me = person(session, viewer)
            if not family_of(session, me, clock.today()):
                return None
            return calendar_feed.issue_feed(session, me, clock, runtime.settings.public_base_url)

        issued = await in_thread(runtime, work)
        if issued is None:
            return refusal(request, viewer)
        return await show(request, viewer, issued=issued)

    @page(Role.GUARDIAN, Role.PUPIL)
    async def revoke_calendar(request: Request, viewer: Viewer) -> Response:
        ended = await in_thread(runtime, lambda session: calendar_feed.revoke_feeds(session, person(session, viewer),
                                                                                   clock))
        return RedirectResponse("/family?done=" + ("revoked" if ended else "none_live") + "#calendar", status_code=303)

    @page(Role.GUARDIAN, Role.PUPIL)
    async def set_consent(request: Request, viewer: Viewer) -> Response:
        fields = await form(request)
        granted = str(fields.get("granted") or "")

        def work(session: Session) -> None:
            consent.set_consent(session, person(session, viewer), int(request.path_params["pupil"]),
                                str(fields.get("key") or ""), granted == "yes", clock)

        if granted not in ("yes", "no"):
            return await show(request, viewer, status_code=400, bad_field="consent")
        try:
            await in_thread(runtime, work)
        except AccessDenied:
            return refusal(request, viewer)
        except consent.NotAsked:
            return await show(request, viewer, status_code=400, bad_field="consent")
        return RedirectResponse("/family?done=" + ("consent_given" if granted == "yes" else "consent_withdrawn")
                                + f"#consents-{request.path_params['pupil']}", status_code=303)

    async def exported(viewer: Viewer, pupil_id: int) -> privacy.Export | None:
        def work(session: Session) -> privacy.Export | None:
            try:
                return privacy.export_pupil(session, person(session, viewer), pupil_id, clock, tracker())
            except AccessDenied:
                return None

        return await in_thread(runtime, work)

    @page(Role.GUARDIAN, Role.PUPIL)
    async def export_json(request: Request, viewer: Viewer) -> Response:
        found = await exported(viewer, int(request.path_params["pupil"]))
        if found is None:
            return refusal(request, viewer)
        body = json.dumps(found.as_json(), ensure_ascii=False, indent=2)
        name = f"ransel-{found.pupil.id}-{found.made_at.date().isoformat()}.json"
        return Response(body, media_type="application/json; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

    @page(Role.GUARDIAN, Role.PUPIL)
    async def export_page(request: Request, viewer: Viewer) -> Response:
        found = await exported(viewer, int(request.path_params["pupil"]))
        if found is None:
            return refusal(request, viewer)
        return render(request, "family_export.html.j2", viewer=viewer, export=found, fmt=Formatter(viewer.language))

    @page(Role.GUARDIAN, Role.PUPIL)
    async def ask_deletion(request: Request, viewer: Viewer) -> Response:
        fields = await form(request)
        pupil_id = int(request.path_params["pupil"])
        withdraw = str(fields.get("withdraw") or "") == "1"
        if not withdraw and str(fields.get("understood") or "") != "on":
            return await show(request, viewer, status_code=400, bad_field="understood", deletion_for=pupil_id)

        def work(session: Session) -> None:
            me = person(session, viewer)
            if withdraw:
                privacy.withdraw_request(session, me, pupil_id, clock)
            else:
                privacy.request_deletion(session, me, pupil_id, clock)

        try:
            await in_thread(runtime, work)
        except AccessDenied:
            return refusal(request, viewer)
        done = "deletion_withdrawn" if withdraw else "deletion_asked"
        return RedirectResponse(f"/family?done={done}#data-{pupil_id}", status_code=303)

    @page(Role.SCHOOL_ADMIN)
    async def deletions(request: Request, viewer: Viewer) -> Response:
        waiting = await in_thread(runtime, lambda session: privacy.waiting_requests(session, person(session, viewer)))
        done = request.query_params.get("done")
        return render(request, "family_deletions.html.j2", viewer=viewer, waiting=waiting, fmt=Formatter(viewer.language),
                      done=done if done in ("deleted", "declined") else None, zone=clock.zone)

    @page(Role.SCHOOL_ADMIN)
    async def decide(request: Request, viewer: Viewer) -> Response:
        fields = await form(request)
        decision = str(fields.get("decision") or "")
        if decision not in ("confirm", "decline"):
            return refusal(request, viewer, status_code=400)

        def work(session: Session) -> str:
            row = privacy.decide(session, person(session, viewer), int(request.path_params["id"]), decision == "confirm",
                                 clock, tracker())
            return str(row.outcome)

        try:
            outcome = await in_thread(runtime, work)
        except AccessDenied:
            return refusal(request, viewer)
        return RedirectResponse(f"/family/deletions?done={outcome}", status_code=303)

    return [
        Route("/family", overview),
        Route("/family/reminders", set_reminders, methods=["POST"]),
        Route("/family/undo", undo, methods=["POST"]),
        Route("/family/calendar", issue_calendar, methods=["POST"]),
        Route("/family/calendar/revoke", revoke_calendar, methods=["POST"]),
        Route("/family/consents/{pupil:int}", set_consent, methods=["POST"]),
        Route("/family/export/{pupil:int}.json", export_json),
        Route("/family/export/{pupil:int}", export_page),
        Route("/family/deletion/{pupil:int}", ask_deletion, methods=["POST"]),
        Route("/family/deletions", deletions),
        Route("/family/deletions/{id:int}", decide, methods=["POST"]),
    ]


# What a redirect back to the page may say happened (anything else says nothing).
DONE = ("revoked", "none_live", "consent_given", "consent_withdrawn", "deletion_asked", "deletion_withdrawn")
