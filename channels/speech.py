"""Speech in (Whisper or vosk) and out (pyttsx3 on espeak-ng), offline, for every channel.

Recognition in bokmål, nynorsk and English uses Whisper (:mod:`channels.whisper`): the
multilingual base model assembled at set-up, or the folder in ``RANSEL_WHISPER_MODEL``
(NB-Whisper for production). Where a vosk model folder is set for a language
(``RANSEL_VOSK_MODEL_NB`` / ``_NN`` / ``_EN``, or ``models=`` for others) vosk is used
instead: with a grammar it is exact. Phone calls do not come through here: Twilio's
``<Gather input="speech">`` recognises Norwegian.

Short answers (yes/no, a child's name, a menu choice) are recognised against a grammar of
the expected phrases, which is far more reliable than free recognition: vosk decodes with
the grammar, and Whisper's reading is taken as the phrase it is closest to.

Whisper gives several readings (:attr:`Heard.alternatives`, best first); the channel lets
the dialogue engine choose among them (:mod:`bot.heard`).

Synthesis uses espeak-ng's ``nb`` voice for bokmål and nynorsk and ``en`` for English, at the
person's speaking rate (words per minute). Calls are blocking: async code runs them in a
worker thread.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import io
import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.i18n import render
from channels import audio, whisper
from channels.audio import AudioProblem, Pcm

log = logging.getLogger(__name__)

# espeak-ng voice per language we answer in; nynorsk is read with the bokmål voice.
VOICES = {"nb": "nb", "nn": "nb", "en": "en"}
SILENCE_DBFS = -50.0
MAX_SPOKEN_CHARS = 1500
_MIN_RATE, _MAX_RATE = 80, 400
# Named rates a profile may hold instead of a number of words per minute.
NAMED_RATES = {"slow": 120, "normal": 160, "fast": 200}


class SpeechProblem(Exception):
    """Speech we cannot turn into text; :meth:`message` is what the person is told."""

    def __init__(self, kind: str, **facts: object) -> None:
        super().__init__(kind)
        self.kind = kind  # unreadable, too_large, too_long, silent, not_understood, unavailable
        self.facts = facts

    def message(self, language: str) -> str:
        return render(f"speech_{self.kind}", language, **self.facts)


@dataclass(frozen=True)
class Heard:
    text: str
    seconds: float
    # Every reading the recogniser offers, best first (``text`` is the first); one for vosk.
    alternatives: tuple[str, ...] = ()
    # Free speech (not matched to a grammar): worth checking with the engine before acting.
    free: bool = False

    @property
    def readings(self) -> tuple[str, ...]:
        return self.alternatives or (self.text,)


def rate_from_profile(value: object, default: int) -> int:
    """A profile's ``speaking_rate`` (words per minute or slow/normal/fast) as wpm."""
    if isinstance(value, str) and value.lower() in NAMED_RATES:
        return NAMED_RATES[value.lower()]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return max(_MIN_RATE, min(_MAX_RATE, int(value)))
    return default


class Speech:
    def __init__(self, settings: Settings, models: Mapping[str, Path] | None = None) -> None:
        self._settings = settings
        paths = {"nb": settings.vosk_model_nb, "nn": settings.vosk_model_nn or settings.vosk_model_nb,
                 "en": settings.vosk_model_en}
        paths.update(models or {})
        self._paths = {lang: Path(p) for lang, p in paths.items() if p}
        self._models: dict[Path, object] = {}
        self._models_lock = threading.Lock()

    # -- recognition --------------------------------------------------------------------

    @functools.cached_property
    def _whisper(self) -> whisper.WhisperRecognizer | None:
        """Found (the bundled model assembled if need be) when recognition first asks for it,
        not whenever a channel that only speaks makes its Speech."""
        if not self._settings.whisper:
            return None
        folder = self._settings.whisper_model or whisper.bundled_model(self._settings.cache_dir)
        return whisper.shared(Path(folder), threads=self._settings.whisper_threads) if folder else None

    def can_recognize(self, language: str) -> bool:
        return language in self._paths or self._whisper_for(language) is not None

    def _whisper_for(self, language: str) -> whisper.WhisperRecognizer | None:
        if self._whisper is not None and language in whisper.WHISPER_LANGUAGE and self._whisper.available():
            return self._whisper
        return None

    def recognize(self, data: bytes, language: str, grammar: Sequence[str] | None = None,
                  vocabulary: Sequence[str] = ()) -> Heard:
        """Text spoken in ``data`` (any container FFmpeg reads). Raises :class:`SpeechProblem`.

        ``vocabulary``: names and school words this person is likely to say (Whisper's prompt).
        """
        try:
            pcm = audio.decode(data, max_bytes=self._settings.speech_max_bytes,
                               max_seconds=self._settings.speech_max_seconds)
        except AudioProblem as problem:
            raise SpeechProblem(problem.kind, **problem.facts) from None
        return self.recognize_pcm(pcm, language, grammar, vocabulary)

    def recognize_pcm(self, pcm: Pcm, language: str, grammar: Sequence[str] | None = None,
                      vocabulary: Sequence[str] = ()) -> Heard:
        if audio.level_dbfs(pcm) < SILENCE_DBFS:
            raise SpeechProblem("silent")
        if language not in self._paths and (recognizer := self._whisper_for(language)) is not None:
            return self._recognize_whisper(recognizer, pcm, language, grammar, vocabulary)
        model = self._model(language)
        import vosk

        if grammar:
            phrases = sorted({g.strip().lower() for g in grammar if g.strip()})
            recognizer = vosk.KaldiRecognizer(model, pcm.rate, json.dumps([*phrases, "[unk]"], ensure_ascii=False))
        else:
            recognizer = vosk.KaldiRecognizer(model, pcm.rate)
        step = pcm.rate  # half a second of 16-bit samples per call
        for start in range(0, len(pcm.data), step):
            recognizer.AcceptWaveform(pcm.data[start:start + step])
        text = json.loads(recognizer.FinalResult()).get("text", "")
        words = [w for w in text.split() if w != "[unk]"]
        if not words:
            raise SpeechProblem("not_understood")
        return Heard(" ".join(words), pcm.seconds)

    def _recognize_whisper(self, recognizer: whisper.WhisperRecognizer, pcm: Pcm, language: str,
                           grammar: Sequence[str] | None, vocabulary: Sequence[str]) -> Heard:
        try:
            found = recognizer.hypotheses(pcm, language, [*(grammar or []), *vocabulary],
                                          max_seconds=self._settings.whisper_max_seconds)
        except whisper.NoSpeech:
            raise SpeechProblem("silent") from None
        except whisper.TooLong:
            raise SpeechProblem("too_long", seconds=int(self._settings.whisper_max_seconds)) from None
        texts = tuple(h.text for h in found)
        if not texts:
            raise SpeechProblem("not_understood")
        if grammar:
            phrase = closest_phrase(texts, grammar)
            if phrase is not None:
                return Heard(phrase, pcm.seconds, (phrase,))
        return Heard(texts[0], pcm.seconds, texts, free=True)

    def _model(self, language: str):
        path = self._paths.get(language)
        if path is None:
            raise SpeechProblem("unavailable")
        with self._models_lock:
            if path not in self._models:
                import vosk

                vosk.SetLogLevel(-2)  # errors only: "[unk] not in vocabulary" is expected for some models
                if not (path / "conf").is_dir() and not (path / "am").is_dir():
                    log.error("vosk model folder is not a model language=%s", language)
                    raise SpeechProblem("unavailable")
                self._models[path] = vosk.Model(str(path))
            return self._models[path]

    # -- synthesis ----------------------------------------------------------------------

    def synthesize(self, text: str, language: str, rate: int | None = None) -> Pcm:
        """``text`` spoken with the language's espeak-ng voice at ``rate`` words per minute."""
        voice = self.voice_for(language)
        wpm = max(_MIN_RATE, min(_MAX_RATE, rate or self._settings.speech_default_rate))
        return _synthesize(text[:MAX_SPOKEN_CHARS], voice, wpm)

    @staticmethod
    def voice_for(language: str) -> str:
        """The espeak-ng voice: ours for nb/nn/en, else the code itself (espeak has ~100)."""
        return VOICES.get(language, language)

    def voice_note(self, text: str, language: str, rate: int | None = None) -> bytes:
        """OGG/Opus, what Telegram plays as a voice message."""
        return audio.encode(self.synthesize(text, language, rate), "ogg")

    def mp3(self, text: str, language: str, rate: int | None = None) -> bytes:
        return audio.encode(self.synthesize(text, language, rate), "mp3")


def closest_phrase(readings: Sequence[str], grammar: Sequence[str], cutoff: float = 0.75) -> str | None:
    """The expected phrase one of the readings is (nearly) exactly, e.g. a button's title."""
    phrases = {whisper.letters(g): g for g in grammar if whisper.letters(g)}
    for reading in readings:
        plain = whisper.letters(reading)
        if plain in phrases:
            return phrases[plain]
        close = difflib.get_close_matches(plain, list(phrases), n=1, cutoff=cutoff)
        if close:
            return phrases[close[0]]
        # "Det er Jonas": exactly one of the phrases said within a few more words
        inside = [g for p, g in phrases.items() if f" {p} " in f" {plain} "]
        if len(inside) == 1 and len(plain.split()) <= len(whisper.letters(inside[0]).split()) + 3:
            return inside[0]
    return None


# pyttsx3 drives one espeak-ng instance per process; its run loop is not re-entrant. Its
# espeak driver runs in espeak's asynchronous retrieval mode, and runAndWait can return
# before the file is written (seen when calls follow each other closely): we wait for the
# driver's "finished-utterance" notification, which comes after the file is saved.
_TTS_LOCK = threading.Lock()
_FINISHED = threading.Event()
_engine = None


def _tts_engine():
    global _engine
    if _engine is None:
        import pyttsx3

        _engine = pyttsx3.init("espeak")
        _engine.connect("finished-utterance", lambda **_: _FINISHED.set())
    return _engine


def _synthesize(text: str, voice: str, wpm: int) -> Pcm:
    # pyttsx3's asynchronous espeak driver now and then reports a file finished that is not
    # a whole WAV yet (seen once in some hundred back-to-back calls): say it again.
    for attempt in range(3):
        try:
            return _synthesize_once(text, voice, wpm)
        except AudioProblem:
            if attempt == 2:
                raise
            log.warning("speech synthesis gave an unreadable file; trying again")
    raise AssertionError("unreachable")


def _synthesize_once(text: str, voice: str, wpm: int) -> Pcm:
    with _TTS_LOCK:
        engine = _tts_engine()
        fd, name = tempfile.mkstemp(suffix=".wav")
        os.close(fd)
        try:
            # pyttsx3 prints a line for every saved file; keep the service's stdout clean.
            with contextlib.redirect_stdout(io.StringIO()):
                _FINISHED.clear()
                # Straight to the driver: through pyttsx3's command queue a new rate took
                # effect one utterance late (seen: 100 wpm after 160 gave 160 wpm).
                driver = engine.proxy._driver
                driver.setProperty("voice", voice)
                driver.setProperty("rate", wpm)
                # and the rate again as espeak's embedded command (Ctrl-A, wpm, "S"), which
                # applies to this very utterance whatever the driver's queue does.
                engine.save_to_file(f"\x01{wpm}S{text}", name)
                engine.runAndWait()
                if not _FINISHED.wait(timeout=60):
                    raise RuntimeError("speech synthesis did not finish")
            data = Path(name).read_bytes()
        finally:
            Path(name).unlink(missing_ok=True)
    return audio.decode(data, rate=22050, max_bytes=len(data) + 1, max_seconds=3600)
