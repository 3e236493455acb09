"""Build the complete :class:`Schema` of a live database: structure, then statistics."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

import sqlalchemy as sa

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.source import live, stats
from sql2dynamo.source.connect import Source
from sql2dynamo.source.dialects import catalog_sql
from sql2dynamo.source.model import Attention, Schema, SourceInfo, Table
from sql2dynamo.source.types import TypeMapper


def introspect(
    source: Source,
    *,
    reporter: Reporter,
    mapper: TypeMapper | None = None,
    include: Collection[str] = (),
    exclude: Collection[str] = (),
    with_stats: bool = True,
    budget: stats.StatsBudget | None = None,
    decided: Mapping[str, Mapping[str, str]] | None = None,
) -> Schema:
    """Read every table of ``source`` (or those in ``include``, minus ``exclude``).

    ``decided`` (table -> column -> normalized type) are the types a model
    already chose: later stages pass them so a type is decided once, by
    analyze and design (its ``--cast`` rules included), and never again.
    """
    mapper = mapper or TypeMapper()
    budget = budget or stats.StatsBudget()
    with source.engine.connect() as conn:
        _untrack(conn, source)
        schema_name = live.default_schema(source, conn)
        inspector = sa.inspect(conn)
        raw_tables = live.read_columns(source, conn, schema_name)
        unknown = sorted(set(include) - set(raw_tables))
        if unknown:
            raise InputError(
                f"--include names tables that {source.display_url} does not have: {', '.join(unknown)}",
                hint=f"tables there: {', '.join(sorted(raw_tables)) or 'none'}",
            )
        names = sorted(n for n in raw_tables if (not include or n in include) and n not in exclude)
        tables: list[Table] = []
        with reporter.task(f"reading the structure of {len(names)} tables", total=len(names)) as progress:
            for name in names:
                chosen = (decided or {}).get(name)
                tables.append(
                    live.assemble_table(source, inspector, name, raw_tables[name], schema_name, mapper, chosen)
                )
                progress.advance()
        attention = live.read_attention(source, conn, inspector, schema_name)
        if with_stats:
            tables = _with_stats(conn, source, schema_name, tables, budget, reporter)
    return Schema(
        source=SourceInfo(
            dialect=source.dialect.name,
            url=source.display_url,
            database=source.database,
            server_version=source.server_version,
        ),
        tables=tuple(tables),
        attention=tuple(attention) + tuple(_no_pk(tables)) + tuple(live.text_cast_attention(tables)),
        statistics="live" if with_stats else "unknown",
    )


def _untrack(conn: sa.Connection, source: Source) -> None:
    """Ask the server not to record this session's statements, where it can."""
    if source.dialect.workload_source is None:
        return
    try:
        with conn.begin_nested():
            conn.execute(sa.text(catalog_sql(source.dialect.name, "untrack")))
    except sa.exc.DBAPIError:
        pass  # not allowed (no privilege, extension not loaded): the statements are merely recorded


def _no_pk(tables: list[Table]) -> list[Attention]:
    return [
        Attention("table", t.name, "no primary key: a DynamoDB item needs a unique key", table=t.name)
        for t in tables
        if not t.primary_key
    ]


def _with_stats(
    conn: sa.Connection,
    source: Source,
    schema_name: str | None,
    tables: list[Table],
    budget: stats.StatsBudget,
    reporter: Reporter,
) -> list[Table]:
    q = stats.Quoter(conn, schema_name)
    counted: dict[str, Table] = {}
    samples: dict[str, stats.Sample] = {}
    with reporter.task("sampling rows and column profiles", total=len(tables)) as progress:
        for t in tables:
            count, exact = stats.row_count(conn, source.dialect, q, t.name, schema_name, budget)
            sample = stats.sample_rows(conn, source.dialect, q, t, count, budget)
            samples[t.name] = sample
            columns = tuple(replace(c, stats=stats.column_stats(c.name, sample, count)) for c in t.columns)
            counted[t.name] = replace(t, columns=columns, stats=stats.table_stats(t, count, exact, sample))
            progress.advance()
    n_fk = sum(len(t.foreign_keys) for t in tables)
    out: list[Table] = []
    with reporter.task("measuring foreign-key fan-out", total=n_fk) as progress:
        for t in counted.values():
            fks = []
            for fk in t.foreign_keys:
                parent = counted.get(fk.referred_table) if fk.referred_schema is None else None
                child_rows = t.stats.row_count if t.stats else 0
                parent_rows = parent.stats.row_count if parent and parent.stats else None
                fo = stats.fanout(conn, q, t, fk, child_rows, parent_rows, samples.get(fk.referred_table), budget)
                fks.append(replace(fk, fanout=fo))
                progress.advance()
            out.append(replace(t, foreign_keys=tuple(fks)))
    return out
