"""Import a catalogue of learning resources from YAML (``ransel import resources FILE``).

The file is a mapping with a ``resources`` list (see ``data/demo/resources.yaml`` for the
fields). Every entry is checked against :data:`RESOURCE_SCHEMA` and against the stores
(aim codes must exist — the LK20 import comes first — and belong to the resource's
subject); every problem is reported with the file and line, and nothing is stored unless
the whole file is valid. Importing is idempotent: resources are matched on ``id``
(``external_id``), created or updated; resources missing from the file are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import yaml
from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.clock import Clock
from bot.models import CompetenceAim, LearningResource, Subject
from bot.profile import Didactics, Equipment, LearningMethod, SpecialNeed

ADAPTATIONS = ("audio", "captions", "easy_read", "sign_language")
NAMED_LICENCES = ("municipal-licence", "pay-per-use", "free", "school-licence")

RESOURCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "title", "subject", "aims", "level", "licence"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$"},
        "title": {"type": "string", "minLength": 1, "maxLength": 255},
        "publisher": {"type": "string", "maxLength": 255},
        "subject": {"type": "string", "minLength": 1},
        "aims": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string", "pattern": r"^KM\d+$"}},
        "level": {"type": "number", "minimum": 1, "maximum": 10},
        "description": {"type": "string"},
        "url": {"type": "string", "pattern": r"^https?://\S+$", "maxLength": 1024},
        "methods": {"type": "array", "uniqueItems": True, "items": {"enum": list(get_args(LearningMethod))}},
        "didactics": {"type": "array", "uniqueItems": True, "items": {"enum": list(get_args(Didactics))}},
        "adaptations": {"type": "array", "uniqueItems": True, "items": {"enum": list(ADAPTATIONS)}},
        "suitability": {"type": "array", "uniqueItems": True, "items": {"enum": list(get_args(SpecialNeed))}},
        "languages": {"type": "array", "uniqueItems": True, "items": {"type": "string", "pattern": r"^[a-z]{2,3}$"}},
        "requirements": {"type": "array", "uniqueItems": True, "items": {"enum": list(get_args(Equipment))}},
        "licence": {
            "type": "string",
            "anyOf": [{"enum": list(NAMED_LICENCES)}, {"pattern": r"^(CC-|CC0|NLOD|public-domain)"}],
        },
        "cost_per_use": {"type": "number", "minimum": 0},
        "active": {"type": "boolean"},
    },
}
FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["resources"],
    "additionalProperties": False,
    "properties": {"resources": {"type": "array"}},
}


class CatalogError(Exception):
    """The file cannot be imported; ``problems`` are "FILE:LINE: where: what" lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class CatalogReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def import_catalog(session: Session, path: Path, *, clock: Clock) -> CatalogReport:
    """Validate the whole file, then create or update its resources (caller commits)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([f"{name}: cannot read: {exc}"]) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise CatalogError([f"{name}:{line}: not valid YAML: {exc.problem}"]) from None
    problems = [f"{name}:{_line(root, list(e.absolute_path))}: {_where(e.absolute_path)}{e.message}"
                for e in Draft202012Validator(FILE_SCHEMA).iter_errors(data)]
    if problems:
        raise CatalogError(problems)
    entries: list[dict[str, Any]] = data["resources"]
    validator = Draft202012Validator(RESOURCE_SCHEMA)
    for i, entry in enumerate(entries):
        for err in sorted(validator.iter_errors(entry), key=lambda e: list(map(str, e.absolute_path))):
            path_in = ["resources", i, *err.absolute_path]
            problems.append(f"{name}:{_line(root, path_in)}: {_where(path_in[1:])}{_message(err)}")
    if problems:
        raise CatalogError(problems)

    seen: dict[str, int] = {}
    subjects = set(session.scalars(select(Subject.code)))
    aims = dict(session.execute(select(CompetenceAim.code, CompetenceAim.subject_code)).tuples().all())
    for i, entry in enumerate(entries):
        line = _line(root, ["resources", i])
        if entry["id"] in seen:
            problems.append(f"{name}:{line}: [{i}].id: {entry['id']!r} is already used on line {seen[entry['id']]}")
        seen.setdefault(entry["id"], line)
        if entry["subject"] not in subjects:
            problems.append(f"{name}:{_line(root, ['resources', i, 'subject'])}: [{i}].subject: unknown subject "
                            f"{entry['subject']!r} (run the LK20 import first)")
        for j, code in enumerate(entry["aims"]):
            where = f"{name}:{_line(root, ['resources', i, 'aims', j])}: [{i}].aims[{j}]: "
            if code not in aims:
                problems.append(where + f"unknown competence aim {code!r} (run the LK20 import first)")
            elif entry["subject"] in subjects and aims[code] != entry["subject"]:
                problems.append(where + f"{code} is an aim of {aims[code]}, not of {entry['subject']}")
        if entry["licence"] == "pay-per-use" and not entry.get("cost_per_use"):
            problems.append(f"{name}:{line}: [{i}]: a pay-per-use resource needs cost_per_use")
    if problems:
        raise CatalogError(problems)

    report = CatalogReport()
    stamp = clock.utcnow()
    existing = {
        r.external_id: r
        for r in session.scalars(
            select(LearningResource)
            .options(selectinload(LearningResource.aims))
            .where(LearningResource.external_id.in_(list(seen)))
        )
    }
    aim_rows = {a.code: a for a in session.scalars(select(CompetenceAim).where(
        CompetenceAim.code.in_({c for e in entries for c in e["aims"]})))}
    for entry in entries:
        values = _values(entry)
        row = existing.get(entry["id"])
        if row is None:
            row = LearningResource(external_id=entry["id"], updated_at=stamp, **values)
            row.aims = [aim_rows[c] for c in entry["aims"]]
            session.add(row)
            report.created.append(entry["id"])
            continue
        changed = any(getattr(row, k) != v for k, v in values.items())
        if sorted(a.code for a in row.aims) != sorted(entry["aims"]):
            row.aims = [aim_rows[c] for c in entry["aims"]]
            changed = True
        for k, v in values.items():
            setattr(row, k, v)
        if changed:
            row.updated_at = stamp
        (report.updated if changed else report.unchanged).append(entry["id"])
    session.flush()
    return report


def _values(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": entry["title"],
        "description": entry.get("description"),
        "url": entry.get("url"),
        "publisher": entry.get("publisher"),
        "subject_code": entry["subject"],
        "level": float(entry["level"]),
        "didactics": list(entry.get("didactics", [])),
        "technical_requirements": list(entry.get("requirements", [])),
        "adaptations": list(entry.get("adaptations", [])),
        "suitability": list(entry.get("suitability", [])),
        "methods": list(entry.get("methods", [])),
        "languages": list(entry.get("languages", [])),
        "licence": entry["licence"],
        "cost_per_use": float(entry.get("cost_per_use", 0.0)),
        "active": bool(entry.get("active", True)),
    }


def _line(root: yaml.Node | None, path: list[Any]) -> int:
    """The 1-based line of the node at ``path`` (or of the deepest existing parent)."""
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
    return node.start_mark.line + 1 if node is not None else 1


def _where(path: Any) -> str:
    parts = list(path)
    if not parts:
        return ""
    out = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    return out + ": "


def _message(err: Any) -> str:
    if err.validator == "additionalProperties":
        return err.message.replace("Additional properties are not allowed", "unknown field(s)")
    if err.validator == "enum":
        return f"{err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
    if err.validator == "anyOf" and err.absolute_path and err.absolute_path[-1] == "licence":
        return f"{err.instance!r} is not a licence: use an open licence (CC-BY-4.0 ...) or one of {', '.join(NAMED_LICENCES)}"
    return err.message
