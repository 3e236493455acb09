"""Primary-key ranges of a source table: what a segment is, its SQL, how segments are planned.

A :class:`Segment` is the half-open range ``lower <= key < upper`` over the
primary-key columns in order (``None``: unbounded).  A plan's segments
partition the key space: the first is unbounded below, the last above, and
each upper bound is the next segment's lower bound, so every row, including
rows inserted after planning, falls in exactly one segment.  Every key
comparison that places a row is made by the database itself
(``WHERE``/``ORDER BY``), never in Python, so collations (case-insensitive MySQL, ``COLLATE NOCASE``, ICU) and
SQLite's type ordering can never make Python and the server disagree.

**Checkpoint keys in JSON.**  :func:`encode_key` writes a key as a JSON list;
``str``, ``int``, ``bool`` and finite ``float`` values stay plain, anything
else becomes a one-member object tagged with its type::

    {"$decimal": "12.50"}                 Decimal (exact text)
    {"$datetime": "2025-01-01T10:00:00"}  datetime, ISO 8601 (an offset when aware)
    {"$date": "2025-01-01"}               date
    {"$time": "10:00:00"}                 time
    {"$timedelta": [days, seconds, us]}   timedelta (MySQL TIME)
    {"$bytes": "AAE="}                    bytes, base64
    {"$uuid": "6f1c...-..."}              UUID
    {"$float": "nan"}                     non-finite float

:func:`decode_key` reverses it exactly, so a resumed read binds the very
values the driver returned.

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

import base64
import datetime as dt
import math
import random
import re
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol

import sqlalchemy as sa

from sql2dynamo.errors import InputError, UsageError
from sql2dynamo.source.connect import Source
from sql2dynamo.source.dialects import catalog_sql
from sql2dynamo.source.model import Table
from sql2dynamo.source.stats import Quoter

Key = tuple[Any, ...]
PlanMethod = Literal["single", "scan", "tablesample", "rowid", "probe"]


# --- segments and checkpoints -------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """The rows of ``table`` with ``lower <= key < upper`` (``None``: unbounded); ``index`` orders them."""

    table: str
    index: int
    lower: Key | None
    upper: Key | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (keys encoded with :func:`encode_key`)."""
        return {
            "table": self.table,
            "index": self.index,
            "lower": encode_key(self.lower),
            "upper": encode_key(self.upper),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Segment:
        """The segment :meth:`to_json` wrote."""
        return cls(str(data["table"]), int(data["index"]), decode_key(data["lower"]), decode_key(data["upper"]))


@dataclass(frozen=True)
class Checkpoint:
    """How far a segment has been read: every row with key ``<= after`` is done (``None``: nothing yet)."""

    table: str
    segment: int
    after: Key | None
    rows_read: int

    def advanced(self, batch: Sequence[Mapping[str, Any]], primary_key: Sequence[str]) -> Checkpoint:
        """The checkpoint once ``batch`` (the next batch of this segment, in key order) is done."""
        if not batch:
            return self
        last = batch[-1]
        return Checkpoint(self.table, self.segment, tuple(last[c] for c in primary_key), self.rows_read + len(batch))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``after`` encoded with :func:`encode_key`)."""
        return {
            "table": self.table,
            "segment": self.segment,
            "after": encode_key(self.after),
            "rows_read": self.rows_read,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        """The checkpoint :meth:`to_json` wrote."""
        return cls(str(data["table"]), int(data["segment"]), decode_key(data["after"]), int(data["rows_read"]))


def encode_value(value: Any) -> Any:
    """One key value as JSON: plain when JSON keeps it exactly, else tagged (see the module docstring)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$timedelta": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    raise InputError(
        f"a primary-key value of type {type(value).__name__} cannot be written to a checkpoint",
        hint="key columns must be numbers, strings, bytes, UUIDs, dates or times",
        key=repr(value),
    )


def decode_value(data: Any) -> Any:
    """The value :func:`encode_value` encoded."""
    if not isinstance(data, dict):
        if isinstance(data, list):
            raise InputError(f"bad key value in a checkpoint: {data!r}")
        return data
    if len(data) != 1:
        raise InputError(f"bad key value in a checkpoint: {data!r}")
    ((tag, payload),) = data.items()
    try:
        match tag:
            case "$decimal":
                return Decimal(payload)
            case "$datetime":
                return dt.datetime.fromisoformat(payload)
            case "$date":
                return dt.date.fromisoformat(payload)
            case "$time":
                return dt.time.fromisoformat(payload)
            case "$timedelta":
                days, seconds, micros = payload
                return dt.timedelta(days=days, seconds=seconds, microseconds=micros)
            case "$bytes":
                return base64.b64decode(payload, validate=True)
            case "$uuid":
                return uuid.UUID(payload)
            case "$float":
                return float(payload)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise InputError(f"bad key value in a checkpoint: {data!r} ({exc})") from None
    raise InputError(f"bad key value in a checkpoint: unknown tag {tag!r}")


def encode_key(key: Key | None) -> list[Any] | None:
    """A key as a JSON list of :func:`encode_value` values (``None`` stays ``None``)."""
    return None if key is None else [encode_value(v) for v in key]


def decode_key(data: Any) -> Key | None:
    """The key :func:`encode_key` encoded."""
    if data is None:
        return None
    if not isinstance(data, list):
        raise InputError(f"bad key in a checkpoint: {data!r}", hint="a key is a JSON list of its column values")
    return tuple(decode_value(v) for v in data)


def key_of(table: Table, row: Mapping[str, Any]) -> Key:
    """The primary-key values of ``row``, in key-column order."""
    return tuple(row[c] for c in table.primary_key)


# --- SQL over the primary key ---------------------------------------------------------------------


def require_primary_key(table: Table) -> None:
    """Refuse a table without a primary key: rows cannot be ordered or resumed without one."""
    if not table.primary_key:
        raise InputError(
            f"table {table.name} has no primary key, so its rows cannot be read in resumable key ranges",
            hint="add a primary key to the source table or leave it out of the migration",
            table=table.name,
        )


@contextmanager
def connected(source: Source, connection: sa.Connection | None) -> Iterator[sa.Connection]:
    """``connection`` when given (a snapshot transaction), else a pooled connection for the block."""
    if connection is not None:
        yield connection
        return
    with source.engine.connect() as conn:
        yield conn


class KeySql:
    """SQL text over one table's primary key, quoted for the connection's dialect.

    Key comparisons use row values ``(k1, k2) > (:a, :b)`` on PostgreSQL and
    SQLite, whose planners seek an index with them; MySQL/MariaDB scan the
    whole index for a row-value inequality, so there the comparison is
    expanded to ``k1 >= :a AND (k1 > :a OR (k1 = :a AND k2 > :b))``, which
    their range optimizer turns into one exact index range.
    """

    def __init__(self, conn: sa.Connection, table: Table) -> None:
        require_primary_key(table)
        self.table = table
        self._q = Quoter(conn, table.schema)
        self.dialect = conn.dialect.name
        self.from_sql = self._q.table(table.name)
        self.key_sql = tuple(self.ident(c) for c in table.primary_key)
        self.order_by = ", ".join(self.key_sql)
        self.row_values = self.dialect == "postgresql" or (
            self.dialect == "sqlite" and _sqlite_version(conn) >= (3, 15)
        )
        # SQLite before 3.32 allows 999 host parameters per statement.
        self.max_params = 999 if self.dialect == "sqlite" and _sqlite_version(conn) < (3, 32) else 30_000

    def ident(self, name: str) -> str:
        """A quoted column name, safe inside ``sa.text``."""
        return self._q.ident(name)

    def compare(self, op: Literal[">", ">=", "<"], key: Key, prefix: str) -> tuple[str, dict[str, Any]]:
        """``key_columns <op> key`` in key order, and its parameters named ``<prefix>0...``."""
        if len(key) != len(self.key_sql):
            raise InputError(
                f"a key of {len(key)} values does not fit the primary key {self.table.primary_key} "
                f"of table {self.table.name}",
                hint="the table's primary key changed since the plan or checkpoint was written: start it over",
                table=self.table.name,
                key=repr(key),
            )
        names = [f"{prefix}{i}" for i in range(len(key))]
        params = dict(zip(names, key, strict=True))
        cols = self.key_sql
        if len(cols) == 1:
            return f"{cols[0]} {op} :{names[0]}", params
        if self.row_values:
            return f"({', '.join(cols)}) {op} ({', '.join(':' + n for n in names)})", params
        strict = op[0]
        expr = f"{cols[-1]} {op} :{names[-1]}"
        for col, name in reversed(list(zip(cols[:-1], names[:-1], strict=True))):
            expr = f"({col} {strict} :{name} OR ({col} = :{name} AND {expr}))"
        # The leading plain range on the first column keeps an index range even where the OR is not analysed.
        return f"{cols[0]} {strict}= :{names[0]} AND {expr}", params

    def page(
        self,
        select: Sequence[str],
        *,
        lower: Key | None,
        upper: Key | None,
        after: Key | None,
        limit: int,
    ) -> tuple[str, dict[str, Any]]:
        """One keyset page: ``select`` columns of rows in ``[lower, upper)`` strictly after ``after``, in key order."""
        where: list[str] = []
        params: dict[str, Any] = {}
        for op, key, prefix in ((">=", lower, "lo"), (">", after, "af"), ("<", upper, "hi")):
            if key is not None:
                sql, p = self.compare(op, key, prefix)  # type: ignore[arg-type]
                where.append(f"({sql})")
                params.update(p)
        cols = ", ".join(self.ident(c) for c in select)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return f"SELECT {cols} FROM {self.from_sql}{clause} ORDER BY {self.order_by} LIMIT {int(limit)}", params

    def key_in(self, keys: Sequence[Key]) -> tuple[str, dict[str, Any]]:
        """``key IN (...)`` over ``keys``, with its parameters."""
        params: dict[str, Any] = {}
        rows: list[str] = []
        for i, key in enumerate(keys):
            names = [f"k{i}_{j}" for j in range(len(key))]
            params.update(zip(names, key, strict=True))
            rows.append(", ".join(":" + n for n in names))
        if len(self.key_sql) == 1:
            return f"{self.key_sql[0]} IN ({', '.join(rows)})", params
        # SQLite takes a row-value IN only over a subquery; VALUES is one.
        listed = ", ".join(f"({r})" for r in rows)
        values = f"VALUES {listed}" if self.dialect == "sqlite" else listed
        return f"({', '.join(self.key_sql)}) IN ({values})", params


def _sqlite_version(conn: sa.Connection) -> tuple[int, ...]:
    version = conn.dialect.server_version_info or (3, 0, 0)
    return tuple(v for v in version if isinstance(v, int))


# --- planning --------------------------------------------------------------------------------------


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
            samples = _tablesample(conn, ks, rows, budget)
            method = "tablesample"
            if len(samples) < 4 * n:  # too few pages came back to place boundaries well
                samples = None
        if samples is None and ks.dialect == "sqlite":
            samples = _rowid_sample(conn, ks, budget.probes, rng)
            method = "rowid"
        if samples is None:
            samples = _probe_sample(conn, ks, budget.probes, rng)
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
            params["schema"] = _pg_schema(conn, ks)
        value = conn.execute(sa.text(catalog_sql(source.dialect.name, "row_estimate")), params).scalar()
        estimate = int(value) if value is not None and int(value) >= 0 else None
    elif ks.dialect == "sqlite":
        span = _rowid_span(conn, ks)
        estimate = span[1] - span[0] + 1 if span else None
    return estimate


def _pg_schema(conn: sa.Connection, ks: KeySql) -> str:
    return ks.table.schema or str(conn.execute(sa.text("SELECT current_schema()")).scalar())


_MIN_SAMPLE_PAGES = 200


def _tablesample(conn: sa.Connection, ks: KeySql, rows: int | None, budget: SegmentBudget) -> list[tuple[Key, float]]:
    """Keys of rows on random pages (PostgreSQL ``TABLESAMPLE SYSTEM``), ordered by the server.

    A page's rows are neighbours in insertion order, so the sample spans at
    least ``_MIN_SAMPLE_PAGES`` pages however many rows that makes.
    """
    params = {"schema": _pg_schema(conn, ks), "table": ks.table.name}
    pages = conn.execute(sa.text(catalog_sql("postgresql", "table_pages")), params).scalar()
    shares = [budget.sample_keys / rows] if rows else []
    if pages:
        shares.append(_MIN_SAMPLE_PAGES / int(pages))
    # Neither size known: 1% of the pages, still a bounded fraction.
    pct = min(100.0, 100.0 * max(shares)) if shares else 1.0
    cols = ", ".join(ks.key_sql)
    sql = (
        f"SELECT {cols} FROM {ks.from_sql} TABLESAMPLE SYSTEM ({pct:.6f}) REPEATABLE ({int(budget.seed)}) "
        f"ORDER BY {ks.order_by}"
    )
    return [(tuple(r), 1.0) for r in conn.execute(sa.text(sql))]


# SQLite reaches the rowid through any of these names unless a column takes it.
_ROWID_ALIASES = ("_rowid_", "rowid", "oid")


def _rowid_name(ks: KeySql) -> str | None:
    taken = {c.name.lower() for c in ks.table.columns}
    return next((a for a in _ROWID_ALIASES if a not in taken), None)


def _rowid_span(conn: sa.Connection, ks: KeySql) -> tuple[int, int] | None:
    """The lowest and highest rowid, or ``None`` for a ``WITHOUT ROWID`` table or one whose columns hide it."""
    name = _rowid_name(ks)
    if name is None or not _has_rowid(conn, ks.table.name):
        return None
    # Two subqueries: SQLite seeks MIN and MAX only when each is alone in its SELECT.
    sql = f"SELECT (SELECT MIN({name}) FROM {ks.from_sql}), (SELECT MAX({name}) FROM {ks.from_sql})"
    lo, hi = conn.execute(sa.text(sql)).one()
    if not isinstance(lo, int) or not isinstance(hi, int):
        return None
    return lo, hi


_WITHOUT_ROWID = re.compile(r"\bWITHOUT\s+ROWID\b", re.IGNORECASE)


def _has_rowid(conn: sa.Connection, table: str) -> bool:
    sql = conn.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": table}
    ).scalar()
    # Table options follow the column list's closing parenthesis.
    return sql is not None and not _WITHOUT_ROWID.search(str(sql).rsplit(")", 1)[-1])


def _rowid_sample(conn: sa.Connection, ks: KeySql, probes: int, rng: random.Random) -> list[tuple[Key, float]] | None:
    """Keys of rows at seeded rowid positions (SQLite rowid tables), weighted, ordered by the server."""
    span = _rowid_span(conn, ks)
    name = _rowid_name(ks)
    if span is None or name is None or span[0] == span[1]:
        return None

    def seek(points: Sequence[float]) -> list[tuple[float, Any] | None]:
        found = _seek(conn, ks, name, [name], name, [math.ceil(p) for p in points])
        return [None if f is None else (float(f[0]), int(f[0])) for f in found]

    weights = _adaptive_probes(float(span[0]), float(span[1]), 1.0, probes, rng, seek)
    if not weights:
        return None
    # The rowids are whole numbers read from the table: written inline, no parameter limit applies.
    listed = ", ".join(str(r) for r in sorted(weights))
    cols = ", ".join(ks.key_sql)
    ordered = conn.execute(
        sa.text(f"SELECT {name}, {cols} FROM {ks.from_sql} WHERE {name} IN ({listed}) ORDER BY {ks.order_by}")
    )
    return [(tuple(r[1:]), weights[int(r[0])]) for r in ordered]


_ROUNDS = 4  # probing rounds: the first spreads evenly, the others refine where keys were found


def _adaptive_probes(
    start: float,
    stop: float,
    unit: float,
    probes: int,
    rng: random.Random,
    seek: Callable[[Sequence[float]], list[tuple[float, Any] | None]],
) -> dict[Any, float]:
    """Seeded probes over ``[start, stop]``; each found item weighted by the span it stands for.

    ``seek`` maps probe positions to the first item at or after each (its
    position and the item).  An item found at ``v`` by the probe at ``p``
    stands for ``[v, next probe)``: nothing when it lies beyond the next
    probe (the probe fell in a hole).  The first round spreads a quarter of
    the probes evenly (one per stratum, seeded); each later round spends
    another quarter inside the spans found occupied, in proportion to their
    width, so a cluster of keys narrower than the first spacing (ids that
    jump from thousands to millions) is still resolved.
    """
    end = stop + unit  # where the last span ends: past the highest value when values are discrete
    per_round = max(2, probes // _ROUNDS)
    hits: dict[float, tuple[float, Any] | None] = {}
    new = [start, *_strata(start, end, per_round - 1, rng, unit)]
    for round_ in range(_ROUNDS):
        new = sorted({p for p in new if p not in hits})
        if not new:
            break
        hits.update(zip(new, seek(new), strict=True))
        if round_ == _ROUNDS - 1:
            break
        spans = _occupied(hits, end)
        total = sum(hi - lo for lo, hi in spans)
        if total <= 0:
            break
        new = []
        for lo, hi in spans:
            k = round(per_round * (hi - lo) / total)
            if k:
                new.extend(p for p in _strata(lo, hi, k, rng, unit) if lo < p < hi)
    weights: dict[Any, float] = {}
    for lo, hi, item in _occupied_items(hits, end):
        weights[item] = weights.get(item, 0.0) + (hi - lo)
    return weights


def _strata(lo: float, hi: float, k: int, rng: random.Random, unit: float) -> list[float]:
    """``k`` seeded points, one in each of ``k`` equal parts of ``[lo, hi)``; whole steps when ``unit``."""
    width = (hi - lo) / max(1, k)
    points = [lo + (i + rng.random()) * width for i in range(k)]
    return [float(math.ceil(p)) for p in points] if unit else points


def _occupied_items(hits: Mapping[float, tuple[float, Any] | None], end: float) -> list[tuple[float, float, Any]]:
    """For each probe whose item lies before the next probe: ``(item position, next probe, item)``."""
    probes = sorted(hits)
    out = []
    for p, nxt in zip(probes, [*probes[1:], end], strict=True):
        hit = hits[p]
        if hit is not None and hit[0] < nxt:
            out.append((hit[0], nxt, hit[1]))
    return out


def _occupied(hits: Mapping[float, tuple[float, Any] | None], end: float) -> list[tuple[float, float]]:
    return [(lo, hi) for lo, hi, _ in _occupied_items(hits, end)]


class _Space(Protocol):
    """Numbers standing for the leading key column's values, for spacing probes."""

    unit: float  # the step between neighbouring values (1 for integers, 0 when continuous)

    def position(self, value: Any) -> float: ...

    def value(self, position: float) -> Any: ...


class _NumberSpace:
    def __init__(self, lo: Any) -> None:
        self._kind = type(lo)
        self.unit = 1.0 if self._kind is int else 0.0

    def position(self, value: Any) -> float:
        return float(value)

    def value(self, position: float) -> Any:
        if self._kind is int:
            return math.ceil(position)
        if self._kind is Decimal:
            return Decimal(repr(position))
        return position


class _DateTimeSpace:
    unit = 0.0

    def __init__(self, lo: dt.datetime) -> None:
        self._origin = lo

    def position(self, value: Any) -> float:
        return float((value - self._origin).total_seconds())

    def value(self, position: float) -> Any:
        return self._origin + dt.timedelta(seconds=position)


class _DateSpace:
    unit = 1.0

    def position(self, value: Any) -> float:
        return float(value.toordinal())

    def value(self, position: float) -> Any:
        return dt.date.fromordinal(max(1, math.ceil(position)))


class _UuidSpace:
    unit = 1.0

    def position(self, value: Any) -> float:
        return float(value.int)

    def value(self, position: float) -> Any:
        return uuid.UUID(int=max(0, min((1 << 128) - 1, int(position))))


class _TextSpace:
    """Strings (or bytes) after their common prefix as base-N numbers of code points.

    The server's collation may order strings differently from code points:
    the probes then land less evenly, but every key they find is still a real
    key, ordered by the server before boundaries are chosen.
    """

    unit = 1.0

    def __init__(self, lo: str | bytes, hi: str | bytes) -> None:
        self._kind = type(lo)
        n = 0
        while n < min(len(lo), len(hi)) and lo[n] == hi[n]:
            n += 1
        self._prefix = lo[:n]
        codes = [*self._codes(lo[n:]), *self._codes(hi[n:])] or [0x61]
        self._low, high = min(codes), max(codes)
        self._base = high - self._low + 2  # digit 0: no character (shorter strings sort first)
        self._digits = max(1, int(50 / math.log2(self._base)))  # exact within a float's 53 bits
        self._high = high

    def _codes(self, text: str | bytes) -> list[int]:
        return list(text) if isinstance(text, bytes) else [ord(c) for c in text]

    def position(self, value: Any) -> float:
        if type(value) is not self._kind:
            return 0.0
        prefix: Any = self._prefix
        if not value.startswith(prefix):
            return 0.0 if value < prefix else float(self._base**self._digits)
        codes = self._codes(value[len(self._prefix) :])[: self._digits]
        n = 0
        for i in range(self._digits):
            digit = min(max(codes[i], self._low), self._high) - self._low + 1 if i < len(codes) else 0
            n = n * self._base + digit
        return float(n)

    def value(self, position: float) -> Any:
        n = max(0, int(position))
        digits: list[int] = []
        for _ in range(self._digits):
            n, digit = divmod(n, self._base)
            digits.append(digit)
        codes = [self._low + d - 1 for d in reversed(digits)]
        while codes and codes[-1] < self._low:  # trailing "no character" digits
            codes.pop()
        codes = [c if c >= self._low else self._low for c in codes]
        if isinstance(self._prefix, bytes):
            return self._prefix + bytes(codes)
        # Surrogates cannot be encoded: step over them.
        return str(self._prefix) + "".join(chr(0xE000 if 0xD800 <= c <= 0xDFFF else c) for c in codes)


def _space(lo: Any, hi: Any) -> _Space | None:
    """The space probes are spread over, from the leading column's lowest and highest values."""
    if isinstance(lo, bool) or isinstance(hi, bool):
        return None
    if isinstance(lo, (int, Decimal, float)) and isinstance(hi, (int, Decimal, float)):
        if isinstance(lo, float) and not (math.isfinite(lo) and math.isfinite(float(hi))):
            return None
        return _NumberSpace(lo if type(lo) is type(hi) else 0.0)
    if isinstance(lo, dt.datetime) and isinstance(hi, dt.datetime):
        return _DateTimeSpace(lo) if (lo.tzinfo is None) == (hi.tzinfo is None) else None
    if type(lo) is dt.date and type(hi) is dt.date:
        return _DateSpace()
    if isinstance(lo, uuid.UUID) and isinstance(hi, uuid.UUID):
        return _UuidSpace()
    if (isinstance(lo, str) and isinstance(hi, str)) or (isinstance(lo, bytes) and isinstance(hi, bytes)):
        return _TextSpace(lo, hi)
    return None


def _probe_sample(conn: sa.Connection, ks: KeySql, probes: int, rng: random.Random) -> list[tuple[Key, float]] | None:
    """Keys at seeded values of the leading key column, weighted, ordered by the server.

    Each probe finds the first key whose leading value is at or after it
    (one index seek); see :func:`_adaptive_probes` for the weights.  ``None``
    when the leading column's values cannot be spaced (an unknown type, or a
    single value).
    """
    cols = ", ".join(ks.key_sql)
    descending = ", ".join(f"{c} DESC" for c in ks.key_sql)
    # ORDER BY ... LIMIT 1 rather than MIN/MAX: PostgreSQL has no MIN(uuid); every planner seeks the index.
    lo = conn.execute(sa.text(f"SELECT {cols} FROM {ks.from_sql} ORDER BY {ks.order_by} LIMIT 1")).first()
    hi = conn.execute(sa.text(f"SELECT {cols} FROM {ks.from_sql} ORDER BY {descending} LIMIT 1")).first()
    if lo is None or hi is None or lo[0] == hi[0]:
        return None
    space = _space(lo[0], hi[0])
    if space is None:
        return None
    start, stop = space.position(lo[0]), space.position(hi[0])
    if not stop > start:
        return None
    probes = max(2, min(probes, ks.max_params // len(ks.key_sql)))

    def seek(points: Sequence[float]) -> list[tuple[float, Any] | None]:
        values = [lo[0] if p == start else space.value(p) for p in points]
        found = _seek(conn, ks, ks.key_sql[0], ks.key_sql, ks.order_by, values)
        return [None if key is None else (space.position(key[0]), key) for key in found]

    weights = _adaptive_probes(start, stop, space.unit, probes, rng, seek)
    if not weights:
        return None
    # The server orders the keys: under its collation strings may sort unlike code points.
    where, params = ks.key_in(list(weights))
    ordered = conn.execute(sa.text(f"SELECT {cols} FROM {ks.from_sql} WHERE {where} ORDER BY {ks.order_by}"), params)
    return [(tuple(r), weights.get(tuple(r), 0.0)) for r in ordered]


_PROBES_PER_QUERY = 100  # SQLite allows 500 terms in a compound SELECT


def _seek(
    conn: sa.Connection, ks: KeySql, column: str, select: Sequence[str], order_by: str, values: Sequence[Any]
) -> list[Key | None]:
    """For each value, ``select`` of the first row (by ``order_by``) with ``column >= value``.

    One index seek each, batched into UNION ALL statements; each branch
    carries its probe's number because UNION ALL keeps no order.
    """
    found: list[Key | None] = [None] * len(values)
    cols = ", ".join(select)
    for start in range(0, len(values), _PROBES_PER_QUERY):
        parts = []
        params: dict[str, Any] = {}
        for i in range(start, min(len(values), start + _PROBES_PER_QUERY)):
            params[f"v{i}"] = values[i]
            parts.append(
                f"SELECT {i} AS s2d_probe, s{i}.* FROM (SELECT {cols} FROM {ks.from_sql} "
                f"WHERE {column} >= :v{i} ORDER BY {order_by} LIMIT 1) AS s{i}"
            )
        for row in conn.execute(sa.text(" UNION ALL ".join(parts)), params):
            found[int(row[0])] = tuple(row[1:])
    return found
