"""Helpers for import tests: a full dump of the stores, editing CSV exports in place."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.models import Base

DEMO_ONEROSTER = Path(__file__).resolve().parents[2] / "data" / "demo" / "oneroster"
LK20 = Path(__file__).resolve().parents[2] / "data" / "lk20"


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: two equal dumps are the same database."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = [tuple(row) for row in conn.execute(select(table))]
            out[table.name] = sorted(rows, key=repr)
    return out


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_csv(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]] | None]) -> None:
    header, rows = read_csv(path)
    result = change(rows)
    write_csv(path, header, rows if result is None else result)


def set_manifest(directory: Path, **modes: str) -> None:
    """Set file.<name> modes in manifest.csv (e.g. users="delta")."""
    def change(rows: list[dict[str, str]]) -> None:
        for row in rows:
            name = row["propertyName"].removeprefix("file.")
            if row["propertyName"].startswith("file.") and name in modes:
                row["value"] = modes[name]

    edit_csv(directory / "manifest.csv", change)


def line_of(path: Path, predicate: Callable[[dict[str, str]], bool]) -> int:
    """The file line of the first data row matching ``predicate`` (header is line 1)."""
    _header, rows = read_csv(path)
    for i, row in enumerate(rows):
        if predicate(row):
            return i + 2
    raise AssertionError("no such row")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A private copy of the shipped demo OneRoster export that a test may change."""
    target = tmp_path / "oneroster"
    shutil.copytree(DEMO_ONEROSTER, target)
    return target
