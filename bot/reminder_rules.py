"""Reminder rules: a school's YAML file, validated, turned into :class:`Rule` objects.

A school keeps its rules as YAML it can read and edit (``data/demo/reminders.yaml`` is the
demo school's). The text is stored as written in ``reminder_rule_sets`` so comments survive
a round trip through the admin API. Validation is the JSON Schema in
``reminder_rules.schema.json`` plus the checks a schema cannot express (unique ids, what each
kind of rule needs, groups that exist); every error names its line and is worded in the
reader's language.

Kinds of rule and what they are about (the *target*):

- ``homework``: the homework due on a school day; fires ``days_before`` (default 1) at ``at``.
- ``gear``: a school day with lessons in ``subjects`` (code prefixes, e.g. ``KRO``) or at
  ``places``; reminds of the school's gear for the lesson's place (gymsal: gym clothes,
  svømmehall: swimwear and towel), or of ``items`` where the school has none for it.
- ``event``: a calendar event of a kind in ``events`` with things to bring (skating day).
- ``test``: a test (assignment of kind test); ``days_before`` may be a list, e.g. [3, 1].
- ``weekplan``: the coming week (Monday to Friday), sent on ``weekday`` at ``at``.
- ``absence``: an absence report, at once, to the pupil's contact teacher (critical). Not
  planned: ``bot.services.absence.report_absence`` asks :func:`absence_rules` when a guardian
  reports. A school without stored rules gets :data:`DEFAULT_ABSENCE_RULE`; a school whose
  rules have no (enabled) absence rule gets no alert.
  Its ``template`` may be a variant wording (``absence_alert_short``): the alert's facts
  still come from the ``absence_alert`` builder.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import jsonschema
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import Formatter, language_of, template_names
from bot.models import EventKind, Group, ReminderRuleSet, School

SCHEMA_PATH = Path(__file__).resolve().parent / "reminder_rules.schema.json"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The largest rules file a school may upload (the HTTP app refuses bigger bodies).
MAX_RULES_BYTES = 256 * 1024

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class RuleKind(enum.StrEnum):
    HOMEWORK = "homework"
    GEAR = "gear"
    EVENT = "event"
    TEST = "test"
    WEEKPLAN = "weekplan"
    ABSENCE = "absence"


class AudienceTo(enum.StrEnum):
    PUPILS = "pupils"
    GUARDIANS = "guardians"
    BOTH = "both"
    CONTACT_TEACHER = "contact_teacher"

    @property
    def pupils(self) -> bool:
        return self in (AudienceTo.PUPILS, AudienceTo.BOTH)

    @property
    def guardians(self) -> bool:
        return self in (AudienceTo.GUARDIANS, AudienceTo.BOTH)


class GroupLike(Protocol):
    """What a rule's audience is matched on (a :class:`~bot.models.Group` or ``facts.GroupInfo``)."""

    @property
    def name(self) -> str: ...
    @property
    def sourced_id(self) -> str | None: ...
    @property
    def grade(self) -> int | None: ...


@dataclass(frozen=True)
class Rule:
    id: str
    kind: RuleKind
    category: str
    template: str
    to: AudienceTo
    at: time | None = None
    days_before: tuple[int, ...] = (1,)
    weekday: int | None = None  # Monday = 0, for week plans
    at_once: bool = False
    grades: frozenset[int] = frozenset()
    groups: frozenset[str] = frozenset()  # group names or sourced ids, as the school wrote them
    subjects: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    events: tuple[EventKind, ...] = ()
    critical: bool = False
    enabled: bool = True
    line: int = 0

    def reaches(self, groups: Iterable[GroupLike]) -> bool:
        """Whether a pupil in ``groups`` is in the rule's audience: in one of its grades (if it
        names any) and in one of its groups (if it names any), by name or sourced id."""
        groups = list(groups)
        if self.grades and not any(g.grade in self.grades for g in groups):
            return False
        if self.groups and not any(g.name in self.groups or g.sourced_id in self.groups for g in groups):
            return False
        return True


# A school that has stored no rules at all: absence is still told to the contact teacher
# at once (what Ransel did before schools had rules). Its rows keep their old keys.
DEFAULT_ABSENCE_RULE = Rule(
    id="absence", kind=RuleKind.ABSENCE, category="absence", template="absence_alert",
    to=AudienceTo.CONTACT_TEACHER, at_once=True, critical=True,
)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    school: str | None = None  # the school the file names, if any

    def active(self, kind: RuleKind | None = None) -> list[Rule]:
        return [r for r in self.rules if r.enabled and (kind is None or r.kind == kind)]

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True)
class RuleProblem:
    line: int
    path: str
    message: str

    def format(self, source: str, language: str) -> str:
        where = Formatter(language_of(language)).t("reminder_rules.where", source=source, line=self.line)
        return f"{where}: {self.path + ': ' if self.path else ''}{self.message}"


class RuleError(ValueError):
    """The rules are not valid. ``problems`` name each line; ``str()`` lists them all."""

    def __init__(self, problems: list[RuleProblem], source: str, language: str) -> None:
        self.problems = problems
        self.source = source
        self.language = language
        super().__init__("\n".join(p.format(source, language) for p in problems))


@dataclass
class Checked:
    """A valid rule set, with warnings that do not stop it (e.g. a template not there yet)."""

    rules: RuleSet
    warnings: list[RuleProblem] = field(default_factory=list)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def parse(
    text: str,
    *,
    source: str = "reminders.yaml",
    language: str = "nb",
    group_names: set[str] | None = None,
    school: str | None = None,
    known_templates: set[str] | None = None,
) -> Checked:
    """Validate YAML rule text. Raises :class:`RuleError` naming every bad line.

    ``group_names`` (names and sourced ids of the school's groups) and ``school`` (the
    school's sourced id) are checked when given; ``known_templates`` defaults to the
    message templates (every builder has one of its name).
    """
    t = Formatter(language_of(language)).t
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError([RuleProblem(line, "", t("reminder_rules.syntax", problem=problem))], source, language) from None
    if root is None:
        data, root = {}, None

    problems: list[RuleProblem] = []
    validator = jsonschema.Draft202012Validator(schema())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(_schema_problem(error, root, t))
    if problems:
        raise RuleError(_dedupe(problems), source, language)

    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["rules"]):
        line = _line(root, ["rules", index])
        path = f"rules[{index}]"
        if raw["id"] in seen:
            problems.append(
                RuleProblem(_line(root, ["rules", index, "id"]), f"{path}.id",
                            t("reminder_rules.duplicate", value=raw["id"], other=seen[raw["id"]]))
            )
        seen.setdefault(raw["id"], line)
        rule = _rule(raw, line)
        problems.extend(_shape_problems(rule, raw, root, index, t))
        for name in sorted(rule.groups):
            if group_names is not None and name not in group_names:
                problems.append(
                    RuleProblem(_line(root, ["rules", index, "audience", "groups"]), f"{path}.audience.groups",
                                t("reminder_rules.unknown_group", value=name))
                )
        rules.append(rule)
    file_school = data.get("school")
    if school is not None and file_school is not None and file_school != school:
        problems.append(RuleProblem(_line(root, ["school"]), "school", t("reminder_rules.other_school", value=file_school)))
    if problems:
        raise RuleError(problems, source, language)

    warnings = []
    templates = known_templates if known_templates is not None else _known_templates()
    for index, rule in enumerate(rules):
        if rule.template not in templates:
            warnings.append(
                RuleProblem(_line(root, ["rules", index, "template"]), f"rules[{index}].template",
                            t("reminder_rules.no_template", value=rule.template))
            )
    return Checked(RuleSet(tuple(rules), file_school), warnings)


def _rule(raw: dict[str, Any], line: int) -> Rule:
    when = raw["when"]
    kind = RuleKind(raw["kind"])
    days = when.get("days_before", (3, 1) if kind is RuleKind.TEST else 1)
    days_before = tuple(sorted(days, reverse=True)) if isinstance(days, list) else (days,)
    audience = raw["audience"]
    return Rule(
        id=raw["id"],
        kind=kind,
        category=raw["category"],
        template=raw["template"],
        to=AudienceTo(audience["to"]),
        at=time.fromisoformat(when["at"]) if "at" in when else None,
        days_before=days_before,
        weekday=WEEKDAYS.index(when["weekday"]) if "weekday" in when else None,
        at_once=bool(when.get("at_once", False)),
        grades=frozenset(audience.get("grades", ())),
        groups=frozenset(audience.get("groups", ())),
        subjects=tuple(raw.get("subjects", ())),
        places=tuple(raw.get("places", ())),
        items=tuple(raw.get("items", ())),
        events=tuple(EventKind(e) for e in raw.get("events", ())),
        critical=bool(raw.get("critical", kind is RuleKind.ABSENCE)),
        enabled=bool(raw.get("enabled", True)),
        line=line,
    )


def _shape_problems(rule: Rule, raw: dict[str, Any], root: yaml.Node, index: int, t) -> list[RuleProblem]:
    """What each kind needs, beyond the schema."""
    path = f"rules[{index}]"
    when_line = _line(root, ["rules", index, "when"])
    out: list[RuleProblem] = []
    if rule.kind is RuleKind.ABSENCE:
        if not rule.at_once or rule.to is not AudienceTo.CONTACT_TEACHER:
            out.append(RuleProblem(_line(root, ["rules", index]), path, t("reminder_rules.absence_shape")))
        return out
    if rule.at_once:
        out.append(RuleProblem(when_line, f"{path}.when.at_once", t("reminder_rules.at_once_only_absence")))
    if rule.to is AudienceTo.CONTACT_TEACHER:
        out.append(RuleProblem(_line(root, ["rules", index, "audience", "to"]), f"{path}.audience.to",
                               t("reminder_rules.contact_teacher_only_absence")))
    if rule.at is None:
        out.append(RuleProblem(when_line, f"{path}.when", t("reminder_rules.needs_at")))
    if rule.kind is RuleKind.WEEKPLAN and rule.weekday is None:
        out.append(RuleProblem(when_line, f"{path}.when", t("reminder_rules.needs_weekday")))
    if rule.kind is RuleKind.GEAR and not (rule.subjects or rule.places):
        out.append(RuleProblem(_line(root, ["rules", index]), path, t("reminder_rules.gear_needs_what")))
    return out


def _schema_problem(error: jsonschema.ValidationError, root: yaml.Node | None, t) -> RuleProblem:
    path = list(error.absolute_path)
    kind = error.validator
    value = error.instance
    if kind == "required":
        missing = [name for name in error.validator_value if not isinstance(value, dict) or name not in value]
        return RuleProblem(_line(root, path), _path(path), t("reminder_rules.required", name=missing[0]))
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in value if k not in allowed)[0]
        return RuleProblem(_line(root, path + [extra], key=True), _path(path + [extra]),
                           t("reminder_rules.unknown", name=extra))
    line = _line(root, path)
    if kind == "enum":
        message = t("reminder_rules.enum", value=value, allowed=", ".join(map(str, error.validator_value)))
    elif kind == "const":
        message = t("reminder_rules.const", allowed=error.validator_value)
    elif kind == "type":
        message = t("reminder_rules.type", expected=error.validator_value)
    elif kind == "pattern":
        clock = error.validator_value == schema()["$defs"]["clock"]["pattern"]
        message = t("reminder_rules.clock" if clock else "reminder_rules.pattern", value=value)
    elif kind in ("minimum", "maximum"):
        low = error.schema.get("minimum", "")
        high = error.schema.get("maximum", "")
        message = t("reminder_rules.range", value=value, low=low, high=high)
    elif kind == "oneOf":
        message = t("reminder_rules.days")
    elif kind == "uniqueItems":
        message = t("reminder_rules.unique")
    elif kind in ("minItems", "minLength"):
        message = t("reminder_rules.empty")
    else:
        message = t("reminder_rules.invalid")
    return RuleProblem(line, _path(path), message)


def _dedupe(problems: list[RuleProblem]) -> list[RuleProblem]:
    seen, out = set(), []
    for p in problems:
        if (p.line, p.path, p.message) not in seen:
            seen.add((p.line, p.path, p.message))
            out.append(p)
    return out


def _path(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(root: yaml.Node | None, path: list[Any], key: bool = False) -> int:
    """1-based line of the node at ``path`` (or of its key); the nearest parent if absent."""
    node = root
    line = node.start_mark.line + 1 if node is not None else 1
    for part in path:
        found = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    found = key_node if key and part == path[-1] else value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            found = node.value[part]
        if found is None:
            return line
        node = found
        line = node.start_mark.line + 1
    return line


def _known_templates() -> set[str]:
    # Every builder renders a template of its own name, so the templates are the names a
    # rule may use (a variant is a template too).
    return template_names("nb")


# --- storage -------------------------------------------------------------------------------


def group_names(session: Session, school_id: int) -> set[str]:
    rows = session.execute(select(Group.name, Group.sourced_id).where(Group.school_id == school_id)).all()
    return {name for row in rows for name in row}


def check_for_school(session: Session, school: School, text: str, *, source: str, language: str) -> Checked:
    return parse(text, source=source, language=language,
                 group_names=group_names(session, school.id), school=school.sourced_id)


def store(
    session: Session, school: School, text: str, *, now: datetime, by_id: int | None = None,
    source: str = "reminders.yaml", language: str = "nb",
) -> Checked:
    """Validate and keep a school's rules (replacing the old ones). Raises :class:`RuleError`."""
    checked = check_for_school(session, school, text, source=source, language=language)
    row = session.scalar(select(ReminderRuleSet).where(ReminderRuleSet.school_id == school.id))
    if row is None:
        row = ReminderRuleSet(school_id=school.id, source=text, updated_at=now, updated_by_id=by_id)
        session.add(row)
    else:
        row.source, row.updated_at, row.updated_by_id = text, now, by_id
    session.flush()
    session.info.get("bot.reminder_rules", {}).pop(school.id, None)  # rules_for reads the new text
    return checked


def load_file(session: Session, path: Path, *, now: datetime, language: str = "nb") -> tuple[School, Checked]:
    """Store a rules file for the school it names (``school: <sourcedId>``); unchanged text is
    left alone, so loading twice changes nothing. Raises :class:`RuleError` or LookupError."""
    text = path.read_text(encoding="utf-8")
    named = parse(text, source=path.name, language=language, known_templates=set()).rules.school
    school = session.scalar(select(School).where(School.sourced_id == named)) if named else None
    if school is None:
        raise LookupError(f"{path.name}: no school {named!r} (name it with «school: <sourcedId>»)")
    if source_for(session, school.id) == text:
        return school, check_for_school(session, school, text, source=path.name, language=language)
    return school, store(session, school, text, now=now, source=path.name, language=language)


def source_for(session: Session, school_id: int) -> str | None:
    return session.scalar(select(ReminderRuleSet.source).where(ReminderRuleSet.school_id == school_id))


def rules_for(session: Session, school_id: int) -> RuleSet:
    """The school's current rules (none if it has not set any). Memoised per session."""
    cache: dict[int, RuleSet] = session.info.setdefault("bot.reminder_rules", {})
    if school_id not in cache:
        text = source_for(session, school_id)
        cache[school_id] = _stored_rules(text) if text else RuleSet(())
    return cache[school_id]


def absence_rules(session: Session, school_id: int | None) -> list[Rule]:
    """The rules an absence at this school is alerted by: its enabled ``absence`` rules (none:
    no alert), or :data:`DEFAULT_ABSENCE_RULE` if the school has stored no rules at all."""
    if school_id is None or source_for(session, school_id) is None:
        return [DEFAULT_ABSENCE_RULE]
    return rules_for(session, school_id).active(RuleKind.ABSENCE)


@lru_cache(maxsize=256)
def _stored_rules(text: str) -> RuleSet:
    # Stored text was validated when it was stored; parse without the checks that need the
    # database, so a renamed group does not stop every reminder of the school.
    return parse(text, known_templates=set()).rules


# --- editing one rule in place (the admin page's form) -------------------------------------


def raw_rules(text: str) -> list[dict[str, Any]]:
    """The rules of a school's YAML as plain data (for a form); [] for an empty text."""
    data = yaml.load(text, Loader=_Loader) if text.strip() else None
    rules = data.get("rules") if isinstance(data, dict) else None
    return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else []


def replace_rule(text: str, index: int, raw: dict[str, Any]) -> str:
    """``text`` with its ``index``-th rule replaced by ``raw``, everything else as it was: the
    other rules, every comment, and within the rule each line whose value did not change. A
    changed value is written in flow style on its key's line; a new key goes last. The caller
    validates the result (:func:`store`)."""
    root = yaml.compose(text, Loader=_Loader)
    rules = _child(root, "rules")
    if not isinstance(rules, yaml.SequenceNode) or rules.flow_style or index >= len(rules.value):
        raise IndexError(index)
    node = rules.value[index]
    if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
        raise IndexError(index)
    old = raw_rules(text)[index]
    pairs = [(k.value, k, v) for k, v in node.value]
    first_key = pairs[0][0]
    if first_key not in raw or any(k not in raw for k, _, _ in pairs):
        return _replace_whole(text, node, raw)  # a key removed: write the rule anew
    indent = " " * pairs[0][1].start_mark.column
    out, cursor = [], 0
    for key, key_node, value_node in pairs:
        span_start, span_end = key_node.start_mark.index, _content_end(value_node)
        out.append(text[cursor:span_start])
        out.append(text[span_start:span_end] if raw[key] == old.get(key) else f"{key}: {_flow(raw[key])}")
        cursor = span_end
    out.extend(f"\n{indent}{key}: {_flow(value)}" for key, value in raw.items() if key not in old)
    out.append(text[cursor:])
    return "".join(out)


def _flow(value: Any) -> str:
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10_000)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def _replace_whole(text: str, node: yaml.MappingNode, raw: dict[str, Any]) -> str:
    dumped = yaml.safe_dump([raw], sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    line_start = text.rfind("\n", 0, node.start_mark.index) + 1  # the line of "- id: ..."
    indent = " " * max(node.start_mark.column - 2, 0)
    block = "".join(indent + line for line in dumped.splitlines(keepends=True)).rstrip("\n")
    return text[:line_start] + block + text[_content_end(node):]


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    return None


def _content_end(node: yaml.Node) -> int:
    """Where the node's own text ends: a block collection's end mark lies past the comments
    and blank lines that follow it, so take its last piece of content instead."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1])
    return node.end_mark.index
