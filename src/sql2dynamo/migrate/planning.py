"""How a table is split into key-range segments of similar size, at bounded cost.

**Planning** (:func:`plan_segments`) costs a bounded amount of work,
described by :class:`SegmentBudget`:

* ``single``: ``count == 1`` or fewer than ``2 * min_segment_rows`` rows;
* ``scan``: up to ``scan_keys`` rows, every key is read (keys only, in pages)
  and cut at exact quantiles;
* ``tablesample`` (PostgreSQL, any key type): ``TABLESAMPLE SYSTEM ...
  REPEATABLE (seed)`` reads about ``sample_keys`` keys (and at least 200
  pages) from random pages, ordered by the server, cut at quantiles;
* ``rowid`` (SQLite rowid tables, any key type): ``probes`` seeded positions
  between the lowest and highest rowid, each one index seek to the next row;
* ``probe`` (MySQL/MariaDB and SQLite ``WITHOUT ROWID``, or PostgreSQL when its
  sample comes back too small): ``probes`` seeded values between the lowest
  and highest value of the leading key column (numbers, dates, datetimes,
  UUIDs, strings and bytes by code point), each one index seek to the next key.

``rowid`` and ``probe`` weight each key found by how much of its probe
interval actually holds keys, and spend their probes in rounds, later rounds
inside the intervals found occupied; so holes in the key space (deleted
ranges, ids jumping from thousands to millions, hex-only strings) become
neither empty segments nor blind spots.  Their balance
still assumes rows are spread evenly over the leading column's values: a
composite key whose first column is very skewed (a few users owning most
rows) balances only as well as that assumption holds.  Bigger tables get the
sampled methods; their boundaries are deterministic for the same data (the
same physical pages for ``tablesample``).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from sql2dynamo.common.errors import UsageError
from sql2dynamo.migrate.keysample import pg_schema, probe_sample, rowid_sample, rowid_span, tablesample
from sql2dynamo.migrate.segments import Key, KeySql, Segment, connected, require_primary_key
from sql2dynamo.source.connect import Source
from sql2dynamo.source.dialects import catalog_sql
from sql2dynamo.source.model import Table

__all__ = ["PlanMethod", "SegmentBudget", "SegmentPlan", "plan_segments", "segment_plan"]

PlanMethod = Literal["single", "scan", "tablesample", "rowid", "probe"]


@dataclass(frozen=True)
class SegmentBudget:
    """How much work planning may cost, and how small a segment may be."""

    min_segment_rows: int = 5_000  # no more segments than rows // this: tables under 10,000 rows get one
    scan_keys: int = 100_000  # up to this many rows every key is read: exact boundaries
    sample_keys: int = 10_000  # keys a PostgreSQL TABLESAMPLE aims for
    probes: int = 1_000  # index seeks of the rowid and probe methods
    seed: int = 42


@dataclass(frozen=True)
class SegmentPlan:
    """Planned segments, the method that placed their boundaries and what it was based on."""

    segments: tuple[Segment, ...]
    method: PlanMethod
    rows: int | None  # the row count the plan assumed (exact for "scan")
    sampled_keys: int  # distinct keys the boundaries were chosen from


def plan_segments(
    source: Source,
    table: Table,
    count: int,
    *,
    budget: SegmentBudget | None = None,
    connection: sa.Connection | None = None,
) -> tuple[Segment, ...]:
    """About ``count`` segments of ``table`` holding similar numbers of rows, at bounded cost.

    Fewer come back when the table is small (see :class:`SegmentBudget`) or
    the sample has too few distinct keys; one segment when ``count == 1``.
    The methods are described in the module docstring.
    """
    return segment_plan(source, table, count, budget=budget, connection=connection).segments


def segment_plan(
    source: Source,
    table: Table,
    count: int,
    *,
    budget: SegmentBudget | None = None,
    connection: sa.Connection | None = None,
) -> SegmentPlan:
    """Like :func:`plan_segments`, also saying how the boundaries were chosen."""
    require_primary_key(table)
    if count < 1:
        raise UsageError(f"cannot split table {table.name} into {count} segments", hint="use 1 or more")
    budget = budget or SegmentBudget()
    known = table.stats.row_count if table.stats is not None else None
    if count == 1 or (known is not None and _segments_for(known, count, budget) == 1):
        if known is None:
            # The catalog's estimate costs one query; progress bars and the reading order use it.
            with connected(source, connection) as conn:
                known = _estimate_rows(conn, source, KeySql(conn, table))
        return _plan(table, [], "single", known, 0)
    with connected(source, connection) as conn:
        ks = KeySql(conn, table)
        rows = known
        if known is None or known <= budget.scan_keys:
            keys = _scan_keys(conn, ks, budget.scan_keys + 1)
            if len(keys) <= budget.scan_keys:
                n = _segments_for(len(keys), count, budget)
                return _plan(table, _cut([(k, 1.0) for k in keys], n), "scan", len(keys), len(keys))
            # More rows than the statistics said (or none): the catalog's estimate, if it has one.
            estimate = _estimate_rows(conn, source, ks)
            rows = max(len(keys), estimate) if estimate is not None else None
        n = _segments_for(rows, count, budget) if rows is not None else count
        if n == 1:
            return _plan(table, [], "single", rows, 0)
        rng = random.Random(zlib.crc32(f"{budget.seed}:{table.name}".encode()))
        method: PlanMethod
        samples: list[tuple[Key, float]] | None = None
        if source.dialect.tablesample:
            samples = tablesample(conn, ks, rows, budget.sample_keys, budget.seed)
            method = "tablesample"
            if len(samples) < 4 * n:  # too few pages came back to place boundaries well
                samples = None
        if samples is None and ks.dialect == "sqlite":
            samples = rowid_sample(conn, ks, budget.probes, rng)
            method = "rowid"
        if samples is None:
            samples = probe_sample(conn, ks, budget.probes, rng)
            method = "probe"
        if samples is None:
            return _plan(table, [], "single", rows, 0)
        return _plan(table, _cut(samples, n), method, rows, len(samples))


def _segments_for(rows: int, count: int, budget: SegmentBudget) -> int:
    return max(1, min(count, rows // max(1, budget.min_segment_rows)))


def _plan(table: Table, bounds: Sequence[Key], method: PlanMethod, rows: int | None, sampled: int) -> SegmentPlan:
    edges: list[Key | None] = [None, *bounds, None]
    segments = tuple(Segment(table.name, i, edges[i], edges[i + 1]) for i in range(len(edges) - 1))
    return SegmentPlan(segments, method if len(segments) > 1 else "single", rows, sampled)


def _cut(samples: Sequence[tuple[Key, float]], n: int) -> list[Key]:
    """Boundaries at the weighted ``i/n`` quantiles of ``samples`` (distinct keys in server order)."""
    total = sum(w for _, w in samples)
    if total <= 0:
        samples = [(k, 1.0) for k, _ in samples]
        total = float(len(samples))
    bounds: list[Key] = []
    before = 0.0  # weight of the samples before the current one
    r = 1
    for key, weight in samples:
        placed = False
        while r < n and before >= total * r / n:
            if before > 0 and not placed:  # never a boundary at the first key: that segment would be empty
                bounds.append(key)
                placed = True
            r += 1
        before += weight
    return bounds


def _scan_keys(conn: sa.Connection, ks: KeySql, limit: int) -> list[Key]:
    """Up to ``limit`` keys in key order, read in keyset pages of key columns only."""
    keys: list[Key] = []
    after: Key | None = None
    page = min(10_000, limit)
    while len(keys) < limit:
        sql, params = ks.page(ks.table.primary_key, lower=None, upper=None, after=after, limit=page)
        got = [tuple(r) for r in conn.execute(sa.text(sql), params)]
        keys.extend(got[: limit - len(keys)])
        if len(got) < page:
            break
        after = got[-1]
    return keys


def _estimate_rows(conn: sa.Connection, source: Source, ks: KeySql) -> int | None:
    """The catalog's row estimate (the rowid span on SQLite); ``None`` when there is none."""
    estimate: int | None = None
    if source.dialect.catalog_row_estimate:
        params: dict[str, Any] = {"table": ks.table.name}
        if source.dialect.name == "postgresql":
            params["schema"] = pg_schema(conn, ks)
        value = conn.execute(sa.text(catalog_sql(source.dialect.name, "row_estimate")), params).scalar()
        estimate = int(value) if value is not None and int(value) >= 0 else None
    elif ks.dialect == "sqlite":
        span = rowid_span(conn, ks)
        estimate = span[1] - span[0] + 1 if span else None
    return estimate
