"""Primary-key ranges of a source table: what a segment and a checkpoint are, and their SQL.

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

Planning the segments of a table is :mod:`~sql2dynamo.migrate.planning`'s.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from sql2dynamo.common.errors import InputError
from sql2dynamo.source.connect import Source
from sql2dynamo.source.model import Table
from sql2dynamo.source.stats import Quoter
from sql2dynamo.source.types import TEXT_CAST_RULE

Key = tuple[Any, ...]


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
        # Columns no type rule maps are read through the database's own text cast (see source.types).
        self._as_text = {c.name for c in table.columns if c.type_rule == TEXT_CAST_RULE}
        self._text_type = "CHAR" if self.dialect == "mysql" else "TEXT"
        self.order_by = ", ".join(self.key_sql)
        self.row_values = self.dialect == "postgresql" or (
            self.dialect == "sqlite" and _sqlite_version(conn) >= (3, 15)
        )
        # SQLite before 3.32 allows 999 host parameters per statement.
        self.max_params = 999 if self.dialect == "sqlite" and _sqlite_version(conn) < (3, 32) else 30_000

    def ident(self, name: str) -> str:
        """A quoted column name, safe inside ``sa.text``."""
        return self._q.ident(name)

    def select_expr(self, name: str) -> str:
        """The select-list entry of a column: its quoted name, or its text cast named as the column."""
        quoted = self._q.ident(name)
        return f"CAST({quoted} AS {self._text_type}) AS {quoted}" if name in self._as_text else quoted

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
        cols = ", ".join(self.select_expr(c) for c in select)
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
