"""How many SMS segments a text costs, and how to keep a text within a segment budget.

An SMS carries 140 octets. Text that uses only the GSM 03.38 alphabet (which has æøåÆØÅ)
is packed as 7-bit septets: 160 per single message, 153 per part of a concatenated one
(the user data header takes the rest). Characters of the GSM extension table (``€ [ ] { } \\
^ ~ |`` and form feed) are sent as ESC + char and cost two septets; an escape pair is never
split across parts. Any other character (emoji, curly quotes, the ellipsis ``…``) switches
the whole message to UCS-2: 70 UTF-16 code units single, 67 per part; characters outside the
Basic Multilingual Plane (most emoji) take two code units and a pair is never split.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Look-alikes that would otherwise turn a whole message into UCS-2 (what Twilio's
# "smart encoding" replaces too): a curly apostrophe must not halve a reminder's length.
_SMART_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "",
}


class Encoding(enum.StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def encoding_of(text: str) -> Encoding:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return Encoding.GSM7
    return Encoding.UCS2


def _unit_sizes(text: str, encoding: Encoding) -> list[int]:
    if encoding is Encoding.GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count(text: str) -> SegmentCount:
    """Segments a carrier sends for ``text`` (an empty message is still one SMS)."""
    encoding = encoding_of(text)
    sizes = _unit_sizes(text, encoding)
    units = sum(sizes)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding is Encoding.GSM7 else (UCS2_SINGLE, UCS2_PART)
    if units <= single:
        return SegmentCount(encoding, units, 1)
    segments, used = 1, 0
    for size in sizes:  # an escape pair or surrogate pair never straddles two parts
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return SegmentCount(encoding, units, segments)


def smart_gsm(text: str) -> str:
    """Replace typographic look-alikes with their GSM-7 equivalents."""
    return "".join(_SMART_REPLACEMENTS.get(ch, ch) for ch in text)


def fit(text: str, max_segments: int, marker: str = "...") -> str:
    """``text`` itself if it fits in ``max_segments``, else its longest start (cut at a word
    boundary where one is near) followed by ``marker`` that does."""
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    if count(text).segments <= max_segments:
        return text
    # Segments grow monotonically with the prefix length, so search for the longest prefix.
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if count(text[:mid].rstrip() + marker).segments <= max_segments:
            low = mid
        else:
            high = mid - 1
    cut = text[:low]
    space = cut.rfind(" ")
    if space >= len(cut) - 25 and space > 0:  # prefer whole words, unless that loses too much
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + marker
