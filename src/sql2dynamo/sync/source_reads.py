"""The source rows one applied batch needs, read in bulk: parents of denormalized copies, children of changed parents.

Reading them one change at a time (a pooled connection, its liveness ping and
one ``SELECT`` per change) took a fifth of the applier's time in the profile
of issue 17; a batch now asks once per (table, column) with ``IN`` lists.

Every change of a batch committed before the batch was read, so rows read at
its start hold at least the state of each of its changes: the same argument
that let the applier read a parent once per group before.

Matching rows back to the values asked for is Python equality.  The database
may match more loosely (a case-insensitive collation, a value of another
type): a parent value no bulk row equals is then read alone with ``LIMIT 1``,
exactly as before, so a copy never comes from a row the old per-change query
would not have returned.  Children need no such care: the caller takes every
row the ``IN`` query returned, matched or not.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa

__all__ = ["CHUNK_VALUES", "BatchReads", "Row"]

Row = Mapping[str, Any]
CHUNK_VALUES = 500
"""Values per ``IN`` list: far below every driver's bind-parameter limit (SQLite's is 32,766)."""

_ABSENT: Any = object()


class BatchReads:
    """Bulk ``SELECT``s of one batch; parent rows found are kept for the batch's later changes."""

    def __init__(self, engine: sa.Engine, schema: str | None) -> None:
        self.engine = engine
        self.schema = schema
        self.queries = 0
        self._parents: dict[tuple[str, str], dict[Hashable, Row | None]] = {}
        self._wanted: dict[tuple[str, str], dict[Hashable, None]] = {}

    # -------------------------------------------------------------- parents (one row per value)

    def want_parent(self, table: str, column: str, value: Any) -> None:
        """Note that the row of ``table`` whose ``column`` is ``value`` will be asked for (read by :meth:`fetch`)."""
        if value is None:
            return
        try:
            known = self._parents.get((table, column))
            if known is not None and value in known:
                return
            self._wanted.setdefault((table, column), {})[value] = None
        except TypeError:  # unhashable: read alone when asked
            pass

    def fetch(self) -> None:
        """Read every parent noted since the last call: one query per (table, column) and chunk of values."""
        wanted, self._wanted = self._wanted, {}
        if not wanted:
            return
        with self.engine.connect() as conn:
            for (table, column), values in wanted.items():
                found = self._parents.setdefault((table, column), {})
                for rows, chunk in self._chunks(conn, table, column, list(values)):
                    asked = set(chunk)
                    for row in rows:
                        value = row.get(column)
                        try:
                            if value in asked and value not in found:
                                found[value] = row
                        except TypeError:
                            continue

    def parent(self, table: str, column: str, value: Any) -> Row | None:
        """The row of ``table`` whose ``column`` is ``value`` (None when there is none)."""
        try:
            known = self._parents.setdefault((table, column), {})
            row: Row | None = known.get(value, _ABSENT)
        except TypeError:  # unhashable: never cached
            return self._one(table, column, value)
        if row is _ABSENT:
            # Not among the bulk rows: none exists, or the database matches values more loosely than
            # Python does.  One query with LIMIT 1 decides, as the per-change read always did.
            row = self._one(table, column, value)
            known[value] = row
        return row

    # -------------------------------------------------------------- children (every row per value)

    def rows(self, table: str, column: str, values: Iterable[Any]) -> list[dict[str, Any]]:
        """Every row of ``table`` whose ``column`` is one of ``values`` (as the database compares)."""
        distinct: list[Any] = []
        seen: set[Any] = set()
        for value in values:
            try:
                if value in seen:
                    continue
                seen.add(value)
            except TypeError:
                pass
            distinct.append(value)
        if not distinct:
            return []
        out: list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            for rows, _ in self._chunks(conn, table, column, distinct):
                out.extend(rows)
        return out

    # -------------------------------------------------------------- queries

    def _chunks(
        self, conn: sa.Connection, table: str, column: str, values: list[Any]
    ) -> Iterable[tuple[list[dict[str, Any]], list[Any]]]:
        for start in range(0, len(values), CHUNK_VALUES):
            chunk = values[start : start + CHUNK_VALUES]
            yield self._select(conn, table, column, chunk), chunk

    def _one(self, table: str, column: str, value: Any) -> Row | None:
        with self.engine.connect() as conn:
            found = self._select(conn, table, column, [value], limit=1)
        return found[0] if found else None

    def _select(
        self, conn: sa.Connection, table: str, column: str, values: list[Any], limit: int | None = None
    ) -> list[dict[str, Any]]:
        self.queries += 1
        target = sa.table(table, sa.column(column), schema=self.schema)
        query = sa.select(sa.text("*")).select_from(target).where(target.c[column].in_(values))
        if limit is not None:
            query = query.limit(limit)
        return [dict(r) for r in conn.execute(query).mappings()]
