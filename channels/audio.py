"""Audio conversion without internet: PyAV carries its own FFmpeg (Opus, MP3, WebM, WAV).

Everything speech needs passes through here: a voice note (OGG/Opus), a browser recording
(WebM/Opus or MP4/AAC) or a WAV goes in and comes out as 16 kHz mono 16-bit PCM for vosk;
synthesized PCM goes out as OGG/Opus (Telegram ``sendVoice``) or MP3 (every browser plays it).
Anything FFmpeg cannot read is an :class:`AudioProblem`, never a crash.
"""

from __future__ import annotations

import io
import math
import wave
from array import array
from dataclasses import dataclass
from fractions import Fraction

import av

RECOGNITION_RATE = 16000


class AudioProblem(Exception):
    """Audio a person sent that we cannot use; ``kind`` picks the message they get."""

    def __init__(self, kind: str, **facts: object) -> None:
        super().__init__(kind)
        self.kind = kind  # unreadable, too_large, too_long, silent
        self.facts = facts


@dataclass(frozen=True)
class Pcm:
    """Mono signed 16-bit little-endian samples."""

    data: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.data) / 2 / self.rate

    def wav(self) -> bytes:
        buf = io.BytesIO()
        with wave.open(buf, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.rate)
            out.writeframes(self.data)
        return buf.getvalue()


def decode(data: bytes, *, rate: int = RECOGNITION_RATE, max_bytes: int, max_seconds: float) -> Pcm:
    """Any audio container FFmpeg reads, as mono PCM at ``rate``."""
    if not data:
        raise AudioProblem("unreadable")
    if len(data) > max_bytes:
        raise AudioProblem("too_large", megabytes=round(max_bytes / 1024 / 1024))
    limit = int(max_seconds * rate) * 2
    out = bytearray()
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioProblem("unreadable")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            for frame in container.decode(audio=0):
                for chunk in resampler.resample(frame):
                    out += _samples(chunk)
                if len(out) > limit:
                    raise AudioProblem("too_long", seconds=int(max_seconds))
            for chunk in resampler.resample(None):
                out += _samples(chunk)
    except AudioProblem:
        raise
    except Exception as exc:  # FFmpeg's many errors on bad input all mean the same to a person
        raise AudioProblem("unreadable") from exc
    if len(out) > limit:
        raise AudioProblem("too_long", seconds=int(max_seconds))
    if not out:
        raise AudioProblem("unreadable")
    return Pcm(bytes(out), rate)


def _samples(frame: av.AudioFrame) -> bytes:
    # A plane's buffer may be padded past the last sample.
    return bytes(frame.planes[0])[: frame.samples * 2]


def level_dbfs(pcm: Pcm) -> float:
    """Root-mean-square level relative to full scale (silence is far below -50 dBFS)."""
    samples = array("h")
    samples.frombytes(pcm.data[: len(pcm.data) // 2 * 2])
    if not samples:
        return -math.inf
    step = max(1, len(samples) // 48000)  # a sample of the samples is enough for a level
    picked = samples[::step]
    mean_square = sum(s * s for s in picked) / len(picked)
    if mean_square == 0:
        return -math.inf
    return 10 * math.log10(mean_square / (32768.0 * 32768.0))


def encode(pcm: Pcm, fmt: str) -> bytes:
    """``fmt`` is ``ogg`` (Opus in Ogg, what Telegram calls a voice note) or ``mp3``."""
    codec, container_format, rate = {
        "ogg": ("libopus", "ogg", 48000),
        "mp3": ("libmp3lame", "mp3", 22050),
    }[fmt]
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        if fmt == "ogg":
            stream.bit_rate = 32000
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm.data) // 2)
        frame.sample_rate = pcm.rate
        frame.planes[0].update(pcm.data[: frame.samples * 2])
        frame.pts = 0
        frame.time_base = Fraction(1, pcm.rate)
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()


def probe_seconds(data: bytes) -> float:
    """Duration of encoded audio, by decoding it (containers' own headers can lie)."""
    pcm = decode(data, max_bytes=len(data) + 1, max_seconds=3600)
    return pcm.seconds
