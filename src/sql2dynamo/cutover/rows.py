"""Dual-write's view of changed rows: read exactly as the driver stores them, the way the backfill reads.

The outbox must carry the same raw values the backfill would have read (a
UUID as SQLite's hex text, not a ``uuid.UUID``), so the Applier builds the
same items from a mirrored change as from a backfilled row.  These helpers
bypass SQLAlchemy's result processing to get those values, and work out
which rows a bulk ORM statement touches.  They hold no dual-write state,
which is why they live apart from the listeners in
:mod:`sql2dynamo.cutover.dualwrite`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapper
from sqlalchemy.types import NullType

from sql2dynamo.common.errors import UnsupportedError

__all__ = ["inserted_keys", "key_of", "mapped_table", "raw_key", "read_raw", "select_raw", "set_columns"]


def mapped_table(mapper: Mapper[Any]) -> sa.Table | None:
    """The Table a mapper writes to, or None when it maps something else (a join, a select)."""
    table = mapper.local_table
    return table if isinstance(table, sa.Table) else None


def raw_key(conn: sa.Connection, table: sa.Table, key: Mapping[Any, Any]) -> dict[str, Any]:
    """Typed key values -> what the driver stores (a UUID as SQLite's hex text), as the backfill reads them."""
    dialect = conn.dialect
    out: dict[str, Any] = {}
    for col in table.primary_key.columns:
        value = key[col]
        process = col.type.dialect_impl(dialect).bind_processor(dialect)
        out[col.name] = process(value) if process is not None and value is not None else value
    return out


def _raw_columns(table: sa.Table) -> list[Any]:
    # No result processing: the values as the driver returns them, exactly what the backfill reads.
    return [sa.type_coerce(c, NullType()).label(c.name) for c in table.columns]


def read_raw(
    conn: sa.Connection, table: sa.Table, key: Mapping[Any, Any], *, raw: bool = False
) -> dict[str, Any] | None:
    """The row as stored now, raw; None if it is gone.  ``key``: typed values by Column, or raw ones by name."""
    if raw:
        where = [
            sa.type_coerce(c, NullType()) == sa.literal(key[c.name], NullType()) for c in table.primary_key.columns
        ]
    else:
        where = [c == key[c] for c in table.primary_key.columns]
    row = conn.execute(sa.select(*_raw_columns(table)).where(*where)).mappings().first()
    return None if row is None else dict(row)


def select_raw(conn: sa.Connection, table: sa.Table, where: Any, params: Any) -> list[dict[str, Any]]:
    """The raw rows a bulk UPDATE/DELETE with ``where`` is about to change."""
    query = sa.select(*_raw_columns(table))
    if where is not None:
        query = query.where(where)
    return [dict(r) for r in conn.execute(query, params if isinstance(params, Mapping) else {}).mappings()]


def key_of(row: Mapping[str, Any], pk_names: Sequence[str]) -> dict[str, Any]:
    """The primary-key part of a raw row, by column name."""
    return {name: row[name] for name in pk_names}


def set_columns(statement: Any) -> list[Any]:
    """What an UPDATE statement's SET names (columns or their keys), read from the statement's internals."""
    values = getattr(statement, "_values", None) or {}
    ordered = getattr(statement, "_ordered_values", None) or []
    return [k for k in values] + [k for k, _ in ordered]


def inserted_keys(table: sa.Table, params: Any, result: Any) -> list[dict[Any, Any]]:
    """Typed keys (by Column) of the rows a bulk INSERT wrote: from its parameters, else from the result.

    Refused with UnsupportedError when neither names them: the change could not be followed.
    """
    pk = list(table.primary_key.columns)
    rows: list[Mapping[str, Any]] = []
    if isinstance(params, Mapping) and params:
        rows = [params]
    elif isinstance(params, Sequence) and not isinstance(params, (str, bytes)):
        rows = [p for p in params if isinstance(p, Mapping)]
    keys: list[dict[Any, Any]] = []
    for row in rows:
        if all(c.key in row for c in pk):
            keys.append({c: row[c.key] for c in pk})
    if keys:
        return keys
    inserted = getattr(result, "inserted_primary_key_rows", None) if not rows else None
    if inserted:
        return [dict(zip(pk, r, strict=True)) for r in inserted if None not in tuple(r)]
    raise UnsupportedError(
        f"dual-write cannot tell which rows a bulk INSERT into {table.name} wrote",
        hint="give the primary-key values in the parameters, or add the objects to the session",
        table=table.name,
    )
