"""``ransel import``: the LK20 curriculum, OneRoster exports and Ransel's extras file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.importers import ImportFailed
from bot.runtime import Runtime
from ransel.cli._root import AppContext, pass_app


@click.group("import")
def import_group() -> None:
    """Import school data (each import is one transaction: all or nothing)."""


def _runtime(app: AppContext) -> Runtime:
    return Runtime(app.settings)


def _fail(exc: ImportFailed) -> None:
    raise click.ClickException(str(exc)) from None


@import_group.command("lk20")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_app
def lk20(app: AppContext, directory: Path) -> None:
    """Import the LK20 curriculum (Udir JSON files, one per subject) from DIRECTORY."""
    from bot.importers.lk20 import import_lk20

    runtime = _runtime(app)
    try:
        result = import_lk20(runtime.engine, directory)
    except ImportFailed as exc:
        _fail(exc)
    finally:
        runtime.close()
    click.echo(
        f"LK20: {result.subjects} subjects, {result.grade_bands} grade bands, {result.aims} competence aims "
        f"({result.stats.summary()})"
    )


@import_group.command("oneroster")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: on a terminal).")
@click.option("--dry-run", is_flag=True, help="Check and report what the import would do; change nothing.")
@click.option("--strict", is_flag=True, help="Every problem stops the import (default: rows with a problem of "
                                              "their own are skipped with what depends on them).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every problem and note (file, line, column, what was done) as CSV.")
@pass_app
def oneroster(app: AppContext, source: Path, progress: bool | None, dry_run: bool, strict: bool,
              report_file: Path | None) -> None:
    """Import an IMS OneRoster 1.1 CSV export: a directory or a .zip with manifest.csv."""
    from bot.importers.oneroster import import_oneroster
    from bot.learning.activity import trace_imported_results

    runtime = _runtime(app)
    show = sys.stderr.isatty() if progress is None else progress
    traced = None
    try:
        result = import_oneroster(runtime.engine, source, runtime.clock, progress=show,
                                  phone_region=app.settings.phone_region, dry_run=dry_run, strict=strict)
        if not dry_run:
            # Results teach the learning profile; a separate transaction because it is derived
            # data (the import itself stays one transaction) and is idempotent per result.
            with runtime.transaction() as session:
                traced = trace_imported_results(session, clock=runtime.clock)
    except ImportFailed as exc:
        if report_file is not None:
            _write_report(report_file, [("stopped", p) for p in exc.problems])
        _fail(exc)
    finally:
        runtime.close()
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report_file is not None:
        _write_report(report_file, [("skipped" if p.row_level else "noted", p) for p in result.notes]
                      + [("noted", w) for w in result.warnings[len(result.notes):]])
    rows = sum(result.rows.values())
    skipped = sum(1 for p in result.notes if p.row_level)
    if skipped:
        click.echo(f"{skipped} rows skipped (each listed above; --strict stops instead)", err=True)
    would = "dry run, nothing changed; would have " if dry_run else ""
    click.echo(f"OneRoster: {rows} rows read ({would}{result.stats.summary()})"
               f"{_traced(traced) if traced is not None else ''}")


def _write_report(path: Path, entries: list) -> None:
    """The report for the SIS team: one CSV row per problem or note."""
    import csv

    from bot.importers import Problem

    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["outcome", "file", "line", "column", "message"])
        for outcome, entry in entries:
            if isinstance(entry, Problem):
                writer.writerow([outcome, entry.file, entry.line or "", entry.column or "", entry.message])
            else:
                writer.writerow([outcome, "", "", "", entry])


@import_group.command("extras")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def extras(app: AppContext, file: Path) -> None:
    """Import Ransel's extras (YAML): languages, timetable, gear, calendar, breaks, aims."""
    from bot.importers.extras import import_extras
    from bot.learning.activity import trace_imported_results

    runtime = _runtime(app)
    try:
        result = import_extras(runtime.engine, file, runtime.clock)
        # Extras may link competence aims to assignments, which makes their results teach.
        with runtime.transaction() as session:
            traced = trace_imported_results(session, clock=runtime.clock)
    except ImportFailed as exc:
        _fail(exc)
    finally:
        runtime.close()
    click.echo(f"extras: {result.stats.summary()}{_traced(traced)}")


def _traced(traced) -> str:
    return f"; {len(traced.stored)} results traced into mastery" if traced.stored else ""


# The commands this module adds to `ransel` (see ransel/cli/__init__.py).
COMMANDS = [import_group]
