"""Read every row of a source table in primary-key order, one key-range segment at a time.

Rows come in batches through keyset pagination: each page is one short
query, ``WHERE key > :last AND key < :upper ORDER BY key LIMIT :batch``, that
seeks the primary-key index (see :class:`~sql2dynamo.migrate.segments.KeySql`
for the per-dialect form).  Pages rather than one streaming cursor because:

* memory is bounded by ``batch_size`` rows with every driver's ordinary
  buffered cursor, with no server-side cursor to keep open (PyMySQL's
  ``SSCursor`` blocks its connection until drained; a psycopg named cursor
  needs a transaction held for the whole table);
* no transaction spans the table unless the caller asks for one: a
  long-running read holds back neither PostgreSQL's vacuum nor InnoDB's purge;
* the last key of a batch is a complete resume point (a :class:`Checkpoint`),
  after a crash or between workers;
* each page borrows a pooled connection and returns it before the batch is
  handed over, so a slow consumer (DynamoDB throttling) holds no connection.

Threads: read different segments from different threads freely; each page
checks a connection out of the engine's pool (SQLite: read-only connections
opened with ``check_same_thread=False``).  A ``connection`` passed in, for a
consistent snapshot (``REPEATABLE READ``, or ``SET TRANSACTION SNAPSHOT`` with
an exported PostgreSQL snapshot), must be used by one thread only: give each
worker its own connection in the same snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.migrate.planning import SegmentBudget, plan_segments
from sql2dynamo.migrate.segments import (
    Key,
    KeySql,
    Segment,
    connected,
    key_of,
    require_primary_key,
)
from sql2dynamo.source.connect import Source
from sql2dynamo.source.model import Table

__all__ = ["read_segment", "read_table"]

Row = dict[str, Any]


def read_segment(
    source: Source,
    table: Table,
    segment: Segment,
    *,
    after: Key | None = None,
    batch_size: int = 1000,
    columns: Sequence[str] | None = None,
    connection: sa.Connection | None = None,
    first_batch_size: int | None = None,
) -> Iterator[list[Row]]:
    """The rows of ``segment``, in key order, in batches of at most ``batch_size`` row mappings.

    ``after`` resumes strictly after that key (a :attr:`Checkpoint.after`);
    the segment's lower bound still applies.  Values are what the driver
    returns.  ``columns`` picks columns (default: all, in table order); the
    primary-key columns are always included, since the next page and any
    checkpoint need them.  ``connection`` reads every page through one open
    connection (a snapshot transaction) instead of pooled ones.
    ``first_batch_size`` makes the first batch smaller, so that its rows come
    sooner; the others have ``batch_size`` rows.
    """
    require_primary_key(table)
    if segment.table != table.name:
        raise ValueError(f"segment of table {segment.table!r} read as table {table.name!r}")
    if batch_size < 1:
        raise UsageError(f"batch size {batch_size} is too small", hint="use 1 or more rows per batch")
    select = _select_list(table, columns)
    queries: KeySql | None = None
    lower, last = segment.lower, after
    limit = min(batch_size, first_batch_size) if first_batch_size else batch_size
    while True:
        with connected(source, connection) as conn:
            queries = queries or KeySql(conn, table)
            sql, params = queries.page(select, lower=lower, upper=segment.upper, after=last, limit=limit)
            batch = [dict(row) for row in conn.execute(sa.text(sql), params).mappings()]
        if not batch:
            return
        # Taken before the batch is handed over: the consumer may change the rows.
        last = key_of(table, batch[-1])
        # The last key read lies in the segment: from now on it alone bounds the range from below.
        lower = None
        yield batch
        if len(batch) < limit:
            return
        limit = batch_size


def read_table(
    source: Source,
    table: Table,
    *,
    segments: int = 1,
    batch_size: int = 1000,
    columns: Sequence[str] | None = None,
    connection: sa.Connection | None = None,
    budget: SegmentBudget | None = None,
) -> Iterator[list[Row]]:
    """Every row of ``table``: plans ``segments`` segments and reads them one after the other."""
    for segment in plan_segments(source, table, segments, budget=budget, connection=connection):
        yield from read_segment(source, table, segment, batch_size=batch_size, columns=columns, connection=connection)


def _select_list(table: Table, columns: Sequence[str] | None) -> list[str]:
    names = [c.name for c in table.columns]
    if columns is None:
        return names
    unknown = [c for c in columns if c not in set(names)]
    if unknown:
        raise InputError(
            f"table {table.name} has no column {', '.join(map(repr, unknown))}",
            hint=f"its columns: {', '.join(names)}",
            table=table.name,
        )
    chosen = list(dict.fromkeys(columns))
    return chosen + [c for c in table.primary_key if c not in chosen]
