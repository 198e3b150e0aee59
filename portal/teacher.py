"""The teacher's pages: the front page with the groups they teach now, and a class page per
group (results per test with average and spread, who is behind, each pupil's progress).

- ``GET /teacher``                 the groups, the latest messages sent, questions waiting
- ``GET /teacher/groups/{id}``     the class page of a group the teacher teaches now

The composer and delivery pages are in ``teacher_broadcasts.py``, assignments in
``teacher_assignments.py``, the private questions in ``teacher_inbox.py``. A group the
teacher does not teach today gets the same page as one that does not exist. Small groups
are shown in full here: the teacher teaches every pupil in them (suppression of groups
under five is for the school owner's statistics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.access import AccessDenied, members
from bot.i18n import Formatter
from bot.models import Assignment, AssignmentKind, GroupKind, MemberRole, Person, Role
from bot.runtime import Runtime
from bot.services.classes import Scope, TestReport, groups_taught, test_report
from bot.services.progress import progress
from bot.services.teaching import Behind, behind_by_aim, pupils_behind
from portal import charts
from portal.teacher_broadcasts import recent
from portal.teacher_common import formatter, own_group, teacher
from portal.teacher_inbox import waiting_count
from portal.web import Viewer, in_thread, page, refusal, render, texts

GRADED = (AssignmentKind.TEST, AssignmentKind.HOMEWORK, AssignmentKind.PROJECT)
TESTS_SHOWN = 6


@dataclass
class PupilLine:
    pupil: Person
    points: list[tuple[str, float]] = field(default_factory=list)  # (date, percent), oldest first
    average: float | None = None
    missing: int = 0
    chart: Any = None


def routes(runtime: Runtime) -> list[BaseRoute]:
    clock = runtime.clock

    @page(Role.TEACHER)
    async def home(request: Request, viewer: Viewer) -> Response:
        def load(session: Session) -> dict[str, Any]:
            me = teacher(session, viewer)
            return {"groups": groups_taught(session, me, clock.today()), "broadcasts": recent(session, me),
                    "waiting": waiting_count(session, me, clock)}

        found = await in_thread(runtime, load)
        return render(request, "teacher_home.html.j2", viewer=viewer, fmt=formatter(viewer), zone=clock.zone,
                      **found)

    def class_page(session: Session, viewer: Viewer, group_id: int) -> dict[str, Any]:
        me = teacher(session, viewer)
        group = own_group(session, viewer, group_id, clock)
        today = clock.today()
        fmt = formatter(viewer)
        t = texts(viewer.language)["teacher"]
        scope = Scope(group.name, frozenset({group.id}), group if group.kind is GroupKind.BASIS else None,
                      group.grade)
        graded = session.scalars(select(Assignment.id).where(
            Assignment.group_id == group.id, Assignment.kind.in_(GRADED), Assignment.max_score.is_not(None),
            Assignment.due_at < clock.utcnow()).order_by(Assignment.due_at.desc()).limit(TESTS_SHOWN)).all()
        reports = [r for r in (test_report(session, scope, a, "", clock, today) for a in graded) if r.scored]
        results = [_result_view(r, fmt, t) for r in reports]
        pupils = list(session.scalars(members(group.id, MemberRole.PUPIL, today)
                                      .order_by(Person.given_name, Person.family_name)))
        lines = [_pupil_line(session, me, p, group.subject_code, runtime, fmt, t) for p in pupils]
        behind: list[Behind] = pupils_behind(session, me, group.id, clock)
        by_aim = behind_by_aim(session, me, group.id, clock)
        return {"group": group, "results": results, "pupils": lines, "behind": behind, "by_aim": by_aim,
                "subject": fmt.subject(group.subject_code)}

    @page(Role.TEACHER)
    async def group_page(request: Request, viewer: Viewer) -> Response:
        try:
            found = await in_thread(runtime, lambda s: class_page(s, viewer, request.path_params["id"]))
        except AccessDenied:
            return refusal(request, viewer)
        return render(request, "teacher_group.html.j2", viewer=viewer, fmt=formatter(viewer), **found)

    return [Route("/teacher", home), Route("/teacher/groups/{id:int}", group_page)]


def _result_view(report: TestReport, fmt: Formatter, t: dict[str, Any]) -> dict[str, Any]:
    bands = [(f"{fmt.number(round(low, 1))}–{fmt.number(round(high, 1))}", n) for low, high, n in report.bands]
    label = t["chart_spread"].format(title=report.title, values=", ".join(f"{b}: {n}" for b, n in bands))
    return {"report": report, "bands": bands,
            "average": fmt.number(round(report.average, 1)) if report.average is not None else "",
            "median": fmt.number(report.median) if report.median is not None else "",
            "chart": charts.bar_chart(bands, label) if bands else None}


def _pupil_line(session: Session, me: Person, pupil: Person, subject_code: str | None, runtime: Runtime,
                fmt: Formatter, t: dict[str, Any]) -> PupilLine:
    subjects = progress(session, me, pupil.id, runtime.clock, subject_code)
    results = sorted((r for s in subjects for r in s.results if r.percent is not None), key=lambda r: r.due)
    line = PupilLine(pupil, [(fmt.short_date(r.due), r.percent or 0.0) for r in results],
                     missing=sum(len(s.missing) for s in subjects))
    if line.points:
        values = [p for _, p in line.points]
        line.average = round(sum(values) / len(values), 1)
        line.chart = charts.line_chart(values, t["chart_progress"].format(
            name=pupil.name, values=", ".join(f"{d}: {fmt.number(v)} %" for d, v in line.points)))
    return line
