"""Private questions to a teacher and the teacher's answers, relayed through the outbox.

A guardian (about their child) or a pupil (about themself) writes to the child's contact
teacher, or to the subject teacher when a subject is named. The question becomes a
:class:`Thread` with its first :class:`ThreadMessage` and one outbox row for that teacher
only (template ``teacher_question``). The teacher answers "svar 12 ..." and the answer goes
to the asker only (``teacher_answer``). Outbox payloads carry ids; the builders read the
text at send time and check the recipient still belongs to the thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.access import AccessDenied, family_of, subject_teachers, visible_pupil_ids
from bot.clock import Clock
from bot.models import Person, Thread, ThreadMessage
from bot.outbox import cancel, enqueue
from bot.services import changes
from bot.services.absence import contact_teachers
from bot.services.pupils import basis_group

log = logging.getLogger(__name__)

QUESTION_TEMPLATE = "teacher_question"
ANSWER_TEMPLATE = "teacher_answer"
CATEGORY = "relay"
MAX_TEXT = 1000


class NoTeacher(LookupError):
    """The pupil has no (contact or subject) teacher to write to."""


class AmbiguousThread(LookupError):
    """A teacher answered without a number while several questions wait for an answer."""

    def __init__(self, open_ids: list[int]) -> None:
        super().__init__("several open threads")
        self.open_ids = open_ids


def teacher_for(session: Session, asker: Person, pupil_id: int, clock: Clock,
                subject_code: str | None = None) -> Person:
    """The teacher a question about this pupil goes to. AccessDenied for others' pupils."""
    _require_family_pupil(session, asker, pupil_id, clock)
    today = clock.today()
    if subject_code:
        found = subject_teachers(session, pupil_id, today, subject_code)
        if found:
            return found[0][1]
    teachers = contact_teachers(session, pupil_id, today)
    if not teachers:
        raise NoTeacher()
    return teachers[0]


def _require_family_pupil(session: Session, asker: Person, pupil_id: int, clock: Clock) -> None:
    if pupil_id not in {p.id for p in family_of(session, asker, clock.today())}:
        raise AccessDenied()


@dataclass
class Relayed:
    thread: Thread
    teacher: Person
    pupil: Person | None


def ask_teacher(session: Session, asker: Person, pupil_id: int, text: str, clock: Clock,
                subject_code: str | None = None) -> Relayed:
    """Store the question and queue it for the teacher (same transaction)."""
    teacher = teacher_for(session, asker, pupil_id, clock, subject_code)
    now = clock.utcnow()
    thread = Thread(asker_id=asker.id, teacher_id=teacher.id, pupil_id=pupil_id, created_at=now)
    session.add(thread)
    session.flush()
    message = ThreadMessage(thread_id=thread.id, author_id=asker.id, text=text.strip()[:MAX_TEXT], created_at=now)
    session.add(message)
    session.flush()
    key = f"thread:{thread.id}:message:{message.id}"
    enqueue(session, key=key, recipient_id=teacher.id, category=CATEGORY,
            template=QUESTION_TEMPLATE, payload={"thread_id": thread.id, "message_id": message.id},
            due_at=now, now=now)
    changes.record(session, asker, changes.MESSAGE,
                   {"thread_id": thread.id, "message_id": message.id, "key": key}, clock)
    return Relayed(thread, teacher, session.get(Person, pupil_id))


@dataclass
class Withdrawn:
    teacher: Person
    reached_teacher: bool  # the message had gone out: the teacher is told it is withdrawn


WITHDRAWN_TEMPLATE = "teacher_question_withdrawn"


def withdraw(session: Session, asker: Person, payload: dict[str, Any], clock: Clock) -> Withdrawn | None:
    """Undo a message to a teacher: not sent yet, it is removed; sent, the thread is closed
    and the teacher told it is withdrawn. None if it is gone already."""
    thread = session.get(Thread, payload.get("thread_id"))
    message = session.get(ThreadMessage, payload.get("message_id"))
    if thread is None or message is None or thread.asker_id != asker.id:
        return None
    teacher = session.get_one(Person, thread.teacher_id)
    now = clock.utcnow()
    cancelled, _ = cancel(session, [payload.get("key", "")], now=now, detail="withdrawn by the sender")
    if cancelled:
        session.delete(message)
        session.flush()
        if not session.scalar(select(ThreadMessage.id).where(ThreadMessage.thread_id == thread.id).limit(1)):
            session.delete(thread)
        session.flush()
        return Withdrawn(teacher, reached_teacher=False)
    thread.closed_at = now
    enqueue(session, key=f"thread:{thread.id}:withdrawn:{message.id}", recipient_id=teacher.id, category=CATEGORY,
            template=WITHDRAWN_TEMPLATE, payload={"thread_id": thread.id}, due_at=now, now=now)
    return Withdrawn(teacher, reached_teacher=True)


def build_teacher_question_withdrawn(session: Session, recipient: Person, payload: dict[str, Any],
                                     clock: Clock) -> dict | None:
    thread = session.get(Thread, payload.get("thread_id"))
    if thread is None or thread.teacher_id != recipient.id:
        return None
    asker = session.get(Person, thread.asker_id)
    return {"thread_id": thread.id, "asker_name": asker.name if asker else ""}


def _awaiting_answer(session: Session, teacher: Person) -> list[Thread]:
    threads = session.scalars(
        select(Thread).where(Thread.teacher_id == teacher.id, Thread.closed_at.is_(None)).order_by(Thread.id)
    ).all()
    return [t for t in threads if t.messages and t.messages[-1].author_id != teacher.id]


def awaiting_answer(session: Session, teacher: Person) -> list[Thread]:
    """The teacher's open threads whose last message is not theirs, oldest first."""
    return _awaiting_answer(session, teacher)


def threads_of(session: Session, teacher: Person, limit: int = 100) -> list[Thread]:
    """The threads written to this teacher (and only those), newest first."""
    return list(session.scalars(select(Thread).where(Thread.teacher_id == teacher.id)
                                .order_by(Thread.id.desc()).limit(limit)))


def thread_of(session: Session, teacher: Person, thread_id: int) -> Thread:
    """One of the teacher's threads; AccessDenied for another's, the same as for none."""
    thread = session.get(Thread, thread_id)
    if thread is None or thread.teacher_id != teacher.id:
        raise AccessDenied()
    return thread


def answer(session: Session, teacher: Person, thread_id: int | None, text: str, clock: Clock) -> Relayed:
    """The teacher's answer, queued for the person who asked and nobody else.

    Without a number, the one question waiting for an answer is meant; several waiting
    raise AmbiguousThread. A thread that is not this teacher's raises AccessDenied, the
    same as one that does not exist.
    """
    if thread_id is None:
        waiting = _awaiting_answer(session, teacher)
        if len(waiting) != 1:
            raise AmbiguousThread([t.id for t in waiting])
        thread = waiting[0]
    else:
        found = session.get(Thread, thread_id)
        if found is None or found.teacher_id != teacher.id:
            raise AccessDenied()
        thread = found
    if not still_open(session, thread, clock):  # the pupil left, or the asker lost access
        raise AccessDenied()
    now = clock.utcnow()
    message = ThreadMessage(thread_id=thread.id, author_id=teacher.id, text=text.strip()[:MAX_TEXT], created_at=now)
    session.add(message)
    session.flush()
    enqueue(session, key=f"thread:{thread.id}:message:{message.id}", recipient_id=thread.asker_id,
            category=CATEGORY, template=ANSWER_TEMPLATE,
            payload={"thread_id": thread.id, "message_id": message.id}, due_at=now, now=now)
    return Relayed(thread, teacher, session.get(Person, thread.pupil_id) if thread.pupil_id else None)


def still_open(session: Session, thread: Thread, clock: Clock) -> bool:
    """Whether the thread may still carry messages; closes it when not.

    Checked again at every delivery: the asker must still see the pupil (parental
    responsibility, under 18, enabled) and the teacher must still teach them (memberships
    current today). A pupil who left the group or a guardian who lost access closes it."""
    if thread.closed_at is not None:
        return False
    today = clock.today()
    ok = True
    if thread.pupil_id is not None:
        asker, teacher = session.get(Person, thread.asker_id), session.get(Person, thread.teacher_id)
        ok = (asker is not None and teacher is not None and teacher.enabled
              and thread.pupil_id in visible_pupil_ids(session, asker, today)
              and thread.pupil_id in visible_pupil_ids(session, teacher, today))
    if not ok:
        thread.closed_at = clock.utcnow()
        log.info("thread closed: access changed thread=%s", thread.id)
    return ok


def _message(session: Session, payload: dict[str, Any]) -> tuple[Thread, ThreadMessage] | None:
    thread = session.get(Thread, payload.get("thread_id"))
    message = session.get(ThreadMessage, payload.get("message_id"))
    if thread is None or message is None or message.thread_id != thread.id:
        return None
    return thread, message


def build_teacher_question(session: Session, recipient: Person, payload: dict[str, Any],
                           clock: Clock) -> dict | None:
    """Template context for ``teacher_question``; only the thread's teacher gets one."""
    found = _message(session, payload)
    if found is None or found[0].teacher_id != recipient.id or not still_open(session, found[0], clock):
        return None
    thread, message = found
    asker = session.get_one(Person, thread.asker_id)
    pupil = session.get(Person, thread.pupil_id) if thread.pupil_id else None
    group = basis_group(session, pupil.id, clock.today()) if pupil else None
    return {
        "thread_id": thread.id,
        "asker_name": asker.name,
        "asker_is_pupil": pupil is not None and asker.id == pupil.id,
        "pupil_name": pupil.name if pupil else "",
        "group_name": group.name if group else "",
        "text": message.text,
    }


def build_teacher_answer(session: Session, recipient: Person, payload: dict[str, Any],
                         clock: Clock) -> dict | None:
    """Template context for ``teacher_answer``; only the person who asked gets one."""
    found = _message(session, payload)
    if found is None or found[0].asker_id != recipient.id or not still_open(session, found[0], clock):
        return None
    thread, message = found
    teacher = session.get_one(Person, thread.teacher_id)
    question = next((m for m in thread.messages if m.author_id == thread.asker_id), None)
    pupil = session.get(Person, thread.pupil_id) if thread.pupil_id else None
    return {
        "thread_id": thread.id,
        "teacher_name": teacher.name,
        "pupil_name": pupil.given_name if pupil and pupil.id != recipient.id else "",
        "question": question.text if question else "",
        "text": message.text,
    }


@dataclass(frozen=True)
class PupilTeachers:
    contact: list[Person]
    by_subject: list[tuple[str, Person]]  # (subject code, teacher), in subject order


def teachers_of(session: Session, asker: Person, pupil_id: int, clock: Clock) -> PupilTeachers:
    """Who teaches the pupil now: the class's contact teachers and each subject's teachers.
    AccessDenied for a pupil the asker may not see."""
    _require_family_pupil(session, asker, pupil_id, clock)
    today = clock.today()
    return PupilTeachers(contact_teachers(session, pupil_id, today), subject_teachers(session, pupil_id, today))


CONTACT = "contact"


def named_teacher_subject(session: Session, asker: Person, text: str, clock: Clock) -> str | None:
    """A message "til Erik Bakke": the subject that teacher teaches one of the asker's
    children (``CONTACT`` for a contact teacher), so the message reaches that teacher; None
    when no teacher of theirs is named."""
    words = text.casefold()
    for pupil in family_of(session, asker, clock.today()):
        found = teachers_of(session, asker, pupil.id, clock)
        if any(t.name.casefold() in words for t in found.contact):
            return CONTACT
        for code, teacher in found.by_subject:
            if teacher.name.casefold() in words:
                return code
    return None
