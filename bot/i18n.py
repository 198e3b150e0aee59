"""Everything a user reads: Jinja2 templates and a small term catalog, in nb, nn and en.

Templates live in ``bot/templates/<language>/<name>.j2`` (one file per message and language,
so translators work file by file); short terms (items to bring, places, subjects, breaks)
in ``bot/locale/<language>.yaml``. Python code never holds user-facing text: it picks a
template and passes facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined

SUPPORTED = ("nb", "nn", "en")
FALLBACK = "nb"
_HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = _HERE / "templates"
LOCALE_DIR = _HERE / "locale"
_BABEL_LOCALE = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}
_DATE_PATTERN = {"nb": "EEEE d. MMMM", "nn": "EEEE d. MMMM", "en": "EEEE d MMMM"}
_SHORT_DATE_PATTERN = {"nb": "d. MMMM", "nn": "d. MMMM", "en": "d MMMM"}


def language_of(code: str | None) -> str:
    """The language we render in for a person's preferred language (others fall back to nb)."""
    if code in SUPPORTED:
        return code
    return FALLBACK


@cache
def page_language(asked: str | None, accept_language: str | None) -> str:
    """The language of a web page: ``?lang=`` when it names one we have, else the first of the
    browser's Accept-Language we have (nn, en, or nb/no), else bokmål."""
    if asked in SUPPORTED:
        return str(asked)
    for part in (accept_language or "").lower().split(","):
        code = part.split(";")[0].strip()
        if code in ("nn", "nn-no"):
            return "nn"
        if code.startswith("en"):
            return "en"
        if code in ("nb", "no", "nb-no", "no-no"):
            return "nb"
    return "nb"


def catalog(language: str) -> dict[str, Any]:
    with open(LOCALE_DIR / f"{language}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


class MissingTerm(KeyError):
    pass


@dataclass(frozen=True)
class Formatter:
    """Language-aware formatting available in every template as ``fmt`` and ``t``."""

    language: str

    def t(self, key: str, **values: Any) -> str:
        node: Any = catalog(self.language)
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise MissingTerm(f"{self.language}: {key}")
            node = node[part]
        text = str(node)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        try:
            self.t(key)
        except MissingTerm:
            return False
        return True

    def date(self, day: date | datetime) -> str:
        """'fredag 4. desember' / 'Friday 4 December'."""
        return format_date(_as_date(day), _DATE_PATTERN[self.language], locale=_BABEL_LOCALE[self.language])

    def short_date(self, day: dt.date | datetime) -> str:
        return format_date(_as_date(day), _SHORT_DATE_PATTERN[self.language], locale=_BABEL_LOCALE[self.language])

    def weekday(self, day: dt.date | datetime) -> str:
        return format_date(_as_date(day), "EEEE", locale=_BABEL_LOCALE[self.language])

    def time(self, moment: time | datetime) -> str:
        return format_time(moment, "HH:mm", locale=_BABEL_LOCALE[self.language])

    def number(self, value: float | int | None) -> str:
        """A score exactly as recorded, in the language's format: 12,5 / 12.5; 12 not 12,0."""
        if value is None:
            return ""
        if float(value).is_integer():
            return str(int(value))
        return format_decimal(value, format="#,##0.##", locale=_BABEL_LOCALE[self.language])

    def join(self, items: Iterable[str]) -> str:
        """'a, b og c' / 'a, b and c'."""
        items = [str(i) for i in items]
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.t('words.and')} {items[-1]}"

    def subject(self, code: str | None) -> str:
        if not code:
            return ""
        key = f"subjects.{code}"
        return self.t(key) if self.has(key) else code

    def item(self, key: str) -> str:
        """An item to bring; free text (not a catalog key) is shown as written."""
        return self.t(f"items.{key}") if self.has(f"items.{key}") else key


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=False,  # plain-text messages (chat, SMS, speech); HTML pages use their own env
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    return env


def render(name: str, language: str | None, /, **context: Any) -> str:
    """Render message ``name`` in the person's language, falling back to bokmål."""
    lang = language_of(language)
    fmt = Formatter(lang)
    template = _environment().get_template(f"{lang}/{name}.j2")
    return template.render(fmt=fmt, t=fmt.t, lang=lang, **context).strip()


def template_names(language: str) -> set[str]:
    return {p.stem for p in (TEMPLATES_DIR / language).glob("*.j2")}
