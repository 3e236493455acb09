"""The source side of a verify: source rows run through the backfill's transform, parents fetched per batch.

Verify must build exactly the items the backfill wrote, so it uses the same
:class:`~sql2dynamo.items.transform.ItemBuilder` and reader; denormalized
parent rows are fetched with one ``IN (...)`` query per batch and parent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.reader import read_table
from sql2dynamo.source.connect import Source
from sql2dynamo.source.model import Table
from sql2dynamo.verify.store import Item

_IN_CHUNK = 500  # parent keys per IN (...) query: far below every driver's parameter limit


class SourceItems:
    """Source rows -> the items the model builds from them, with denormalized parents fetched per batch."""

    def __init__(self, source: Source, tables: Mapping[str, Table], builder: ItemBuilder) -> None:
        """``tables`` holds every mapped source table and every parent a denormalized copy reads."""
        self.source = source
        self.tables = tables
        self.builder = builder

    def batches(self, source_table: str, *, batch_size: int = 1000) -> Iterator[list[tuple[dict[str, Any], Any]]]:
        """Per batch of rows of ``source_table``: ``(row, RowResult)`` pairs."""
        table = self.tables[source_table]
        joins = self.builder.joins(source_table)
        for rows in read_table(self.source, table, batch_size=batch_size):
            parents = {
                parent: self._parents(parent, join.source_column, {r[join.local_column] for r in rows})
                for parent, join in joins.items()
            }
            out = []
            for row in rows:
                related = {
                    parent: parents[parent].get(row[join.local_column])
                    for parent, join in joins.items()
                    if row[join.local_column] is not None
                }
                out.append((row, self.builder.items_for(source_table, row, related)))
            yield out

    def row(self, source_table: str, source_key: Sequence[Any]) -> dict[str, Any] | None:
        """One row re-read by its primary key, or None when it is gone."""
        table = self.tables[source_table]
        sql = _table(table)
        condition = sa.and_(*(sql.c[c] == v for c, v in zip(table.primary_key, source_key, strict=True)))
        with self.source.engine.connect() as conn:
            found = conn.execute(sa.select(sql).where(condition)).mappings().first()
        return dict(found) if found is not None else None

    def items_of_row(self, source_table: str, row: dict[str, Any]) -> list[tuple[str, Item]]:
        """The items of one row, its parents fetched."""
        joins = self.builder.joins(source_table)
        related = {
            parent: self._parents(parent, join.source_column, {row[join.local_column]}).get(row[join.local_column])
            for parent, join in joins.items()
            if row[join.local_column] is not None
        }
        return list(self.builder.items_for(source_table, row, related).items)

    def _parents(self, parent: str, column: str, values: set[Any]) -> dict[Any, dict[str, Any]]:
        values.discard(None)
        sql = _table(self.tables[parent])
        found: dict[Any, dict[str, Any]] = {}
        chosen = sorted(values, key=repr)  # deterministic chunks; the values need not be mutually comparable
        with self.source.engine.connect() as conn:
            for start in range(0, len(chosen), _IN_CHUNK):
                query = sa.select(sql).where(sql.c[column].in_(chosen[start : start + _IN_CHUNK]))
                for row in conn.execute(query).mappings():
                    found[row[column]] = dict(row)
        return found


def _table(table: Table) -> sa.TableClause:
    # No schema: the connection's default, as the reader's keyset SQL uses.
    return sa.table(table.name, *(sa.column(c.name) for c in table.columns))
