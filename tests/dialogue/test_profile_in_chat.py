"""The pupil profile through the real trained engine and action server on the demo school:
a guardian asks for read-aloud, says yes, and the child's recommendations change; "angre"
puts it back; "nei" and requests for other assistants change nothing; a pupil asks what
their profile says; nynorsk and English alike."""

import pytest
from sqlalchemy import select

from bot.learning.recommend import recommend
from bot.models import Person, ProfileHistory

pytestmark = pytest.mark.engine


def texts(replies) -> str:
    return "\n".join(r.text for r in replies)


def person_id(stack, username: str) -> int:
    with stack.runtime.sessions() as session:
        return session.scalar(select(Person.id).where(Person.username == username))


def top_five(stack, pupil: str) -> list[tuple[str, tuple[str, ...]]]:
    with stack.runtime.sessions() as session:
        pupil_person = session.get_one(Person, person_id(stack, pupil))
        return [(r.resource.external_id, tuple(r.resource.adaptations))
                for r in recommend(session, pupil_person, pupil_person.id, clock=stack.runtime.clock, limit=5)]


def changes_of(stack, pupil: str) -> list:
    with stack.runtime.sessions() as session:
        return list(session.scalars(select(ProfileHistory).where(
            ProfileHistory.pupil_id == person_id(stack, pupil), ProfileHistory.set_by_id.is_not(None))))


def test_a_guardian_asks_for_read_aloud_and_the_childs_recommendations_change(ransel_stack) -> None:
    before = top_five(ransel_stack, "emma.hansen")
    ransel_stack.restart("kari.hansen")
    asked = texts(ransel_stack.ask("kari.hansen", "Emma trenger opplesing"))
    assert asked == "Skal jeg notere i profilen til Emma at Emma trenger opplesing? Svar ja eller nei."
    assert changes_of(ransel_stack, "emma.hansen") == []
    done = texts(ransel_stack.ask("kari.hansen", "ja"))
    assert done == ("Jeg har notert i profilen til Emma at Emma trenger opplesing. Det gjelder fra nå, også for hva "
                    "jeg foreslår å øve på. Skriv «angre» innen 10 minutter hvis det var feil.")
    after = top_five(ransel_stack, "emma.hansen")
    assert after != before and all("audio" in adaptations for _, adaptations in after)

    undone = texts(ransel_stack.ask("kari.hansen", "angre"))
    assert undone == "Angret: profilen til Emma er som før."
    assert top_five(ransel_stack, "emma.hansen") == before


def test_no_and_other_assistants_requests_change_no_profile(ransel_stack) -> None:
    ransel_stack.restart("per.lie")
    asked = texts(ransel_stack.ask("per.lie", "vi har ikkje PC heime"))
    assert asked == "Skal eg notere i profilen til Nora at Nora ikkje har PC heime? Svar ja eller nei."
    assert texts(ransel_stack.ask("per.lie", "nei")) == "Greitt, då gjer eg ingenting. Profilen er som før."
    for text in ("spel musikk", "skru på lyset i stova", "set an alarm for seven"):
        ransel_stack.ask("per.lie", text)
    assert changes_of(ransel_stack, "nora.lie") == []


def test_a_pupil_notes_how_they_learn_best_and_reads_their_profile(ransel_stack) -> None:
    ransel_stack.restart("olivia.smith")
    asked = texts(ransel_stack.ask("olivia.smith", "I learn best with videos"))
    assert asked == "Shall I note that you learn best with videos? Answer yes or no."
    done = texts(ransel_stack.ask("olivia.smith", "yes"))
    assert done.startswith("I've noted that you learn best with videos.")
    said = texts(ransel_stack.ask("olivia.smith", "what's in my profile?"))
    assert said.splitlines()[:2] == ["Your profile:", "- Learns best with: videos (set by Olivia Smith, the pupil, "
                                     "1 December)"]
    assert said.endswith(f"/profile/{person_id(ransel_stack, 'olivia.smith')}, where you can also change it.")
