#!/usr/bin/env python3
"""Build the out-of-domain evaluation set and training pool from other assistants' data.

Ransel must not act on requests meant for other assistants (alarms, personal reminders,
lights, music ...). This script selects real Norwegian utterances written for such
assistants from three public sources and writes

  ~/.cache/ransel/ood/eval.yml        test/dev utterances, for ``ransel eval ood``
  ~/.cache/ransel/ood/train_pool.yml  disjoint utterances (never committed, never trained on)

It reads local copies of the sources and downloads nothing. Each source argument is a
clone of the repository (a checkout or a bare git directory, read at the pinned commit) or
a folder holding the files below at their paths (checked against the pinned blob ids):

  --xsid      mainlp/xsid                                   data/xSID-0.7/no.{test,valid}.conll
  --massive   marthemidtgaard/SID-for-Norwegian-dialects    vardial_data/nb_mas.conll
  --ha        home-assistant/intents                        tests/nb/*.yaml

Selection is deterministic (hash order, fixed quotas); see docs/OOD_SOURCES.md.
Utterances whose normalised text equals a line of any file under --nlu (Ransel's training
data) are dropped; only their number is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SEED = "ransel-ood-1"

XSID_TEST = "data/xSID-0.7/no.test.conll"
XSID_VALID = "data/xSID-0.7/no.valid.conll"
MASSIVE_NB = "vardial_data/nb_mas.conll"
HA_TESTS = "tests/nb"

# The versions read. Blob ids identify the files' content whatever the clone or folder.
XSID_COMMIT = "761d926c3f2e9f6bea13192d2f39cec1d04d9777"
XSID_BLOBS = {
    XSID_TEST: "80f3fab339d5cacd63cea1c7425c07141b18da49",
    XSID_VALID: "302b8d618a6b9ad131065e626ac11f4c7e4fb82d",
}
MASSIVE_COMMIT = "bfaf1fe11ae868275d51d19c8598060eca3e9619"
MASSIVE_BLOBS = {MASSIVE_NB: "f1ab48caf27e22875bab9dca1052994abc7e050f"}
HA_COMMIT = "aa550032a57b67c13995c032220bc4101521ead2"

# Requests that could be about school are not out of domain for Ransel; a line that names
# school things is left out of both files so that a "wrong" answer to it is really wrong.
SCHOOL = re.compile(
    r"\b(skole\w*|skule\w*|lekse\w*|lærer\w*|lærar\w*|klasse\w*|elev\w*|foreldremøte\w*|"
    r"rektor\w*|sfo|timeplan\w*|eksamen\w*|tentamen\w*|karakter\w*|gymtøy|matpakke\w*|"
    r"barnehage\w*|semester\w*|friminutt\w*|skoletur\w*|utviklingssamtale\w*)\b",
    re.IGNORECASE,
)

# Within a scenario, lines like the ones that misled Ransel in real use come first.
DANGEROUS = re.compile(
    r"\b(alarm\w*|vekk\w*|slumre\w*|slumra|utsett\w*|påminn\w*|minn\w*|kalender\w*|"
    r"avtale\w*|skru\w*|slå\w*|slukk\w*|stopp\w*|pause\w*|lys\w*|handleliste\w*|"
    r"liste\w*|nedtelling\w*)\b",
    re.IGNORECASE,
)

DIALECT_AREAS = {"B": "bokmål", "N": "north", "T": "trøndersk", "V": "west"}

# Per-scenario quotas: the number of distinct source sentences taken. A scenario short of
# its quota gives what it has. Evaluation quotas keep every scenario under 15 % of the set.
XSID_EVAL_QUOTA = {
    "alarm/set_alarm": 22,
    "alarm/cancel_alarm": 18,
    "alarm/show_alarms": 10,
    "alarm/snooze_alarm": 3,
    "alarm/time_left_on_alarm": 4,
    "reminder/set_reminder": 22,
    "reminder/cancel_reminder": 14,
    "reminder/show_reminders": 10,
    "weather/find": 14,
    "PlayMusic": 10,
    "AddToPlaylist": 8,
    "BookRestaurant": 10,
    "RateBook": 6,
    "SearchCreativeWork": 6,
    "SearchScreeningEvent": 8,
}
MASSIVE_EVAL_QUOTA = {
    "alarm_set": 14,
    "alarm_query": 10,
    "alarm_remove": 12,
    "calendar_query": 16,
    "calendar_set": 18,
    "calendar_remove": 8,
    "weather_query": 10,
    "play_music": 10,
    "play_radio": 6,
    "music_likeness": 5,
    "music_query": 2,
    "recommendation_movies": 5,
    "recommendation_locations": 5,
    "recommendation_events": 4,
    "takeaway_query": 2,
    "takeaway_order": 1,
}
# Home Assistant test files are split by intent between the two outputs: each file's
# sentences are variations of one grammar, so a file feeds one side only.
HA_EVAL_QUOTA = {
    "light_HassTurnOff": 8,
    "light_HassTurnOn": 7,
    "light_HassLightSet": 3,
    "media_player_HassMediaPause": 3,
    "media_player_HassMediaUnpause": 2,
    "media_player_HassMediaNext": 3,
    "homeassistant_HassStartTimer": 6,
    "homeassistant_HassCancelTimer": 4,
    "homeassistant_HassPauseTimer": 2,
    "homeassistant_HassTimerStatus": 3,
    "shopping_list_HassShoppingListAddItem": 3,
    "todo_HassListAddItem": 4,
    "weather_HassGetWeather": 4,
    "homeassistant_HassGetCurrentTime": 3,
    "homeassistant_HassGetCurrentDate": 2,
    "climate_HassClimateSetTemperature": 3,
    "lock_HassTurnOn": 2,
    "vacuum_HassVacuumStart": 1,
}
HA_POOL_QUOTA = {
    "binary_sensor_HassGetState": 10,
    "climate_HassClimateGetTemperature": 6,
    "cover_HassGetState": 4,
    "cover_HassTurnOff": 5,
    "cover_HassTurnOn": 5,
    "fan_HassTurnOff": 4,
    "fan_HassTurnOn": 4,
    "homeassistant_HassCancelAllTimers": 4,
    "homeassistant_HassDecreaseTimer": 5,
    "homeassistant_HassIncreaseTimer": 5,
    "homeassistant_HassUnpauseTimer": 4,
    "homeassistant_HassGetState": 5,
    "homeassistant_HassTurnOff": 4,
    "homeassistant_HassTurnOn": 4,
    "lock_HassGetState": 4,
    "lock_HassTurnOff": 3,
    "media_player_HassMediaPrevious": 4,
    "media_player_HassSetVolume": 2,
    "scene_HassTurnOn": 1,
    "script_HassTurnOn": 1,
    "sensor_HassGetState": 5,
    "vacuum_HassVacuumReturnToBase": 3,
    "valve_HassSetPosition": 2,
    "valve_HassTurnOff": 1,
    "valve_HassTurnOn": 1,
}
# xSID's dev split feeds the pool (no Norwegian train split is available; see SOURCES.md).
XSID_POOL_QUOTA = {
    "alarm/set_alarm": 30,
    "alarm/cancel_alarm": 24,
    "alarm/show_alarms": 10,
    "alarm/snooze_alarm": 2,
    "alarm/modify_alarm": 1,
    "reminder/set_reminder": 13,
    "reminder/cancel_reminder": 10,
    "reminder/show_reminders": 12,
    "weather/find": 40,
    "PlayMusic": 24,
    "AddToPlaylist": 19,
    "BookRestaurant": 26,
    "RateBook": 15,
    "SearchCreativeWork": 19,
    "SearchScreeningEvent": 23,
}
# Sentences taken from one Home Assistant test block (its lines differ by a word or two).
HA_PER_BLOCK = 2

DOMAINS = {
    "alarm": "alarm",
    "reminder": "reminder",
    "calendar": "calendar",
    "weather": "weather",
    "PlayMusic": "music",
    "AddToPlaylist": "music",
    "play": "music",
    "music": "music",
    "BookRestaurant": "restaurant",
    "takeaway": "restaurant",
    "RateBook": "books",
    "SearchCreativeWork": "media search",
    "SearchScreeningEvent": "cinema",
    "recommendation": "recommendations",
    "light": "lights",
    "media_player": "media player",
    "shopping_list": "shopping list",
    "todo": "to-do list",
    "climate": "home devices",
    "lock": "home devices",
    "vacuum": "home devices",
    "cover": "home devices",
    "fan": "home devices",
    "valve": "home devices",
    "scene": "home devices",
    "script": "home devices",
    "sensor": "home devices",
    "binary_sensor": "home devices",
}
HA_DOMAINS = {
    "HassStartTimer": "timer",
    "HassCancelTimer": "timer",
    "HassCancelAllTimers": "timer",
    "HassPauseTimer": "timer",
    "HassUnpauseTimer": "timer",
    "HassTimerStatus": "timer",
    "HassIncreaseTimer": "timer",
    "HassDecreaseTimer": "timer",
    "HassGetCurrentTime": "clock",
    "HassGetCurrentDate": "clock",
    "HassGetWeather": "weather",
}


def domain_of(scenario: str) -> str:
    """A coarse area for breaking results down; Home Assistant names read ``<domain>_<Intent>``."""
    if "_Hass" in scenario:
        prefix, intent = scenario.split("_Hass", 1)
        return HA_DOMAINS.get("Hass" + intent) or DOMAINS.get(prefix, "home devices")
    for prefix in sorted(DOMAINS, key=len, reverse=True):
        if scenario.startswith(prefix):
            return DOMAINS[prefix]
    raise ValueError(f"no domain for scenario {scenario!r}")


# --- text ---------------------------------------------------------------------------

_MARKUP = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
_EDGES = " \t\"'`.,!?;:«»“”‘’-–—"


def normalise(text: str) -> str:
    """Case, whitespace, edge punctuation and Rasa entity markup do not make a line new."""
    text = unicodedata.normalize("NFC", text)
    text = _MARKUP.sub(r"\1", text)
    text = " ".join(text.split()).casefold()
    return text.strip(_EDGES)


def training_lines(nlu_dir: Path) -> set[str]:
    """Every line of every file under ``nlu_dir``, normalised, list dashes removed."""
    lines: set[str] = set()
    for path in sorted(nlu_dir.rglob("*")):
        if not path.is_file():
            continue
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for line in content.splitlines():
            line = line.strip()
            if line.startswith("- "):
                line = line[2:]
            lines.add(normalise(line))
    lines.discard("")
    return lines


def order_key(*parts: str) -> str:
    return hashlib.sha1(":".join((SEED, *parts)).encode("utf-8")).hexdigest()


# --- sources ------------------------------------------------------------------------


class Repo:
    """A local copy of a public repository: a clone (bare or not) or a plain folder of its files.

    A clone is read at the pinned commit, so a newer clone rebuilds the same files; a plain
    folder is read as it is, and the pinned files' blob hashes prove it is the same data.
    """

    def __init__(self, root: Path, name: str, commit: str, blobs: dict[str, str]):
        self.root = root
        self.name = name
        self.pinned = commit
        self.blobs = blobs
        git_dir = root / ".git" if (root / ".git").exists() else root
        self.git_dir = git_dir if (git_dir / "HEAD").is_file() else None
        if self.git_dir is not None and not self._has_commit():
            raise SystemExit(f"{name}: the clone at {root} lacks commit {commit}; fetch it first")

    def _git(self, *args: str) -> bytes:
        return subprocess.run(
            ["git", "--git-dir", str(self.git_dir), *args], check=True, capture_output=True
        ).stdout

    def _has_commit(self) -> bool:
        try:
            self._git("cat-file", "-e", f"{self.pinned}^{{commit}}")
        except subprocess.CalledProcessError:
            return False
        return True

    def read(self, path: str) -> str:
        if self.git_dir is not None:
            data = self._git("show", f"{self.pinned}:{path}")
        elif (self.root / path).is_file():
            data = (self.root / path).read_bytes()
        else:
            raise SystemExit(f"{self.name}: {path} not found under {self.root}")
        expected = self.blobs.get(path)
        if expected and git_blob(data) != expected:
            raise SystemExit(f"{self.name}: {path} is not the pinned version (blob {expected})")
        return data.decode("utf-8")

    def list(self, folder: str) -> list[str]:
        if self.git_dir is not None:
            names = self._git("ls-tree", "--name-only", f"{self.pinned}:{folder}").decode().splitlines()
        elif (self.root / folder).is_dir():
            names = [p.name for p in (self.root / folder).iterdir() if p.is_file()]
        else:
            raise SystemExit(f"{self.name}: {folder} not found under {self.root}")
        return sorted(f"{folder}/{name}" for name in names)


def git_blob(data: bytes) -> str:
    """The object id git gives a file's content: it names one version of a file anywhere."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Line:
    id: str
    text: str
    scenario: str
    source: str
    source_id: str
    variety: str = "bokmål"
    group: str = ""  # lines of one group (variants of one sentence) go to one place only
    extra: dict = field(default_factory=dict)

    def record(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "lang": "nb",
            "scenario": self.scenario,
            "domain": domain_of(self.scenario),
            "variety": self.variety,
            "source": self.source,
            "source_id": self.source_id,
        }


def conll_sentences(text: str) -> list[dict[str, str]]:
    """The ``# key = value`` comment block of each sentence of a CoNLL file."""
    sentences, current = [], {}
    for raw in text.splitlines() + [""]:
        line = raw.rstrip("\r")
        if not line.strip():
            if current:
                sentences.append(current)
            current = {}
        elif line.startswith("# ") and " = " in line:
            key, value = line[2:].split(" = ", 1)
            current.setdefault(key.strip(), value.strip())
    return sentences


def xsid_lines(repo: Repo, path: str, source: str) -> dict[str, list[list[Line]]]:
    """Scenario -> sentences; a sentence is its Bokmål line followed by dialect variants."""
    by_sentence: dict[str, list[Line]] = defaultdict(list)
    for s in conll_sentences(repo.read(path)):
        sentence, translator = s["id"].split("/")
        text = s["text"].replace("``", '"').replace("''", '"')
        by_sentence[sentence].append(
            Line(
                id=f"{source}-{sentence}-{translator}",
                text=text,
                scenario=s["intent"],
                source=source,
                source_id=s["id"],
                variety=DIALECT_AREAS[s["dialect"]],
                group=f"{source}-{sentence}",
                extra={"translator": translator},
            )
        )
    scenarios: dict[str, list[list[Line]]] = defaultdict(list)
    for variants in by_sentence.values():
        variants.sort(key=lambda l: (l.extra["translator"] != "B", l.extra["translator"].zfill(2)))
        scenarios[variants[0].scenario].append(variants)
    return scenarios


def massive_lines(repo: Repo) -> dict[str, list[list[Line]]]:
    scenarios: dict[str, list[list[Line]]] = defaultdict(list)
    for s in conll_sentences(repo.read(MASSIVE_NB)):
        line = Line(
            id=f"massive-{int(s['id']):04d}",
            text=s["text"],
            scenario=s["intent-massive"],
            source="massive-nb",
            source_id=s["id"],
            group=f"massive-{s['id']}",
        )
        scenarios[line.scenario].append([line])
    return scenarios


def ha_lines(repo: Repo) -> dict[str, list[list[Line]]]:
    """Scenario -> test blocks; a block's sentences are variations of one request."""
    scenarios: dict[str, list[list[Line]]] = {}
    for path in repo.list(HA_TESTS):
        stem = Path(path).stem
        if stem.startswith("_") or not path.endswith(".yaml"):
            continue
        blocks = []
        for b, block in enumerate(yaml.safe_load(repo.read(path)).get("tests", [])):
            sentences = [
                Line(
                    id=f"ha-{stem}-{b + 1}-{i + 1}",
                    text=str(text),
                    scenario=stem,
                    source="ha-nb",
                    source_id=f"{stem}.yaml#{b + 1}.{i + 1}",
                    group=f"ha-{stem}",
                )
                for i, text in enumerate(block.get("sentences", []))
            ]
            if sentences:
                blocks.append(sentences)
        scenarios[stem] = blocks
    return scenarios


# --- selection ----------------------------------------------------------------------


@dataclass
class Picker:
    """Takes lines into one output, refusing repeats, school lines and training lines."""

    training: set[str]
    elsewhere: set[str] = field(default_factory=set)
    taken: list[Line] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    dropped: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def acceptable(self, line: Line) -> bool:
        key = normalise(line.text)
        if not key:
            return False
        if SCHOOL.search(line.text):
            self.dropped["mentions school"].add(line.id)
            return False
        if key in self.training:
            self.dropped["equals a line under nlu/"].add(line.id)
            return False
        if key in self.elsewhere:
            self.dropped["already in eval.yml"].add(line.id)
            return False
        return key not in self.seen

    def take(self, line: Line) -> None:
        self.seen.add(normalise(line.text))
        self.taken.append(line)


def ranked(groups: list[list[Line]], scenario: str) -> list[list[Line]]:
    """Hash order, with groups whose first line looks like a real-use failure first."""
    return sorted(
        groups,
        key=lambda g: (DANGEROUS.search(g[0].text) is None, order_key(scenario, g[0].group, g[0].id)),
    )


def pick_xsid(
    picker: Picker, scenarios, quotas: dict[str, int], turns: Iterator[int], both: bool = False
) -> None:
    """Per sentence, its Bokmål line or a dialect variant, alternately; ``both`` takes both.

    Dialect variants rotate over the ten translators; a variant that is the same as the
    Bokmål line after normalisation is passed over for the next translator's. Quotas count
    sentences, so the variants of one sentence never stand in for different requests.
    """
    for scenario, quota in quotas.items():
        count = 0
        for variants in ranked(scenarios.get(scenario, []), scenario):
            if count == quota:
                break
            bokmaal = variants[0]
            dialects = [v for v in variants[1:] if normalise(v.text) != normalise(bokmaal.text)]
            dialect = None
            if dialects and (both or count % 2 == 1):
                start = next(turns) % len(dialects)
                dialects = dialects[start:] + dialects[:start]
                dialect = next((d for d in dialects if picker.acceptable(d)), None)
            chosen = [bokmaal, dialect] if both else [dialect or bokmaal]
            chosen = [line for line in chosen if line is not None and picker.acceptable(line)]
            for line in chosen:
                picker.take(line)
            count += bool(chosen)


def pick_single(picker: Picker, scenarios, quotas: dict[str, int]) -> None:
    for scenario, quota in quotas.items():
        count = 0
        for (line,) in ranked(scenarios.get(scenario, []), scenario):
            if count == quota:
                break
            if picker.acceptable(line):
                picker.take(line)
                count += 1


def pick_ha(picker: Picker, scenarios, quotas: dict[str, int]) -> None:
    """Blocks in hash order, at most HA_PER_BLOCK sentences of each, round after round."""
    for scenario, quota in quotas.items():
        blocks = sorted(scenarios.get(scenario, []), key=lambda b: order_key(scenario, b[0].id))
        blocks = [sorted(b, key=lambda l: order_key(scenario, l.id)) for b in blocks]
        count, depth = 0, 0
        while count < quota and depth < HA_PER_BLOCK:
            for block in blocks:
                if count == quota:
                    break
                if depth < len(block) and picker.acceptable(block[depth]):
                    picker.take(block[depth])
                    count += 1
            depth += 1


# --- output -------------------------------------------------------------------------


def sources_header(xsid: Repo, massive: Repo, ha: Repo, which: str) -> list[dict]:
    xsid_path = XSID_TEST if which == "eval" else XSID_VALID
    sources = [
        {
            "key": "xsid-no-test" if which == "eval" else "xsid-no-dev",
            "name": "xSID 0.7, Norwegian (NoMusic dialect and Bokmål translations), "
            + ("test split" if which == "eval" else "dev (valid) split"),
            "repository": "https://github.com/mainlp/xsid",
            "path": xsid_path,
            "commit": xsid.pinned,
            "blob": xsid.blobs[xsid_path],
            "licence": "CC BY-SA 4.0",
            "attribution": (
                "xSID: van der Goot et al., 'From Masked Language Modeling to Translation: "
                "Non-English Auxiliary Tasks Improve Zero-shot Spoken Language Understanding', "
                "NAACL 2021; Norwegian data: Mæhlum and Scherrer, 'NoMusic - The Norwegian "
                "Multi-Dialectal Slot and Intent Detection Corpus', VarDial 2024. "
                "Licensed under CC BY-SA 4.0; this selection is shared under the same licence."
            ),
        },
    ]
    if which == "eval":
        sources.append(
            {
                "key": "massive-nb",
                "name": "MASSIVE 1.1 nb-NO, test and dev utterances (the MAS:de-ba subset)",
                "repository": "https://github.com/marthemidtgaard/SID-for-Norwegian-dialects",
                "path": MASSIVE_NB,
                "commit": massive.pinned,
                "blob": massive.blobs[MASSIVE_NB],
                "licence": "CC BY 4.0 (MASSIVE); the repository states no licence of its own",
                "attribution": (
                    "MASSIVE: FitzGerald et al., 'MASSIVE: A 1M-Example Multilingual Natural "
                    "Language Understanding Dataset with 51 Typologically-Diverse Languages', "
                    "2022, Amazon, CC BY 4.0 (https://github.com/alexa/massive). Text and intent "
                    "labels are MASSIVE's nb-NO utt and intent; the test/dev subset was collected "
                    "by Midtgaard et al., 'LTG at VarDial 2025 NorSID', VarDial 2025."
                ),
            }
        )
    sources.append(
        {
            "key": "ha-nb",
            "name": "Home Assistant intents, Norwegian Bokmål test sentences ("
            + ("evaluation" if which == "eval" else "pool")
            + " intents only)",
            "repository": "https://github.com/home-assistant/intents",
            "path": HA_TESTS + "/",
            "commit": ha.pinned,
            "licence": "CC BY 4.0",
            "attribution": (
                "Home Assistant intents, (c) the Home Assistant contributors, "
                "https://github.com/home-assistant/intents, CC BY 4.0."
            ),
        }
    )
    return sources


def write(path: Path, title: str, sources: list[dict], lines: list[Line]) -> None:
    body = {
        "title": title,
        "generated_by": "scripts/build_ood_sets.py (do not edit by hand; see SOURCES.md)",
        "sources": sources,
        "utterances": [line.record() for line in sorted(lines, key=lambda l: l.id)],
    }
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")


def summary(name: str, lines: list[Line], dropped: dict[str, set[str]]) -> None:
    print(f"\n{name}: {len(lines)} utterances")
    for label, counter in (
        ("source", Counter(l.source for l in lines)),
        ("variety", Counter(l.variety for l in lines)),
        ("domain", Counter(domain_of(l.scenario) for l in lines)),
        ("scenario", Counter(l.scenario for l in lines)),
    ):
        print(f"  by {label}:")
        for key, n in counter.most_common():
            print(f"    {n:4d}  {100 * n / len(lines):5.1f} %  {key}")
    for reason, ids in dropped.items():
        print(f"  passed over, {reason}: {len(ids)}")


def main(argv: list[str] | None = None) -> int:
    repo_root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xsid", type=Path, required=True, help="clone of mainlp/xsid")
    parser.add_argument(
        "--massive", type=Path, required=True, help="clone of marthemidtgaard/SID-for-Norwegian-dialects"
    )
    parser.add_argument("--ha", type=Path, required=True, help="clone of home-assistant/intents")
    parser.add_argument("--nlu", type=Path, default=repo_root / "nlu", help="Ransel's NLU training data")
    # Outside the clone: the lines are other people's data, built locally, never committed.
    parser.add_argument("--out", type=Path, default=Path.home() / ".cache" / "ransel" / "ood")
    args = parser.parse_args(argv)

    xsid = Repo(args.xsid, "mainlp/xsid", XSID_COMMIT, XSID_BLOBS)
    massive = Repo(args.massive, "marthemidtgaard/SID-for-Norwegian-dialects", MASSIVE_COMMIT, MASSIVE_BLOBS)
    ha = Repo(args.ha, "home-assistant/intents", HA_COMMIT, {})
    training = training_lines(args.nlu)
    print(f"{len(training)} distinct lines under {args.nlu} are kept out of both files")
    ha_all = ha_lines(ha)

    evaluation = Picker(training=training)
    turns = itertools.count()  # which translator's version comes next
    pick_xsid(evaluation, xsid_lines(xsid, XSID_TEST, "xsid-no-test"), XSID_EVAL_QUOTA, turns)
    pick_single(evaluation, massive_lines(massive), MASSIVE_EVAL_QUOTA)
    pick_ha(evaluation, ha_all, HA_EVAL_QUOTA)

    pool = Picker(training=training, elsewhere=evaluation.seen)
    pick_xsid(pool, xsid_lines(xsid, XSID_VALID, "xsid-no-dev"), XSID_POOL_QUOTA, turns, both=True)
    pick_ha(pool, ha_all, HA_POOL_QUOTA)

    args.out.mkdir(parents=True, exist_ok=True)
    write(
        args.out / "eval.yml",
        "Out-of-domain evaluation: requests written for other assistants (test/dev splits)",
        sources_header(xsid, massive, ha, "eval"),
        evaluation.taken,
    )
    write(
        args.out / "train_pool.yml",
        "Out-of-domain pool for training; shares no utterance with eval.yml",
        sources_header(xsid, massive, ha, "pool"),
        pool.taken,
    )
    summary("eval.yml", evaluation.taken, evaluation.dropped)
    summary("train_pool.yml", pool.taken, pool.dropped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
