"""The school owner's pages (owner admin): use and delivery per school, channel and week,
reminders sent and read, learning resources used and what they cost under the owner's
licences, per class; a CSV of each table; the monthly report, viewable here and written to
the outbox as HTML an e-mail client shows (charts as image data).

Everything comes from :func:`bot.services.statistics.owner_report` (the owner admin's
schools only, every group under five pupils suppressed there) and is shown through the same
template the outbox row is rendered with (``owner_report``): the page, the CSV and the report
cannot disagree about what is suppressed.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.access import AccessDenied
from bot.i18n import Formatter
from bot.models import Channel, ContactPoint, OutboxMessage, Person, Role
from bot.runtime import Runtime
from bot.services import statistics
from channels import contacts
from portal.web import SECURITY_HEADERS, Viewer, in_thread, page, refusal, render
from scheduler.render import render_template

LONGEST_PERIOD = timedelta(days=370)


def _period(request: Request, today: date) -> tuple[date, date] | None:
    """The asked period (``from``/``to``, ISO dates), by default the start of last month to
    today; None when it is not a period (then the page says so)."""
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    try:
        first = date.fromisoformat(request.query_params.get("from") or last_month.isoformat())
        last = date.fromisoformat(request.query_params.get("to") or today.isoformat())
    except ValueError:
        return None
    if first > last or last - first > LONGEST_PERIOD:
        return None
    return first, last


def _months(today: date, count: int = 12) -> list[str]:
    out, day = [], today.replace(day=1)
    for _ in range(count):
        day = (day - timedelta(days=1)).replace(day=1)
        out.append(day.strftime("%Y-%m"))
    return out


def routes(runtime: Runtime) -> list[BaseRoute]:
    clock = runtime.clock

    def report_for(viewer: Viewer, first: date, last: date) -> Any:
        def work(session: Session) -> Any:
            asker = session.get_one(Person, viewer.person_id)
            try:
                return statistics.owner_report(session, asker, first, last, clock)
            except AccessDenied:
                return None

        return in_thread(runtime, work)

    def report_html(report: statistics.OwnerReport, language: str) -> str:
        return render_template(statistics.REPORT_TEMPLATE, language, statistics.report_facts(report, language))

    @page(Role.OWNER_ADMIN)
    async def overview(request: Request, viewer: Viewer) -> Response:
        today = clock.today()
        period = _period(request, today)
        context: dict[str, Any] = {"months": _months(today), "bad_period": period is None}
        first, last = period or _period_default(today)
        report = await report_for(viewer, first, last)
        if report is None:
            return refusal(request, viewer)
        query = f"from={first.isoformat()}&to={last.isoformat()}"
        return render(request, "owner.html.j2", viewer=viewer, status_code=400 if period is None else 200,
                      first=first, last=last, query=query, report_html=report_html(report, viewer.language),
                      **context)

    @page(Role.OWNER_ADMIN)
    async def export(request: Request, viewer: Viewer) -> Response:
        period = _period(request, clock.today())
        table = request.query_params.get("table", "delivery")
        if period is None or table not in ("delivery", "resources", "classes"):
            return refusal(request, viewer, status_code=400)
        report = await report_for(viewer, *period)
        if report is None:
            return refusal(request, viewer)
        body = _csv(report, table, viewer.language)
        name = f"ransel-{table}-{period[0].isoformat()}-{period[1].isoformat()}.csv"
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    @page(Role.OWNER_ADMIN)
    async def monthly(request: Request, viewer: Viewer) -> Response:
        month = request.path_params["month"]
        try:
            first, last = statistics.month_bounds(month)
        except ValueError:
            return refusal(request, viewer)
        report = await report_for(viewer, first, last)
        if report is None:
            return refusal(request, viewer)

        def queued(session: Session) -> tuple[bool, str | None]:
            key = f"owner-report:{viewer.person_id}:{month}"
            there = session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)) is not None
            person = session.get_one(Person, viewer.person_id)
            email = session.scalar(select(ContactPoint.address).where(
                ContactPoint.person_id == person.id, ContactPoint.channel == Channel.EMAIL)) or person.email
            return there, email

        there, email = await in_thread(runtime, queued)
        return render(request, "owner_report.html.j2", viewer=viewer, month=month,
                      report_html=report_html(report, viewer.language), queued=there, email=email,
                      written=request.query_params.get("written"))

    @page(Role.OWNER_ADMIN)
    async def write_monthly(request: Request, viewer: Viewer) -> Response:
        month = request.path_params["month"]
        try:
            statistics.month_bounds(month)
        except ValueError:
            return refusal(request, viewer)

        def write(session: Session) -> bool | None:
            asker = session.get_one(Person, viewer.person_id)
            try:
                added = statistics.enqueue_monthly_report(session, asker, month, clock)
            except AccessDenied:
                return None
            contacts.email_of(session, asker.id, now=clock.utcnow())  # where the e-mail goes
            return added

        added = await in_thread(runtime, write)
        if added is None:
            return refusal(request, viewer)
        return RedirectResponse(f"/owner/report/{month}?written={'new' if added else 'again'}", status_code=303)

    @page(Role.OWNER_ADMIN)
    async def pick_month(request: Request, viewer: Viewer) -> Response:
        month = request.query_params.get("month", "")
        try:
            statistics.month_bounds(month)
        except ValueError:
            return refusal(request, viewer, status_code=400)
        return RedirectResponse(f"/owner/report/{month}", status_code=303)

    return [
        Route("/owner", overview),
        Route("/owner/report", pick_month),
        Route("/owner/report.csv", export),
        Route("/owner/report/{month}", monthly),
        Route("/owner/report/{month}", write_monthly, methods=["POST"]),
    ]


def _period_default(today: date) -> tuple[date, date]:
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return last_month, today


def _cell(text: str) -> str:
    """A name from the roster or the catalogue, never read as a formula by a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(report: statistics.OwnerReport, table: str, language: str) -> str:
    """One table of the report as CSV, suppressed cells as the page shows them (never a number)."""
    t = Formatter(language).t
    fewer = t("owner_report.fewer", min=statistics.MIN_GROUP)
    out = io.StringIO()
    writer = csv.writer(out)
    if table == "delivery":
        writer.writerow([t(f"owner_report.{k}") for k in ("school", "week", "channel", "sent", "delivered", "failed",
                                                            "read", "reminders_sent", "reminders_read")])
        for c in report.delivery:
            if c.suppressed:
                writer.writerow([_cell(c.school), "", "", *[fewer] * 6])
                continue
            writer.writerow([_cell(c.school), c.week, t(f"owner_report.channel_{c.channel}"), c.sent, c.delivered,
                             c.failed, c.read, c.reminders_sent, c.reminders_read])
    elif table == "resources":
        writer.writerow([t(f"owner_report.{k}") for k in ("school", "resource", "publisher", "licence", "terms", "uses",
                                                            "users", "cost_per_use", "cost")])
        for u in report.resources:
            figures = [fewer, fewer] if u.suppressed else [u.uses, u.pupils]
            writer.writerow([_cell(u.school), _cell(u.resource), _cell(u.publisher), u.licence,
                             t(f"owner_report.term_{u.terms}"),
                             *figures, u.cost_per_use, fewer if u.suppressed else u.cost])
    else:
        writer.writerow([t(f"owner_report.{k}") for k in ("school", "class", "pupils", "active_pupils", "uses")])
        for k in report.classes:
            figures = [fewer] * 3 if k.suppressed else [k.pupils, k.active_pupils, k.uses]
            writer.writerow([_cell(k.school), _cell(k.group), *figures])
    return out.getvalue()
