"""A resource's profile that learns: how it worked, on which aim, for whom.

Every activity statement that names a resource adds to running sums in
``resource_outcomes``, one row per (resource, aim, segment). Segments are ``all``, the
pupil's mastery band before the use (``mastery:low|mid|high``) and each of their needs
(``need:read_aloud`` ...). From these sums:

- **effectiveness**: the mastery gain right after using the resource, and — when the pupil
  is next observed on the same aim, with whatever resource or test — whether their mastery
  then stood above where it was before this use ("improved"; this credits a resource with
  what the resources used next showed);
- **observed difficulty**: success rates against what the declared level predicted
  (:func:`bot.learning.difficulty.observed_level`);
- **for whom it worked**: the improved-rate per need segment next to all pupils';
- **average review** (teachers' reviews, :mod:`bot.learning.reviews`).

Cold start: with no outcomes the profile is the declared one (level as declared, a neutral
improved-rate that evidence moves away from, see :func:`shrunk_rate`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import BigInteger, ColumnElement, Text, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import LearningResource, ResourceOutcome

from .difficulty import observed_level
from .reviews import ReviewSummary, review_summaries

NEUTRAL_RATE = 0.5  # improved-rate assumed before any evidence
PSEUDO_COUNT = 5.0  # how many observations the neutral assumption is worth
ALL = "all"
_COUNTERS = (
    "uses",
    "completions",
    "abandons",
    "scored",
    "success_sum",
    "expected_sum",
    "gain_sum",
    "followed",
    "improved",
    "next_gain_sum",
)


def mastery_band(mastery: float) -> str:
    return "mastery:low" if mastery < 0.4 else ("mastery:mid" if mastery < 0.7 else "mastery:high")


def segments_for(needs_segments: Iterable[str], mastery_before: float | None) -> list[str]:
    out = [ALL]
    if mastery_before is not None:
        out.append(mastery_band(mastery_before))
    out.extend(needs_segments)
    return out


def add(
    session: Session,
    resource_id: int,
    aim_code: str,
    segments: Iterable[str],
    at: datetime,
    **increments: float,
) -> None:
    """Add to the counters of each segment's row, creating rows as needed (one atomic upsert)."""
    unknown = set(increments) - set(_COUNTERS)
    if unknown:
        raise ValueError(f"unknown counters: {sorted(unknown)}")
    values = [
        {
            "resource_id": resource_id,
            "aim_code": aim_code,
            "segment": segment,
            "updated_at": at,
            **{name: increments.get(name, 0) for name in _COUNTERS},
        }
        for segment in dict.fromkeys(segments)
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stamp = _write_revision(dialect)
    stmt = insert(ResourceOutcome).values([{**v, "revision": stamp} for v in values])
    table = ResourceOutcome.__table__
    stmt = stmt.on_conflict_do_update(
        index_elements=["resource_id", "aim_code", "segment"],
        set_={
            **{name: table.c[name] + stmt.excluded[name] for name in increments},
            "updated_at": stmt.excluded.updated_at,
            "revision": stmt.excluded.revision,
        },
    )
    session.execute(stmt)


def _write_revision(dialect: str) -> ColumnElement[int]:
    """The revision a write stamps its rows with, ordered as the writes commit.

    SQLite has one writer at a time and this statement holds the write lock until commit:
    one more than the highest revision is larger than every revision committed before and
    smaller than every one committed after. PostgreSQL's writers run concurrently and commit
    in any order, so the stamp is the transaction's id and readers use the snapshot's
    oldest running transaction as their watermark (:func:`watermark_now`).
    """
    if dialect == "postgresql":
        return _as_bigint(func.pg_current_xact_id())
    return _above_newest()


def watermark_now(session: Session) -> ColumnElement[int]:
    """The lowest revision a row may carry that a read made now might not see (a SQL expression).

    Read in the same statement as, or before, the rows; the next read asks for rows at or
    above it. SQLite: one above the highest revision now (later writes take higher ones).
    PostgreSQL: the oldest transaction still running in this snapshot; every transaction
    below it has finished, so its rows are visible to this read and any later one.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _as_bigint(func.pg_snapshot_xmin(func.pg_current_snapshot()))
    return _above_newest()


def _above_newest() -> ColumnElement[int]:
    newest = ResourceOutcome.__table__.alias("newest")
    return select(func.coalesce(func.max(newest.c.revision), 0) + 1).scalar_subquery()


def _as_bigint(xid8: ColumnElement) -> ColumnElement[int]:
    return cast(cast(xid8, Text), BigInteger)  # xid8 has no direct cast to bigint


class Effect(NamedTuple):
    """Summed outcomes of one resource (over some aims) for one segment.

    A named tuple: ranking builds thousands per question, and a tuple is made in a fraction
    of a frozen dataclass's time.
    """

    uses: int = 0
    completions: int = 0
    abandons: int = 0
    scored: int = 0
    success_sum: float = 0.0
    expected_sum: float = 0.0
    gain_sum: float = 0.0
    followed: int = 0
    improved: int = 0
    next_gain_sum: float = 0.0

    @property
    def success_rate(self) -> float | None:
        return self.success_sum / self.scored if self.scored else None

    @property
    def improved_rate(self) -> float | None:
        return self.improved / self.followed if self.followed else None

    @property
    def mean_gain(self) -> float | None:
        return self.gain_sum / self.scored if self.scored else None


def shrunk_rate(effect: Effect, parent: float = NEUTRAL_RATE, k: float = PSEUDO_COUNT) -> float:
    """The improved-rate, shrunk towards ``parent`` while followed-up uses are few."""
    return shrunk(effect.improved, effect.followed, parent, k)


def shrunk(improved: float, followed: float, parent: float = NEUTRAL_RATE, k: float = PSEUDO_COUNT) -> float:
    """:func:`shrunk_rate` from the two counts (ranking sums them over segments)."""
    return (improved + k * parent) / (followed + k)


def effects(
    session: Session,
    resource_ids: Iterable[int],
    segments: Iterable[str],
    aim_codes: Iterable[str] | None = None,
    counters: Iterable[str] = _COUNTERS,
) -> dict[tuple[int, str], Effect]:
    """Summed counters per (resource, segment), over ``aim_codes`` (all aims if None).

    ``counters`` limits what is summed (others stay 0): ranking hundreds of candidates
    needs only a few of them. :class:`OutcomeCache` gives the same from memory.
    """
    ids = set(resource_ids)
    if not ids:
        return {}
    t = ResourceOutcome
    names = [c for c in _COUNTERS if c in set(counters)]
    query = select(t.resource_id, t.segment, *[func.sum(getattr(t, c)) for c in names]).where(
        t.segment.in_(list(segments))
    )
    if aim_codes is not None:
        # By aim (index on aim_code, segment), then the candidates are picked here: a list
        # of hundreds of resource ids crossed with the aims would be probed pair by pair.
        query = query.where(t.aim_code.in_(list(aim_codes)))
    else:
        query = query.where(t.resource_id.in_(ids))
    out: dict[tuple[int, str], Effect] = {}
    for rid, segment, *sums in session.execute(query.group_by(t.resource_id, t.segment)).tuples():
        if rid in ids:
            out[(rid, segment)] = Effect(**dict(zip(names, (v or 0 for v in sums), strict=True)))
    return out


class OutcomeCache:
    """Every outcome counter in memory, kept current by reading only the rows changed since.

    For a long-running process that ranks often (the action server, via
    ``recommend.CatalogueCache``): after :meth:`refresh`, :meth:`summed` gives exactly what
    :func:`effects` gives, without summing thousands of rows in SQL per question. Each refresh reads the rows whose
    revision is at or above the watermark of the previous read (an index range, usually
    empty), so an outcome committed by any process is counted on the next question. A
    different database URL, or a watermark going backwards (a store rebuilt), reloads all.
    """

    def __init__(self) -> None:
        self._url: str | None = None
        self._watermark = -1
        # (resource id, segment) -> aim -> counters in _COUNTERS order
        self._rows: dict[tuple[int, str], dict[str, tuple[float, ...]]] = {}

    def refresh(self, session: Session, watermark: int | None = None) -> int:
        """Bring the counters up to date; returns how many rows were read.

        ``watermark``: :func:`watermark_now` read in an earlier statement of this question
        (one round trip fewer); read here first if not given.
        """
        url = str(session.get_bind().engine.url)
        if watermark is None:
            watermark = session.scalar(select(watermark_now(session)))
        watermark = int(watermark or 0)
        if url != self._url or watermark < self._watermark:
            self._url, self._watermark, self._rows = url, -1, {}
        t = ResourceOutcome
        query = select(t.resource_id, t.segment, t.aim_code, *[getattr(t, c) for c in _COUNTERS])
        if self._watermark >= 0:
            query = query.where(t.revision >= self._watermark)
        n = 0
        rows = self._rows
        for rid, segment, aim, *values in session.execute(query).tuples():
            rows.setdefault((rid, segment), {})[aim] = tuple(values)
            n += 1
        self._watermark = watermark
        return n

    def summed(
        self, resource_ids: Iterable[int], segments: Iterable[str], aim_codes: Iterable[str] | None = None
    ) -> dict[tuple[int, str], Effect]:
        """What :func:`effects` gives (every counter filled), as of the last :meth:`refresh`."""
        aims = None if aim_codes is None else set(aim_codes)
        segments = list(segments)
        rows = self._rows
        out: dict[tuple[int, str], Effect] = {}
        for rid in set(resource_ids):
            for segment in segments:
                by_aim = rows.get((rid, segment))
                if not by_aim:
                    continue
                chosen = list(by_aim.values()) if aims is None else [v for a, v in by_aim.items() if a in aims]
                if chosen:
                    out[(rid, segment)] = Effect(*(chosen[0] if len(chosen) == 1 else map(sum, zip(*chosen, strict=True))))
        return out


@dataclass(frozen=True)
class ResourceProfile:
    """Declared and learned profile of one resource, for teachers and admin pages."""

    resource_id: int
    declared_level: float
    observed_level: float
    uses: int
    success_rate: float | None
    improved_rate: float  # all pupils, shrunk towards neutral
    mean_gain: float | None
    by_aim: dict[str, Effect] = field(default_factory=dict)
    by_mastery: dict[str, float] = field(default_factory=dict)  # band -> improved-rate (shrunk)
    for_whom: dict[str, float] = field(default_factory=dict)  # need -> improved-rate (shrunk)
    reviews: ReviewSummary | None = None


def profile_of(session: Session, resource: LearningResource) -> ResourceProfile:
    rows = list(session.scalars(select(ResourceOutcome).where(ResourceOutcome.resource_id == resource.id)))
    per_segment: dict[str, list[ResourceOutcome]] = defaultdict(list)
    for row in rows:
        per_segment[row.segment].append(row)

    def total(segment_rows: list[ResourceOutcome]) -> Effect:
        return Effect(*[sum(getattr(r, c) for r in segment_rows) for c in _COUNTERS])

    everyone = total(per_segment.get(ALL, []))
    base = shrunk_rate(everyone)
    return ResourceProfile(
        resource_id=resource.id,
        declared_level=resource.level,
        observed_level=observed_level(resource.level, everyone.scored, everyone.success_sum, everyone.expected_sum),
        uses=everyone.uses,
        success_rate=everyone.success_rate,
        improved_rate=base,
        mean_gain=everyone.mean_gain,
        by_aim={r.aim_code: total([r]) for r in per_segment.get(ALL, [])},
        by_mastery={
            s.split(":", 1)[1]: shrunk_rate(total(v), base) for s, v in per_segment.items() if s.startswith("mastery:")
        },
        for_whom={s.split(":", 1)[1]: shrunk_rate(total(v), base) for s, v in per_segment.items() if s.startswith("need:")},
        reviews=review_summaries(session, [resource.id]).get(resource.id),
    )
