"""What a lineItem's free text says, concisely: the things to bring it lists, and the substance
of a longer description (pages, tasks, parts, what is allowed).

Schools whose systems export only OneRoster put the facts in titles and descriptions:
"Aktivitetsdag på Frognerseteren 09:00–14:00. Ta med matpakke, drikkeflaske, varme klær og
sitteunderlag." An answer about what to bring lists those things; an answer about homework
or a test quotes what matters, not a paragraph.
"""

from __future__ import annotations

import re

# "Ta med: a, b og c", "Husk å ta med a og b", "Bring a, b and c", "Remember your a".
_BRING = re.compile(
    r"(?:(?:husk|hugs)\s+(?:å\s+)?(?:ta|ha)\s+med(?:\s+(?:deg|dykk|dere|seg))?|(?:ta|ha)\s+med(?:\s+(?:deg|dykk|dere|seg))?"
    r"|(?:elevene|elevane|alle)\s+(?:må|skal|bør)\s+ha\s+med(?:\s+seg)?|husk|hugs|pakk(?:\s+ned)?|medbring"
    r"|bring(?:\s+along)?|remember(?:\s+to\s+bring)?|pack|take|needs?\s+to\s+bring|you\s+need)"
    r"\s*:?\s+(.+?)(?=[.!;\n]|$)",
    re.IGNORECASE,
)
_JOINERS = r"\bog\b|\band\b|\beller\b|\bor\b|\bsamt\b|/|\+"
_SPLIT = re.compile(r"\s*(?:,|" + _JOINERS + r")\s*", re.IGNORECASE)
_SPLIT_JOINERS = re.compile(r"\s*(?:" + _JOINERS + r")\s*", re.IGNORECASE)
_LEADING = re.compile(r"^(?:en|ei|et|ein|eit|a|an|some|your|their|his|her|eget|egen|eiga|eige|gjerne|også|òg"
                      r"|evt\.?|ev\.?|the)\s+", re.IGNORECASE)
_NOT_THINGS = re.compile(r"^(?:å|to|at|that|deg|seg|dere|dykk|med|på|til)\b", re.IGNORECASE)
_WHEN_TAIL = re.compile(
    r"\s+(?:til|på|on|for|i|om|hver|every|neste|next|to)\s+(?:neste\s+|next\s+)?(?:school|skolen|skulen|mandag|måndag|tirsdag|tysdag|onsdag"
    r"|torsdag|fredag|lørdag|laurdag|søndag|sundag|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|morgen|morgon|dag|turen|timen|tomorrow|today|uke|veke|week|gym\w*|kroppsøving)\w*$",
    re.IGNORECASE)
MAX_WORDS_PER_THING = 5
# "noe å bidra med til kakebordet", "something for the bake sale": a vague thing says more words.
_VAGUE = re.compile(r"^(?:noe|noko|nokre|noen|litt|something|anything)\b", re.IGNORECASE)
MAX_WORDS_PER_THING_VAGUE = 8
_NUMBER = re.compile(r"^(?:\d+|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|two|three|four|five|six)\s+\S", re.IGNORECASE)

# Sentences worth quoting from a description, first those that carry the facts.
_KEY = re.compile(
    r"\b(?:side|sider|sidene|s\.|kapittel|kap\.|oppgave\w*|oppgåve\w*|del\s+\d|del\s+[12]|hjelpemidl\w*|lov\s+å"
    r"|ikke\s+lov|ikkje\s+lov|tillatt|kalkulator|passer|linjal|gradskive|ordbok|pc|ipad|minutter|minutt"
    r"|lysark|presentasjon|foredrag|klokka|kl\.|oppmøte|møt|levere\w*|innlevering|tema|pensum|gjelder|handler"
    r"|page\w*|chapter|task\w*|exercise\w*|part\s+\d|allowed|calculator|dictionary|minutes|slides|topic"
    r"|covers|hand\s+in|meet)\b|\d",
    re.IGNORECASE,
)
MAX_CHARS = 240


def things_to_bring(text: str | None) -> list[str]:
    """The things a text asks pupils to bring, in order, without repeats."""
    if not text:
        return []
    found: list[str] = []
    norwegian = not re.search(r"\b(?:the|bring|and|your|please)\b", text, re.IGNORECASE)
    for match in _BRING.finditer(text):
        for raw in (_parts(match.group(1)) if norwegian else _SPLIT.split(match.group(1))):
            thing = _WHEN_TAIL.sub("", _LEADING.sub("", raw.strip(" -–:()\"'«»")).strip())
            counted = norwegian and _NUMBER.match(thing) is not None  # "to tomme melkekartonger"
            if not thing or (_NOT_THINGS.match(thing) and not counted):
                continue
            if len(thing.split()) > (MAX_WORDS_PER_THING_VAGUE if _VAGUE.match(thing) else MAX_WORDS_PER_THING):
                continue
            if thing.casefold() not in {f.casefold() for f in found}:
                found.append(_as_listed(thing))
    return found


def _parts(listed: str) -> list[str]:
    """The things of a list; a count and its adjectives stay with the noun after the comma
    ("to tomme, skylte melkekartonger og en saks" -> "to tomme, skylte melkekartonger", "en saks")."""
    pieces = re.split(r"(\s*,\s*)", listed)
    joined: list[str] = []
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        if joined and joined[-1].endswith(","):
            joined[-1] = f"{joined[-1]} {piece}"
        else:
            joined.append(piece)
        words = piece.split()
        if i + 1 < len(pieces) and _NUMBER.match(piece.strip()) and len(words) <= 3 and words[-1].endswith("e") \
                and not _SPLIT.search(piece):
            joined[-1] += ","
    return [part for chunk in joined for part in _SPLIT_JOINERS.split(chunk)]


def _as_listed(thing: str) -> str:
    """"Matpakke" -> "matpakke" inside a list; "PC", "iPad" and names stay as written."""
    if len(thing) > 1 and thing[0].isupper() and thing[1].islower():
        return thing[0].lower() + thing[1:]
    return thing


def things_in_title(title: str) -> list[str]:
    """A bring item's title is the things themselves ("Gymtøy og innesko", "Ta med: skøyter")."""
    listed = things_to_bring(title)
    if listed:
        return listed
    things = [_WHEN_TAIL.sub("", t.strip(" -–:()\"'«».!")).strip() for t in _SPLIT.split(title)]
    return [_as_listed(t) for t in things if t]


def things_of(title: str, description: str | None, *, bring_item: bool) -> list[str]:
    """Everything an item asks pupils to bring: a bring item's title ("Gymtøy og innesko") and
    what any description lists, each thing once — the description's fuller wording wins
    ("to tomme, skylte melkekartonger" over the title's "tomme melkekartonger")."""
    listed = things_to_bring(description)
    if not bring_item:
        return listed
    def words(thing: str) -> set[str]:
        return set(re.findall(r"[\wæøå]+", thing.casefold()))

    titled = [t for t in things_in_title(title) if not any(words(t) <= words(d) for d in listed)]
    return [*titled, *[d for d in listed if d.casefold() not in title.casefold()]]


_CLOCK = re.compile(r"\b(\d{1,2})[:.](\d{2})\b")


def times_said(description: str | None, due: str | None = None, limit: int = 2) -> str | None:
    """The description's sentences that give a time of day other than the item's own
    ("Vi går fra skolen kl. 08:45", "kl. 09:00–13:30"): when to meet, when it ends. ``due``
    is the item's own time as "HH:MM"."""
    if not description:
        return None
    found = []
    for sentence in sentences(description):
        times = {f"{int(h):02d}:{m}" for h, m in _CLOCK.findall(sentence)}
        if times - {due}:
            found.append(sentence)
    return " ".join(found[:limit]) or None


def sentences(text: str) -> list[str]:
    # Not after an abbreviation: "kl. 08:45", "s. 40", "ca. 20", "nr. 3".
    return [s.strip() for s in re.split(r"(?<=[.!?])(?<!\bkl\.)(?<!\bca\.)(?<!\bs\.)(?<!\bnr\.)(?<!\bbl\.a\.)\s+|\n+",
                                        text) if s.strip()]


def substance(description: str | None, limit: int = MAX_CHARS) -> str:
    """The description itself when short; else the sentences with pages, tasks, parts and
    what is allowed, in their order, up to about ``limit`` characters."""
    if not description:
        return ""
    text = " ".join(description.split())
    if len(text) <= limit:
        return text
    parts = sentences(text)
    keep = [s for s in parts if _KEY.search(s)] or parts[:1]
    out: list[str] = []
    for sentence in keep:
        if out and len(" ".join(out)) + len(sentence) + 1 > limit:
            break
        out.append(sentence)
    result = " ".join(out)
    if len(result) > limit:
        result = result[: limit - 1].rsplit(" ", 1)[0] + "…"
    return result
