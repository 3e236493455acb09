"""The parent rows a batch's denormalized attributes copy from.

Denormalized attributes: for each batch, the distinct non-NULL join values
are collected per parent table and the parent rows fetched with one
``SELECT * FROM parent WHERE col IN (...)`` (chunks of ``IN_CHUNK``
values).  Values are matched in Python by equality, so a join that only
matches under a case-insensitive collation finds no parent (the copies are
then left out, as for a missing parent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from sql2dynamo.design.model import Join
from sql2dynamo.source.connect import Source
from sql2dynamo.source.model import Table

__all__ = ["IN_CHUNK", "related_of", "related_rows"]

Row = dict[str, Any]

IN_CHUNK = 500
"""Values per ``IN (...)`` list: under SQLite's and every driver's parameter limits."""

R = TypeVar("R", bound=Mapping[str, Any])


def related_of(
    row: Mapping[str, Any], joins: Mapping[str, Join], parent_row: Callable[[str, str, Any], R | None]
) -> dict[str, R | None] | None:
    """The parent rows ``row`` copies attributes from, found by ``parent_row``: the transform's ``related``.

    ``None`` when the table copies nothing; a NULL join column has no entry (nothing to copy), a value no
    parent row has maps to ``None``.  Migrate (batched reads), sync and the runtime (one read per parent)
    differ only in how they find a parent row: ``parent_row(parent table, its join column, value)``.
    """
    if not joins:
        return None
    related: dict[str, R | None] = {}
    for parent, join in joins.items():
        value = row.get(join.local_column)
        if value is not None:
            related[parent] = parent_row(parent, join.source_column, value)
    return related


def related_rows(
    source: Source, tables: Mapping[str, Table], joins: Mapping[str, Join], batch: Sequence[Row]
) -> list[dict[str, Row | None]] | None:
    """Per row of ``batch``, its parent row in each table of ``joins`` (``None`` when no join applies).

    A row whose join column is NULL has no entry for that parent; a value no parent row has maps to ``None``.
    """
    if not joins:
        return None
    found: dict[str, dict[Any, Row]] = {}
    for parent, join in joins.items():
        values = list({row[join.local_column] for row in batch if row[join.local_column] is not None})
        found[parent] = _fetch(source, tables[parent], join.source_column, values)
    return [related_of(row, joins, lambda parent, _column, value: found[parent].get(value)) or {} for row in batch]


def _fetch(source: Source, table: Table, column: str, values: list[Any]) -> dict[Any, Row]:
    rows: dict[Any, Row] = {}
    target = sa.table(table.name, *[sa.column(c.name) for c in table.columns], schema=table.schema)
    with source.engine.connect() as conn:
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            query = sa.select(target).where(target.c[column].in_(chunk))
            for row in conn.execute(query).mappings():
                rows.setdefault(row[column], dict(row))
    return rows
