"""``ransel eval``: the answer and out-of-domain evaluations (docs/EVALUATION.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
import yaml


@click.group("eval")
def eval_group() -> None:
    """Grade whole answers through the real engine on a generated evaluation school."""


@eval_group.command("school")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True)
def school(seed: int, out: Path) -> None:
    """Write the evaluation school's OneRoster export and FACTS.md for SEED into OUT."""
    from bot.evaluation.school import write_school

    s = write_school(seed, out)
    click.echo(f"{s.name}: {len(s.items)} lineItems, {len(s.results)} results, now {s.now:%Y-%m-%d %H:%M}; "
               f"facts in {out / 'FACTS.md'}")


def _school_dir(seed: int, given: Path | None, work: Path) -> Path:
    from bot.evaluation.school import write_school

    if given is not None:
        return given
    directory = work / f"school-{seed}"
    write_school(seed, directory)
    return directory


@eval_group.command("answers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "school_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A folder written by `ransel eval school` (default: generated from the file's seed).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def answers(file: Path, school_dir: Path | None, json_out: Path | None) -> None:
    """Ask every question of FILE as its person and grade the whole reply."""
    from bot.evaluation.run import evaluation_stack, load_questions, run_answers, summary, write_json

    meta, questions = load_questions(file)
    with tempfile.TemporaryDirectory(prefix="ransel-eval-") as tmp:
        directory = _school_dir(int(meta.get("seed", 1)), school_dir, Path(tmp))
        with evaluation_stack(directory, Path(tmp) / "run") as stack:
            graded = run_answers(questions, stack)
    click.echo(summary(graded))
    if json_out:
        write_json(json_out, graded)


@eval_group.command("ood")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def ood(file: Path, seed: int, json_out: Path | None) -> None:
    """Ask every utterance of FILE as a guardian and as a pupil; nothing may change."""
    from bot.evaluation.run import evaluation_stack, ood_summary, run_ood, write_json
    from bot.evaluation.school import build_school

    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    utterances = data["utterances"] if isinstance(data, dict) else data
    s, _ = build_school(seed)
    guardian = next(p for p in s.people.values() if p.role == "parent")
    pupil = next(p for p in s.people.values() if p.role == "student")
    with tempfile.TemporaryDirectory(prefix="ransel-eval-") as tmp:
        directory = _school_dir(seed, None, Path(tmp))
        with evaluation_stack(directory, Path(tmp) / "run") as stack:
            results = run_ood(utterances, stack, [guardian.username, pupil.username])
    click.echo(ood_summary(results))
    if json_out:
        write_json(json_out, results)


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [eval_group]
