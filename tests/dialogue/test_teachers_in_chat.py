"""Teachers in the chat, through the real engine, action server and database, on a generated
school imported from OneRoster only: questions about their own classes in nb, nn and en, a
broadcast and homework ordered from the phone (preview, yes, rows, report, re-send, undo),
and the one refusal for a class, pupil or name that is not theirs.

Expected facts are computed from the generated school (bot/evaluation/school.py), not
from Ransel's answers.
"""

from __future__ import annotations

import re
import statistics
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.evaluation.run import EvalStack
from bot.evaluation.school import EvalSchool
from bot.i18n import Formatter
from bot.models import Assignment, AssignmentKind, Broadcast, Group, Membership, OutboxMessage, OutboxStatus, Person

pytestmark = pytest.mark.engine

SEED = 14


# --------------------------------------------------------------------------- the school's facts


def _name(p) -> str:  # noqa: ANN001 - a generated person
    return f"{p.given} {p.family}"


def _group(s: EvalSchool, title: str):  # noqa: ANN202
    return next(g for g in s.groups if g.title == title)


def _username(s: EvalSchool, full_name: str) -> str:
    return next(p.username for p in s.people.values() if _name(p) == full_name)


def _contact_teacher(s: EvalSchool, class_name: str) -> tuple[str, str]:
    """(username, full name) of the class's contact teacher."""
    teacher = _group(s, class_name).teachers[0][0]
    return teacher.username, _name(teacher)


def _pupils(s: EvalSchool, class_name: str) -> list[str]:
    return [_name(p) for p in _group(s, class_name).pupils]


def _guardians(s: EvalSchool, class_name: str) -> set[str]:
    return {sid for p in _group(s, class_name).pupils for sid in p.agents}


def _tested(s: EvalSchool, class_name: str):  # noqa: ANN202
    """A past test of the class with results: (item, {pupil full name: score})."""
    for item in s.items:
        if not item.group.startswith(class_name) or item.category != "cat-prove" or item.due >= s.now:
            continue
        scores = {_name(s.people[p]): score for (sid, p), (score, _c) in s.results.items() if sid == item.sid}
        if len(scores) >= 3:
            return item, scores
    raise AssertionError("the generated school has no past test with results")


def _number(value: float, language: str) -> str:
    return Formatter(language).number(round(value, 2))


def _classes(s: EvalSchool) -> list[str]:
    return [g.title for g in s.groups if g.class_type == "homeroom"]


def item_teacher(s: EvalSchool, item) -> str:  # noqa: ANN001
    return _name(_group(s, item.group).teachers[0][0])


# --------------------------------------------------------------------------- questions


def test_a_teacher_gets_a_tests_results_in_bokmal(school, ask) -> None:
    s, _ = school
    cls = _classes(s)[0]
    item, scores = _tested(s, cls)
    teacher = _username(s, item_teacher(s, item))
    reply = ask(teacher, f"hvordan gikk {item.title.lower()} i {cls}?")
    values = list(scores.values())
    assert f"Snitt {_number(sum(values) / len(values), 'nb')}" in reply
    assert f"Median {_number(statistics.median(values), 'nb')}" in reply
    best = max(values)
    assert f"Høyest: {fmt_join([n for n, v in scores.items() if v == best], 'nb')} ({_number(best, 'nb')}/" in reply
    missing = [n for n in _pupils(s, cls) if n not in scores]
    if missing:
        assert f"{len(missing)} av {len(_pupils(s, cls))} mangler resultat" in reply
        for name in missing:
            assert name in reply


def test_below_a_limit_and_the_ranking_in_english(school, ask) -> None:
    s, _ = school
    cls = _classes(s)[0]
    item, scores = _tested(s, cls)
    teacher = _username(s, item_teacher(s, item))
    limit = sorted(scores.values())[len(scores) // 2]
    reply = ask(teacher, f"who scored below {limit:g} on the {item.title} in {cls}? show me the ranking too")
    below = [n for n, v in scores.items() if v < limit]
    above = [n for n, v in scores.items() if v >= limit]
    line = next((line for line in reply.splitlines() if line.startswith("Below")), reply)
    assert all(n in line for n in below) and not any(n in line for n in above), reply
    ranking = [m.group(1) for m in re.finditer(r"^\d+\. ([^:]+):", reply, re.MULTILINE)]
    assert sorted(ranking) == sorted(scores)
    assert [scores[n] for n in ranking] == sorted(scores.values(), reverse=True)


def test_below_a_share_in_words_and_top_and_bottom(school, ask) -> None:
    s, _ = school
    cls = _classes(s)[0]
    item, scores = _tested(s, cls)
    teacher = _username(s, item_teacher(s, item))
    half = item.max_score / 2
    reply = ask(teacher, f"Hvem fikk under halvparten på {item.title.lower()} i {cls}?")
    below = [n for n, v in scores.items() if v < half]
    line = next((line for line in reply.splitlines() if line.startswith("Under")), "")
    assert line.startswith(f"Under {_number(half, 'nb')}"), reply
    assert all(n in line for n in below) and not any(n in line for n in scores if n not in below), reply
    limit = sorted(scores.values())[len(scores) // 2]
    reply = ask(teacher, f"kven fekk over {limit:g} på {item.title.lower()} i {cls}?")
    above = [n for n, v in scores.items() if v > limit]
    line = next((line for line in reply.splitlines() if line.startswith("Over")), "")
    assert all(n in line for n in above) and not any(n in line for n in scores if n not in above), reply
    reply = ask(teacher, f"Who's top and bottom on the {item.title} in {cls}?")
    best, worst = max(scores.values()), min(scores.values())
    assert all(n in reply for n, v in scores.items() if v in (best, worst)), reply
    assert "Highest" in reply and "Lowest" in reply


def test_who_is_in_a_class_in_nynorsk(school, ask) -> None:
    s, _ = school
    cls = _classes(s)[0]
    teacher, teacher_name = _contact_teacher(s, cls)
    reply = ask(teacher, f"kor mange elevar er det i {cls}, og kven er dei?")
    pupils = _pupils(s, cls)
    assert f"{cls} har {len(pupils)} elevar" in reply
    assert f"Kontaktlærar: {teacher_name}" in reply
    for name in pupils:
        assert name in reply


def test_what_a_class_has_in_a_period_in_english(school, ask) -> None:
    s, _ = school
    cls = _classes(s)[0]
    teacher, _full = _contact_teacher(s, cls)
    today = s.now.date()
    monday = today + timedelta(days=7 - today.weekday())
    reply = ask(teacher, f"which tests does {cls} have next week?")
    expected = [i for i in s.items if i.group.startswith(cls) and i.category == "cat-prove"
                and monday <= i.due.date() <= monday + timedelta(days=6)]
    fmt = Formatter("en")
    for item in expected:
        assert item.title in reply and fmt.date(item.due.date()) in reply
    others = [i for i in s.items if i.group.startswith(cls) and i.category == "cat-prove" and i not in expected]
    assert not any(i.title in reply for i in others if i.title not in {e.title for e in expected})


def test_a_named_pupils_result_with_the_teachers_comment(school, ask) -> None:
    s, _ = school
    cls = _classes(s)[0]
    item, scores = _tested(s, cls)
    teacher = _username(s, item_teacher(s, item))
    name, comment = next((_name(s.people[p]), c)
                         for (sid, p), (_v, c) in s.results.items() if sid == item.sid and c)
    reply = ask(teacher, f"hva fikk {name} på {item.title.lower()}?")
    assert f"fikk {_number(scores[name], 'nb')} av {_number(item.max_score, 'nb')}" in reply
    assert comment in reply


def test_a_class_that_is_not_theirs_a_pupil_of_no_one_and_a_made_up_class_get_one_refusal(school, ask) -> None:
    s, _ = school
    mine, other = _classes(s)[0], _classes(s)[1]
    teacher, _full = _contact_teacher(s, mine)
    replies = {
        ask(teacher, f"hvem går i {other}?"),
        ask(teacher, "hvem går i 9Z?"),
        ask(teacher, f"hva fikk {_pupils(s, other)[0]} på siste prøve?"),
        ask(teacher, "hva fikk Zacharias Quist på siste prøve?"),
    }
    assert len(replies) == 1
    refusal = replies.pop()
    assert not any(name in refusal for name in _pupils(s, other))


# --------------------------------------------------------------------------- broadcast


def test_a_broadcast_is_previewed_sent_after_yes_reported_and_resent_to_the_failed(school, stack, ask) -> None:
    s, _ = school
    cls = _classes(s)[0]
    teacher, teacher_name = _contact_teacher(s, cls)
    guardians = _guardians(s, cls)
    preview = ask(teacher, f"Send til foresatte i {cls}: Bibliotekturen er flyttet til torsdag.")
    assert f"Klar til å sende til foresatte i {cls} nå" in preview
    assert f"{len(guardians)} mottakere" in preview
    assert f"Melding fra {teacher_name} til {cls}:" in preview
    assert _count(stack, Broadcast) == 0  # nothing before the yes
    done = ask(teacher, "ja")
    assert f"går til {len(guardians)} mottakere" in done
    with stack.runtime.sessions() as session:
        broadcast = session.scalars(select(Broadcast)).one()
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast.id)).all()
        assert broadcast.text == "Bibliotekturen er flyttet til torsdag." and len(rows) == len(guardians)
        # The channel reports two failures and one delivery.
        failed = sorted(rows, key=lambda r: r.id)[:2]
        for row in failed:
            row.status = OutboxStatus.FAILED
        rows[-1].status = OutboxStatus.DELIVERED
        failed_names = [session.get(Person, r.recipient_id).name for r in failed]
        session.commit()
    report = ask(teacher, "hvordan gikk meldingen?")
    assert "2 feilet" in report and "1 levert" in report
    for name in failed_names:
        assert name in report
    again = ask(teacher, "send på nytt til de som ikke fikk den")
    assert all(name in again for name in failed_names)
    with stack.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status == OutboxStatus.PENDING)) == len(guardians) - 3 + 2


def test_a_broadcast_answered_no_sends_nothing_and_undo_stops_a_queued_one(school, stack, ask) -> None:
    s, _ = school
    cls = _classes(s)[0]
    teacher, _full = _contact_teacher(s, cls)
    preview = ask(teacher, f"send a message to the pupils in {cls} that the gym lesson tomorrow is outdoors")
    assert f"Ready to send to the pupils in {cls}" in preview
    assert "The message has not been sent." in ask(teacher, "no")
    assert _count(stack, Broadcast) == 0
    preview = ask(teacher, f"tell the parents of {cls} tomorrow at 07:30 that school starts at ten on Friday")
    assert "07:30" in preview and "«school starts at ten on Friday»" in preview
    ask(teacher, "yes")
    assert _count(stack, Broadcast) == 1
    undone = ask(teacher, "undo")
    assert "Undone: the message is stopped" in undone
    with stack.runtime.sessions() as session:
        assert session.scalars(select(Broadcast)).one().cancelled_at is not None


# --------------------------------------------------------------------------- homework


def test_homework_by_chat_is_confirmed_stored_reminded_and_undone(school, stack, ask) -> None:
    from bot import reminder_rules as rules_mod
    from scheduler.planner import plan
    from scheduler.render import render_row

    s, _ = school
    cls = _classes(s)[0]
    teacher, _full = _contact_teacher(s, cls)
    assert _group(s, f"{cls} Matematikk").teachers[0][0].username == teacher
    preview = ask(teacher, f"legg inn lekse i matte til torsdag for {cls}: side 40–41 i Multi")
    today = s.now.date()
    thursday = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
    assert Formatter("nb").date(thursday) in preview and "side 40–41 i Multi" in preview
    assert _count(stack, Assignment) == len(s.items)
    ask(teacher, "ja")
    with stack.runtime.sessions() as session:
        added = session.scalars(select(Assignment).where(Assignment.sourced_id.like("ransel:%"))).one()
        assert added.kind is AssignmentKind.HOMEWORK and added.subject_code.startswith("MAT")
        assert session.get(Group, added.group_id).name == f"{cls} Matematikk"
        assert stack.runtime.clock.local(added.due_at).date() == thursday
        # The evening before, the homework reminder names it.
        school_row = session.get(Group, added.group_id).school
        rules_mod.store(session, school_row, REMINDER_RULES.format(school=school_row.sourced_id),
                        now=stack.runtime.clock.now())
        plan(session, stack.runtime.clock, first_day=thursday - timedelta(days=1),
             last_day=thursday - timedelta(days=1))
        session.commit()
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "reminder_homework")).first()
        assert row is not None
        text = render_row(session, row, session.get(Person, row.recipient_id), "nb", stack.runtime.clock)
        assert added.title in (text or "")
    # A guardian of the class asking gets it too.
    pupil = _group(s, cls).pupils[0]
    guardian = s.people[pupil.agents[0]]
    assert "40–41" in ask(guardian.username, f"hva har {pupil.given} i lekse til torsdag?")
    assert "fjernet" in ask(teacher, "angre")
    assert _count(stack, Assignment) == len(s.items)


REMINDER_RULES = """version: 1
school: {school}
rules:
  - id: lekser
    kind: homework
    when: {{days_before: 1, at: "17:00"}}
    audience: {{to: guardians}}
    category: homework
    template: reminder_homework
"""


# --------------------------------------------------------------------------- helpers


def fmt_join(names: list[str], language: str) -> str:
    return Formatter(language).join(names)


def _count(stack: EvalStack, model: type) -> int:
    with stack.runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_moving_and_removing_own_homework_corrects_those_already_reminded(school, stack, ask) -> None:
    from bot import reminder_rules as rules_mod
    from scheduler.planner import plan
    from scheduler.render import render_row

    s, _ = school
    cls = _classes(s)[0]
    teacher, _full = _contact_teacher(s, cls)
    today = s.now.date()
    thursday = today + timedelta(days=(3 - today.weekday()) % 7 or 7)
    friday = thursday + timedelta(days=1)
    ask(teacher, f"legg inn lekse i matte til torsdag for {cls}: regn oppgave 3 til 7")
    ask(teacher, "ja")
    with stack.runtime.sessions() as session:
        group = session.scalars(select(Group).where(Group.name == f"{cls} Matematikk")).one()
        rules_mod.store(session, group.school, REMINDER_RULES.format(school=group.school.sourced_id),
                        now=stack.runtime.clock.now())
        plan(session, stack.runtime.clock, first_day=thursday - timedelta(days=1), last_day=thursday - timedelta(days=1))
        reminded = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "reminder_homework")).all()
        assert reminded
        for row in reminded:
            row.status = OutboxStatus.SENT  # the dispatcher sent them
        session.commit()
        in_class = set(session.scalars(select(Membership.person_id).where(Membership.group_id == group.id)))
        # Only reminders about a pupil of the class were about this homework.
        reminded_ids = {row.recipient_id for row in reminded if set(row.payload["pupils"]) & in_class}
        assert 0 < len(reminded_ids) < len({row.recipient_id for row in reminded})
    preview = ask(teacher, "flytt leksa til fredag")
    assert Formatter("nb").date(friday) in preview and "regn oppgave 3 til 7" in preview.lower()
    done = ask(teacher, "ja")
    assert f"er nå {Formatter('nb').date(friday)}" in done and f"{len(reminded_ids)} som allerede" in done
    with stack.runtime.sessions() as session:
        added = session.scalars(select(Assignment).where(Assignment.sourced_id.like("ransel:%"))).one()
        assert stack.runtime.clock.local(added.due_at).date() == friday
        corrections = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "assignment_changed")).all()
        assert {row.recipient_id for row in corrections} == reminded_ids
        text = render_row(session, corrections[0], session.get(Person, corrections[0].recipient_id), "nb",
                          stack.runtime.clock)
        assert f"flyttet fra {Formatter('nb').date(thursday)} til {Formatter('nb').date(friday)}" in (text or "")
    assert "som før" in ask(teacher, "angre")
    with stack.runtime.sessions() as session:
        back = session.scalars(select(Assignment).where(Assignment.sourced_id.like("ransel:%"))).one()
        assert stack.runtime.clock.local(back.due_at).date() == thursday
    assert "Skal jeg slette" in ask(teacher, "slett leksa")
    assert "Slettet" in ask(teacher, "ja")
    assert _count(stack, Assignment) == len(s.items)
    # Items from the school's own system are changed there.
    imported = next(i for i in s.items if i.group == f"{cls} Matematikk" and i.due > s.now)
    assert "skolens system" in ask(teacher, f"slett {imported.title.lower()}")


def test_homework_with_aims_and_a_resource_warns_before_saving_who_it_is_too_hard_for(school, stack, ask) -> None:
    from datetime import timedelta as td

    from bot.learning import activity
    from bot.learning.activity import Observation
    from bot.models import CompetenceAim, LearningResource

    s, _ = school
    cls = _classes(s)[0]
    teacher, _full = _contact_teacher(s, cls)
    weak = _group(s, cls).pupils[0]
    with stack.runtime.sessions() as session:
        brok = LearningResource(external_id="brok-tallinje", title="Brøk på tallinjen", publisher="Fjordlæring",
                                subject_code="MAT01-05", level=5.0, adaptations=[], licence="CC-BY-SA-4.0",
                                cost_per_use=0.0, methods=["practice"], didactics=["individual"],
                                languages=["nb", "nn"], technical_requirements=["pc"], suitability=[])
        brok.aims = [session.get(CompetenceAim, "KM281")]
        session.add(brok)
        pupil_id = session.scalar(select(Person.id).where(Person.username == weak.username))
        now = stack.runtime.clock.utcnow()
        activity.record(session, [Observation(f"w-{aim}-{i}", pupil_id, None, [aim], "answered", 0,
                                              now - td(days=3, hours=i), "api")
                                  for aim in ("KM290", "KM291") for i in range(3)], clock=stack.runtime.clock)
        session.commit()
    preview = ask(teacher, f"legg inn lekse i matte til torsdag for {cls}: øv på brøk, mål KM281, "
                           "ressurs: Brøk på tallinjen")
    assert "Kompetansemål: KM281" in preview and "Ressurs: Brøk på tallinjen" in preview
    assert f"for vanskelig for {_name(weak)}" in preview
    assert _count(stack, Assignment) == len(s.items)  # nothing saved before the yes
    ask(teacher, "ja")
    with stack.runtime.sessions() as session:
        added = session.scalars(select(Assignment).where(Assignment.sourced_id.like("ransel:%"))).one()
        assert [a.code for a in added.aims] == ["KM281"]
        assert session.get(LearningResource, added.resource_id).external_id == "brok-tallinje"
        assert "øv på brøk" in (added.description or "")


@pytest.mark.parametrize("language, order, yes, said", [
    ("nn", "Send til elevane i {cls}: Hugs gymtøy til i morgon.", "ja", "Sendt: meldinga går til"),
    ("en", "Send a message to the pupils in {cls}: Remember your gym clothes tomorrow.", "yes",
     "Sent: the message goes to"),
])
def test_a_broadcast_to_pupils_in_nynorsk_and_english(school, stack, ask, language, order, yes, said) -> None:
    s, _ = school
    cls = _classes(s)[0]
    teacher, _full = _contact_teacher(s, cls)
    ask(teacher, order.format(cls=cls))
    done = ask(teacher, yes)
    pupils = len(_pupils(s, cls))
    assert f"{said} {pupils}" in done
    with stack.runtime.sessions() as session:
        broadcast = session.scalars(select(Broadcast)).one()
        assert broadcast.audience.value == "pupils"
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.broadcast_id == broadcast.id)) == pupils


@pytest.mark.parametrize("order, yes, added", [
    ("Legg inn lekse i matte for {cls} til fredag: rekn oppgåve 1–4 på side 12", "ja", "Lagt inn"),
    ("Add maths homework for {cls} due Friday: pages 40-41 in the maths book", "yes", "Added"),
])
def test_homework_by_chat_in_nynorsk_and_english(school, stack, ask, order, yes, added) -> None:
    s, _ = school
    cls = _classes(s)[0]
    teacher, _full = _contact_teacher(s, cls)
    today = s.now.date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    preview = ask(teacher, order.format(cls=cls))
    assert f"{cls} Matematikk" in preview
    assert added in ask(teacher, yes)
    with stack.runtime.sessions() as session:
        row = session.scalars(select(Assignment).where(Assignment.sourced_id.like("ransel:%"))).one()
        assert stack.runtime.clock.local(row.due_at).date() == friday and row.kind is AssignmentKind.HOMEWORK
