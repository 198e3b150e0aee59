
from sqlalchemy import func, select

from bot.models import OutboxMessage, Person
from bot.outbox import enqueue


def test_the_same_cause_enqueued_twice_gives_one_message(session, clock) -> None:  # noqa: ANN001
    teacher = Person(sourced_id="t1", given_name="Liv", family_name="Andersen", language="nb")
    session.add(teacher)
    session.flush()
    args = dict(
        key=f"absence:17:{teacher.id}", recipient_id=teacher.id, category="absence",
        template="absence_alert", payload={"absence_id": 17}, due_at=clock.now(),
        now=clock.now(), critical=True,
    )
    assert enqueue(session, **args) is True
    assert enqueue(session, **args) is False
    session.commit()
    rows = session.scalars(select(OutboxMessage)).all()
    assert len(rows) == 1 and rows[0].critical and rows[0].payload == {"absence_id": 17}
    assert rows[0].due_at == clock.utcnow()
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
