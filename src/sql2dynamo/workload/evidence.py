"""Mined statements, how they are aggregated, and how they become access patterns.

Shared by the two ways of observing a workload: the database's own statement
statistics (mine.py) and a query log file (querylog.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sql2dynamo.common.errors import InputError
from sql2dynamo.workload.normalize import normalize_tree
from sql2dynamo.workload.patterns.model import DEFAULT_CONSISTENCY, AccessPattern, Rps
from sql2dynamo.workload.shape.model import StatementShape
from sql2dynamo.workload.shape.parse import shape_of
from sql2dynamo.workload.sqltree import render, sqlglot_dialect

KEPT_OPERATIONS = ("select", "insert", "update", "delete")
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast", "performance_schema", "mysql", "sys"})
# Other sql2dynamo stages tag their SQL with this comment so that mining can
# tell them from the application (PostgreSQL keeps comments in its texts).
TOOL_MARKER = re.compile(r"/\*\s*sql2dynamo\b", re.I)


@dataclass(frozen=True)
class MinedStatement:
    """One normalized statement and how often it ran in the window."""

    sql_normalized: str
    calls: int
    rows: int | None
    origin: str  # pg_stat_statements | performance_schema | query_log
    shape: StatementShape


@dataclass(frozen=True)
class MinedWorkload:
    """What the database (or a log) recorded, over which window.

    ``window_seconds`` is ``None`` when the window is unknown: rates are then
    not computed (no invented numbers).
    """

    statements: tuple[MinedStatement, ...]
    window_start: datetime | None
    window_end: datetime | None
    window_seconds: float | None
    origin: str
    dialect_name: str
    skipped: Mapping[str, int] = field(default_factory=dict, compare=False)  # calls left out, by reason


TableFilter = Callable[[tuple[str, ...]], bool]


def is_system_table(name: str, dialect_name: str) -> bool:
    """A catalog table (``pg_class``, ``information_schema.tables``, ``performance_schema.x``)."""
    parts = name.lower().split(".")
    if any(part in SYSTEM_SCHEMAS for part in parts[:-1]):
        return True
    return sqlglot_dialect(dialect_name) == "postgres" and parts[-1].startswith("pg_")


class Aggregator:
    """Normalizes statements and sums the calls of those that normalize alike."""

    def __init__(self, dialect_name: str, origin: str, *, digest: bool = False, include_system: bool = False) -> None:
        self.dialect_name = dialect_name
        self.origin = origin
        self.digest = digest
        self.include_system = include_system
        self.skipped: dict[str, int] = {}
        self._calls: dict[str, int] = {}
        self._rows: dict[str, int | None] = {}
        self._shapes: dict[str, StatementShape] = {}

    def skip(self, reason: str, calls: int = 1) -> None:
        """Count statements left out, by reason, for the summary."""
        self.skipped[reason] = self.skipped.get(reason, 0) + calls

    def add(
        self,
        sql: str,
        calls: int,
        rows: int | None = None,
        *,
        app_tables: TableFilter | None = None,
        raise_errors: bool = False,
    ) -> None:
        """Normalize ``sql`` and count it, unless it is not about the application's tables.

        Unparseable statements are skipped, or raise :class:`InputError`
        when ``raise_errors`` (query logs: the file is wrong).
        """
        if TOOL_MARKER.search(sql):
            self.skip("sql2dynamo's own queries", calls)
            return
        try:
            tree = normalize_tree(sql, self.dialect_name, digest=self.digest)
        except InputError:
            if raise_errors:
                raise
            self.skip("not parseable", calls)
            return
        shape = shape_of(tree, sqlglot_dialect(self.dialect_name))
        if shape.operation not in KEPT_OPERATIONS or not shape.tables:
            self.skip("not a query or DML on tables (DDL, SET, SHOW, transaction control ...)", calls)
            return
        if not self.include_system and any(is_system_table(t, self.dialect_name) for t in shape.tables):
            self.skip("system catalog queries", calls)
            return
        if app_tables is not None and not app_tables(shape.tables):
            self.skip("not about the application's tables", calls)
            return
        text = render(tree, self.dialect_name)
        self._calls[text] = self._calls.get(text, 0) + calls
        if text in self._rows:
            before = self._rows[text]
            self._rows[text] = None if before is None or rows is None else before + rows
        else:
            self._rows[text] = rows
        self._shapes[text] = shape

    def statements(self) -> tuple[MinedStatement, ...]:
        """The aggregated statements, most called first (ties by text: deterministic)."""
        order = sorted(self._calls, key=lambda text: (-self._calls[text], text))
        return tuple(
            MinedStatement(text, self._calls[text], self._rows[text], self.origin, self._shapes[text]) for text in order
        )


def iso_utc(moment: datetime) -> str:
    """``2024-05-01T10:00:00Z``: seconds precision, always UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _significant(value: float, digits: int = 6) -> float:
    return float(f"{value:.{digits}g}")


def mined_to_patterns(workload: MinedWorkload, application: str | None = None) -> list[AccessPattern]:
    """Access patterns (``source: mined``, ids ``M001``...) for the mined statements.

    ``rps.avg`` is calls / window seconds (6 significant digits); ``rps.peak``
    stays ``None``: statement counters hold no evidence of a peak.  Without a
    known window ``rps`` is ``None`` and the calls are kept in ``evidence``.
    ``application`` is accepted for symmetry with :func:`merge_mined`; final
    ids and the application name are settled there.
    """
    del application
    seconds = workload.window_seconds if workload.window_seconds and workload.window_seconds > 0 else None
    out: list[AccessPattern] = []
    for number, statement in enumerate(workload.statements, start=1):
        evidence: dict[str, object] = {"calls": statement.calls}
        if statement.rows is not None:
            evidence["rows"] = statement.rows
        if seconds is not None:
            evidence["window_seconds"] = seconds
        if workload.window_start is not None and workload.window_end is not None:
            evidence["window"] = f"{iso_utc(workload.window_start)}/{iso_utc(workload.window_end)}"
        evidence["origin"] = statement.origin
        out.append(
            AccessPattern(
                id=f"M{number:03d}",
                description=describe(statement.shape),
                sql=statement.sql_normalized,
                rps=Rps(avg=_significant(statement.calls / seconds), peak=None) if seconds else None,
                consistency=DEFAULT_CONSISTENCY,
                source="mined",
                evidence=evidence,
                shape=statement.shape.to_dict(),
                dialect=workload.dialect_name,
            )
        )
    return out


def _and(items: Sequence[str]) -> str:
    return " and ".join(items)


def describe(shape: StatementShape) -> str:
    """A one-line human description, e.g. ``Select invoice by customer_id ordered by invoice_date desc``."""
    table = shape.tables[0] if shape.tables else "?"
    eq = [f"{c} in list" if c in shape.in_lists else c for c in shape.equality]
    by = f" by {_and(eq)}" if eq else ""
    if shape.operation == "insert":
        cols = f" ({', '.join(shape.insert_columns)})" if shape.insert_columns else ""
        return f"Insert into {table}{cols}" + (", or update on conflict" if shape.upsert else "")
    if shape.operation == "update":
        sets = f" set {', '.join(shape.set_columns)}" if shape.set_columns else ""
        return f"Update {table}{sets}{by}"
    if shape.operation == "delete":
        return f"Delete from {table}{by}"
    subject = table
    if shape.joins:
        subject += " joined with " + _and([j.table for j in shape.joins])
    head = f"Select {', '.join(shape.aggregates)} of {subject}" if shape.aggregates else f"Select {subject}"
    mids: list[str] = []
    if shape.ranges:
        mids.append(f"with a range on {_and(shape.ranges)}")
    mids.extend(f"with {lk.column} {lk.kind} match" for lk in shape.like)
    if shape.uses_or:
        mids.append("(conditions joined by OR)")
    if shape.group_by:
        mids.append(f"grouped by {', '.join(shape.group_by)}")
    if shape.order_by:
        mids.append("ordered by " + ", ".join(f"{o.column} {o.direction}" for o in shape.order_by))
    text = head + by + (" " + ", ".join(mids) if mids else "")
    if shape.limit is not None:
        text += f", limit {shape.limit}"
    if not eq and not shape.ranges and not shape.like and shape.limit is None:
        text += " (all rows)"
    return text
