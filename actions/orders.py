"""What a teacher does from the chat: a message to a class's guardians or pupils, and
homework, a test or things to bring for a class.

Each order is read from the message's shape (:mod:`bot.orders`), shown back as a preview
that says exactly what will happen (who gets what, in which languages and channels, when),
and carried out only after a yes (:mod:`actions.confirm`), through the same services as the
command line and the API: :func:`bot.services.broadcasts.send_broadcast` and
:func:`bot.services.teaching.add_assignment`. Afterwards the reply says what was done, and
"angre" undoes it. "Hvordan gikk meldingen?" reports the last broadcast's delivery and
"send på nytt til de som ikke fikk den" queues it again for those whose copy failed.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, or_, select

from actions._base import RanselAction, Turn, ask_confirm
from actions._items import NO_TIME
from actions._shapes import is_staff
from bot.access import AccessDenied, taught_group_ids
from bot.i18n import render
from bot.learning.too_hard import check_group_assignment
from bot.models import (
    Assignment,
    AssignmentKind,
    Audience,
    Broadcast,
    BroadcastScope,
    CompetenceAim,
    Group,
    GroupKind,
    LearningResource,
    OutboxMessage,
    Role,
)
from bot.orders import (
    BOTH,
    BRING,
    GUARDIANS,
    HOMEWORK,
    MOVE,
    TEST,
    AssignmentOrder,
    BroadcastOrder,
    assignment_order,
    broadcast_order,
    change_order,
    max_score_in,
    send_moment,
)
from bot.phrases import subjects_named
from bot.services import changes
from bot.services.broadcasts import (
    BroadcastError,
    latest_broadcast,
    preview_broadcast,
    resend_failed,
    send_broadcast,
    summary,
)
from bot.services.classes import class_of, contact_class, items_named_in_scope, own_scope
from bot.services.items import Candidate, rank
from bot.services.teaching import (
    InvalidAssignment,
    add_assignment,
    correct_reminded,
    move_assignment,
    own_upcoming,
    remove_assignment,
    snapshot,
)

BROADCAST_KIND = "broadcast"
ASSIGNMENT_KIND = "assignment"
_AUDIENCE = {GUARDIANS: Audience.GUARDIANS, "pupils": Audience.PUPILS, BOTH: Audience.BOTH}
_KIND = {HOMEWORK: AssignmentKind.HOMEWORK, TEST: AssignmentKind.TEST, BRING: AssignmentKind.BRING}

def _teaching_group(turn: Turn, class_name: str, subject_code: str | None, *, prefer_basis: bool) -> Group:
    """The group of the named class the teacher teaches (in the subject, when one is named):
    the class itself where they are its contact teacher, else their subject group in it.
    Not theirs: the one refusal."""
    taught = taught_group_ids(turn.session, turn.person, turn.today)
    groups = [g for g in turn.session.scalars(select(Group).where(Group.id.in_(taught)).order_by(Group.name))
              if class_of(g.name) == class_name] if taught else []
    if subject_code is not None:
        in_subject = [g for g in groups if g.subject_code == subject_code]
        if in_subject:
            return in_subject[0]
        if not prefer_basis:
            raise AccessDenied()
    basis = [g for g in groups if g.kind == GroupKind.BASIS]
    if prefer_basis and basis:
        return basis[0]
    if groups:
        return (basis or groups)[0]
    raise AccessDenied()


# --------------------------------------------------------------------------- broadcast


class BroadcastOrderAction(RanselAction):
    def name(self) -> str:
        return "action_broadcast_order"

    def respond(self, turn: Turn) -> None:
        if not is_staff(turn):
            raise AccessDenied()
        order = broadcast_order(turn.text, turn.clock)
        if order is None:
            turn.say("broadcast_how")
            return
        plan = _broadcast_plan(turn, order)
        if plan is None:
            turn.say("broadcast_which_class")
            return
        try:
            preview = preview_broadcast(turn.session, turn.person, clock=turn.clock, language=turn.language,
                                        **_broadcast_args(plan))
        except BroadcastError as error:
            turn.say("broadcast_error", message=str(error))
            return
        ask_confirm(turn, BROADCAST_KIND, plan, "broadcast_preview", preview=preview, plan=plan,
                    target=_target_label(plan), now=plan["send_at"] is None)


def _broadcast_plan(turn: Turn, order: BroadcastOrder) -> dict[str, Any] | None:
    send_at = send_moment(order.day, order.at, turn.clock)
    plan: dict[str, Any] = {"audience": order.audience, "text": order.text, "urgent": order.urgent,
                            "send_at": send_at.isoformat() if send_at else None, "group": None, "grade": None}
    if order.class_name:
        group = _teaching_group(turn, order.class_name, None, prefer_basis=True)
        plan.update(scope="group", group=group.name, class_name=order.class_name)
    elif order.grade is not None:
        plan.update(scope="grade", grade=order.grade)
    elif order.whole_school:
        plan.update(scope="school")
    else:
        own = contact_class(turn.session, turn.person, turn.today)
        if own is None or own.basis is None:
            return None
        plan.update(scope="group", group=own.basis.name, class_name=own.basis.name)
    return plan


def _broadcast_args(plan: dict[str, Any]) -> dict[str, Any]:
    return {"text": plan["text"], "scope": BroadcastScope(plan["scope"]), "audience": _AUDIENCE[plan["audience"]],
            "group": plan.get("group"), "grade": plan.get("grade"), "urgent": bool(plan.get("urgent")),
            "send_at": datetime.fromisoformat(plan["send_at"]) if plan.get("send_at") else None}


def _target_label(plan: dict[str, Any]) -> dict[str, Any]:
    return {"scope": plan["scope"], "group": plan.get("group"), "grade": plan.get("grade")}


def send(turn: Turn, plan: dict[str, Any]) -> None:
    """After the yes: store the broadcast and queue it (action_confirm)."""
    try:
        broadcast = send_broadcast(turn.session, turn.person, clock=turn.clock, language=turn.language,
                                   **_broadcast_args(plan))
    except BroadcastError as error:
        turn.say("broadcast_error", message=str(error))
        return
    changes.record(turn.session, turn.person, changes.BROADCAST, {"broadcast_id": broadcast.id}, turn.clock)
    count = turn.session.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.broadcast_id == broadcast.id)) or 0
    turn.say("broadcast_sent", count=count, plan=plan, target=_target_label(plan),
             send_at=datetime.fromisoformat(plan["send_at"]) if plan.get("send_at") else None)


class BroadcastStatusAction(RanselAction):
    def name(self) -> str:
        return "action_broadcast_status"

    def respond(self, turn: Turn) -> None:
        if not is_staff(turn):
            raise AccessDenied()
        broadcast = latest_broadcast(turn.session, turn.person)
        if broadcast is None:
            turn.say("broadcast_none")
            return
        report = summary(turn.session, broadcast, turn.person, turn.today)
        turn.say("broadcast_report", broadcast=broadcast, report=report, totals=report.totals,
                 failed=[r for r in report.recipients if r.status == "failed" and r.name],
                 target=_target_of(turn, broadcast))


def _target_of(turn: Turn, broadcast: Broadcast) -> dict[str, Any]:
    group = turn.session.get(Group, broadcast.group_id) if broadcast.group_id else None
    return {"scope": broadcast.scope.value, "group": group.name if group else None, "grade": broadcast.grade}


class BroadcastResendAction(RanselAction):
    def name(self) -> str:
        return "action_broadcast_resend"

    def respond(self, turn: Turn) -> None:
        if not is_staff(turn):
            raise AccessDenied()
        broadcast = latest_broadcast(turn.session, turn.person)
        if broadcast is None:
            turn.say("broadcast_none")
            return
        again = resend_failed(turn.session, broadcast, turn.person, clock=turn.clock)
        turn.say("broadcast_resent", names=[p.name for p in again], target=_target_of(turn, broadcast))


# --------------------------------------------------------------------------- assignments


class AssignmentOrderAction(RanselAction):
    def name(self) -> str:
        return "action_assignment_order"

    def respond(self, turn: Turn) -> None:
        if Role.TEACHER not in turn.roles:
            raise AccessDenied()
        order = assignment_order(turn.text, turn.clock)
        if order is None:
            turn.say("assignment_how")
            return
        plan = _assignment_plan(turn, order)
        if plan is None:
            turn.say("assignment_which_subject", class_name=order.class_name)
            return
        warnings = []
        if plan.get("resource_id"):
            # Shown before anything is saved: the teacher decides with the warning in view.
            resource = turn.session.get_one(LearningResource, plan["resource_id"])
            warnings = [w.message for w in check_group_assignment(turn.session, turn.person, resource,
                                                                   int(plan["group_id"]), clock=turn.clock)]
        ask_confirm(turn, ASSIGNMENT_KIND, plan, "assignment_preview", plan=plan, warnings=warnings,
                    due=datetime.fromisoformat(plan["due"]), show_time=plan["show_time"])


def _assignment_plan(turn: Turn, order: AssignmentOrder) -> dict[str, Any] | None:
    subjects = subjects_named(turn.text)
    subject = subjects[0] if subjects else turn.subject_code
    if order.kind != BRING and subject is None:
        # Homework and tests belong to a subject group: which one, unless the teacher has one.
        taught = [g for g in turn.session.scalars(select(Group).where(
            Group.id.in_(taught_group_ids(turn.session, turn.person, turn.today))))
            if class_of(g.name) == order.class_name and g.subject_code]
        if len(taught) != 1:
            if not taught:
                raise AccessDenied()
            return None
        subject = taught[0].subject_code
    group = _teaching_group(turn, order.class_name, subject,
                            prefer_basis=order.kind == BRING)
    due = datetime.combine(order.day, order.at or (time(8, 0) if order.kind != TEST else time(8, 30)),
                           tzinfo=turn.clock.zone)
    text, aims, resource = _links(turn, order.text, group)
    order = AssignmentOrder(order.kind, order.class_name, order.day, order.at, text)
    title = _title(turn, order, group)
    return {"aims": aims, "resource_id": resource.id if resource else None,
            "max_score": max_score_in(turn.text) if order.kind == TEST else None,
            "resource": resource.title if resource else None, "kind": order.kind, "group_id": group.id, "group": group.name, "subject": group.subject_code,
            "title": title, "description": order.text if order.kind != BRING else None, "things": order.text,
            "due": due.isoformat(), "show_time": order.at is not None}


_AIM = re.compile(r"\b(?:(?:kompetanse)?mål|aims?|læreplanmål)?\s*:?\s*\b(KM\d{2,5})\b", re.IGNORECASE)
_RESOURCE = re.compile(r"[(,;.]?\s*\b(?:ressurs|resource|lenke|link|oppgavesett|øving)\s*:\s*([^()\n;]+?)\s*\)?\s*$",
                       re.IGNORECASE)


def _links(turn: Turn, text: str, group: Group) -> tuple[str, list[str], LearningResource | None]:
    """The LK20 aims ("mål KM282") and the learning resource ("ressurs: Brøk 1") a teacher
    names in the text, taken out of it; a resource is found by id, address or title."""
    aims = [m.upper() for m in _AIM.findall(text)]
    aims = [code for code in dict.fromkeys(aims) if turn.session.get(CompetenceAim, code) is not None]
    text = _AIM.sub("", text).strip(" ,;.") if aims else text
    resource = None
    m = _RESOURCE.search(text)
    if m:
        wanted = m.group(1).strip().strip("«»\"'“”")
        query = select(LearningResource).where(or_(
            LearningResource.external_id == wanted, LearningResource.url == wanted,
            func.lower(LearningResource.title) == wanted.casefold()))
        if group.subject_code:
            query = query.order_by((LearningResource.subject_code == group.subject_code).desc())
        resource = turn.session.scalars(query.limit(1)).first()
        if resource is not None:
            text = text[: m.start()].strip(" ,;.")
    return text, aims, resource


def _title(turn: Turn, order: AssignmentOrder, group: Group) -> str:

    text = order.text.strip()
    if len(text) > 60:
        # A long text is the description; the title is its first words.
        text = text[:57].rsplit(" ", 1)[0] + " …"
    return render("assignment_title", turn.language, kind=order.kind, text=text, subject=group.subject_code)


def add(turn: Turn, plan: dict[str, Any]) -> None:
    """After the yes: store through the same service as ``ransel homework add``."""
    try:
        added = add_assignment(turn.session, turn.person, group_id=int(plan["group_id"]), kind=_KIND[plan["kind"]],
                               title=plan["title"], due=datetime.fromisoformat(plan["due"]), clock=turn.clock,
                               description=plan.get("description"), aims=plan.get("aims") or None,
                               max_score=plan.get("max_score"),
                               resource_id=plan.get("resource_id"))
    except InvalidAssignment as error:
        turn.say("assignment_invalid", code=error.code)
        return
    changes.record(turn.session, turn.person, changes.HOMEWORK, {"assignment_id": added.assignment.id}, turn.clock)
    turn.say("assignment_added", plan=plan, due=datetime.fromisoformat(plan["due"]), show_time=plan["show_time"],
             warnings=[w.message for w in added.warnings])



# --------------------------------------------------------------------------- move / remove

CHANGE_KIND = "assignment_change"


class AssignmentChangeAction(RanselAction):
    """"Flytt prøven til onsdag", "slett leksa": one of the teacher's own upcoming items,
    after a yes; guardians and pupils already reminded of it get a short correction."""

    def name(self) -> str:
        return "action_assignment_change"

    def respond(self, turn: Turn) -> None:
        if Role.TEACHER not in turn.roles:
            raise AccessDenied()
        order = change_order(turn.text, turn.clock)
        if order is None:
            turn.say("assignment_how")
            return
        own = own_upcoming(turn.session, turn.person, turn.clock)
        chosen = _which_own(turn, own)
        if not chosen:
            theirs = _school_item_named(turn)
            turn.say("assignment_change_none", from_school=theirs)
            return
        if len(chosen) > 1:
            turn.say("assignment_change_which", items=[_item_facts(turn, a) for a in chosen])
            return
        item = chosen[0]
        data: dict[str, Any] = {"assignment_id": item.id, "action": order.action}
        new_due = None
        if order.action == MOVE:
            assert order.day is not None  # change_order gives a move its day
            old = turn.clock.local(item.due_at)
            new_due = datetime.combine(order.day, order.at or old.time().replace(tzinfo=None), tzinfo=turn.clock.zone)
            data["due"] = new_due.isoformat()
        ask_confirm(turn, CHANGE_KIND, data, "assignment_change_preview", item=_item_facts(turn, item),
                    action=order.action, new_due=new_due)


def _which_own(turn: Turn, own: list[Any]) -> list[Any]:
    """The teacher's own items the message names; by its kind word alone, the one such item
    (or the latest added of that kind when the message says "the"/"den")."""
    if not own:
        return []
    candidates = [Candidate(a.id, a.title, a.kind, a.subject_code, a.due_at) for a in own]
    found = rank(turn.text, candidates, turn.clock.utcnow(), limit=3)
    by_id = {a.id: a for a in own}
    if found:
        return [by_id[c.key] for c, _ in found]
    kinds = _kinds_named(turn.text)
    of_kind = [a for a in own if not kinds or a.kind in kinds]
    if len(of_kind) <= 1:
        return of_kind
    # "the test" with several: the one added last is what a teacher means right after adding it.
    return [max(of_kind, key=lambda a: (a.assigned_at, a.id))]


def _kinds_named(text: str) -> set[AssignmentKind]:
    kinds: set[AssignmentKind] = set()
    if re.search(r"prøv|test|quiz", text, re.IGNORECASE):
        kinds.add(AssignmentKind.TEST)
    if re.search(r"leks|homework|oppgåv|oppgav|innlevering|assignment", text, re.IGNORECASE):
        kinds |= {AssignmentKind.HOMEWORK, AssignmentKind.PROJECT}
    if re.search(r"ta med|ha med|bring", text, re.IGNORECASE):
        kinds.add(AssignmentKind.BRING)
    return kinds


def _school_item_named(turn: Turn) -> bool:
    """Whether the message names an item of the teacher's groups that came from the school's
    system (changed there, not here)."""
    scope = own_scope(turn.session, turn.person, turn.today)
    return scope is not None and bool(items_named_in_scope(turn.session, scope, turn.text, turn.clock))


def _item_facts(turn: Turn, assignment: Any) -> dict[str, Any]:
    group = turn.session.get(Group, assignment.group_id)
    due = turn.clock.local(assignment.due_at)
    return {"title": assignment.title, "group": group.name if group else "", "due": due,
            "show_time": due.time() not in NO_TIME}


def change(turn: Turn, data: dict[str, Any]) -> None:
    """After the yes: move or remove, correct those already reminded, say what was done."""
    try:
        if data["action"] == MOVE:
            assignment = turn.session.get(Assignment, int(data["assignment_id"]))
            before = snapshot(assignment) if assignment is not None else {}
            done = move_assignment(turn.session, turn.person, int(data["assignment_id"]),
                                   datetime.fromisoformat(data["due"]), turn.clock)
        else:
            assignment = turn.session.get(Assignment, int(data["assignment_id"]))
            before = snapshot(assignment) if assignment is not None else {}
            done = remove_assignment(turn.session, turn.person, int(data["assignment_id"]), turn.clock)
    except InvalidAssignment as error:
        turn.say("assignment_invalid", code=error.code)
        return
    corrected = correct_reminded(turn.session, int(data["assignment_id"]), done, turn.clock)
    changes.record(turn.session, turn.person, changes.HOMEWORK_CHANGE, before, turn.clock)
    turn.say("assignment_changed_done", done=done, corrected=corrected)
