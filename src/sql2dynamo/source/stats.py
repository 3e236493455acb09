"""Statistics with bounded cost: row counts, row sizes, column profiles, fan-out.

Every figure is either exact or says how it was estimated.  Big tables are
never read whole: row counts fall back to the catalog's estimate above
``exact_count_limit``, profiles come from a sample of ``sample_rows`` rows
(``TABLESAMPLE`` where the dialect has it, random key ranges on an integer key,
otherwise the first rows) and fan-out above ``fanout_exact_limit`` child rows
is measured on a sample of parents through the foreign key's index.
Samples are seeded, so the same database gives the same ``schema.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import uuid
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from sql2dynamo.source.dialects import Dialect, catalog_sql
from sql2dynamo.source.model import ColumnStats, FanOut, ForeignKey, Table, TableStats


@dataclass(frozen=True)
class StatsBudget:
    """How much work statistics may cost per table."""

    sample_rows: int = 1000
    exact_count_limit: int = 1_000_000
    fanout_exact_limit: int = 2_000_000
    fanout_sample_parents: int = 200


@dataclass(frozen=True)
class Sample:
    """Rows read to profile a table, and how they were chosen."""

    rows: list[dict[str, Any]]
    method: str
    whole_table: bool


class Quoter:
    """Quotes identifiers for SQL built with ``sa.text`` (spaces, quotes, reserved words, ``%``, ``:``)."""

    def __init__(self, conn: sa.Connection, schema: str | None) -> None:
        self._prep = conn.dialect.identifier_preparer
        self._schema = schema
        # The preparer doubles % for pyformat drivers, and text() doubles it again: undo one.
        self._undouble = "%%" in str(self._prep.quote_identifier("%"))

    def ident(self, name: str) -> str:
        """A quoted identifier, safe inside ``sa.text`` (which reads ``:name`` even inside quotes)."""
        quoted = str(self._prep.quote_identifier(name))
        if self._undouble:
            quoted = quoted.replace("%%", "%")
        return quoted.replace(":", "\\:")

    def table(self, name: str) -> str:
        """A quoted, schema-qualified table name."""
        if self._schema:
            return f"{self.ident(self._schema)}.{self.ident(name)}"
        return self.ident(name)


def row_count(
    conn: sa.Connection, dialect: Dialect, q: Quoter, table: str, schema: str | None, budget: StatsBudget
) -> tuple[int, bool]:
    """(count, exact): COUNT(*) when the catalog says it is cheap, else the estimate."""
    if dialect.catalog_row_estimate:
        params: dict[str, Any] = {"table": table}
        if dialect.name == "postgresql":
            params["schema"] = schema
        estimate = conn.execute(sa.text(catalog_sql(dialect.name, "row_estimate")), params).scalar()
        if estimate is not None and int(estimate) > budget.exact_count_limit:
            return int(estimate), False
    return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {q.table(table)}")).scalar() or 0), True


def sample_rows(
    conn: sa.Connection, dialect: Dialect, q: Quoter, table: Table, rows: int, budget: StatsBudget
) -> Sample:
    """A bounded, seeded sample of a table's rows."""
    n = budget.sample_rows
    cols = ", ".join(q.ident(c.name) for c in table.columns)
    base = f"SELECT {cols} FROM {q.table(table.name)}"
    if rows <= n:
        return Sample(_fetch(conn, base), "full", True)
    if dialect.tablesample:
        pct = min(100.0, 100.0 * n * 2 / rows)
        got = _fetch(conn, f"{base} TABLESAMPLE SYSTEM ({pct:.6f}) REPEATABLE (42) LIMIT {n}")
        if got:
            return Sample(got, "tablesample", False)
    pk = table.primary_key
    if len(pk) == 1 and table.column(pk[0]).normalized_type == "integer":
        return Sample(_key_ranges(conn, q, base, pk[0], table.name, n), "key-ranges", False)
    return Sample(_fetch(conn, f"{base} LIMIT {n}"), "head", False)


def _key_ranges(conn: sa.Connection, q: Quoter, base: str, key: str, table: str, n: int) -> list[dict[str, Any]]:
    k = q.ident(key)
    lo = conn.execute(sa.text(f"SELECT MIN({k}) FROM {q.table(table)}")).scalar()
    hi = conn.execute(sa.text(f"SELECT MAX({k}) FROM {q.table(table)}")).scalar()
    if lo is None or hi is None:
        return []
    rng = random.Random(zlib.crc32(table.encode()))
    ranges = 10
    per = max(1, n // ranges)
    seen: dict[Any, dict[str, Any]] = {}
    for start in sorted(rng.randint(int(lo), int(hi)) for _ in range(ranges)):
        stmt = sa.text(f"{base} WHERE {k} >= :start ORDER BY {k} LIMIT {per}")
        for row in conn.execute(stmt, {"start": start}).mappings():
            seen.setdefault(row[key], dict(row))
    return list(seen.values())


def _fetch(conn: sa.Connection, sql: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.text(sql)).mappings()]


def value_size(value: Any) -> int:
    """Bytes a value takes in a DynamoDB item (numbers: ~1 byte per 2 digits + 1)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1
    if isinstance(value, (int, Decimal, float)):
        digits = len(str(value).lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(bytes(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return len(value.isoformat())
    if isinstance(value, (dict, list)):
        return len(json.dumps(value, default=str).encode())
    return len(str(value).encode("utf-8"))


def table_stats(table: Table, count: int, exact: bool, sample: Sample) -> TableStats:
    """Row-size figures from the sample, counting attribute names as DynamoDB does."""
    sizes = [sum(len(k.encode()) + value_size(v) for k, v in row.items() if v is not None) for row in sample.rows]
    return TableStats(
        row_count=count,
        row_count_exact=exact,
        avg_row_bytes=round(sum(sizes) / len(sizes), 1) if sizes else None,
        max_row_bytes=max(sizes) if sizes else None,
        sampled_rows=len(sample.rows),
        sample_method=sample.method,
    )


def column_stats(name: str, sample: Sample, total_rows: int) -> ColumnStats:
    """Null fraction and distinct-value estimate of one column from the sample."""
    values = [row.get(name) for row in sample.rows]
    n = len(values)
    present = [_hashable(v) for v in values if v is not None]
    sizes = [value_size(v) for v in values if v is not None]
    counts = Counter(present)
    if sample.whole_table or n == 0:
        distinct = len(counts)
    else:
        # GEE estimator (Charikar et al.): values seen once stand for many unseen ones.
        singles = sum(1 for c in counts.values() if c == 1)
        distinct = round(math.sqrt(total_rows / n) * singles + (len(counts) - singles))
        distinct = max(len(counts), min(distinct, total_rows))
    return ColumnStats(
        null_fraction=round((n - len(present)) / n, 4) if n else 0.0,
        distinct_estimate=distinct,
        sampled_rows=n,
        exact=sample.whole_table,
        avg_bytes=round(sum(sizes) / len(sizes), 1) if sizes else None,
        max_bytes=max(sizes) if sizes else None,
    )


def _hashable(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def fanout(
    conn: sa.Connection,
    q: Quoter,
    child: Table,
    fk: ForeignKey,
    child_rows: int,
    parent_rows: int | None,
    parent_sample: Sample | None,
    budget: StatsBudget,
) -> FanOut:
    """Children per parent along ``fk``: exact GROUP BY when affordable, else sampled parents."""
    cols = [q.ident(c) for c in fk.columns]
    not_null = " AND ".join(f"{c} IS NOT NULL" for c in cols)
    if child_rows <= budget.fanout_exact_limit or not parent_sample or not parent_sample.rows:
        sql = f"SELECT COUNT(*) FROM {q.table(child.name)} WHERE {not_null} GROUP BY {', '.join(cols)}"
        counts = [int(c) for c in conn.execute(sa.text(sql)).scalars()]
        return _fanout(counts, sum(counts), "exact", parent_rows)
    keys = {tuple(row.get(c) for c in fk.referred_columns) for row in parent_sample.rows}
    keys.discard(tuple(None for _ in fk.referred_columns))
    rng = random.Random(zlib.crc32(f"{child.name}.{fk.columns}".encode()))
    chosen = rng.sample(sorted(keys, key=repr), min(len(keys), budget.fanout_sample_parents))
    where = " AND ".join(f"{c} = :k{i}" for i, c in enumerate(cols))
    stmt = sa.text(f"SELECT COUNT(*) FROM {q.table(child.name)} WHERE {where}")
    counts = [int(conn.execute(stmt, {f"k{i}": v for i, v in enumerate(key)}).scalar() or 0) for key in chosen]
    return _fanout([c for c in counts if c], child_rows, "sampled_parents", parent_rows)


def _fanout(counts: Sequence[int], children: int, method: str, parent_rows: int | None) -> FanOut:
    ordered = sorted(counts)
    if not ordered:
        return FanOut(children, 0, 0.0, 0, 0, method, parent_rows)  # type: ignore[arg-type]
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]  # nearest-rank percentile
    return FanOut(
        children=children,
        parents_with_children=len(ordered),
        avg=round(sum(ordered) / len(ordered), 3),
        p99=p99,
        max=ordered[-1],
        method=method,  # type: ignore[arg-type]
        parents_total=parent_rows,
    )
