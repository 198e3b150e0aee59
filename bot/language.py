"""Which language a message is written in: bokmål, nynorsk or English.

A reply is in the language the message was written in, unless the person chose one
(:func:`reply_language`). Telling bokmål from nynorsk needs the words that differ between
the two written standards ("hva/kva", "hvordan/korleis", "jeg/eg", "ikke/ikkje",
"uke/veke", "hjemme/heime", "skole/skule"); English is told by its function words and the
letters æ, ø, å it never has. Deterministic and cheap: it runs on every message.

Short messages without a telling word ("Emma", "ja", "ok", "8B") give None: the language
of the conversation so far is kept.
"""

from __future__ import annotations

import re

from bot.i18n import SUPPORTED

# Words that occur in one written standard and not the other (inflected forms included).
_NYNORSK = frozenset(["eg", "ikkje", "ikkj", "kva", "kvar", "kven", "kvifor", "korleis", "kor", "kvi", "nokon", "noko", "nokre", "nokså", "mykje", "berre", "frå", "heime", "skule", "skulen", "skular", "skulane", "veke", "veka", "veker", "vekene", "vekeplan", "vekeplanen", "ho", "dei", "deira", "vore", "vårt", "kjem", "kome", "komme", "gjere", "gjer", "gjorde", "seie", "seier", "spørje", "spurde", "vere", "ein", "eit", "eitt", "sjuk", "sjukt", "sjuke", "sjukdom", "treng", "trur", "veit", "hjå", "saman", "òg", "då", "sidan", "enno", "heilt", "heile", "fleire", "lærar", "læraren", "lærarane", "kontaktlærar", "kontaktlæraren", "morgon", "imorgon", "tysdag", "laurdag", "sundag", "tysdagen", "laurdagen", "sundagen", "måndagen", "kvardag", "kvardagen", "heim", "ynskjer", "ønskjer", "mogleg", "fekk", "gong", "gongen", "gongar", "kvart", "einaste", "skriftleg", "dagleg", "vekentleg", "elevane", "foreldra", "klede", "kle", "klea", "sjølv", "viss", "difor", "derfor", "korfor", "tenkjer", "tykkjer", "høyrer", "høyre", "skal'e", "mellom", "ete", "måndag", "hugs", "hugse", "føresette", "føresett", "gjeld", "elevar", "dagar", "timar", "timane", "oppgåve", "oppgåver", "oppgåva", "stavar", "lærarar", "nokre", "saman", "enno", "kjekt", "heilt", "vatn", "stova", "stove", "hjå", "mjølk", "gåve", "gåver", "julegåve", "julegåver", "handleliste", "berre", "desimaltal", "desimaltala", "spel", "spela", "handverk"])

_BOKMAAL = frozenset(["jeg", "ikke", "hva", "hvor", "hvem", "hvorfor", "hvordan", "hvilken", "hvilke", "hvilket", "noen", "noe", "noen", "mye", "bare", "fra", "hjemme", "skole", "skolen", "skoler", "skolene", "uke", "uka", "uken", "uker", "ukene", "ukeplan", "ukeplanen", "hun", "de", "dem", "deres", "våre", "kommer", "gjøre", "gjør", "gjorde", "sier", "spørre", "spurte", "være", "et", "syk", "sykt", "syke", "sykdom", "trenger", "tror", "vet", "sammen", "også", "da", "siden", "ennå", "helt", "hele", "flere", "lærer", "læreren", "lærerne", "kontaktlærer", "kontaktlæreren", "morgen", "tirsdag", "lørdag", "søndag", "tirsdagen", "lørdagen", "søndagen", "mandagen", "hverdag", "hjem", "ønsker", "mulig", "fikk", "gang", "gangen", "ganger", "hver", "hvert", "skriftlig", "daglig", "ukentlig", "elevene", "foreldrene", "klær", "klærne", "selv", "hvis", "nå", "derfor", "tenker", "synes", "hører", "spise", "husk", "huske", "foresatte", "gjelder", "elever", "dager", "timene", "oppgave", "oppgaver", "oppgaven", "stua"])

# Norwegian words shared by both standards: they tell Norwegian from English only.
_NORWEGIAN = frozenset(["er", "har", "til", "på", "med", "og", "som", "skal", "må", "kan", "vil", "får", "det", "den", "han", "om", "av", "eller", "men", "så", "ja", "nei", "takk", "hei", "lekse", "lekser", "leksa", "leksene", "prøve", "prøven", "prøva", "prøver", "ta", "dag", "dagen", "neste", "denne", "etter", "før", "time", "timen", "timer", "gym", "gymtøy", "matte", "norsk", "engelsk", "naturfag", "fravær", "borte", "barnet", "sønnen", "dattera", "datteren", "når", "sin", "sitt", "sine", "mitt", "mi", "min", "mine", "hennar", "hennes", "hans"])

_ENGLISH = frozenset(["the", "a", "an", "is", "are", "was", "were", "be", "been", "what", "what's", "whats", "when", "where", "who", "whom", "whose", "which", "why", "how", "does", "do", "did", "doesn't", "don't", "can", "could", "would", "should", "will", "shall", "my", "your", "his", "her", "their", "our", "its", "this", "that", "these", "those", "there", "here", "have", "has", "had", "of", "on", "in", "by", "with", "from", "about", "and", "or", "but", "not", "yes", "please", "thanks", "thank", "you", "i'm", "we", "us", "they", "them", "he", "she", "it", "it's", "homework", "tests", "exam", "bring", "tomorrow", "today", "tonight", "week", "weekend", "next", "last", "day", "days", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "teacher", "school", "class", "kid", "kids", "child", "children", "son", "daughter", "sick", "ill", "absent", "need", "needs", "get", "got", "going", "go", "tell", "send", "message", "remind", "reminders", "set", "turn", "play", "off", "any", "some", "much", "many", "did", "done", "due", "still", "also", "just", "only", "my", "mum", "mom", "dad", "again", "score", "scores", "spelling", "result", "results", "grades", "marks", "vocab", "poster", "trip", "pages", "page", "read", "write", "allowed", "calculator", "forgot", "there's", "isn't", "aren't", "won't", "she's", "he's", "who's"])

# The words no writer of the other standard uses: they outweigh a word both might write
# ("Oliver ikkje har fått ... boka si": "si" is bokmål's "say" and both standards' "her").
_STRONG = frozenset(["eg", "ikkje", "kva", "korleis", "kven", "kvifor", "noko", "nokon", "mykje", "berre", "frå", "heime", "skule", "skulen", "veke", "veka", "jeg", "ikke", "hva", "hvordan", "hvem", "hvorfor", "noe", "noen", "mye", "bare", "fra", "hjemme", "skole", "skolen", "uke", "uka"])

_CLASS_NAME = re.compile(r"\b\d{1,2}\s?[A-Za-zÆØÅæøå]\b")
_NOT_NYNORSK_ANE = frozenset(["banane", "orkane", "vulkane", "platane", "membrane", "romane", "organe"])
_WORD = re.compile(r"[a-zæøåéèêóòôüäöA-ZÆØÅÉÈÊÓÒÔÜÄÖ']+")
_NORWEGIAN_LETTERS = re.compile(r"[æøåÆØÅ]")

NORWEGIAN = "no"  # Norwegian, but not telling bokmål from nynorsk


def scores(text: str) -> dict[str, int]:
    """How many telling words of each kind the text has: nb, nn, no (either), en."""
    found = {"nb": 0, "nn": 0, "no": 0, "en": 0}
    text = _CLASS_NAME.sub(" ", text)  # "6A" is a class, not the English "a"
    for raw in _WORD.findall(text):
        word = raw.casefold().strip("'")
        if word in _NYNORSK or (len(word) >= 7 and word.endswith("ane") and word not in _NOT_NYNORSK_ANE):
            # "planetane", "elevane", "oppgåvane": nynorsk's definite plural (bokmål: -ene).
            found["nn"] += 2 if word in _STRONG else 1
        elif word in _BOKMAAL:
            found["nb"] += 2 if word in _STRONG else 1
        elif word in _NORWEGIAN:
            found["no"] += 1
        if word in _ENGLISH:
            found["en"] += 1
    if _NORWEGIAN_LETTERS.search(text):
        found["no"] += 1
    return found


_QUOTED = re.compile(r"\([^)]*\)|«[^»]*»|\"[^\"]*\"|“[^”]*”")
# Weak hints, used only when nothing stronger tells bokmål from nynorsk: the definite
# "-inga" and the plural "-ar" ("stavar", "kartongar") are nynorsk's forms ("ei" is common
# in both); "en" is bokmål's article (nynorsk "ein").
_WEAK_NN = re.compile(r"(?<![\wæøå])(?:[a-zæøå]{3,}inga|(?!(?:januar|februar|kommentar|seminar|inventar|kalendar"
                      r"|regular|popular|similar|familiar|particular|calendar|vinegar|muscular|circular)(?![\wæøå]))"
                      r"[a-zæøå]{4,}ar)(?![\wæøå])", re.IGNORECASE)
_WEAK_NB = re.compile(r"(?<![\wæøå])en(?![\wæøå])", re.IGNORECASE)


def detect(text: str) -> str | None:
    """nb, nn or en when the text says so; ``NORWEGIAN`` when it is Norwegian without a word
    that tells the two standards apart ("når er prøven?"); None when nothing tells. A title
    quoted in another language ("the animal talk (foredrag om et dyr)") does not count when
    the rest of the message tells."""
    unquoted = _QUOTED.sub(" ", text)
    if unquoted != text and sum(scores(unquoted).values()) >= 2:
        text = unquoted
    head, _, body = text.partition(":")
    in_head = scores(head) if body else None
    if in_head is not None and sum(in_head.values()) >= 3:
        # "Legg inn ei lekse for 8C til fredag: Read the text on page 40": English homework
        # after the colon, written for the pupils; the order is in the writer's language.
        in_body = scores(body)
        if in_head["en"] < in_head["nb"] + in_head["nn"] + in_head["no"] \
                and in_body["en"] > in_body["nb"] + in_body["nn"] + in_body["no"]:
            text = head
    found = scores(text)
    if found["nb"] == found["nn"] and found["en"] <= found["nb"] + found["nn"] + found["no"]:
        weak_nn, weak_nb = len(_WEAK_NN.findall(text)), len(_WEAK_NB.findall(text))
        if weak_nn != weak_nb:
            found["nn" if weak_nn > weak_nb else "nb"] += 1
    norwegian = found["nb"] + found["nn"] + found["no"]
    if found["en"] > norwegian:
        return "en"
    if norwegian == 0:
        return None
    if found["nn"] > found["nb"]:
        return "nn"
    if found["nb"] > found["nn"]:
        return "nb"
    if found["en"] == norwegian or norwegian < 2:
        return None  # "ja", "takk": too little to go on
    return NORWEGIAN


def reply_language(text: str, stored: str | None, chosen: bool) -> str:
    """The language to answer ``text`` in: the person's own choice if they made one, else
    the language the message is written in, else the language last used (``stored``)."""
    if chosen and stored in SUPPORTED:
        return stored
    # A button's payload ("/choose_child{...}") is not written in any language.
    detected = None if text.lstrip().startswith("/") else detect(text)
    if detected == NORWEGIAN:
        # Keep nynorsk for a nynorsk writer; an English speaker writing Norwegian gets bokmål.
        return stored if stored in ("nb", "nn") else "nb"
    if detected is not None:
        return detected
    if stored in SUPPORTED:
        return stored
    return "nb"
