"""Teacher broadcasts: one message to a group, a grade or the whole school.

:func:`send_broadcast` checks that the author may reach those people, stores the broadcast
and writes one outbox row per recipient in the same transaction (now, or at a set time). Each
recipient gets it in their own language: a templated header ("Melding fra Liv Andersen til
4A:") followed by the teacher's text as written. A guardian with several children in the
audience gets it once. Urgent broadcasts are critical (no digest, no quiet hours).

Recipients are the audience at the moment of sending the order; their preferences (opt-out,
quiet hours, digests, channel) are applied at delivery time. :func:`summary` reports per
recipient what happened (queued, sent, delivered, read, failed, not sent and why) and the
totals, for the teacher.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot import access
from bot.access import may_broadcast, staff_schools, visible_pupil_ids
from bot.clock import Clock
from bot.i18n import Formatter, language_of, render
from bot.models import (
    Audience,
    Broadcast,
    BroadcastScope,
    Group,
    OutboxMessage,
    OutboxStatus,
    Person,
    School,
)
from bot.outbox import cancel, enqueue_many
from bot.services import reach as prefs

MAX_TEXT = 1500
CATEGORY = "broadcast"
URGENT_CATEGORY = "urgent"


class BroadcastError(ValueError):
    """Something the author can fix; the message is in the author's language."""

    def __init__(self, code: str, language: str, **values: Any) -> None:
        self.code = code
        super().__init__(Formatter(language_of(language)).t(f"broadcast_errors.{code}", **values))


def find_group(session: Session, school_id: int | None, name: str) -> Group | None:
    query = select(Group).where((Group.name == name) | (Group.sourced_id == name))
    if school_id is not None:
        query = query.where(Group.school_id == school_id)
    return session.scalars(query.order_by(Group.id)).first()


def school_of(session: Session, author: Person, group: Group | None = None) -> int | None:
    if group is not None:
        return group.school_id
    ids = staff_schools(session, author)
    return ids[0] if ids else None


def still_in_audience(session: Session, broadcast: Broadcast, recipient: Person, pupils: list[int], day: date) -> bool:
    """Checked again when a row is delivered: the recipient is still in the audience on
    ``day`` for at least one of the pupils it was queued for (the pupil still in the group,
    the guardian still with parental responsibility for a minor, accounts enabled)."""
    if not recipient.enabled:
        return False
    groups = select(Group.id).where(Group.school_id == broadcast.school_id)
    if broadcast.scope is BroadcastScope.GROUP:
        groups = groups.where(Group.id == broadcast.group_id)
    elif broadcast.scope is BroadcastScope.GRADE:
        groups = groups.where(Group.grade == broadcast.grade)
    members = access.pupil_groups(session, list(session.scalars(groups)), day)
    current = [p for p in pupils if p in members]
    if recipient.id in current and broadcast.audience in (Audience.PUPILS, Audience.BOTH):
        return True
    if broadcast.audience in (Audience.GUARDIANS, Audience.BOTH):
        guardians = access.guardians_of(session, current, day)
        return any(recipient.id in guardians.get(p, []) for p in current)
    return False


def audience_of(session: Session, broadcast: Broadcast, day) -> list[tuple[int, list[int]]]:
    """(recipient, the pupils it concerns) for each recipient, pupils first, each once."""
    groups = select(Group.id).where(Group.school_id == broadcast.school_id)
    if broadcast.scope is BroadcastScope.GROUP:
        groups = groups.where(Group.id == broadcast.group_id)
    elif broadcast.scope is BroadcastScope.GRADE:
        groups = groups.where(Group.grade == broadcast.grade)
    pupils = sorted(access.pupil_groups(session, list(session.scalars(groups)), day))
    out: dict[int, list[int]] = {}
    if broadcast.audience in (Audience.PUPILS, Audience.BOTH):
        for p in pupils:
            out.setdefault(p, []).append(p)
    if broadcast.audience in (Audience.GUARDIANS, Audience.BOTH):
        for pupil, guardians in sorted(access.guardians_of(session, pupils, day).items()):
            for g in guardians:
                out.setdefault(g, []).append(pupil)
    return list(out.items())


def send_broadcast(
    session: Session,
    author: Person,
    *,
    text: str,
    clock: Clock,
    scope: BroadcastScope,
    audience: Audience = Audience.GUARDIANS,
    group: str | None = None,
    grade: int | None = None,
    send_at: datetime | None = None,
    urgent: bool = False,
    language: str | None = None,
) -> Broadcast:
    """Store a broadcast and queue it for every recipient, in the caller's transaction."""
    broadcast = _prepare(session, author, text=text, clock=clock, scope=scope, audience=audience, group=group,
                         grade=grade, send_at=send_at, urgent=urgent, language=language)
    now = clock.now()
    session.add(broadcast)
    session.flush()
    rows = [
        {
            "idempotency_key": f"broadcast:{broadcast.id}:p{recipient}",
            "recipient_id": recipient,
            "category": URGENT_CATEGORY if urgent else CATEGORY,
            "template": "broadcast",
            "payload": {"broadcast": broadcast.id, "pupils": pupils},
            "due_at": broadcast.send_at,
            "critical": urgent,
            "broadcast_id": broadcast.id,
        }
        for recipient, pupils in audience_of(session, broadcast, now.date())
    ]
    enqueue_many(session, rows, now=now)
    return broadcast


@dataclass
class Preview:
    """What a broadcast would do, before it is sent: the header each recipient language gets,
    how many recipients per language and channel, how many would wait for their quiet hours
    to end (not for an urgent message) and how many cannot be reached."""

    headers: dict[str, str]
    per_language: dict[str, int]
    per_channel: dict[str, int]
    recipients: int
    quiet: int
    unreachable: int
    send_at: datetime


def preview_broadcast(session: Session, author: Person, *, text: str, clock: Clock, scope: BroadcastScope,
                      audience: Audience = Audience.GUARDIANS, group: str | None = None, grade: int | None = None,
                      send_at: datetime | None = None, urgent: bool = False, language: str | None = None) -> Preview:
    """The same checks as :func:`send_broadcast`, nothing stored."""

    broadcast = _prepare(session, author, text=text, clock=clock, scope=scope, audience=audience, group=group,
                         grade=grade, send_at=send_at, urgent=urgent, language=language)
    recipients = audience_of(session, broadcast, clock.today())
    reach = prefs.load(session, [r for r, _ in recipients])
    per_language: Counter[str] = Counter()
    per_channel: Counter[str] = Counter()
    quiet = unreachable = 0
    moment = broadcast.send_at.astimezone(clock.zone)
    for recipient, _pupils in recipients:
        r = reach.get(recipient)
        if r is None or not r.enabled:
            unreachable += 1
            continue
        per_language[r.language] += 1
        address = r.address(urgent)
        if address is None or (r.opted_out and not urgent):
            unreachable += 1
            continue
        per_channel[address.channel.value] += 1
        if not urgent and r.is_quiet(moment):
            quiet += 1
    group_row = find_group(session, school_of(session, author), group or "") if group else None
    school = session.get(School, broadcast.school_id)
    headers = {
        lang: render("broadcast", lang, urgent=urgent, author=author.name, scope=scope.value,
                     group=group_row.name if group_row else "", grade=grade, school=school.name if school else "",
                     text="").strip()
        for lang in sorted(per_language)
    }
    return Preview(headers, dict(per_language), dict(per_channel), len(recipients), quiet, unreachable,
                   moment)


def _prepare(
    session: Session,
    author: Person,
    *,
    text: str,
    clock: Clock,
    scope: BroadcastScope,
    audience: Audience,
    group: str | None,
    grade: int | None,
    send_at: datetime | None,
    urgent: bool,
    language: str | None,
) -> Broadcast:
    """The broadcast an author asks for, checked, not yet stored."""
    lang = language or author.language
    now = clock.now()
    text = text.strip()
    if not text:
        raise BroadcastError("empty", lang)
    if len(text) > MAX_TEXT:
        raise BroadcastError("too_long", lang, limit=MAX_TEXT)
    if send_at is not None and send_at.tzinfo is None:
        send_at = send_at.replace(tzinfo=clock.zone)
    if send_at is not None and send_at.astimezone(UTC) < now.astimezone(UTC):
        raise BroadcastError("past", lang)
    if scope is BroadcastScope.GRADE and grade is None:
        raise BroadcastError("no_grade", lang)
    author_school = school_of(session, author)
    target_group = None
    if scope is BroadcastScope.GROUP:
        target_group = find_group(session, author_school, group or "")
        if target_group is None:
            raise BroadcastError("unknown_group", lang, value=group or "")
    school_id = target_group.school_id if target_group else author_school
    if school_id is None:
        raise BroadcastError("no_school", lang)
    if not may_broadcast(session, author, school_id, scope, target_group.id if target_group else None, urgent):
        raise BroadcastError("not_allowed", lang)
    return Broadcast(
        school_id=school_id, author_id=author.id, scope=scope, group_id=target_group.id if target_group else None,
        grade=grade if scope is BroadcastScope.GRADE else None, audience=audience, text=text, urgent=urgent,
        send_at=send_at or now, created_at=now,
    )


def cancel_broadcast(session: Session, broadcast: Broadcast, *, clock: Clock) -> int:
    """Stop what has not gone out yet: the rows still waiting are withdrawn now (skipped,
    "cancelled"), and a row a worker holds is skipped when it is rendered. How many were
    stopped."""
    broadcast.cancelled_at = clock.now()
    keys = session.scalars(select(OutboxMessage.idempotency_key).where(
        OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.status == OutboxStatus.PENDING)).all()
    stopped, _ = cancel(session, keys, now=clock.utcnow(), detail="cancelled")
    return len(stopped)


@dataclass
class RecipientStatus:
    person_id: int | None  # None: not named to this reader
    name: str | None
    status: str  # queued, sent, delivered, read, failed, skipped, digested
    channel: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    reason: str | None


@dataclass
class Summary:
    broadcast_id: int
    recipients: list[RecipientStatus] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return dict(Counter(r.status for r in self.recipients))

    def as_dict(self) -> dict[str, Any]:
        return {
            "broadcast": self.broadcast_id,
            "totals": self.totals,
            "unnamed": sum(r.name is None for r in self.recipients),
            "recipients": [
                {
                    "person": r.person_id, "name": r.name, "status": r.status, "channel": r.channel,
                    "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                    "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
                    "reason": r.reason,
                }
                for r in self.recipients if r.name is not None
            ],
        }


_SHOWN = {
    OutboxStatus.PENDING: "queued", OutboxStatus.CLAIMED: "queued", OutboxStatus.SENT: "sent",
    OutboxStatus.DELIVERED: "delivered", OutboxStatus.READ: "read", OutboxStatus.FAILED: "failed",
    OutboxStatus.DEAD: "failed", OutboxStatus.SKIPPED: "skipped", OutboxStatus.DIGESTED: "digested",
}


def summary(session: Session, broadcast: Broadcast, reader: Person, on: date) -> Summary:
    """Per recipient delivery status; a row folded into a digest shows the digest's status.

    Counts are for everyone; names only to the broadcast's sender and only of recipients
    in what the sender may see on ``on`` (a teacher's own groups, an admin's school):
    a school admin reading a teacher's broadcast, or a teacher's grade-wide broadcast
    outside their groups, shows totals."""

    named = visible_pupil_ids(session, reader, on) if reader.id == broadcast.author_id else set()
    digest = aliased(OutboxMessage)
    rows = session.execute(
        select(OutboxMessage, digest, Person)
        .join(Person, Person.id == OutboxMessage.recipient_id)
        .outerjoin(digest, digest.id == OutboxMessage.digest_id)
        .where(OutboxMessage.broadcast_id == broadcast.id)
        .order_by(Person.family_name, Person.given_name, Person.id)
    ).all()
    out = Summary(broadcast.id)
    for row, via, person in rows:
        effective = via if (row.status is OutboxStatus.DIGESTED and via is not None) else row
        status = _SHOWN[effective.status]
        if row.status is OutboxStatus.DIGESTED and status == "queued":
            status = "digested"
        pupils = (row.payload or {}).get("pupils") or []
        shown = any(p in named for p in pupils)
        out.recipients.append(RecipientStatus(
            person.id if shown else None, person.name if shown else None, status, effective.channel.value if effective.channel else None,
            effective.sent_at, effective.delivered_at,
            effective.last_error if effective.status in (OutboxStatus.SKIPPED, OutboxStatus.DEAD, OutboxStatus.FAILED) else None,
        ))
    return out


def latest_broadcast(session: Session, author: Person) -> Broadcast | None:
    """The author's most recent broadcast ("hvordan gikk meldingen?")."""
    return session.scalars(select(Broadcast).where(Broadcast.author_id == author.id)
                           .order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(1)).first()


def resend_failed(session: Session, broadcast: Broadcast, author: Person, *, clock: Clock) -> list[Person]:
    """Queue the broadcast again for every recipient whose copy failed (and has not been
    re-sent since); the recipients queued. Only the author may ask."""
    if broadcast.author_id != author.id:
        raise BroadcastError("not_allowed", author.language)
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast.id)
                           .order_by(OutboxMessage.id)).all()
    latest: dict[int, OutboxMessage] = {}
    for row in rows:
        latest[row.recipient_id] = row  # the newest copy per recipient decides
    failed = [row for row in latest.values() if row.status in (OutboxStatus.FAILED, OutboxStatus.DEAD)]
    now = clock.now()
    enqueue_many(session, [
        {
            "idempotency_key": f"broadcast:{broadcast.id}:p{row.recipient_id}:again{len(rows)}",
            "recipient_id": row.recipient_id,
            "category": URGENT_CATEGORY if broadcast.urgent else CATEGORY,
            "template": "broadcast",
            "payload": dict(row.payload or {}),
            "due_at": now,
            "critical": broadcast.urgent,
            "broadcast_id": broadcast.id,
        }
        for row in failed
    ], now=now)
    return [session.get(Person, row.recipient_id) for row in failed]  # type: ignore[misc]
