"""The reminder-rule form, generated from the rules' JSON Schema (``bot/reminder_rules.schema.json``).

Each property of a rule becomes a field: an enum a choice list, a boolean (or ``const: true``)
a checkbox, an array of enum values a set of checkboxes, any other array (and ``days_before``,
one number or several) a comma-separated text field, a string a text field; the objects
``when`` and ``audience`` become fieldsets. What the form sends back is turned into the same
plain data the YAML holds and checked by the same validation (:func:`bot.reminder_rules.store`),
so the form has no rules of its own. A problem's path (``rules[2].when.at``) finds its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from starlette.datastructures import FormData

from bot import reminder_rules

PREFIX = "f."  # form field names: f.when.at
_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Field:
    name: str  # dotted path in the rule: "when.at"
    widget: str  # text, select, checkbox, list, choices
    options: tuple[str, ...] = ()
    required: bool = False
    integers: bool = False  # a list of whole numbers (grades)
    days: bool = False  # one number or a list of them (days_before)
    default: bool | None = None  # a checkbox's value when the YAML leaves it out (None: only true or absent)

    @property
    def input_name(self) -> str:
        return PREFIX + self.name

    @property
    def key(self) -> str:  # for ids
        return self.name.replace(".", "-")


@dataclass(frozen=True)
class Section:
    name: str  # "" for the rule's own properties, else "when" / "audience"
    fields: tuple[Field, ...] = field(default_factory=tuple)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref:
        target: Any = reminder_rules.schema()
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _field(name: str, node: dict[str, Any], required: bool) -> Field:
    node = _resolve(node)
    if "enum" in node:
        return Field(name, "select", tuple(map(str, node["enum"])), required)
    if node.get("const") is True:  # present or absent (at_once): never false
        return Field(name, "checkbox", required=required, default=None)
    if node.get("type") == "boolean":
        return Field(name, "checkbox", required=required, default=name == "enabled")
    if "oneOf" in node:
        return Field(name, "list", required=required, integers=True, days=True)
    if node.get("type") == "array":
        items = _resolve(node.get("items", {}))
        if "enum" in items:
            return Field(name, "choices", tuple(map(str, items["enum"])), required)
        return Field(name, "list", required=required, integers=items.get("type") == "integer")
    return Field(name, "text", required=required)


@lru_cache(maxsize=1)
def sections() -> tuple[Section, ...]:
    """The rule's fields, in the schema's order, grouped as the YAML groups them."""
    rule = reminder_rules.schema()["$defs"]["rule"]
    own: list[Field] = []
    nested: list[Section] = []
    for name, node in rule["properties"].items():
        node = _resolve(node)
        if node.get("type") == "object" and "properties" in node:
            inner = set(node.get("required", ()))
            nested.append(Section(name, tuple(
                _field(f"{name}.{key}", sub, key in inner) for key, sub in node["properties"].items())))
        else:
            own.append(_field(name, node, name in rule.get("required", ())))
    return (Section("", tuple(own)), *nested)


def all_fields() -> list[Field]:
    return [f for s in sections() for f in s.fields]


def _get(raw: dict[str, Any], name: str) -> Any:
    node: Any = raw
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def values(raw: dict[str, Any]) -> dict[str, Any]:
    """What each field shows for a rule as the YAML holds it."""
    out: dict[str, Any] = {}
    for f in all_fields():
        value = _get(raw, f.name)
        if f.widget == "checkbox":
            out[f.name] = bool(value) if value is not None else bool(f.default)
        elif f.widget == "choices":
            out[f.name] = [str(v) for v in value] if isinstance(value, list) else []
        elif f.widget == "list":
            out[f.name] = ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
        else:
            out[f.name] = "" if value is None else str(value)
    return out


def _number(token: str) -> int | str:
    # Not a number: left as written, so the schema's check names it in the field.
    return int(token) if re.fullmatch(r"-?\d+", token) else token


def from_form(form: FormData, original: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the rule as YAML data, what each field showed) from a posted form. A value the
    person left out is left out of the YAML; a checkbox left at its default where the YAML
    did not name it stays unnamed, so a save changes only what was changed."""
    raw: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    for f in all_fields():
        name = f.input_name
        value: Any
        if f.widget == "checkbox":
            checked = form.get(name) is not None
            shown[f.name] = checked
            named = _get(original, f.name) is not None
            if f.default is None and not checked:
                continue  # const true (at_once): unchecked is absent
            if not named and checked == bool(f.default):
                continue
            value = checked
        elif f.widget == "choices":
            chosen = [str(v) for v in form.getlist(name) if str(v) in f.options]
            shown[f.name] = chosen
            if not chosen:
                continue
            value = chosen
        elif f.widget == "list":
            text = str(form.get(name) or "").strip()
            shown[f.name] = text
            if not text:
                continue
            tokens = [t.strip() for t in text.split(",") if t.strip()]
            items: list[Any] = [_number(t) if f.integers else t for t in tokens]
            value = items[0] if f.days and len(items) == 1 else items
        else:
            text = str(form.get(name) or "").strip()
            shown[f.name] = text
            if not text:
                continue
            value = text
        *parents, last = f.name.split(".")
        node = raw
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return _in_order_of(raw, original), shown


def _in_order_of(raw: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with its keys in the order the YAML had them (new ones last): a saved form
    changes the lines that changed, not the layout."""
    order = [k for k in original if k in raw] + [k for k in raw if k not in original]
    return {k: _in_order_of(raw[k], original[k]) if isinstance(raw[k], dict) and isinstance(original.get(k), dict)
            else raw[k] for k in order}


def field_of(path: str, index: int) -> str | None:
    """The field a problem's path names within rule ``index`` (``rules[2].when.at`` → ``when.at``;
    ``when`` for a fieldset, ``""`` for the rule as a whole), or None when it is about something else."""
    head = f"rules[{index}]"
    if path != head and not path.startswith(head + "."):
        return None
    rest = _INDEX.sub("", path[len(head):]).lstrip(".")
    names = {f.name for f in all_fields()} | {s.name for s in sections()}
    while rest and rest not in names:
        rest = rest.rpartition(".")[0]
    return rest
