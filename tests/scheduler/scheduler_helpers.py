"""A small school like the demo school, and a way to let the scheduler run over time.

The school: 4A (grade 4) and 9B (grade 9); kari.hansen is guardian of Emma (4A) and Jonas
(9B); PE is Tuesday and Thursday for 4A, Monday and Thursday for 9B; 4A has a skating day
on Friday 4 December 2026; juleferie starts 21 December. Rules are the demo school's file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.models import (
    Assignment,
    AssignmentKind,
    CalendarEvent,
    CategoryPreference,
    Channel,
    ContactPoint,
    DeliveryMode,
    EventKind,
    GearRule,
    Group,
    GroupKind,
    Guardianship,
    Lesson,
    MemberRole,
    Membership,
    NotificationPreference,
    Owner,
    Person,
    PersonRole,
    Role,
    School,
    SchoolBreak,
    Subject,
)
from bot.delivery import DeliveryResult, DeliveryStatus, OutgoingMessage
from bot import reminder_rules as rules
from scheduler.dispatch import DispatchConfig, Dispatcher
from scheduler.planner import plan

DEMO_RULES = Path(__file__).resolve().parents[2] / "data" / "demo" / "reminders.yaml"
UTC = timezone.utc


def oslo(clock: Clock, text: str) -> datetime:
    """A local wall time as an aware instant (UTC, so the clock moves in real time)."""
    return datetime.fromisoformat(text).replace(tzinfo=clock.zone).astimezone(UTC)


def build_school(session: Session, clock: Clock, rules_text: str | None = None) -> SimpleNamespace:
    now = clock.now()
    owner = Owner(sourced_id="kommune-1", name="Demo kommune")
    school = School(sourced_id="solbakken", name="Ransel skole", owner=owner)
    session.add_all([owner, school])
    for code, nb, nn, en in [("MAT01-05", "matematikk", "matematikk", "mathematics"),
                             ("NOR01-07", "norsk", "norsk", "Norwegian"),
                             ("KRO01-05", "kroppsøving", "kroppsøving", "physical education")]:
        session.add(Subject(code=code, name_nb=nb, name_nn=nn, name_en=en, curriculum_title_nb=nb, curriculum_title_en=en))
    session.flush()
    g4a = Group(sourced_id="g-4a", school_id=school.id, name="4A", kind=GroupKind.BASIS, grade=4)
    g9b = Group(sourced_id="g-9b", school_id=school.id, name="9B", kind=GroupKind.BASIS, grade=9)
    session.add_all([g4a, g9b])

    def person(username: str, given: str, family: str, role: Role, language: str = "nb", birth: date | None = None) -> Person:
        p = Person(sourced_id=username, username=username, given_name=given, family_name=family,
                   language=language, birth_date=birth)
        p.roles.append(PersonRole(role=role, school_id=school.id))
        session.add(p)
        return p

    liv = person("liv.andersen", "Liv", "Andersen", Role.TEACHER)
    ola = person("ola.berg", "Ola", "Berg", Role.TEACHER)
    admin = person("rektor", "Randi", "Rektor", Role.SCHOOL_ADMIN)
    emma = person("emma.hansen", "Emma", "Hansen", Role.PUPIL, birth=date(2017, 3, 2))
    jonas = person("jonas.hansen", "Jonas", "Hansen", Role.PUPIL, birth=date(2012, 5, 10))
    sofie = person("sofie.lie", "Sofie", "Lie", Role.PUPIL, birth=date(2017, 8, 20))
    kari = person("kari.hansen", "Kari", "Hansen", Role.GUARDIAN)
    per = person("per.lie", "Per", "Lie", Role.GUARDIAN, language="en")
    session.flush()
    session.add_all([
        Membership(group_id=g4a.id, person_id=liv.id, role=MemberRole.TEACHER, is_contact_teacher=True),
        Membership(group_id=g9b.id, person_id=ola.id, role=MemberRole.TEACHER, is_contact_teacher=True),
        Membership(group_id=g4a.id, person_id=emma.id, role=MemberRole.PUPIL),
        Membership(group_id=g4a.id, person_id=sofie.id, role=MemberRole.PUPIL),
        Membership(group_id=g9b.id, person_id=jonas.id, role=MemberRole.PUPIL),
        Guardianship(guardian_id=kari.id, pupil_id=emma.id),
        Guardianship(guardian_id=kari.id, pupil_id=jonas.id),
        Guardianship(guardian_id=per.id, pupil_id=sofie.id),
    ])
    # Who can be reached where: Kari and Liv on Telegram, Per by SMS, Jonas on Telegram.
    for who, channel, address in [(kari, Channel.TELEGRAM, "1001"), (jonas, Channel.TELEGRAM, "1002"),
                                  (per, Channel.SMS, "+4791000003"), (liv, Channel.TELEGRAM, "1004"),
                                  (ola, Channel.TELEGRAM, "1005")]:
        session.add(ContactPoint(person_id=who.id, channel=channel, address=address, verified=True, created_at=now))
    # Timetable: PE in the gym (4A Tue/Thu, 9B Mon/Thu), maths every day.
    for group, days in [(g4a, (1, 3)), (g9b, (0, 3))]:
        for wd in days:
            session.add(Lesson(group_id=group.id, weekday=wd, starts=time(10), ends=time(11),
                               subject_code="KRO01-05", place="gymsal"))
        for wd in range(5):
            session.add(Lesson(group_id=group.id, weekday=wd, starts=time(8, 30), ends=time(9, 15),
                               subject_code="MAT01-05", place="classroom"))
    session.add(GearRule(school_id=school.id, place="gymsal", item_key="gym_clothes"))
    session.add(CalendarEvent(
        external_id="skating-4a", school_id=school.id, group_id=g4a.id, kind=EventKind.SKATING_DAY,
        title_nb="Skøytedag", title_nn="Skeisedag", title_en="Skating day",
        starts_at=oslo(clock, "2026-12-04T08:30"), ends_at=oslo(clock, "2026-12-04T14:00"),
        place="skoytebane", bring=["skates", "helmet"],
    ))
    session.add(SchoolBreak(school_id=school.id, name_key="christmas", first_day=date(2026, 12, 21), last_day=date(2027, 1, 3)))
    session.flush()
    rules.store(session, school, rules_text if rules_text is not None else DEMO_RULES.read_text(encoding="utf-8"), now=now)
    session.commit()
    return SimpleNamespace(
        school=school.id, g4a=g4a.id, g9b=g9b.id, liv=liv.id, ola=ola.id, admin=admin.id, emma=emma.id,
        jonas=jonas.id, sofie=sofie.id, kari=kari.id, per=per.id,
    )


def homework(session: Session, group_id: int, due: datetime, title: str, subject: str = "MAT01-05",
             kind: AssignmentKind = AssignmentKind.HOMEWORK, sourced_id: str | None = None) -> int:
    a = Assignment(sourced_id=sourced_id or f"a-{group_id}-{due.isoformat()}-{title}", group_id=group_id,
                   kind=kind, subject_code=subject, title=title, due_at=due)
    session.add(a)
    session.commit()
    return a.id


def prefer(session: Session, person_id: int, clock: Clock, **values: Any) -> None:
    pref = session.scalar(select(NotificationPreference).where(NotificationPreference.person_id == person_id))
    if pref is None:
        pref = NotificationPreference(person_id=person_id, updated_at=clock.now())
        session.add(pref)
    for k, v in values.items():
        setattr(pref, k, v)
    session.commit()


def category(session: Session, person_id: int, name: str, mode: DeliveryMode) -> None:
    session.add(CategoryPreference(person_id=person_id, category=name, mode=mode))
    session.commit()


@dataclass
class Sent:
    at: datetime  # local
    recipient_id: int
    channel: Channel
    text: str


@dataclass
class TimedRecorder:
    """A channel that remembers when (by the scheduler's clock) it got each message."""

    channel: Channel
    clock: Clock
    log: list[Sent]
    answers: list[DeliveryResult] = field(default_factory=list)

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        if self.answers:
            answer = self.answers.pop(0)
            if answer.status is not DeliveryStatus.SENT:
                return answer
        self.log.append(Sent(self.clock.now(), message.recipient_id, message.channel, message.text))
        return DeliveryResult(DeliveryStatus.SENT, external_id=f"x-{message.outbox_id}")


class World:
    """The scheduler over a stretch of time: plan every ``step``, dispatch what is due."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions, self.clock = sessions, clock
        self.sent: list[Sent] = []
        self.adapters = {c: TimedRecorder(c, clock, self.sent) for c in Channel}
        self.dispatcher = Dispatcher(sessions, clock, self.adapters, config=DispatchConfig(backoff_base=60))

    def tick(self) -> None:
        import asyncio

        with self.sessions() as s, s.begin():
            plan(s, self.clock)
        asyncio.run(self.dispatcher.drain())

    def run_until(self, end: datetime, step: timedelta = timedelta(hours=1)) -> list[Sent]:
        # Instants in UTC: arithmetic on same-zone aware datetimes is wall-clock arithmetic.
        start, end = len(self.sent), end.astimezone(UTC)
        while self.clock.utcnow() < end:
            self.tick()
            self.clock.advance(min(step, end - self.clock.utcnow()))
        self.tick()
        return self.sent[start:]


def texts(sent: list[Sent], clock: Clock) -> list[tuple[str, int, str]]:
    return [(s.at.astimezone(clock.zone).strftime("%Y-%m-%d %H:%M"), s.recipient_id, s.text) for s in sent]
