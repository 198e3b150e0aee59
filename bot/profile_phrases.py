"""What a message says about a pupil's profile, in bokmål, nynorsk and English.

"Jeg liker best å lære med video", "Emma trenger opplesing", "vi har ikke PC hjemme",
"Olivia works best in pairs": :func:`profile_request` finds the one field the message is
about and what it says about it, or None when it names nothing the profile holds (then
nothing may change). A negation ("trenger ikke opplesing lenger", "har ikkje PC") turns a
flag off or takes items out of a list. The words are fixed here, not guessed by the model:
the model only says the message is about the profile; the change is always confirmed.

"Mats er syk denne uka" is an absence report (``actions/absence.py``), not a profile change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProfileRequest:
    """One field and what the message says about it: a value to set, or items to add to or
    remove from a list field (``equipment``, ``special_needs``)."""

    key: str
    value: Any = None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    @property
    def is_list_change(self) -> bool:
        return bool(self.add or self.remove)

    def applied_to(self, current: list[str] | None) -> list[str]:
        """The list after this change, from the list that counts now (in its order)."""
        kept = [item for item in (current or []) if item not in self.remove]
        return kept + [item for item in self.add if item not in kept]

    def to_data(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "add": list(self.add), "remove": list(self.remove)}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ProfileRequest:
        return cls(data["key"], data.get("value"), tuple(data.get("add") or ()), tuple(data.get("remove") or ()))


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)


_NEGATION = _words(r"ikke", r"ikkje", r"not", r"no\s+longer", r"doesn't", r"don't", r"haven't", r"hasn't",
                   r"never", r"aldri", r"ingen", r"(?:have|has|got)\s+no", r"uten", r"utan", r"without", r"slutt\s+(?:på|med)",
                   r"stop")

_READ_ALOUD = _words(r"opplesing\w*", r"lest\s+høyt", r"lese\s+høyt", r"lest\s+opp", r"lesne\s+høgt",
                     r"lese\s+opp", r"lest\s+høgt", r"read[- ]aloud", r"read\s+(?:out\s+)?aloud",
                     r"read\s+to\s+(?:him|her|them)", r"text[- ]to[- ]speech", r"talesyntese")
_CAPTIONS = _words(r"teksting\w*", r"undertekst\w*", r"tekst\s+på\s+video\w*", r"captions?", r"captioning",
                   r"subtitles?")
_EXTRA_LARGE = _words(r"ekstra\s+stor\w*", r"veldig\s+stor\w*", r"svært\s+stor\w*", r"extra[- ]large",
                      r"very\s+(?:large|big)")
_FONT = _words(r"(?:stor|store|større|storre|big|bigger|large|larger)\s+(?:skrift\w*|bokstav\w*|tekst|font|text|"
               r"letters|print|type)", r"skrift(?:størrelse|storleik)?", r"font(?:\s+size)?")
_LARGE = _words(r"stor\w*", r"større", r"big\w*", r"large\w*")
_NORMAL = _words(r"vanlig", r"vanleg", r"normal", r"regular")

_LEARN = _words(r"lær\w*", r"learn\w*", r"liker\s+best", r"likar\s+best", r"likes?\s+best", r"best\s+with",
                r"foretrekk\w*", r"føretrekk\w*", r"prefers?", r"helst\s+med", r"rather\s+with")
METHODS: dict[str, re.Pattern[str]] = {
    "video": _words(r"video\w*", r"film\w*", r"youtube"),
    "game": _words(r"spill\w*", r"spel\w*", r"games?", r"gaming"),
    "audio": _words(r"lyd\w*", r"lytte\w*", r"lydbøker", r"listen\w*", r"audio\w*", r"podcast\w*"),
    "text": _words(r"tekst(?:er)?", r"lese", r"lesing", r"bøker", r"bøke", r"reading", r"texts?", r"books?"),
    "practice": _words(r"øving\w*", r"øve", r"oppgaver", r"oppgåver", r"practi[cs]\w*", r"exercises?",
                       r"drill\w*"),
    "hands_on": _words(r"praktisk\w*", r"hands[- ]on", r"med\s+hend\w*", r"doing\s+things", r"making\s+things"),
    "discussion": _words(r"diskut\w*", r"diskusjon\w*", r"samtale\w*", r"prate", r"discuss\w*", r"talking"),
}

_HAVE = _words(r"har", r"have", r"has", r"got", r"eier", r"eig", r"own")
EQUIPMENT: dict[str, re.Pattern[str]] = {
    "chromebook": _words(r"chromebook\w*"),
    "pc": _words(r"pc(?:er|ar|en)?", r"datamaskin\w*", r"laptop\w*", r"bærbar\w*", r"berbar\w*", r"computers?"),
    "tablet": _words(r"nettbrett\w*", r"ipad\w*", r"tablets?"),
    "phone": _words(r"mobil(?:telefon)?\w*", r"telefon\w*", r"smarttelefon\w*", r"phones?", r"smartphones?"),
    "headphones": _words(r"hodetelefon\w*", r"hovudtelefon\w*", r"headphones", r"headset\w*", r"øreklokker",
                         r"earphones"),
    "printer": _words(r"printer\w*", r"skriver(?:en)?", r"skrivar(?:en)?"),
}
_AT_HOME = _words(r"hjemme", r"heime", r"hjem", r"at\s+home", r"at\s+ours?")

SPECIAL_NEEDS: dict[str, re.Pattern[str]] = {
    "reading_writing": _words(r"dysleksi\w*", r"dyslexi\w*", r"lese-?\s*og\s*skrivevansk\w*",
                              r"lesevansk\w*", r"reading\s+(?:and\s+writing\s+)?difficult\w*"),
    "adhd": _words(r"adhd"),
    "hearing": _words(r"hørsel\w*", r"høyrsel\w*", r"hører\s+dårlig", r"høyrer\s+dårleg", r"tunghør\w*",
                      r"hearing\s+(?:loss|impair\w*|problem\w*)", r"hard\s+of\s+hearing", r"deaf\w*"),
    "vision": _words(r"synshemm\w*", r"svaksynt\w*", r"ser\s+dårlig", r"ser\s+dårleg", r"nedsatt\s+syn",
                     r"nedsett\s+syn", r"visually\s+impaired", r"poor\s+(?:eye)?sight", r"low\s+vision", r"blind"),
    "mobility": _words(r"rullestol\w*", r"bevegelseshemm\w*", r"rørslehemm\w*", r"wheelchair\w*",
                       r"mobility\s+(?:needs|impair\w*|problem\w*)"),
}

_WORKS = _words(r"jobb\w*", r"arbeid\w*", r"lær\w*", r"works?", r"working", r"learns?", r"trives", r"trivst",
                r"helst", r"prefers?", r"liker", r"likar", r"likes?", r"best")
GROUPS: dict[str, re.Pattern[str]] = {
    "individual": _words(r"alene", r"åleine", r"aleine", r"alone", r"on\s+(?:his|her|their|my)\s+own",
                         r"by\s+(?:him|her|my|them)sel(?:f|ves)", r"individuelt", r"individually"),
    "pair": _words(r"i\s+par", r"to\s+og\s+to", r"in\s+pairs?", r"with\s+a\s+partner", r"parvis"),
    "group": _words(r"i\s+gruppe\w*", r"i\s+grupper", r"in\s+(?:a\s+)?(?:small\s+)?groups?", r"gruppearbeid"),
    "class": _words(r"(?:i|med)\s+hele\s+klassen", r"(?:i|med)\s+heile\s+klassen", r"(?:the\s+)?whole\s+class",
                    r"hele\s+klassa", r"heile\s+klassa"),
}


def _negated(text: str, cue: re.Match[str]) -> bool:
    """A negation in the clause before the cue ("trenger ikke opplesing", "har ikkje PC")."""
    clause = re.split(r"[.!?;,]|\b(?:men|but)\b", text[:cue.start()], flags=re.IGNORECASE)[-1]
    return bool(_NEGATION.search(clause))


def _found(patterns: dict[str, re.Pattern[str]], text: str) -> list[tuple[str, re.Match[str]]]:
    hits = [(key, match) for key, pattern in patterns.items() if (match := pattern.search(text))]
    return sorted(hits, key=lambda hit: hit[1].start())


def _list_change(key: str, hits: list[tuple[str, re.Match[str]]], text: str) -> ProfileRequest:
    add = tuple(k for k, m in hits if not _negated(text, m))
    remove = tuple(k for k, m in hits if _negated(text, m))
    return ProfileRequest(key, add=add, remove=remove)


def profile_request(text: str) -> ProfileRequest | None:
    """The profile field the message is about and what it says, or None."""
    if hits := _found(SPECIAL_NEEDS, text):
        return _list_change("special_needs", hits, text)
    if cue := _READ_ALOUD.search(text):
        return ProfileRequest("read_aloud", not _negated(text, cue))
    if cue := _CAPTIONS.search(text):
        return ProfileRequest("captions", not _negated(text, cue))
    if cue := _FONT.search(text):
        size = "x-large" if _EXTRA_LARGE.search(text) else "large" if _LARGE.search(text) else \
            "normal" if _NORMAL.search(text) else None
        if size is not None:
            return ProfileRequest("font_size", "normal" if _negated(text, cue) and size != "normal" else size)
    equipment = _found(EQUIPMENT, text)
    if equipment and (_HAVE.search(text) or _AT_HOME.search(text)):
        if "chromebook" in {k for k, _ in equipment}:  # "Chromebook" is not also a PC
            equipment = [(k, m) for k, m in equipment if k != "pc" or m.group(0).lower() != "pc"]
        return _list_change("equipment", equipment, text)
    groups = _found(GROUPS, text)
    if groups and _WORKS.search(text):
        return ProfileRequest("group_preference", groups[0][0])
    methods = _found(METHODS, text)
    if methods and _LEARN.search(text):
        liked = [k for k, m in methods if not _negated(text, m)]
        if liked:
            return ProfileRequest("learning_methods", liked)
    return None


_ASKS_PROFILE = _words(r"profil\w*", r"profile\w*", r"notert\w*", r"noted", r"registrert\w*", r"registered",
                       r"skreve\w*\s+ned", r"skrive\s+ned", r"skriv\s+ned", r"wr[io]te\s+down", r"written\s+down",
                       r"lagret\s+om", r"lagra\s+om", r"saved\s+about", r"stored\s+about",
                       r"(?:vet|veit)\s+(?:du|dere|de)\s+om\s+(?:meg|korleis|hvordan|\w+)",
                       r"know\s+about\s+(?:me|how|my|\w+)", r"husker\s+du\s+hvordan", r"hugsar\s+du\s+korleis",
                       r"læringspreferans\w*", r"learning\s+preferences?")


def asks_about_profile(text: str) -> bool:
    """The message asks what Ransel holds about a pupil ("hva står i profilen min?", "show
    Emma's profile", "what have you noted about Emma?", "hva vet du om meg?")."""
    return bool(_ASKS_PROFILE.search(text))
