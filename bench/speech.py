"""Speech benchmark: spoken school questions in bokmål, nynorsk and English, through Whisper
and the real dialogue engine's NLU, as a voice note would go.

    .venv/bin/python bench/speech.py [--per-language 60] [--rates 130,170]

Each question in bench/data/spoken_questions.yml is spoken by espeak-ng (its command line, nb voice for bokmål
and nynorsk, en for English) at each rate, recognised by Whisper (channels/whisper.py, the
model Ransel is set up with) with the asker's vocabulary as prompt, and the reading chosen
as a voice note's would be (bot/heard.py: the engine's NLU picks among the n-best). Kari
Hansen of the demo school asks (her children Emma and Jonas, their groups, subjects and
tests make the prompt).

Printed per language and rate, and overall per language:
- word error rate of the chosen reading against the question;
- **understood**: the engine's intent is the labelled one, and the child, the subject and
  the day (bot.dates) are the same as in the engine's reading of the question typed;
- the same share for the unprompted reading alone, and for the prompted first reading alone
  (what the prompt and the n-best choice each add);
- real-time factor (recognition seconds per second of audio) on this machine.

espeak-ng's voice is far harder to recognise than a person's; these are floors. Results are
written to bench/results/speech.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import engine as eng  # noqa: E402
from bot import heard  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.dates import find_span  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.services.people import find_person  # noqa: E402
from channels import audio  # noqa: E402
from channels.speech import Speech  # noqa: E402

NOW = datetime.fromisoformat("2026-12-01T10:00:00+01:00")
QUESTIONS = ROOT / "bench" / "data" / "spoken_questions.yml"
RESULTS = ROOT / "bench" / "results" / "speech.json"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def words(text: str) -> list[str]:
    return "".join(c if c.isalnum() or c.isspace() else " " for c in text.casefold()).split()


def wer(reference: str, hypothesis: str) -> tuple[int, int]:
    """Word edits and reference length."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)


def reading_of(parsed: dict, text: str, clock: Clock) -> tuple:
    """What matters of an NLU reading: intent, child, subject, the day asked about."""
    entities = parsed.get("entities") or []
    person = sorted({str(e.get("value", "")).casefold() for e in entities if e.get("entity") == "person"})
    subject = sorted({str(e.get("value", "")).casefold() for e in entities if e.get("entity") == "subject"})
    span = find_span(text, clock)
    return ((parsed.get("intent") or {}).get("name"), tuple(person), tuple(subject),
            (span.start, span.end) if span else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-language", type=int, default=60)
    parser.add_argument("--rates", default="130,170", help="espeak-ng words per minute, comma separated")
    parser.add_argument("--languages", default="nb,nn,en")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))

    with tempfile.TemporaryDirectory(prefix="ransel-bench-speech-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'ransel.db'}"
        settings = eng.with_free_ports(load_settings(database_url=url, data_dir=work, now=NOW))
        runtime = Runtime(settings)
        from bot.demo.load import load_demo

        load_demo(runtime)
        with runtime.transaction() as session:
            kari = find_person(session, "kari.hansen")
            assert kari is not None, "the demo school has Kari Hansen"
            kari_id = kari.id
        speech = Speech(settings)
        log("training or reusing the dialogue model ...")
        model = eng.train(settings, progress=log).model
        proc = eng.start_engine(settings, model=model, run_dir=work, progress=log)
        client = httpx.Client(timeout=30.0)

        async def parse(text: str) -> dict:
            response = client.post(f"{settings.engine_url}/model/parse",
                                   params={"token": eng.api_token(settings)}, json={"text": text})
            response.raise_for_status()
            return response.json()

        def parse_now(text: str) -> dict:
            return asyncio.run(parse(text))

        report: dict[str, dict] = {}
        try:
            recognizer = speech._whisper_for("nb")
            assert recognizer is not None, "no Whisper model: run `ransel speech setup`"
            speech.recognize(speech.synthesize("Hei", "nb").wav(), "nb")  # load the model once
            for lang in args.languages.split(","):
                vocabulary = heard.vocabulary_of(runtime, kari_id, lang)
                for rate in rates:
                    rows = []
                    for item in questions[lang][:args.per_language]:
                        text, intent = item["text"], item["intent"]
                        typed = reading_of(parse_now(text), text, runtime.clock)
                        # espeak-ng's command line: the same samples every run
                        wav = subprocess.run(["espeak-ng", "-v", speech.voice_for(lang), "-s", str(rate),
                                              "--stdout", text], check=True, capture_output=True).stdout
                        pcm = audio.decode(wav, max_bytes=10**8, max_seconds=60)
                        started = time.perf_counter()
                        # what a voice note goes through: decode, VAD, prompted n-best + one unprompted
                        found = recognizer.hypotheses(
                            audio.decode(wav, max_bytes=10**8, max_seconds=60), lang, vocabulary.prompt(),
                            max_seconds=settings.whisper_max_seconds)
                        seconds = time.perf_counter() - started
                        readings = [h.text for h in found] or [""]
                        choice = asyncio.run(heard.choose(readings, parse, vocabulary))
                        first = heard.repair_names(readings[0], vocabulary.names)
                        unprompted = [h.text for h in found if h.unprompted] or [""]

                        def right(candidate: str) -> bool:
                            got = reading_of(parse_now(candidate), candidate, runtime.clock)
                            return got[0] == intent and got[1:] == typed[1:]

                        got = reading_of(parse_now(choice.text), choice.text, runtime.clock)
                        parts = {"intent_ok": got[0] == intent, "child_ok": got[1] == typed[1],
                                 "subject_ok": got[2] == typed[2], "day_ok": got[3] == typed[3]}

                        edits, length = wer(text, choice.text)
                        rows.append({
                            "text": text, "heard": choice.text, "sure": choice.sure,
                            "audio_s": pcm.seconds, "recognise_s": seconds, "edits": edits, "words": length,
                            "understood": right(choice.text), "first_only": right(first),
                            "no_prompt": right(unprompted[0]), "typed_right": typed[0] == intent,
                            **parts,
                        })
                    report[f"{lang}@{rate}"] = summarise(rows)
                    print_row(f"{lang}@{rate}", report[f"{lang}@{rate}"])
                    report[f"{lang}@{rate}"]["rows"] = rows
        finally:
            client.close()
            eng.stop(proc)
            runtime.close()

    print()
    print(f"{'language':10} {'WER':>6} {'understood':>11} {'no prompt':>10} {'first only':>11} {'RTF':>6} "
          f"{'read back':>10}   intent / child / subject / day right")
    for lang in args.languages.split(","):
        rows = [r for key, value in report.items() if key.startswith(lang + "@") for r in value["rows"]]
        summary = summarise(rows)
        report[lang] = summary
        print_row(lang, summary)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


def summarise(rows: list[dict]) -> dict:
    n = len(rows)
    return {
        "questions": n,
        "wer": sum(r["edits"] for r in rows) / max(1, sum(r["words"] for r in rows)),
        "understood": sum(r["understood"] for r in rows) / n,
        "no_prompt": sum(r["no_prompt"] for r in rows) / n,
        "first_only": sum(r["first_only"] for r in rows) / n,
        "typed_right": sum(r["typed_right"] for r in rows) / n,
        "rtf": sum(r["recognise_s"] for r in rows) / sum(r["audio_s"] for r in rows),
        "rtf_p95": sorted(r["recognise_s"] / r["audio_s"] for r in rows)[int(0.95 * (n - 1))],
        "read_back": sum(not r["sure"] for r in rows) / n,
        **{key: sum(r[key] for r in rows) / n for key in ("intent_ok", "child_ok", "subject_ok", "day_ok")},
        "median_audio_s": statistics.median(r["audio_s"] for r in rows),
    }


def print_row(name: str, s: dict) -> None:
    print(f"{name:10} {s['wer']:6.1%} {s['understood']:11.1%} {s['no_prompt']:10.1%} {s['first_only']:11.1%} "
          f"{s['rtf']:6.2f} {s['read_back']:10.1%}   {s['intent_ok']:.0%} / {s['child_ok']:.0%} / "
          f"{s['subject_ok']:.0%} / {s['day_ok']:.0%}", flush=True)


if __name__ == "__main__":
    main()
