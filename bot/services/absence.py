"""Absence reported by a guardian ("Emma er syk i dag"): recorded, and the contact teacher
told through the outbox in the same transaction, as the school's rules say.

The school's ``absence`` rules (``bot.reminder_rules.absence_rules``) decide: each enabled one
whose audience (grades, groups) reaches the pupil gives each contact teacher one alert, in
the rule's category and template, critical unless the rule says otherwise. A school whose
stored rules have no absence rule gets no alert (the absence is still recorded); a school
that has stored no rules at all gets the default alert (``absence_alert``, critical).

:func:`build_absence_alert` is the message builder the scheduler's dispatcher calls at send
time for these rows (template ``absence_alert`` or a variant a rule names); it returns the
template context.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import AccessDenied, children_of, contact_teachers_of, pupil_group_ids
from bot.clock import Clock
from bot.models import Absence, AbsenceReason, Group, OutboxMessage, Person
from bot.outbox import cancel, enqueue
from bot.reminder_rules import DEFAULT_ABSENCE_RULE, Rule, absence_rules
from bot.services import changes
from bot.services.pupils import basis_group, school_of

BUILDER = "absence_alert"  # build_absence_alert below; a rule may name a variant template

# How far back and ahead a report may reach: yesterday's forgotten report, a planned trip.
MAX_DAYS_BACK = 7
MAX_DAYS_AHEAD = 60


class InvalidAbsence(ValueError):
    """The days asked for cannot be an absence; ``code`` selects the message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class AbsenceReport:
    absence: Absence
    pupil: Person
    notified: list[Person]  # the teachers an alert was written for (none if no rule says so)
    already_reported: bool


def contact_teachers(session: Session, pupil_id: int, on: date) -> list[Person]:
    """The contact teachers of the pupil's class on ``on`` (memberships current that day)."""
    group = basis_group(session, pupil_id, on)
    if group is None:
        return []
    return list(session.scalars(contact_teachers_of(group.id, on).where(Person.enabled.is_(True)).order_by(Person.id)))


@dataclass
class AbsencePlan:
    """What reporting an absence would do, before anything is written (for a confirmation)."""

    pupil: Person
    first_day: date
    last_day: date
    reason: AbsenceReason
    teachers: list[Person]  # who would be told (none if no rule says so)
    already_reported: bool


def plan_absence(
    session: Session,
    guardian: Person,
    pupil_id: int,
    first_day: date,
    last_day: date,
    reason: AbsenceReason,
    clock: Clock,
) -> AbsencePlan:
    """What :func:`report_absence` would do with the same arguments; writes nothing.
    Raises AccessDenied and InvalidAbsence as it does."""
    today = clock.today()
    child = next((c for c in children_of(session, guardian, today) if c.id == pupil_id), None)
    if child is None:
        raise AccessDenied()
    if last_day < first_day:
        first_day, last_day = last_day, first_day
    if first_day < today - timedelta(days=MAX_DAYS_BACK) or last_day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidAbsence("out_of_range")
    already = _existing(session, pupil_id, first_day, last_day) is not None
    rules = [] if already else alert_rules(session, school_of(session, pupil_id), pupil_id, today)
    teachers = contact_teachers(session, pupil_id, today) if rules else []
    return AbsencePlan(child, first_day, last_day, reason, teachers, already)


def _existing(session: Session, pupil_id: int, first_day: date, last_day: date) -> Absence | None:
    return session.scalar(
        select(Absence).where(
            Absence.pupil_id == pupil_id, Absence.first_day <= first_day, Absence.last_day >= last_day
        )
    )


def report_absence(
    session: Session,
    guardian: Person,
    pupil_id: int,
    first_day: date,
    last_day: date,
    reason: AbsenceReason,
    clock: Clock,
) -> AbsenceReport:
    """Record an absence for a child the guardian has parental responsibility for, queue the
    teachers' alerts, and keep a :class:`~bot.models.Change` so it can be undone.

    A second report covering the same days adds nothing (a resent SMS, a double tap).
    Raises AccessDenied for any other pupil, InvalidAbsence for impossible days.
    """
    plan = plan_absence(session, guardian, pupil_id, first_day, last_day, reason, clock)
    if plan.already_reported:
        existing = _existing(session, pupil_id, plan.first_day, plan.last_day)
        assert existing is not None  # plan_absence found it
        return AbsenceReport(existing, plan.pupil, [], already_reported=True)

    today = clock.today()
    absence = Absence(pupil_id=pupil_id, reported_by_id=guardian.id, first_day=plan.first_day,
                      last_day=plan.last_day, reason=reason, created_at=clock.utcnow())
    session.add(absence)
    session.flush()
    school_id = school_of(session, pupil_id)
    rules = alert_rules(session, school_id, pupil_id, today)
    teachers = contact_teachers(session, pupil_id, today) if rules else []
    keys: list[str] = []
    for rule in rules:
        payload: dict[str, Any] = {"absence_id": absence.id}
        if rule is not DEFAULT_ABSENCE_RULE:
            payload["rule"] = rule.id
        if rule.template != BUILDER:  # a variant wording: scheduler.render finds the builder by this
            payload["builder"] = BUILDER
        for teacher in teachers:
            key = alert_key(school_id, absence.id, rule, teacher.id)
            keys.append(key)
            enqueue(
                session,
                key=key,
                recipient_id=teacher.id,
                category=rule.category,
                template=rule.template,
                payload=payload,
                due_at=clock.utcnow(),
                now=clock.utcnow(),
                critical=rule.critical,
            )
    changes.record(session, guardian, changes.ABSENCE,
                   {"absence_id": absence.id, "alert_keys": keys}, clock)
    return AbsenceReport(absence, plan.pupil, teachers, already_reported=False)


@dataclass
class AbsenceWithdrawn:
    pupil: Person
    first_day: date
    last_day: date
    corrected: list[Person]  # teachers whose alert had gone out: they get a correction


WITHDRAWN_TEMPLATE = "absence_withdrawn"


def withdraw_absence(session: Session, guardian: Person, payload: dict[str, Any], clock: Clock) -> AbsenceWithdrawn | None:
    """Undo a reported absence: alerts not yet sent are cancelled, a teacher who already got
    one gets a short correction, and the absence is removed. None if it is gone already."""
    absence = session.get(Absence, payload.get("absence_id"))
    if absence is None or absence.reported_by_id != guardian.id:
        return None
    pupil = session.get_one(Person, absence.pupil_id)
    now = clock.utcnow()
    _, out = cancel(session, payload.get("alert_keys") or [], now=now, detail="withdrawn by the guardian")
    corrected: list[Person] = []
    for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(out))) if out else []:
        teacher = session.get(Person, row.recipient_id)
        if teacher is None or teacher in corrected:
            continue
        enqueue(session, key=f"absence:{absence.id}:withdrawn:{teacher.id}", recipient_id=teacher.id,
                category=row.category, template=WITHDRAWN_TEMPLATE,
                payload={"pupil_id": absence.pupil_id, "reporter_id": guardian.id,
                         "first_day": absence.first_day.isoformat(), "last_day": absence.last_day.isoformat()},
                due_at=now, now=now, critical=row.critical)
        corrected.append(teacher)
    result = AbsenceWithdrawn(pupil, absence.first_day, absence.last_day, corrected)
    session.delete(absence)
    session.flush()
    return result


def build_absence_withdrawn(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """Template context for ``absence_withdrawn``: the teacher is told the alert is void."""
    pupil = session.get(Person, payload.get("pupil_id"))
    reporter = session.get(Person, payload.get("reporter_id"))
    if pupil is None:
        return None
    first, last = date.fromisoformat(payload["first_day"]), date.fromisoformat(payload["last_day"])
    return {"pupil_name": pupil.name, "reporter_name": reporter.name if reporter else "",
            "first_day": first, "last_day": last, "single_day": first == last}


def alert_rules(session: Session, school_id: int | None, pupil_id: int, today: date) -> list[Rule]:
    """The rules that alert about this pupil's absence: the school's absence rules whose
    audience reaches the pupil's groups (see :func:`bot.reminder_rules.absence_rules`)."""
    rules = absence_rules(session, school_id)
    if not any(r.grades or r.groups for r in rules):
        return rules
    group_ids = pupil_group_ids(session, pupil_id, today)
    groups = list(session.scalars(select(Group).where(Group.id.in_(group_ids)))) if group_ids else []
    return [r for r in rules if r.reaches(groups)]


def alert_key(school_id: int | None, absence_id: int, rule: Rule, teacher_id: int) -> str:
    """One alert per (absence, rule, teacher). A school's rule is named as in the planner's
    keys; the default rule keeps the key alerts had before schools had rules."""
    if rule is DEFAULT_ABSENCE_RULE:
        return f"absence:{absence_id}:{teacher_id}"
    return f"rule:{school_id}:{rule.id}:absence-{absence_id}:p{teacher_id}"


def build_absence_alert(session: Session, recipient: Person, payload: dict[str, Any], clock: Clock) -> dict | None:
    """Template context for ``absence_alert`` to ``recipient``; None if there is nothing to say
    (the absence was removed, or the recipient is no longer the pupil's contact teacher)."""
    absence = session.get(Absence, payload.get("absence_id"))
    if absence is None:
        return None
    today = clock.today()
    if recipient.id not in {t.id for t in contact_teachers(session, absence.pupil_id, today)}:
        return None
    pupil = session.get_one(Person, absence.pupil_id)
    reporter = session.get(Person, absence.reported_by_id)
    group = basis_group(session, absence.pupil_id, today)
    return {
        "pupil_name": pupil.name,
        "group_name": group.name if group is not None else "",
        "reporter_name": reporter.name if reporter else "",
        "first_day": absence.first_day,
        "last_day": absence.last_day,
        "single_day": absence.first_day == absence.last_day,
        "reason": absence.reason.value,
    }
