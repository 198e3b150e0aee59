"""Finding the item a person names, the way people name things: compounds, definite forms,
nynorsk and English, against titles as schools write them."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.models import AssignmentKind as K
from bot.services.describe import substance, things_in_title, things_of, things_to_bring
from bot.services.items import Candidate, rank

NOW = datetime(2026, 12, 9, 8, 30, tzinfo=timezone.utc)


def _in(days: int) -> datetime:
    return NOW + timedelta(days=days)


ITEMS = [
    Candidate(1, "Prøve i geometri", K.TEST, "MAT01-05", _in(5)),
    Candidate(2, "Foredrag om et europeisk land", K.PROJECT, "SAF01-04", _in(8)),
    Candidate(3, "Aktivitetsdag på Frognerseteren", K.EVENT, None, _in(2)),
    Candidate(4, "Tur til biblioteket", K.EVENT, "NOR01-07", _in(1)),
    Candidate(5, "Geografiquiz: Europa", K.TEST, "SAF01-04", _in(3)),
    Candidate(6, "Les side 52–55 i Salto", K.HOMEWORK, "NOR01-07", _in(1)),
    Candidate(7, "Prøve i brøk", K.TEST, "MAT01-05", _in(-5)),
    Candidate(8, "Gymtøy og innesko", K.BRING, "KRO01-05", _in(2)),
    Candidate(9, "Vocabulary test: Food and drink", K.TEST, "ENG01-05", _in(6)),
    Candidate(10, "Skøytedag på Frogner stadion", K.EVENT, None, _in(9)),
    Candidate(11, "Juleavslutning i gymsalen", K.EVENT, None, _in(10)),
    Candidate(12, "Matteprøve: multiplikasjon", K.TEST, "MAT01-05", _in(12)),
    Candidate(13, "Gangetabellen: øv på 7-gangen", K.HOMEWORK, "MAT01-05", _in(2)),
    Candidate(14, "Naturfagsprøve om kroppen", K.TEST, "NAT01-04", _in(4)),
    Candidate(15, "Finn tre spor etter dyr i nærmiljøet", K.HOMEWORK, "NAT01-04", _in(-20)),
    Candidate(16, "Skriv om det du gjorde i helgen", K.HOMEWORK, "NOR01-07", _in(3)),
]
NAMES = frozenset({"tiril", "mats", "syver", "nora"})


@pytest.mark.parametrize("question, title", [
    ("hva må Tiril gjøre til foredraget, og når er det?", "Foredrag om et europeisk land"),
    ("får Mats bruke passer på geometriprøven?", "Prøve i geometri"),
    ("korleis gjekk det på prøva i geometri?", "Prøve i geometri"),
    ("hva skal Syver ha med til aktivitetsdagen og når er den?", "Aktivitetsdag på Frognerseteren"),
    ("når er bibliotekturen?", "Tur til biblioteket"),
    ("what should he bring for the library trip", "Tur til biblioteket"),
    ("hva må hun ha med til turen?", "Tur til biblioteket"),
    ("what's on the geography quiz?", "Geografiquiz: Europa"),
    ("hvordan gikk brøkprøven?", "Prøve i brøk"),
    ("what did I get on the fractions test?", "Prøve i brøk"),
    ("når er matteprøven?", "Matteprøve: multiplikasjon"),  # the title's own compound
    ("kva skal Nora ha med på skeisedagen?", "Skøytedag på Frogner stadion"),  # nynorsk
    ("when is the vocabulary test?", "Vocabulary test: Food and drink"),
    ("når er juleavslutningen?", "Juleavslutning i gymsalen"),
    ("hva skal vi øve på til gangetabellen", "Gangetabellen: øv på 7-gangen"),
    ("når er naturfagprøva", "Naturfagsprøve om kroppen"),
    ("når er prøven i naturfag?", "Naturfagsprøve om kroppen"),
    ("when is the maths test", "Prøve i geometri"),  # kind and subject only: the next such test
])
def test_a_named_item_is_found(question: str, title: str) -> None:
    found = rank(question, ITEMS, NOW, ignore=NAMES)
    assert [c.title for c, _ in found] == [title]


@pytest.mark.parametrize("question", [
    "hva er leksene i matte til fredag?",  # a list, not one thing
    "hva er leksene?",
    "hva er leksa til i morgen?",
    "når er neste prøve?",
    "har vi gym på torsdag?",
    "prøver neste uke",
    "hva er været i morgen",
    "sett alarmen til sju",
    "hva har vi etter lunsj?",  # a timetable question; a title with "etter" is not named
    "når begynner skolen på mandag?",
    "what do we have after lunch on friday?",
    "hva skjer i helgen?",
])
def test_a_question_that_names_no_item_finds_none(question: str) -> None:
    assert rank(question, ITEMS, NOW, ignore=NAMES) == []


def test_things_to_bring_are_read_from_descriptions_in_each_language() -> None:
    assert things_to_bring("Aktivitetsdag på Frognerseteren 09:00–14:00. Ta med matpakke, drikkeflaske, varme klær "
                           "og sitteunderlag.") == ["matpakke", "drikkeflaske", "varme klær", "sitteunderlag"]
    assert things_to_bring("Elevane må ha med seg gymtøy og innesko.") == ["gymtøy", "innesko"]
    assert things_to_bring("Vi går til biblioteket. Husk lånekort!") == ["lånekort"]
    assert things_to_bring("Bring your swimsuit, a towel and goggles.") == ["swimsuit", "towel", "goggles"]
    assert things_to_bring("Husk å ta med gymtøy til torsdag") == ["gymtøy"]
    assert things_to_bring("Les side 12–15.") == []
    # A count and its adjectives stay with the thing; a vague thing may take more words.
    assert things_to_bring("Vi lager juleverksted. Ta med to tomme, skylte melkekartonger og en saks.") == [
        "to tomme, skylte melkekartonger", "saks"]
    assert things_to_bring("Ta med tre store, blanke ark, to epler og saks") == ["tre store, blanke ark", "to epler",
                                                                                "saks"]
    assert things_to_bring("Bring two pencils, an eraser and your calculator to school.") == [
        "two pencils", "eraser", "calculator"]
    assert things_to_bring("Juleavslutning kl. 17:00–18:30. Ta med noe å bidra med til kakebordet.") == [
        "noe å bidra med til kakebordet"]
    # A bring item's title and its description name the same thing once, in the fuller wording.
    assert things_of("Ta med tomme melkekartonger", "Ta med to tomme, skylte melkekartonger og en saks.",
                     bring_item=True) == ["to tomme, skylte melkekartonger", "saks"]
    assert things_of("Gymtøy og innesko", "Husk håndkle.", bring_item=True) == ["gymtøy", "innesko", "håndkle"]
    assert things_in_title("Gymtøy og innesko") == ["gymtøy", "innesko"]
    assert things_in_title("Ta med: skøyter og hjelm") == ["skøyter", "hjelm"]


def test_a_long_description_is_cut_to_the_sentences_with_the_facts() -> None:
    text = ("Les side 52–55 i Salto 2B og gjør oppgave 3 og 4. Dette er en fin tekst om vinteren som dere kommer "
            "til å like veldig godt, og vi skal snakke om den i timen på fredag når alle har lest den. Vi "
            "fortsetter med dette temaet resten av uka og neste uke også, så det er lurt å begynne tidlig.")
    assert substance(text) == "Les side 52–55 i Salto 2B og gjør oppgave 3 og 4."
    short = "Del 1 uten hjelpemidler, del 2 med kalkulator, passer og linjal."
    assert substance(short) == short
