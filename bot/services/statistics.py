"""Statistics for school owners and school admins: aggregated, small groups suppressed.

No figure here identifies a pupil: a cell computed from fewer than ``MIN_GROUP`` pupils is
reported as suppressed (None), the usual rule in Norwegian school statistics (Udir
suppresses groups of fewer than 5).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from bot.access import AccessDenied, admin_school_ids, basis_pupils, group_pupils
from bot.charts import bar_chart, data_uri
from bot.clock import Clock
from bot.i18n import Formatter, language_of
from bot.learning.policy import Policy, is_open, policy_for_owner
from bot.models import (
    Activity,
    Assignment,
    Channel,
    LearningResource,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    Result,
    Role,
    School,
)
from bot.outbox import enqueue
from bot.services.calendar import local_bounds
from bot.services.due import DONE

MIN_GROUP = 5


@dataclass(frozen=True)
class CompletionCell:
    school: str
    grade: int
    pupils: int | None  # None when suppressed
    completion_percent: float | None


def schools_for(session: Session, asker: Person) -> dict[int, str]:
    """Schools whose statistics the asker may see: an owner's schools, or an admin's own."""
    owners = set(
        session.scalars(
            select(PersonRole.owner_id).where(
                PersonRole.person_id == asker.id,
                PersonRole.role == Role.OWNER_ADMIN,
                PersonRole.owner_id.is_not(None),
            )
        )
    )
    ids = set(admin_school_ids(session, asker))
    if owners:
        ids.update(session.scalars(select(School.id).where(School.owner_id.in_(owners))))
    if not ids or not asker.enabled:
        raise AccessDenied()
    return dict(session.execute(select(School.id, School.name).where(School.id.in_(ids))).tuples().all())


def homework_completion(session: Session, asker: Person, first: date, last: date, clock: Clock) -> list[CompletionCell]:
    """Share of assignments due in the period that were handed in, per school and grade."""
    schools = schools_for(session, asker)
    start, end = local_bounds(clock.zone, first, last)
    basis = basis_pupils(schools)
    pupils_per_cell = session.execute(
        select(basis.c.school_id, basis.c.grade, func.count(func.distinct(basis.c.pupil_id)))
        .group_by(basis.c.school_id, basis.c.grade)
    ).all()
    members = group_pupils()
    due = session.execute(
        select(basis.c.school_id, basis.c.grade, Result.status, func.count())
        .select_from(Assignment)
        .join(members, members.c.group_id == Assignment.group_id)
        .join(basis, basis.c.pupil_id == members.c.pupil_id)
        .outerjoin(Result, (Result.assignment_id == Assignment.id) & (Result.pupil_id == members.c.pupil_id))
        .where(Assignment.due_at >= start, Assignment.due_at < end, Assignment.max_score.is_not(None))
        .group_by(basis.c.school_id, basis.c.grade, Result.status)
    ).all()
    done: dict[tuple[int, int], int] = defaultdict(int)
    total: dict[tuple[int, int], int] = defaultdict(int)
    for school_id, grade, status, count in due:
        total[(school_id, grade)] += count
        if status in DONE:
            done[(school_id, grade)] += count
    cells = []
    for school_id, grade, pupils in sorted(pupils_per_cell, key=lambda r: (schools[r[0]], r[1] or 0)):
        if pupils < MIN_GROUP:
            cells.append(CompletionCell(schools[school_id], grade, None, None))
            continue
        key = (school_id, grade)
        percent = round(100 * done[key] / total[key], 1) if total[key] else None
        cells.append(CompletionCell(schools[school_id], grade, pupils, percent))
    return cells


def delivery_summary(session: Session, asker: Person, first: date, last: date, clock: Clock,
                     school_ids: Iterable[int] | None = None) -> dict[str, dict[str, int]]:
    """Outbound messages per channel and status for the asker's schools in the period (only
    ``school_ids`` of them when given)."""
    schools = schools_for(session, asker)
    if school_ids is not None:
        schools = {k: v for k, v in schools.items() if k in set(school_ids)}
    start, end = local_bounds(clock.zone, first, last)
    in_school = (
        select(PersonRole.person_id).where(PersonRole.school_id.in_(schools)).scalar_subquery()
    )
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count())
        .where(OutboxMessage.due_at >= start, OutboxMessage.due_at < end, OutboxMessage.recipient_id.in_(in_school))
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    ).all()
    summary: dict[str, dict[str, int]] = defaultdict(dict)
    for channel, status, count in rows:
        summary[channel.value if channel else "unrouted"][OutboxStatus(status).value] = count
    return dict(summary)


# --- the school owner's report: use and delivery per school, channel and week ----------------

# A message counts as sent once the channel took it; delivered, read and failed as reported.
SENT = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ, OutboxStatus.FAILED)
DELIVERED = (OutboxStatus.DELIVERED, OutboxStatus.READ)
FAILED = (OutboxStatus.FAILED, OutboxStatus.DEAD)


@dataclass(frozen=True)
class Week:
    label: str  # ISO week, e.g. "2026-W49"
    first: date  # Monday (or the period's first day)
    last: date


@dataclass(frozen=True)
class DeliveryCell:
    """One school's messages on one channel in one week; every count None when the school has
    fewer than ``MIN_GROUP`` pupils (then ``suppressed``)."""

    school: str
    week: str
    channel: str
    sent: int | None
    delivered: int | None
    failed: int | None
    read: int | None
    reminders_sent: int | None
    reminders_read: int | None

    @property
    def suppressed(self) -> bool:
        return self.sent is None


@dataclass(frozen=True)
class ResourceUse:
    """One learning resource at one school: uses, pupils who used it and what it costs.

    ``terms``: open (open licence), licence (a municipal licence the owner holds), no_licence,
    paid (pay-per-use the owner agreed to), unpaid (pay-per-use not agreed), free. Counts and
    cost are None when fewer than ``MIN_GROUP`` pupils used it or the school is that small."""

    school: str
    resource: str
    publisher: str
    licence: str
    terms: str
    uses: int | None
    pupils: int | None
    cost_per_use: float
    cost: float | None

    @property
    def suppressed(self) -> bool:
        return self.uses is None


@dataclass(frozen=True)
class ClassUse:
    """One class (basis group): its pupils and their learning activity; None when under 5."""

    school: str
    group: str
    pupils: int | None
    active_pupils: int | None
    uses: int | None

    @property
    def suppressed(self) -> bool:
        return self.pupils is None


@dataclass
class OwnerReport:
    first: date
    last: date
    weeks: list[Week]
    schools: dict[str, int | None]  # name -> pupils (None: fewer than MIN_GROUP)
    delivery: list[DeliveryCell]
    resources: list[ResourceUse]
    classes: list[ClassUse]

    def shown(self) -> list[DeliveryCell]:
        return [c for c in self.delivery if not c.suppressed]

    def per_week(self) -> list[tuple[str, int, int, int]]:
        """(week, sent, read, reminders sent) summed over the cells shown: suppressed cells are
        left out of every sum, so no total minus the rows shown gives a small school away."""
        out = []
        for week in self.weeks:
            cells = [c for c in self.shown() if c.week == week.label]
            out.append((week.label, sum(c.sent or 0 for c in cells), sum(c.read or 0 for c in cells),
                        sum(c.reminders_sent or 0 for c in cells)))
        return out

    def cost_total(self) -> float:
        return sum(r.cost or 0.0 for r in self.resources if not r.suppressed)


def weeks_of(first: date, last: date) -> list[Week]:
    """The ISO weeks from ``first`` to ``last``, the first and last cut to the period."""
    out, day = [], first
    while day <= last:
        end = min(day + timedelta(days=6 - day.weekday()), last)
        year, number, _ = day.isocalendar()
        out.append(Week(f"{year}-W{number:02d}", day, end))
        day = end + timedelta(days=1)
    return out


def _terms(policy: Policy, licence: str, publisher: str | None, external_id: str) -> str:
    if is_open(licence):
        return "open"
    if licence == "municipal-licence":
        return "licence" if publisher in policy.licensed_publishers else "no_licence"
    if licence == "pay-per-use":
        return "unpaid" if policy.unpaid(licence, external_id) else "paid"
    return "free"


def owner_report(session: Session, asker: Person, first: date, last: date, clock: Clock) -> OwnerReport:
    """Use and delivery for the asker's schools (an owner admin: the owner's schools) from
    ``first`` to ``last``: messages per school, channel and week (reminders among them), the
    learning resources used and what they cost under the owner's licences, and the classes'
    learning activity. Every figure about fewer than ``MIN_GROUP`` pupils is suppressed."""
    schools = schools_for(session, asker)
    start, end = local_bounds(clock.zone, first, last)
    weeks = weeks_of(first, last)
    basis = basis_pupils(schools)
    pupils = dict(session.execute(
        select(basis.c.school_id, func.count(func.distinct(basis.c.pupil_id))).group_by(basis.c.school_id)
    ).tuples().all())
    small = {sid for sid in schools if pupils.get(sid, 0) < MIN_GROUP}

    # Messages: a recipient counts for the schools they have a role at (pupil, guardian ...).
    when = func.coalesce(OutboxMessage.sent_at, OutboxMessage.due_at)
    week_of = case(*[(when < local_bounds(clock.zone, w.last, w.last)[1], i) for i, w in enumerate(weeks)], else_=-1)
    reminder = or_(OutboxMessage.template.like("reminder\\_%", escape="\\"), OutboxMessage.template == "digest")
    roles = select(PersonRole.person_id, PersonRole.school_id).where(
        PersonRole.school_id.in_(list(schools))).distinct().subquery()
    rows = session.execute(
        select(roles.c.school_id, week_of, OutboxMessage.channel, OutboxMessage.status, reminder, func.count())
        .join(roles, roles.c.person_id == OutboxMessage.recipient_id)
        .where(when >= start, when < end, OutboxMessage.status.in_([*SENT, OutboxStatus.DEAD]))
        .group_by(roles.c.school_id, week_of, OutboxMessage.channel, OutboxMessage.status, reminder)
    ).all()
    counts: dict[tuple[int, int, str], Counter[str]] = defaultdict(Counter)
    for school_id, week, channel, status, is_reminder, count in rows:
        if week < 0:
            continue
        status = OutboxStatus(status)
        tally = counts[(school_id, week, channel.value if channel else "unrouted")]
        for name, statuses in (("sent", SENT), ("delivered", DELIVERED), ("failed", FAILED),
                               ("read", (OutboxStatus.READ,))):
            if status in statuses:
                tally[name] += count
                if is_reminder and name in ("sent", "read"):
                    tally[f"reminders_{name}"] += count
    channels = sorted({channel for (_, _, channel) in counts})
    delivery = []
    for school_id, name in sorted(schools.items(), key=lambda s: s[1]):
        if school_id in small:  # one row for the whole period: not even which weeks had messages
            delivery.append(DeliveryCell(name, "", "", None, None, None, None, None, None))
            continue
        for i, week in enumerate(weeks):
            for channel in channels:
                found = counts.get((school_id, i, channel))
                if found:
                    delivery.append(DeliveryCell(name, week.label, channel, found["sent"], found["delivered"],
                                                 found["failed"], found["read"], found["reminders_sent"],
                                                 found["reminders_read"]))

    # Learning resources: statements naming a resource, by pupils of the schools' classes.
    owners = dict(session.execute(select(School.id, School.owner_id).where(School.id.in_(list(schools)))).tuples().all())
    used = session.execute(
        select(basis.c.school_id, LearningResource.id, func.count(func.distinct(Activity.id)),
               func.count(func.distinct(Activity.pupil_id)))
        .join(basis, basis.c.pupil_id == Activity.pupil_id)
        .join(LearningResource, LearningResource.id == Activity.resource_id)
        .where(Activity.occurred_at >= start, Activity.occurred_at < end)
        .group_by(basis.c.school_id, LearningResource.id)
    ).all()
    catalogue = {r.id: r for r in session.scalars(
        select(LearningResource).where(LearningResource.id.in_({row[1] for row in used} or {-1})))}
    resources = []
    for school_id, resource_id, uses, users in used:
        resource = catalogue[resource_id]
        terms = _terms(policy_for_owner(session, owners.get(school_id)), resource.licence, resource.publisher,
                       resource.external_id)
        per_use = resource.cost_per_use if resource.licence == "pay-per-use" else 0.0
        hidden = school_id in small or users < MIN_GROUP
        resources.append(ResourceUse(
            schools[school_id], resource.title, resource.publisher or "", resource.licence, terms,
            None if hidden else uses, None if hidden else users, per_use, None if hidden else round(uses * per_use, 2)))
    resources.sort(key=lambda r: (r.school, -(r.cost or 0), r.resource))

    # Classes: pupils, how many were active, their uses of resources.
    members = session.execute(
        select(basis.c.school_id, basis.c.group_name, basis.c.group_id, func.count(func.distinct(basis.c.pupil_id)))
        .group_by(basis.c.school_id, basis.c.group_name, basis.c.group_id)
    ).all()
    activity = {group_id: (active, uses) for group_id, active, uses in session.execute(
        select(basis.c.group_id, func.count(func.distinct(Activity.pupil_id)), func.count(func.distinct(Activity.id)))
        .join(Activity, Activity.pupil_id == basis.c.pupil_id)
        .where(Activity.occurred_at >= start, Activity.occurred_at < end)
        .group_by(basis.c.group_id)
    ).tuples()}
    classes = []
    for school_id, group_name, group_id, count in sorted(members, key=lambda r: (schools[r[0]], r[1])):
        active, uses = activity.get(group_id, (0, 0))
        if count < MIN_GROUP or school_id in small:
            classes.append(ClassUse(schools[school_id], group_name, None, None, None))
        else:
            classes.append(ClassUse(schools[school_id], group_name, count, active, uses))

    shown_schools = {name: (None if sid in small else pupils.get(sid, 0))
                     for sid, name in sorted(schools.items(), key=lambda s: s[1])}
    return OwnerReport(first, last, weeks, shown_schools, delivery, resources, classes)


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of ``YYYY-MM``; ValueError for anything else."""
    first = date.fromisoformat(f"{month}-01")
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def report_facts(report: OwnerReport, language: str) -> dict[str, Any]:
    """What the report template shows (``bot/templates/<lang>/owner_report.j2``, HTML that an
    e-mail client shows as well as a page): the report and its charts as SVG image data."""
    t = Formatter(language_of(language)).t
    weekly = report.per_week()
    weeks = [w.split("-")[1] for w, *_ in weekly]
    messages = bar_chart(t("owner_report.chart_messages"), weeks, [
        (t("owner_report.sent"), [sent for _, sent, _, _ in weekly]),
        (t("owner_report.read"), [read for _, _, read, _ in weekly]),
        (t("owner_report.reminders_sent"), [rem for _, _, _, rem in weekly]),
    ])
    costs: dict[str, float] = defaultdict(float)
    for use in report.resources:
        if not use.suppressed and use.cost:
            costs[use.school] += use.cost
    cost_chart = bar_chart(t("owner_report.chart_cost"), list(costs) or ["–"],
                           [(t("owner_report.cost"), list(costs.values()) or [0])])
    return {
        "report": report, "weekly": weekly, "min_group": MIN_GROUP,
        "charts": [
            {"src": data_uri(messages), "alt": t("owner_report.chart_messages")},
            {"src": data_uri(cost_chart), "alt": t("owner_report.chart_cost")},
        ],
    }


REPORT_TEMPLATE = "owner_report"
REPORT_CATEGORY = "report"


def enqueue_monthly_report(session: Session, asker: Person, month: str, clock: Clock) -> bool:
    """The month's report into the outbox for the asker (an owner admin), once per month: the
    row names the period, and its text (HTML with the charts as images) is written from the
    statistics when it is sent (``scheduler.builders.build_owner_report``). It goes by e-mail
    only (to the person's e-mail contact point; none: skipped as ``no_address``), never to a
    chat or a phone. Whether a row was added (False: it is already there)."""
    first, last = month_bounds(month)
    schools_for(session, asker)  # raises AccessDenied for anyone without schools to report on
    now = clock.utcnow()
    return enqueue(session, key=f"owner-report:{asker.id}:{month}", recipient_id=asker.id,
                   category=REPORT_CATEGORY, template=REPORT_TEMPLATE,
                   payload={"month": month, "first": first.isoformat(), "last": last.isoformat(),
                            "only_channel": Channel.EMAIL.value},
                   due_at=now, now=now)
