"""Sampling a table's primary keys cheaply, to place segment boundaries (see :mod:`~sql2dynamo.migrate.planning`).

Each sampler returns ``(key, weight)`` pairs of distinct keys in the server's key order, or ``None`` when its
method does not apply: PostgreSQL ``TABLESAMPLE``, seeded SQLite rowid positions, or seeded values of the
leading key column, each one index seek.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

import sqlalchemy as sa

from sql2dynamo.migrate.segments import Key, KeySql
from sql2dynamo.source.dialects import catalog_sql

__all__ = ["pg_schema", "probe_sample", "rowid_sample", "rowid_span", "tablesample"]


def pg_schema(conn: sa.Connection, ks: KeySql) -> str:
    """The table's PostgreSQL schema: its own, or the connection's current one."""
    return ks.table.schema or str(conn.execute(sa.text("SELECT current_schema()")).scalar())


_MIN_SAMPLE_PAGES = 200


def tablesample(
    conn: sa.Connection, ks: KeySql, rows: int | None, sample_keys: int, seed: int
) -> list[tuple[Key, float]]:
    """Keys of rows on random pages (PostgreSQL ``TABLESAMPLE SYSTEM``), ordered by the server.

    A page's rows are neighbours in insertion order, so the sample spans at
    least ``_MIN_SAMPLE_PAGES`` pages however many rows that makes.
    """
    params = {"schema": pg_schema(conn, ks), "table": ks.table.name}
    pages = conn.execute(sa.text(catalog_sql("postgresql", "table_pages")), params).scalar()
    shares = [sample_keys / rows] if rows else []
    if pages:
        shares.append(_MIN_SAMPLE_PAGES / int(pages))
    # Neither size known: 1% of the pages, still a bounded fraction.
    pct = min(100.0, 100.0 * max(shares)) if shares else 1.0
    cols = ", ".join(ks.key_sql)
    sql = (
        f"SELECT {cols} FROM {ks.from_sql} TABLESAMPLE SYSTEM ({pct:.6f}) REPEATABLE ({int(seed)}) "
        f"ORDER BY {ks.order_by}"
    )
    return [(tuple(r), 1.0) for r in conn.execute(sa.text(sql))]


# SQLite reaches the rowid through any of these names unless a column takes it.
_ROWID_ALIASES = ("_rowid_", "rowid", "oid")


def _rowid_name(ks: KeySql) -> str | None:
    taken = {c.name.lower() for c in ks.table.columns}
    return next((a for a in _ROWID_ALIASES if a not in taken), None)


def rowid_span(conn: sa.Connection, ks: KeySql) -> tuple[int, int] | None:
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


def rowid_sample(conn: sa.Connection, ks: KeySql, probes: int, rng: random.Random) -> list[tuple[Key, float]] | None:
    """Keys of rows at seeded rowid positions (SQLite rowid tables), weighted, ordered by the server."""
    span = rowid_span(conn, ks)
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


def probe_sample(conn: sa.Connection, ks: KeySql, probes: int, rng: random.Random) -> list[tuple[Key, float]] | None:
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
