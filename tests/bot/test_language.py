"""Which language a reply is written in: the message's own (bokmål, nynorsk or English),
else the language last used; a language the person chose wins over both."""

import pytest

from bot.language import NORWEGIAN, detect, reply_language


@pytest.mark.parametrize(("text", "expected"), [
    ("hva er leksene til i morgen?", "nb"),
    ("kva er leksene til i morgon?", "nn"),
    ("korleis går det med Nora i matte?", "nn"),
    ("eg treng ikkje påminningar i veka", "nn"),
    ("hvordan går det med Emma i matte?", "nb"),
    ("jeg vil ikke ha meldinger i helgene", "nb"),
    ("what's the homework for tomorrow?", "en"),
    ("when is the next test?", "en"),
    ("Olivia is sick today", "en"),
    ("når er prøven?", NORWEGIAN),
    # A Norwegian title quoted in an English question does not make it Norwegian.
    ("Average on the animal talk (foredrag om et dyr)?", "en"),
    ("Hva er snittet på «Unit 3 words»?", "nb"),
    # Nothing stronger tells: nynorsk's usual "-inga", bokmål's "en"; "ei prøve" is both.
    ("Kan du bestille taxi til Marie etter juleavslutninga?", "nn"),
    ("8B skal ta med ei skoeske til kunst og handverk", "nn"),
    ("Legg inn ei prøve i brøk for 7C fredag 18. desember", NORWEGIAN),
    ("Legg til for 6B: ta med ski og stavar fredag 18. desember.", "nn"),
    ("Kommentar til prøven i januar?", NORWEGIAN),
    # English contents after an order's colon are written for the pupils; Norwegian ones tell.
    ("Send til foresatte i 8A: Foredrag om eit dyr er tysdag 15.12.", "nn"),
    ("Legg inn lekse i engelsk for 8C til fredag 11. desember: Read the text on page 40 and write down five new words.",
     NORWEGIAN),
    # A word only one standard has outweighs one both may write.
    ("Send ei melding til Geir Holm om at Oliver ikkje har fått tilbake engelskboka si.", "nn"),
    ("8B skal ta med en skoeske til kunst og håndverk", "nb"),
    ("ja", None),
    ("ok", None),
])
def test_the_language_a_message_is_written_in(text: str, expected: str | None) -> None:
    assert detect(text) == expected


def test_a_reply_follows_the_message_then_the_last_language_used() -> None:
    assert reply_language("kva har vi i morgon?", "nb", chosen=False) == "nn"
    assert reply_language("what do we have tomorrow?", "nn", chosen=False) == "en"
    # Too little to tell: the language last used.
    assert reply_language("ja", "nn", chosen=False) == "nn"
    assert reply_language("Emma", "en", chosen=False) == "en"
    # Norwegian without a telling word keeps a nynorsk writer in nynorsk.
    assert reply_language("når er prøven?", "nn", chosen=False) == "nn"
    assert reply_language("når er prøven?", "en", chosen=False) == "nb"


def test_a_buttons_payload_is_not_taken_for_english() -> None:
    payload = '/choose_child{"person": "Jonas"}'
    assert reply_language(payload, "nb", chosen=False) == "nb"
    assert reply_language(payload, "nn", chosen=False) == "nn"


def test_a_chosen_language_wins_over_the_message() -> None:
    assert reply_language("what is the homework?", "nn", chosen=True) == "nn"
    assert reply_language("hva er leksene?", "en", chosen=True) == "en"
