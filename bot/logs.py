"""Logs carry ids, never what people wrote: exception text is scrubbed before it is written.

Ransel's own log lines name ids only. Exceptions are the leak: a database error repeats the
SQL's bound parameters (a message to a teacher, a phone number) and its DETAIL line the
conflicting values; an error raised about a piece of text quotes it. :class:`ScrubbingFormatter`
keeps the traceback (files, lines, code) and the exception types, and replaces in the
exception *messages* every quoted value, ``[parameters: ...]`` and ``DETAIL:`` with
``<redacted>``. Engines are also made with ``hide_parameters`` (bot/db.py), so SQLAlchemy
never puts parameters into its messages in the first place.
"""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|«[^»]*»|“[^”]*”")
_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\(Background|$))", re.S)
_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.M)
_KEY = re.compile(r"(Key \([^)]*\)=)\(.*?\)")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def scrub_exception_text(text: str) -> str:
    """A formatted traceback with the values in its messages removed."""
    text = _PARAMETERS.sub(f"[parameters: {REDACTED}]", text)
    text = _DETAIL.sub(rf"\1 {REDACTED}", text)
    text = _KEY.sub(rf"\1({REDACTED})", text)
    out = []
    for line in text.splitlines():
        frame = line.startswith("  ") or line.startswith("Traceback (most recent call last)")
        out.append(line if frame else _QUOTED.sub(REDACTED, line))
    return "\n".join(out)


class ScrubbingFormatter(logging.Formatter):
    def formatException(self, ei) -> str:
        return scrub_exception_text(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have formatted (and cached) the exception first: scrub that too.
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        elif record.exc_text:
            record.exc_text = scrub_exception_text(record.exc_text)
        return super().format(record)

    def formatStack(self, stack_info: str) -> str:
        return stack_info  # code locations only


def install(level: int | None = None) -> None:
    """Give every handler of the root logger the scrubbing formatter (add one if none)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        fmt = handler.formatter._fmt if handler.formatter is not None else FORMAT
        handler.setFormatter(ScrubbingFormatter(fmt or FORMAT))
    if level is not None:
        root.setLevel(level)
