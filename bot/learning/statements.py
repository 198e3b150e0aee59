"""What a learning platform sends: xAPI-like activity statements, parsed and checked.

One statement (a JSON object) or a batch (a JSON array of them)::

    {
      "id": "9f1c3c1e-0b4e-4b43-9d55-2f3f8d0c7a10",        # unique per statement; resends are ignored
      "actor": {"sourcedId": "elev-0042"},                 # or {"username": "jonas.berg"}
      "verb": "answered",                                  # or an xAPI verb IRI ending in one
      "object": {"resource": "nda-brok-01", "aim": "KM281"},   # resource external id and/or aim code
      "result": {"score": {"scaled": 0.8}, "success": true, "completion": true, "duration": "PT4M30S"},
      "timestamp": "2026-12-01T09:14:00+01:00"
    }

Other xAPI fields (context, authority, version ...) are accepted and ignored. Errors name
the statement's index and the field, e.g. ``[2].result.score.scaled: must be between 0 and 1``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

VERBS = ("answered", "attempted", "completed", "abandoned", "scored", "passed", "failed", "experienced", "progressed")
MAX_BATCH = 500
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> float:
    """Seconds in an ISO 8601 duration (``PT4M30S``, ``P1DT2H``, ``PT0.5S``)."""
    match = _DURATION.match(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        raise ValueError("must be an ISO 8601 duration such as PT4M30S")
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return timedelta(**parts).total_seconds()


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)


class Actor(_Model):
    sourced_id: str | None = Field(None, alias="sourcedId", max_length=255)
    username: str | None = Field(None, max_length=255)

    @model_validator(mode="after")
    def _one_identifier(self) -> Actor:
        if not self.sourced_id and not self.username:
            raise ValueError("needs sourcedId or username of the pupil")
        return self


class Object(_Model):
    resource: str | None = Field(None, max_length=255)
    aim: str | None = Field(None, max_length=16)

    @model_validator(mode="after")
    def _something(self) -> Object:
        if not self.resource and not self.aim:
            raise ValueError("needs a resource (external id) or an aim (competence aim code)")
        return self


class Score(_Model):
    scaled: float = Field(ge=0.0, le=1.0)


class Result(_Model):
    score: Score | None = None
    success: bool | None = None
    completion: bool | None = None
    duration: str | None = None

    @field_validator("score", mode="before")
    @classmethod
    def _bare_number(cls, value: Any) -> Any:
        # {"score": 0.8} is accepted as {"score": {"scaled": 0.8}}.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"scaled": value}
        return value

    @field_validator("duration")
    @classmethod
    def _iso_duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


class Statement(_Model):
    id: str = Field(min_length=1, max_length=200)
    actor: Actor
    verb: str
    object: Object
    result: Result | None = None
    timestamp: datetime

    @field_validator("id")
    @classmethod
    def _no_hash(cls, value: str) -> str:
        if "#" in value:
            raise ValueError("must not contain '#'")
        return value

    @field_validator("verb", mode="before")
    @classmethod
    def _known_verb(cls, value: Any) -> str:
        if isinstance(value, dict):  # xAPI: {"id": "http://adlnet.gov/expapi/verbs/answered", "display": ...}
            value = value.get("id")
        if not isinstance(value, str):
            raise ValueError("must be a verb name or IRI")
        name = value.rstrip("/").rsplit("/", 1)[-1].lower()
        if name not in VERBS:
            raise ValueError(f"unknown verb {name!r}; use one of {', '.join(VERBS)}")
        return name

    @field_validator("timestamp")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must carry a UTC offset, e.g. 2026-12-01T09:14:00+01:00")
        return value

    @property
    def outcome(self) -> float | None:
        """The score knowledge tracing sees: scaled score, else success as 1/0, else none."""
        if self.result is None:
            return None
        if self.result.score is not None:
            return self.result.score.scaled
        if self.result.success is not None:
            return 1.0 if self.result.success else 0.0
        if self.verb in ("passed", "failed"):
            return 1.0 if self.verb == "passed" else 0.0
        return None

    @property
    def duration_s(self) -> float | None:
        return parse_duration(self.result.duration) if self.result and self.result.duration else None

    @property
    def completed(self) -> bool:
        return self.verb == "completed" or bool(self.result and self.result.completion)

    @property
    def abandoned(self) -> bool:
        return self.verb == "abandoned"


class StatementErrors(Exception):
    """Input that cannot be stored: ``status`` (HTTP) and one message per problem."""

    def __init__(self, status: int, code: str, errors: list[dict[str, str]]) -> None:
        super().__init__(f"{code}: {errors}")
        self.status, self.code, self.errors = status, code, errors


def digest(raw: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def parse(payload: Any) -> list[tuple[Statement, str]]:
    """Statements and their digests from a decoded JSON body; raises :class:`StatementErrors`."""
    items = payload if isinstance(payload, list) else [payload]
    if isinstance(payload, list) and not payload:
        raise StatementErrors(400, "empty_batch", [{"path": "", "message": "the batch holds no statements"}])
    if len(items) > MAX_BATCH:
        raise StatementErrors(413, "batch_too_large", [{"path": "", "message": f"at most {MAX_BATCH} statements per request"}])
    out: list[tuple[Statement, str]] = []
    errors: list[dict[str, str]] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        prefix = f"[{index}]" if isinstance(payload, list) else ""
        if not isinstance(item, dict):
            errors.append({"path": prefix, "message": "a statement must be a JSON object"})
            continue
        try:
            statement = Statement.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                path = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
                errors.append({"path": path.lstrip(".") or prefix, "message": _message(err)})
            continue
        d = digest(item)
        if statement.id in seen and seen[statement.id] != d:
            errors.append({"path": f"{prefix}.id", "message": f"id {statement.id!r} is used twice with different content"})
            continue
        if statement.id not in seen:
            seen[statement.id] = d
            out.append((statement, d))
    if errors:
        raise StatementErrors(400, "invalid_statement", errors)
    return out


def _message(err: ErrorDetails) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return "is required"
    if kind in ("greater_than_equal", "less_than_equal"):
        return "must be between 0 and 1"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind.startswith("datetime"):
        return "must be an ISO 8601 date-time with a UTC offset"
    return msg[:1].lower() + msg[1:]
