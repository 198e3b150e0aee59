"""The school admin's pages: the school's reminder rules (a form generated over the rules'
schema, and the YAML itself), with what the planner would send tomorrow; the school calendar;
link codes for families who do not use ID-porten; delivery statistics per channel.

Only the viewer's own schools (``Viewer.admin_school_ids``, the person's school admin roles): any other school's pages are
the same 404 as a page that does not exist. Every change goes through the function the API,
the CLI and the chat use (``bot.reminder_rules.store``, ``bot.services.calendar``,
``channels.contacts``); the preview is :func:`scheduler.planner.preview`, the planner itself.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot import reminder_rules as rules
from bot.access import AccessDenied, families_of_school
from bot.i18n import Formatter, catalog
from bot.models import CalendarEvent, EventKind, Group, Person, Role, School
from bot.runtime import Runtime
from bot.services import calendar, statistics
from channels import contacts
from portal import rule_form
from portal.web import Viewer, form, in_thread, page, refusal, render
from scheduler import planner

SOURCE = "reminders.yaml"


def _school_id(request: Request, viewer: Viewer) -> int | None:
    school_id = int(request.path_params["school"])
    return school_id if school_id in viewer.admin_school_ids else None


def _day(posted: FormData, name: str) -> date:
    try:
        return date.fromisoformat(str(posted.get(name) or ""))
    except ValueError:
        raise calendar.CalendarError("dates", name) from None


def _time(posted: FormData, name: str) -> time | None:
    text = str(posted.get(name) or "").strip()
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise calendar.CalendarError("time", name) from None


def _event(posted: FormData) -> calendar.NewEvent:
    group = str(posted.get("group") or "")
    last = str(posted.get("last_day") or "").strip()
    extra = [w.strip() for w in str(posted.get("bring_other") or "").split(",") if w.strip()]
    return calendar.NewEvent(
        kind=str(posted.get("kind") or ""), title_nb=str(posted.get("title_nb") or ""),
        title_nn=str(posted.get("title_nn") or ""), title_en=str(posted.get("title_en") or ""),
        day=_day(posted, "day"), last_day=_day(posted, "last_day") if last else None,
        starts=_time(posted, "starts"), ends=_time(posted, "ends"),
        group_id=int(group) if group.isdigit() else None, place=str(posted.get("place") or ""),
        bring=tuple([str(b) for b in posted.getlist("bring")] + extra),
        no_teaching=posted.get("no_teaching") is not None, description=str(posted.get("description") or ""))


def _event_fields(event: CalendarEvent, zone: ZoneInfo) -> dict[str, str]:
    """A removed event as the form that adds it again (the undo)."""
    starts, ends = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    whole = starts.time() == time(0) and ends.time() == time(0)
    last = (ends - timedelta(days=1)).date() if whole else ends.date()
    fields = {"kind": event.kind.value, "title_nb": event.title_nb, "title_nn": event.title_nn or "",
              "title_en": event.title_en or "", "group": str(event.group_id or ""),
              "day": starts.date().isoformat(), "last_day": last.isoformat() if last != starts.date() else "",
              "starts": "" if whole else starts.strftime("%H:%M"), "ends": "" if whole else ends.strftime("%H:%M"),
              "place": event.place or "", "description": event.description or ""}
    return {**fields, "no_teaching": "1"} if event.no_teaching else fields


def _preview(session: Session, runtime: Runtime, school_id: int, day: date) -> dict[str, Any]:
    """Tomorrow's messages, per recipient and channel, as the planner computes them."""
    found = planner.preview(session, runtime.clock, school_id, day)
    names = dict(session.execute(
        select(Person.id, Person.given_name + " " + Person.family_name)
        .where(Person.id.in_({p.message.recipient_id for p in found} or {-1}))).tuples().all())
    zone = runtime.clock.zone
    rows = sorted(({
        "recipient": names.get(p.message.recipient_id, "?"),
        "channel": p.channel.value if p.channel else None,
        "digest": p.digest.value if p.digest else None,
        "rule": p.message.rule_id,
        "at": p.message.due_at.astimezone(zone).strftime("%H:%M"),
    } for p in found), key=lambda r: (r["recipient"], r["at"], r["rule"]))
    totals = Counter((r["rule"], r["digest"] or r["channel"] or "none") for r in rows)
    return {"day": day, "rows": rows, "totals": sorted(totals.items())}


def _rules_context(session: Session, runtime: Runtime, viewer: Viewer, school: School, *,
                   edited: dict[str, Any] | None = None, yaml_text: str | None = None,
                   yaml_problems: list[rules.RuleProblem] | None = None) -> dict[str, Any]:
    """Everything the rules page shows. ``edited``: the rule a failed form post was about
    (its index, the values as sent, the problems by field); ``yaml_text``/``yaml_problems``:
    a failed YAML post, shown as sent."""
    stored = rules.source_for(session, school.id) or ""
    warnings: list[rules.RuleProblem] = []
    if stored:
        try:
            warnings = rules.check_for_school(session, school, stored, source=SOURCE,
                                              language=viewer.language).warnings
        except rules.RuleError as exc:  # a group renamed since: say so, keep going
            warnings = exc.problems
    shown = []
    for index, raw in enumerate(rules.raw_rules(stored)):
        entry = {"index": index, "id": raw.get("id", ""), "kind": raw.get("kind", ""),
                 "values": rule_form.values(raw), "errors": {}, "open": False}
        if edited is not None and edited["index"] == index:
            entry.update(values=edited["values"], errors=edited["errors"], open=True)
        shown.append(entry)
    text = yaml_text if yaml_text is not None else stored
    lines = text.splitlines()
    problems = [{"line": p.line, "message": p.format(SOURCE, viewer.language),
                 "text": lines[p.line - 1] if 0 < p.line <= len(lines) else ""}
                for p in (yaml_problems or [])]
    tomorrow = runtime.clock.today() + timedelta(days=1)
    return {
        "school": school, "rules": shown, "sections": rule_form.sections(), "source": text,
        "yaml_problems": problems, "general": (edited or {}).get("general", []),
        "warnings": [w.format(SOURCE, viewer.language) for w in warnings],
        "preview": _preview(session, runtime, school.id, tomorrow),
    }


def routes(runtime: Runtime) -> list[BaseRoute]:
    clock = runtime.clock

    def page_of(request: Request, viewer: Viewer, template: str, context: dict[str, Any],
                status_code: int = 200) -> Response:
        return render(request, template, viewer=viewer, status_code=status_code,
                      fmt=Formatter(viewer.language), section=template.removeprefix("admin_").split(".")[0],
                      **context)

    @page(Role.SCHOOL_ADMIN)
    async def home(request: Request, viewer: Viewer) -> Response:
        ids = sorted(viewer.admin_school_ids)
        if len(ids) == 1:
            return RedirectResponse(f"/admin/{ids[0]}/rules", status_code=303)

        def schools(session: Session) -> list[tuple[int, str]]:
            return list(session.execute(select(School.id, School.name).where(School.id.in_(ids or [-1]))
                                        .order_by(School.name)).tuples())

        return render(request, "admin_home.html.j2", viewer=viewer, schools=await in_thread(runtime, schools))

    @page(Role.SCHOOL_ADMIN)
    async def rules_page(request: Request, viewer: Viewer) -> Response:
        school_id = _school_id(request, viewer)
        if school_id is None:
            return refusal(request, viewer)

        def read(session: Session) -> dict[str, Any]:
            return _rules_context(session, runtime, viewer, session.get_one(School, school_id))

        context = await in_thread(runtime, read)
        return page_of(request, viewer, "admin_rules.html.j2",
                       {**context, "saved": request.query_params.get("saved")})

    @page(Role.SCHOOL_ADMIN)
    async def save_rule(request: Request, viewer: Viewer) -> Response:
        school_id = _school_id(request, viewer)
        if school_id is None:
            return refusal(request, viewer)
        index = int(request.path_params["index"])
        posted = await form(request)

        def save(session: Session) -> tuple[str, Any]:
            school = session.get_one(School, school_id)
            text = rules.source_for(session, school_id) or ""
            raws = rules.raw_rules(text)
            if index >= len(raws) or str(raws[index].get("id")) != str(posted.get("rule_id") or ""):
                return "stale", None
            raw, shown = rule_form.from_form(posted, raws[index])
            try:
                new_text = rules.replace_rule(text, index, raw)
                rules.store(session, school, new_text, now=clock.now(), by_id=viewer.person_id,
                            source=SOURCE, language=viewer.language)
            except IndexError:
                return "stale", None
            except rules.RuleError as exc:  # raised before anything is written
                errors: dict[str, list[str]] = {}
                general: list[str] = []
                for problem in exc.problems:
                    name = rule_form.field_of(problem.path, index)
                    if name is None:
                        general.append(problem.format(SOURCE, viewer.language))
                    else:
                        errors.setdefault(name, []).append(problem.message)
                edited = {"index": index, "values": shown, "errors": errors, "general": general}
                return "invalid", _rules_context(session, runtime, viewer, school, edited=edited)
            return "saved", raw.get("id")

        outcome, value = await in_thread(runtime, save)
        if outcome == "stale":
            return RedirectResponse(f"/admin/{school_id}/rules?saved=stale", status_code=303)
        if outcome == "invalid":
            return page_of(request, viewer, "admin_rules.html.j2", value, status_code=422)
        return RedirectResponse(f"/admin/{school_id}/rules?saved={value}#rule-{value}", status_code=303)

    @page(Role.SCHOOL_ADMIN)
    async def save_yaml(request: Request, viewer: Viewer) -> Response:
        school_id = _school_id(request, viewer)
        if school_id is None:
            return refusal(request, viewer)
        text = str((await form(request)).get("source") or "").replace("\r\n", "\n")

        def save(session: Session) -> dict[str, Any] | None:
            school = session.get_one(School, school_id)
            if len(text.encode()) > rules.MAX_RULES_BYTES:
                problem = rules.RuleProblem(1, "", Formatter(viewer.language).t("reminder_rules.invalid"))
                return _rules_context(session, runtime, viewer, school, yaml_text=text, yaml_problems=[problem])
            try:
                rules.store(session, school, text, now=clock.now(), by_id=viewer.person_id, source=SOURCE,
                            language=viewer.language)
            except rules.RuleError as exc:  # raised before anything is written
                return _rules_context(session, runtime, viewer, school, yaml_text=text, yaml_problems=exc.problems)
            return None

        failed = await in_thread(runtime, save)
        if failed is not None:
            return page_of(request, viewer, "admin_rules.html.j2", failed, status_code=422)
        return RedirectResponse(f"/admin/{school_id}/rules?saved=yaml#yaml", status_code=303)


    # -- the school calendar -------------------------------------------------------------------

    def calendar_context(session: Session, school_id: int, **extra: Any) -> dict[str, Any]:
        since = clock.today() - timedelta(days=30)
        groups = list(session.execute(select(Group.id, Group.name).where(Group.school_id == school_id)
                                      .order_by(Group.kind, Group.name)).tuples())
        return {"school": session.get_one(School, school_id), "breaks": calendar.breaks_of(session, school_id, since),
                "events": calendar.events_of(session, school_id, since, clock.zone), "groups": groups,
                "group_names": dict(groups), "break_keys": calendar.BREAK_KEYS,
                "kinds": [k.value for k in EventKind], "items": sorted(catalog("nb")["items"]),
                "zone": clock.zone, "problem": None, "sent": {}, **extra}

    @page(Role.SCHOOL_ADMIN)
    async def calendar_page(request: Request, viewer: Viewer) -> Response:
        school_id = _school_id(request, viewer)
        if school_id is None:
            return refusal(request, viewer)
        context = await in_thread(runtime, lambda session: calendar_context(session, school_id))
        return page_of(request, viewer, "admin_calendar.html.j2", {**context, "done": request.query_params.get("done")})

    async def calendar_change(request: Request, viewer: Viewer, change: str) -> Response:
        school_id = _school_id(request, viewer)
        if school_id is None:
            return refusal(request, viewer)
        posted = await form(request)

        def work(session: Session) -> tuple[str, Any]:
            admin = session.get_one(Person, viewer.person_id)
            try:
                if change == "add_break":
                    calendar.add_break(session, admin, school_id, str(posted.get("name") or ""),
                                       _day(posted, "first_day"), _day(posted, "last_day"))
                    return "done", "break_added"
                if change == "add_event":
                    calendar.add_event(session, admin, school_id, _event(posted), clock.zone)
                    return "done", "event_added"
                if change == "remove_break":
                    gone = calendar.remove_break(session, admin, school_id, int(request.path_params["id"]))
                    return "removed", {"kind": "break", "name": gone.name_key, "first_day": gone.first_day,
                                       "last_day": gone.last_day}
                gone_event = calendar.remove_event(session, admin, school_id, int(request.path_params["id"]))
                return "removed", {"kind": "event", "title": gone_event.title(viewer.language),
                                   "fields": _event_fields(gone_event, clock.zone), "bring": list(gone_event.bring)}
            except calendar.CalendarError as exc:  # raised before anything is written
                sent = {k: posted.getlist(k) if k == "bring" else str(posted.get(k) or "") for k in posted}
                return "invalid", calendar_context(session, school_id, problem=exc, sent=sent,
                                                   form_of="break" if change == "add_break" else "event")
            except AccessDenied:
                return "refused", None

        outcome, value = await in_thread(runtime, work)
        if outcome == "refused":
            return refusal(request, viewer)
        if outcome == "invalid":
            return page_of(request, viewer, "admin_calendar.html.j2", value, status_code=422)
        if outcome == "removed":
            context = await in_thread(runtime, lambda session: calendar_context(session, school_id))
            return page_of(request, viewer, "admin_calendar.html.j2", {**context, "removed": value})
        return RedirectResponse(f"/admin/{school_id}/calendar?done={value}", status_code=303)

    @page(Role.SCHOOL_ADMIN)
    async def add_break(request: Request, viewer: Viewer) -> Response:
        return await calendar_change(request, viewer, "add_break")

    @page(Role.SCHOOL_ADMIN)
    async def add_event(request: Request, viewer: Viewer) -> Response:
        return await calendar_change(request, viewer, "add_event")

    @page(Role.SCHOOL_ADMIN)
    async def remove_break(request: Request, viewer: Viewer) -> Response:
        return await calendar_change(request, viewer, "remove_break")

    @page(Role.SCHOOL_ADMIN)
    async def remove_event(request: Request, viewer: Viewer) -> Response:
        return await calendar_change(request, viewer, "remove_event")

    # -- link codes --------------------------------------------------------------------------

    def codes_context(session: Session, school_id: int, **extra: Any) -> dict[str, Any]:
        now = clock.utcnow()
        people = families_of_school(session, school_id, clock.today())
        names = {p.id: p.name for p, _ in people}
        codes = contacts.open_codes(session, list(names), now=now)
        return {"school": session.get_one(School, school_id), "zone": clock.zone,
                "guardians": sorted(((p.id, p.name) for p, r in people if r is Role.GUARDIAN), key=lambda x: x[1]),
                "pupils": sorted(((p.id, p.name) for p, r in people if r is Role.PUPIL), key=lambda x: x[1]),
                "codes": [{"id": c.id, "name": names[c.person_id], "expires": c.expires_at} for c in codes],
                "ttl_hours": runtime.settings.link_code_ttl_hours, **extra}

    @page(Role.SCHOOL_ADMIN)
    async def codes_page(request: Request, viewer: Viewer) -> Response:
        school_id = _school_id(request, viewer)
        if school_id is None:
            return refusal(request, viewer)
        context = await in_thread(runtime, lambda session: codes_context(session, school_id))
        return page_of(request, viewer, "admin_codes.html.j2",
                       {**context, "revoked": request.query_params.get("revoked")})

    @page(Role.SCHOOL_ADMIN)
    async def issue_code(request: Request, viewer: Viewer) -> Response:
        school_id = _school_id(request, viewer)
        if school_id is None:
            return refusal(request, viewer)
        chosen = str((await form(request)).get("person") or "")

        def work(session: Session) -> dict[str, Any]:
            people = {p.id: p for p, _ in families_of_school(session, school_id, clock.today())}
            person = people.get(int(chosen)) if chosen.isdigit() else None
            if person is None:
                return codes_context(session, school_id, no_person=True)
            now = clock.utcnow()
            ttl = timedelta(hours=runtime.settings.link_code_ttl_hours)
            code = contacts.issue_code(session, runtime.settings.sender_secret, person.id, now=now, ttl=ttl,
                                       issued_by_id=viewer.person_id)
            return codes_context(session, school_id, issued={"code": contacts.display(code), "name": person.name,
                                                             "expires": now + ttl})

        context = await in_thread(runtime, work)
        return page_of(request, viewer, "admin_codes.html.j2", context,
                       status_code=400 if context.get("no_person") else 200)

    @page(Role.SCHOOL_ADMIN)
    async def revoke_code(request: Request, viewer: Viewer) -> Response:
        school_id = _school_id(request, viewer)
        if school_id is None:
            return refusal(request, viewer)
        code_id = int(request.path_params["id"])

        def work(session: Session) -> bool:
            people = [p.id for p, _ in families_of_school(session, school_id, clock.today())]
            return contacts.revoke_code(session, code_id, people, now=clock.utcnow())

        revoked = await in_thread(runtime, work)
        if not revoked:
            return refusal(request, viewer)
        return RedirectResponse(f"/admin/{school_id}/codes?revoked=1", status_code=303)

    # -- delivery statistics -------------------------------------------------------------------

    @page(Role.SCHOOL_ADMIN)
    async def delivery_page(request: Request, viewer: Viewer) -> Response:
        school_id = _school_id(request, viewer)
        if school_id is None:
            return refusal(request, viewer)
        today = clock.today()
        try:
            first = date.fromisoformat(request.query_params.get("from") or (today - timedelta(days=30)).isoformat())
            last = date.fromisoformat(request.query_params.get("to") or today.isoformat())
            bad = first > last or (last - first).days > 370
        except ValueError:
            first, last, bad = today - timedelta(days=30), today, True
        if bad:
            first, last = today - timedelta(days=30), today

        def work(session: Session) -> dict[str, Any]:
            admin = session.get_one(Person, viewer.person_id)
            summary = statistics.delivery_summary(session, admin, first, last, clock, school_ids=[school_id])
            rows = []
            for channel, counts in sorted(summary.items()):
                def total(*names: str, of: dict[str, int] = counts) -> int:
                    return sum(of.get(n, 0) for n in names)
                rows.append({"channel": channel, "sent": total("sent", "delivered", "read", "failed"),
                             "delivered": total("delivered", "read"), "failed": total("failed", "dead"),
                             "read": total("read"), "waiting": total("pending", "claimed"),
                             "skipped": total("skipped")})
            return {"school": session.get_one(School, school_id), "rows": rows}

        context = await in_thread(runtime, work)
        return page_of(request, viewer, "admin_delivery.html.j2",
                       {**context, "first": first, "last": last, "bad_period": bad}, status_code=400 if bad else 200)

    return [
        Route("/admin", home),
        Route("/admin/{school:int}/rules", rules_page),
        Route("/admin/{school:int}/rules/yaml", save_yaml, methods=["POST"]),
        Route("/admin/{school:int}/rules/{index:int}", save_rule, methods=["POST"]),
        Route("/admin/{school:int}/calendar", calendar_page),
        Route("/admin/{school:int}/calendar/breaks", add_break, methods=["POST"]),
        Route("/admin/{school:int}/calendar/events", add_event, methods=["POST"]),
        Route("/admin/{school:int}/calendar/breaks/{id:int}/remove", remove_break, methods=["POST"]),
        Route("/admin/{school:int}/calendar/events/{id:int}/remove", remove_event, methods=["POST"]),
        Route("/admin/{school:int}/codes", codes_page),
        Route("/admin/{school:int}/codes", issue_code, methods=["POST"]),
        Route("/admin/{school:int}/codes/{id:int}/revoke", revoke_code, methods=["POST"]),
        Route("/admin/{school:int}/delivery", delivery_page),
    ]
