"""Free speech in bokmål and English for real: espeak-ng speaks, Whisper base listens.

The model is the multilingual Whisper base that set-up assembles from its two PyPI parts.
espeak-ng's Norwegian voice is much harder to understand than a person: these sentences are
ones it says clearly enough, and the words checked are the ones an answer depends on (the
child, the subject, the day).
"""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from bot import heard
from bot.config import load_settings
from channels import audio
from channels.speech import Speech, SpeechProblem
from tests.builders import build_school

pytestmark = pytest.mark.speech


def espeak(text: str, voice: str, rate: int) -> bytes:
    """espeak-ng's command line: the same samples every time (pyttsx3's asynchronous mode ends
    a file a few samples early or late, and Whisper's readings of espeak are that fragile)."""
    return subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "--stdout", text],
                          check=True, capture_output=True).stdout


@pytest.fixture(scope="module")
def speech() -> Speech:
    return Speech(load_settings(speech_max_seconds=60, speech_max_bytes=4_000_000, whisper_max_seconds=20))


@pytest.mark.parametrize(("said", "key_words"), [
    ("Hva er leksa i engelsk til i morgen?", ["engelsk", "morgen"]),
    ("Emma skal til tannlegen i morgen.", ["emma", "tannlegen"]),
    ("Har Emma noen prøver neste uke?", ["emma", "prøver", "neste"]),
])
def test_bokmal_school_questions_are_heard_with_their_key_words(speech: Speech, said: str,
                                                                key_words: list[str]) -> None:
    wav = espeak(said, "nb", 140)
    note = audio.encode(audio.decode(wav, max_bytes=10**7, max_seconds=60), "ogg")  # as Telegram sends
    got = speech.recognize(note, "nb", vocabulary=["Emma", "Jonas", "engelsk", "matematikk"])
    assert got.free and got.text == got.readings[0]
    # One of the readings the engine chooses from has every word the answer depends on.
    readings = [heard.repair_names(r, ["Emma", "Jonas"]).casefold() for r in got.readings]
    assert any(all(word in r for word in key_words) for r in readings), (said, got.readings)


def test_english_is_heard_word_for_word(speech: Speech) -> None:
    got = speech.recognize(espeak("What homework does Jonas have this week?", "en", 160), "en",
                           vocabulary=["Emma", "Jonas"])
    assert "what homework does jonas have this week" in got.text.casefold()


@pytest.mark.parametrize(("said", "chosen"), [("Emma", "Emma"), ("Det er Jonas", "Jonas")])
def test_a_spoken_choice_is_taken_as_the_offered_title(speech: Speech, said: str, chosen: str) -> None:
    got = speech.recognize(espeak(said, "nb", 140), "nb", grammar=["Emma", "Jonas"])
    assert (got.text, got.free) == (chosen, False)


def test_silence_and_a_speech_too_long_for_one_question_are_refused_clearly(speech: Speech) -> None:
    silence = audio.Pcm(bytes(16000 * 2 * 3), 16000).wav()
    with pytest.raises(SpeechProblem) as info:
        speech.recognize(silence, "nb")
    assert info.value.kind == "silent"
    long_talk = speech.synthesize("Hva er leksene til i morgen, og hva skal vi ha med på turen? " * 8, "nb", 160)
    assert long_talk.seconds > 25
    with pytest.raises(SpeechProblem) as info:
        speech.recognize(long_talk.wav(), "nb")
    assert info.value.kind == "too_long"
    assert "20" in info.value.message("nb") and "20" in info.value.message("en")


def test_without_whisper_bokmal_voice_says_type_instead() -> None:
    off = Speech(load_settings(whisper=False))
    assert not off.can_recognize("nb")
    with pytest.raises(SpeechProblem) as info:
        off.recognize(off.synthesize("Hei", "nb").wav(), "nb")
    assert info.value.kind == "unavailable"


def test_names_that_sound_like_the_childrens_are_written_as_theirs() -> None:
    names = ["Tiril", "Syver", "Emma", "6A"]
    assert heard.repair_names("Hva har Tirill i lekse?", names) == "Hva har Tiril i lekse?"
    assert heard.repair_names("Har Siver prøve i morgen?", names) == "Har Syver prøve i morgen?"
    assert heard.repair_names("Hva er Emmas lekse?", names) == "Hva er Emmas lekse?"
    # Ordinary words stay as they are, however close to nothing they are.
    assert heard.repair_names("Hva er leksene til i morgen?", names) == "Hva er leksene til i morgen?"


def test_the_prompt_holds_the_askers_own_children_and_school_words_only(session) -> None:  # noqa: ANN001
    school = build_school(session)
    words = heard.vocabulary(session, school.kari, date(2026, 12, 1), "nb")
    assert {"Emma", "Jonas", "4A", "9B"} <= set(words.names)
    assert "matematikk" in words.words
    others = {"Nora", "Olivia", "Mats", "Ida"}
    assert not others & set(words.names)
    pupil = heard.vocabulary(session, school.emma, date(2026, 12, 1), "en")
    assert "Emma" in pupil.names and "Jonas" not in pupil.names and "maths" in pupil.words
    # The prompt is a sentence in the person's language, with the days a question names.
    [said] = words.prompt()
    assert said.startswith("Spørsmål om Emma og Jonas i 4A og 9B:") and "matematikk" in said and "torsdag" in said
    [said] = pupil.prompt()
    assert said.startswith("Questions about Emma in 4A:") and "Thursday" in said and "Jonas" not in said
    [said] = heard.vocabulary(session, school.per, date(2026, 12, 1), "nn").prompt()
    assert "Nora" in said and "måndag" in said and "Emma" not in said
