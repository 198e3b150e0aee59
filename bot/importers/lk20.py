"""``ransel import lk20 DIR``: the LK20 curriculum (Udir, NLOD 2.0) for grades 1-10.

Input: one JSON file per subject as published in ``shared/data/lk20`` (see its NOTICE.md:
Utdanningsdirektoratet, Norwegian Licence for Open Government Data 2.0). Output: subjects,
grade bands and competence aims. Short subject names (nb/nn/en) come from the locale
catalogs (``bot/locale/*.yaml`` ``subjects``), so what a user reads is translated in one place.

Which bands are imported:
- Bands after grade 1-10. Upper-secondary bands (Vg1-Vg3, ``afterGrade`` 11-13) are skipped.
- Foreign languages (FSP01-04) have no grade bands but levels, labelled "nivå I" / "nivå II",
  all carrying ``afterGrade`` 13. In lower secondary school pupils take level I (grades 8-10);
  level II continues it in upper secondary. So level I is imported as a band after grade 10
  and level II is skipped.

Competence-aim codes (KM...) are the primary key. A code that appears twice with the same
text is imported once (the lowest grade wins); the same code with different texts is an error.
Aims that disappear from a later edition are kept (assignments and resources refer to them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, update

from bot.i18n import SUPPORTED, catalog
from bot.importers._problems import Problems
from bot.importers._sync import SyncStats, load_existing, sync_table
from bot.models import CompetenceAim, GradeBand, Subject

LAST_GRADE = 10
FOREIGN_LANGUAGE = "FSP01-04"
_LEVEL_ONE = re.compile(r"\bnivå I\s*$")


@dataclass(frozen=True)
class Lk20Result:
    subjects: int
    grade_bands: int
    aims: int
    stats: SyncStats


@dataclass(frozen=True)
class _Band:
    subject_code: str
    after_grade: int
    label_nb: str
    label_en: str


def _text(value: Any) -> str:
    # Udir's labels carry stray non-breaking spaces ("10. trinn\xa0").
    return " ".join(str(value or "").split())


def band_grade(subject_code: str, band: dict[str, Any]) -> int | None:
    """The grade a band's aims apply after, or None when the band is not for grades 1-10."""
    grade = int(band["afterGrade"])
    if subject_code == FOREIGN_LANGUAGE:
        return LAST_GRADE if _LEVEL_ONE.search(_text(band["label"]["local"])) else None
    return grade if 1 <= grade <= LAST_GRADE else None


def read_curriculum(directory: Path, problems: Problems) -> tuple[dict, dict, dict]:
    """Parse every subject file; return desired rows for subjects, bands and aims."""
    names = {lang: catalog(lang).get("subjects", {}) for lang in SUPPORTED}
    subjects: dict[str, tuple] = {}
    bands: dict[tuple[str, str], _Band] = {}
    aims: dict[str, tuple] = {}
    aim_origin: dict[str, str] = {}
    files = sorted(p for p in directory.glob("*.json") if p.name != "metadata.json")
    if not files:
        problems.add(str(directory), None, None, "no LK20 subject files (*.json) here")
    for path in files:
        try:
            subject = json.loads(path.read_text(encoding="utf-8"))["subject"]
            code = subject["code"]
        except (ValueError, KeyError, TypeError) as exc:
            problems.add(path.name, None, None, f"not an LK20 subject file ({exc})")
            continue
        missing = [lang for lang in names if code not in names[lang]]
        if missing:
            problems.add(
                path.name, None, "subject.code",
                f"subject {code} has no short name in bot/locale/{missing[0]}.yaml (subjects)",
            )
            continue
        subjects[code] = (
            names["nb"][code],
            names["nn"][code],
            names["en"][code],
            _text(subject["name"]["local"]),
            _text(subject["name"].get("en")) or _text(subject["name"]["local"]),
        )
        for band in subject.get("gradeBands", []):
            grade = band_grade(code, band)
            if grade is None:
                continue
            label_nb = _text(band["label"]["local"])
            label_en = _text(band["label"].get("en")) or label_nb
            bands[(code, label_nb)] = _Band(code, grade, label_nb, label_en)
            for goal in band.get("competenceGoals", []):
                aim_code = goal["code"]
                text_nb = _text(goal["text"]["local"])
                # Some curricula (KRLE) publish no English text: fall back to Norwegian.
                text_en = _text(goal["text"].get("en")) or text_nb
                row = (code, (code, label_nb), grade, text_nb, text_en, list(goal.get("coreElements", [])))
                earlier = aims.get(aim_code)
                if earlier is None:
                    aims[aim_code] = row
                    aim_origin[aim_code] = f"{path.name} ({label_nb})"
                elif earlier[3] != text_nb or earlier[0] != code:
                    problems.add(
                        path.name, None, f"{label_nb}: {aim_code}",
                        f"competence aim {aim_code} also appears in {aim_origin[aim_code]} "
                        "with a different text",
                    )
                elif grade < earlier[2]:
                    aims[aim_code] = row
    return subjects, bands, aims


def import_lk20(target: Engine | Connection, directory: Path) -> Lk20Result:
    """Import (or re-import) the curriculum in ``directory``; one transaction."""
    problems = Problems()
    subjects, bands, aims = read_curriculum(Path(directory), problems)
    problems.raise_if_any()
    if isinstance(target, Engine):
        with target.begin() as conn:
            return _write(conn, subjects, bands, aims)
    return _write(target, subjects, bands, aims)


def _write(conn: Connection, subjects: dict, bands: dict, aims: dict) -> Lk20Result:
    stats = SyncStats()
    subject_table = Subject.__table__
    subject_cols = ("name_nb", "name_nn", "name_en", "curriculum_title_nb", "curriculum_title_en")
    _sync_keyed_by_code(conn, subject_table, subject_cols, subjects, stats)

    band_table = GradeBand.__table__
    band_cols = ("after_grade", "label_en")
    band_ids = sync_table(
        conn, band_table, ("subject_code", "label_nb"), band_cols,
        {key: (b.after_grade, b.label_en) for key, b in bands.items()},
        load_existing(conn, band_table, ("subject_code", "label_nb"), band_cols),
        stats,
    )

    aim_table = CompetenceAim.__table__
    aim_cols = ("subject_code", "grade_band_id", "after_grade", "text_nb", "text_en", "core_elements")
    desired = {
        code: (subject, band_ids[band_key], grade, text_nb, text_en, core)
        for code, (subject, band_key, grade, text_nb, text_en, core) in aims.items()
    }
    _sync_keyed_by_code(conn, aim_table, aim_cols, desired, stats)
    return Lk20Result(len(subjects), len(bands), len(aims), stats)


def _sync_keyed_by_code(
    conn: Connection, table: Table, cols: tuple[str, ...], desired: dict, stats: SyncStats
) -> None:
    """Tables whose primary key is the code itself (no surrogate id)."""
    existing = {row[0]: tuple(row[1:]) for row in conn.execute(select(table.c.code, *(table.c[c] for c in cols)))}
    new = [{"code": k, **dict(zip(cols, v, strict=True))} for k, v in desired.items() if k not in existing]
    changed = [
        {"k_code": k, **{f"v_{c}": x for c, x in zip(cols, v, strict=True)}}
        for k, v in desired.items()
        if k in existing and existing[k] != tuple(v)
    ]
    if new:
        conn.execute(insert(table), new)
        stats.add("inserted", table.name, len(new))
    if changed:
        statement = (
            update(table)
            .where(table.c.code == bindparam("k_code"))
            .values({c: bindparam(f"v_{c}") for c in cols})
        )
        conn.execute(statement, changed)
        stats.add("updated", table.name, len(changed))
