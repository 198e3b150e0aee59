"""The school admin's pages: the school's reminder rules (a form generated over the rules'
schema, and the YAML itself), with what the planner would send tomorrow; the school calendar;
link codes for families who do not use ID-porten; delivery statistics per channel.

Only the viewer's own schools (``bot.access.admin_school_ids``): any other school's pages are
the same 404 as a page that does not exist. Every change goes through the function the API,
the CLI and the chat use (``bot.reminder_rules.store``, ``bot.services.calendar``,
``channels.contacts``); the preview is :func:`scheduler.planner.preview`, the planner itself.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot import reminder_rules as rules
from bot.i18n import Formatter
from bot.models import Person, Role, School
from bot.runtime import Runtime
from portal import rule_form
from portal.web import Viewer, form, in_thread, page, refusal, render
from scheduler import planner

SOURCE = "reminders.yaml"


def _school_id(request: Request, viewer: Viewer) -> int | None:
    school_id = int(request.path_params["school"])
    return school_id if school_id in viewer.admin_school_ids else None


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

    return [
        Route("/admin", home),
        Route("/admin/{school:int}/rules", rules_page),
        Route("/admin/{school:int}/rules/yaml", save_yaml, methods=["POST"]),
        Route("/admin/{school:int}/rules/{index:int}", save_rule, methods=["POST"]),
    ]
