"""How well the engine understands each language (``ransel nlu-eval``).

Two measurements, both per language (bokmål, nynorsk, English):

- **held-out**: every ``tests/nlu/heldout*_<lang>.yml`` (one file per round: ``heldout_``
  holds rounds 1–3, ``heldout4_``, ``heldout5_``, ... the later ones), written apart from
  the training data in other people's voices, parsed by the trained model through a private
  engine's ``/model/parse``. A prediction of ``nlu_fallback`` counts as wrong. Scored per
  file and over all files. Target: accuracy ≥ 95 % in every language.
- **cross-validation**: Rasa's own k-fold run over ``nlu/``; each example's language is
  read from the file it came from.

Both print intent accuracy and macro-F1 (unweighted mean of per-intent F1).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from bot import engine
from bot.config import PROJECT_ROOT, Settings
from bot.i18n import SUPPORTED

LANGUAGES = SUPPORTED
HELDOUT_DIR = PROJECT_ROOT / "tests" / "nlu"
TARGET_ACCURACY = 0.95
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file, entity annotations removed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((_ANNOTATION.sub(r"\1", line[2:]).strip(), block["intent"]))
    return pairs


def training_examples(root: Path = PROJECT_ROOT) -> dict[str, list[tuple[str, str]]]:
    """Training examples per language, from ``nlu/<feature>/<lang>.yml``."""
    out: dict[str, list[tuple[str, str]]] = {lang: [] for lang in LANGUAGES}
    for lang in LANGUAGES:
        for path in sorted((root / "nlu").rglob(f"{lang}.yml")):
            out[lang] += read_examples(path)
    return out


def heldout_files(lang: str) -> list[Path]:
    """The held-out files of one language, one per round (or group of rounds), in order."""
    return sorted(HELDOUT_DIR.glob(f"heldout*_{lang}.yml"), key=lambda p: (len(p.name), p.name))


def heldout_examples(lang: str) -> list[tuple[str, str]]:
    return [pair for path in heldout_files(lang) for pair in read_examples(path)]


@dataclass(frozen=True)
class Scores:
    count: int
    accuracy: float
    macro_f1: float
    errors: tuple[tuple[str, str, str], ...] = field(default=(), repr=False)  # text, expected, predicted


def score(rows: Iterable[tuple[str, str, str]]) -> Scores:
    """Accuracy and macro-F1 over (text, expected, predicted) rows."""
    rows = list(rows)
    if not rows:
        return Scores(0, 0.0, 0.0)
    correct = sum(1 for _, want, got in rows if want == got)
    labels = sorted({want for _, want, _ in rows})
    f1s = []
    for label in labels:
        tp = sum(1 for _, want, got in rows if want == label and got == label)
        fp = sum(1 for _, want, got in rows if want != label and got == label)
        fn = sum(1 for _, want, got in rows if want == label and got != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    errors = tuple(r for r in rows if r[1] != r[2])
    return Scores(len(rows), correct / len(rows), sum(f1s) / len(f1s), errors)


@dataclass
class Report:
    heldout: dict[str, Scores]
    cross_validation: dict[str, Scores] | None = None
    # language -> held-out file stem ("heldout4_nb") -> scores on that file alone
    heldout_files: dict[str, dict[str, Scores]] = field(default_factory=dict)

    def meets_target(self) -> bool:
        return all(s.accuracy >= TARGET_ACCURACY for s in self.heldout.values())

    def table(self) -> str:
        lines = ["language  set               examples  accuracy  macro-F1"]
        for lang in LANGUAGES:
            sets = [("held-out", self.heldout.get(lang))]
            per_file = self.heldout_files.get(lang, {})
            if len(per_file) > 1:
                sets += [(f"  {stem}", s) for stem, s in per_file.items()]
            if self.cross_validation is not None:
                sets.append(("cross-validation", self.cross_validation.get(lang)))
            for name, s in sets:
                if s is not None:
                    lines.append(f"{lang:<9} {name:<17} {s.count:>8}  {s.accuracy:>7.1%}  {s.macro_f1:>8.3f}")
        verdict = "meets" if self.meets_target() else "MISSES"
        lines.append(f"held-out target: accuracy >= {TARGET_ACCURACY:.0%} in every language -> {verdict}")
        for lang in LANGUAGES:
            per_file = self.heldout_files.get(lang) or {"held-out": self.heldout[lang]}
            for stem, s in per_file.items():
                for text, want, got in s.errors:
                    lines.append(f"  {lang} {stem} miss: {text!r} expected {want}, got {got}")
        return "\n".join(lines)


Progress = Callable[[str], None]


def evaluate_heldout(settings: Settings, progress: Progress = lambda _: None) -> dict[str, dict[str, list[tuple[str, str, str]]]]:
    """(text, expected, predicted) rows per language and held-out file stem."""
    model = engine.train(settings, progress=progress).model
    private = engine.with_free_ports(settings)
    with tempfile.TemporaryDirectory(prefix="ransel-nlu-eval-") as tmp:
        proc = engine.start_engine(private, model=model, run_dir=Path(tmp), progress=progress)
        try:
            out: dict[str, dict[str, list[tuple[str, str, str]]]] = {}
            with httpx.Client(timeout=30.0) as client:
                for lang in LANGUAGES:
                    out[lang] = {}
                    for path in heldout_files(lang):
                        rows = []
                        for text, want in read_examples(path):
                            response = client.post(f"{private.engine_url}/model/parse",
                                                   params={"token": engine.api_token(private)}, json={"text": text})
                            response.raise_for_status()
                            rows.append((text, want, response.json()["intent"]["name"]))
                        out[lang][path.stem] = rows
            return out
        finally:
            engine.stop(proc)


def cross_validate(settings: Settings, folds: int, progress: Progress = lambda _: None) -> dict[str, Scores]:
    """Rasa's k-fold cross-validation over nlu/, scored per language of the source file."""
    language_of: dict[str, set[str]] = defaultdict(set)
    for lang, pairs in training_examples().items():
        for text, _ in pairs:
            language_of[text.casefold()].add(lang)
    progress(f"cross-validating with {folds} folds (trains {folds} models; several minutes) ...")
    with tempfile.TemporaryDirectory(prefix="ransel-cv-") as out:
        command = [str(engine.rasa_executable()), "test", "nlu", "--cross-validation", "--folds", str(folds),
                   "--config", str(PROJECT_ROOT / "config.yml"), "--nlu", str(PROJECT_ROOT / "nlu"),
                   "--out", out, "--successes", "--no-plot", "--quiet"]
        result = subprocess.run(command, cwd=out, env=engine.engine_env(settings), capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
            raise engine.EngineError(f"rasa test nlu failed:\n{tail}")
        predictions = []
        for name in ("intent_successes.json", "intent_errors.json"):
            path = Path(out) / name
            if path.exists():
                predictions += json.loads(path.read_text())
    rows: dict[str, list[tuple[str, str, str]]] = {lang: [] for lang in LANGUAGES}
    for p in predictions:
        predicted = (p.get("intent_prediction") or {}).get("name") or ""
        for lang in language_of.get(p["text"].casefold(), ()):
            rows[lang].append((p["text"], p["intent"], predicted))
    return {lang: score(r) for lang, r in rows.items()}


def run(settings: Settings, *, folds: int = 3, progress: Progress = lambda _: None) -> Report:
    rows = evaluate_heldout(settings, progress)
    report = Report(
        heldout={lang: score(r for file_rows in rows[lang].values() for r in file_rows) for lang in LANGUAGES},
        heldout_files={lang: {stem: score(r) for stem, r in rows[lang].items()} for lang in LANGUAGES},
    )
    if folds >= 2:
        report.cross_validation = cross_validate(settings, folds, progress)
    return report
