"""Norwegian free text for catalogue search: "brøk" finds "brøker", "brok" finds "brøk".

Words are stemmed with the Snowball Norwegian stemmer (Porter, M. F., *Snowball: A language
for stemming algorithms*, 2001; the Norwegian algorithm at snowballstem.org, implemented
here as published), then folded so æ/ø/å and their ASCII spellings (ae, o/oe, a/aa) meet.
Matching is by prefix, so a stem also finds compounds ("brøk" finds "brøkoppgaver").
"""

from __future__ import annotations

import re
import unicodedata

VOWELS = set("aeiouyæåø")
STOP_WORDS = frozenset(
    ["og", "i", "på", "for", "med", "til", "en", "et", "ei", "av", "som", "det", "den", "de", "å", "er", "om", "fra", "ved", "eller", "at", "ikkje", "ikke", "the", "a", "an", "of", "and", "to", "in"]
)
_STEP1 = sorted(
    ["a", "e", "ede", "ande", "ende", "ane", "ene", "hetene", "en", "heten", "ar", "er", "heter", "as", "es", "edes", "endes", "enes", "hetenes", "ens", "hetens", "ers", "ets", "et", "het", "ast"],
    key=len,
    reverse=True,
)
_STEP3 = sorted(["leg", "eleg", "ig", "eig", "lig", "elig", "els", "lov", "elov", "slov", "hetslov"], key=len, reverse=True)
_S_ENDING = set("bcdfghjlmnoprtvyz")
_WORD = re.compile(r"[0-9a-zæøåäöüéèêóòôáàâíìîúùû]+", re.IGNORECASE)


def _r1(word: str) -> int:
    for i in range(1, len(word)):
        if word[i] not in VOWELS and word[i - 1] in VOWELS:
            return max(i + 1, 3)
    return len(word)


def stem(word: str) -> str:
    """Snowball Norwegian stem of a lower-case word."""
    r1 = _r1(word)
    region = word[r1:]
    for suffix in _STEP1:
        if region.endswith(suffix):
            word = word[: -len(suffix)]
            break
    else:
        if region.endswith(("erte", "ert")):
            word = word[: -(4 if region.endswith("erte") else 3)] + "er"
        elif region.endswith("s") and len(word) >= 2:
            before = word[-2]
            if before in _S_ENDING or (before == "k" and len(word) >= 3 and word[-3] not in VOWELS):
                word = word[:-1]
    if word[r1:].endswith(("dt", "vt")):
        word = word[:-1]
    region = word[r1:]
    for suffix in _STEP3:
        if region.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word


def fold(word: str) -> str:
    """One spelling for æøå and their ASCII stand-ins, accents dropped."""
    word = word.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return word.replace("aa", "a").replace("oe", "o")


def terms(text: str | None) -> list[str]:
    """Search terms of a text: words, stop words dropped, stemmed and folded."""
    if not text:
        return []
    return [fold(stem(w)) for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in STOP_WORDS]
