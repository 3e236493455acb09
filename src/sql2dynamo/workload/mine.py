"""Mine the access patterns a database recorded about itself.

PostgreSQL: ``pg_stat_statements``, rows of the current database only
(``dbid``), observed from ``pg_stat_statements_info.stats_reset`` (the last
full reset) to ``now()``.  Needs the library in ``shared_preload_libraries``
(a restart) and ``CREATE EXTENSION pg_stat_statements;`` in the database.

MySQL/MariaDB: ``performance_schema.events_statements_summary_by_digest``,
rows of the current schema (``SCHEMA_NAME = DATABASE()``).  The window runs
from the earliest ``FIRST_SEEN`` of the whole table (any schema: the first
statement seen since the server started or the table was truncated) to
``NOW()``; MariaDB stores FIRST_SEEN to the second, so short windows are
slightly long.  Needs ``performance_schema=ON`` (a restart).

SQLite records nothing: use a query log (:func:`read_query_log`).

Only SELECT/INSERT/UPDATE/DELETE on the application's own tables are kept:
catalog and system queries, SET/SHOW/transaction control, DDL, statements
tagged ``/* sql2dynamo */`` (this tool's own) and statements on tables the
database does not have are left out and counted in ``MinedWorkload.skipped``.
Statements are normalized (see normalize.py) and identical results summed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from sql2dynamo.common.errors import PrerequisiteError, SourceConnectionError, UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.source.dialects import catalog_sql, get_dialect
from sql2dynamo.workload.evidence import (
    Aggregator,
    MinedWorkload,
    TableFilter,
    iso_utc,
)

__all__ = ["mine_workload", "workload_queries"]

_QUERY_LOG_HINT = "or record the application's statements in a file and use --query-log FILE"


def workload_queries(dialect_name: str) -> dict[str, str]:
    """The named sections of ``<dialect>_workload.sql`` (``-- name: x`` starts section ``x``)."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in catalog_sql(get_dialect(dialect_name).name, "workload").splitlines():
        if line.startswith("-- name:"):
            current = sections.setdefault(line.split(":", 1)[1].strip(), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


def mine_workload(
    engine: sa.Engine, dialect_name: str, *, reporter: Reporter, include_system: bool = False
) -> MinedWorkload:
    """The statements the source database recorded, normalized and counted, with their window.

    ``include_system=True`` keeps catalog queries and statements on tables the
    database does not have (still only SELECT/INSERT/UPDATE/DELETE).  Raises
    :class:`PrerequisiteError` naming the missing server setting,
    :class:`UsageError` for SQLite.
    """
    dialect = get_dialect(dialect_name)
    if dialect.workload_source is None:
        raise UsageError(
            f"{dialect.title} records no workload",
            hint="use --query-log FILE (see the query log format in the README)",
        )
    queries = workload_queries(dialect.name)
    try:
        with engine.connect() as conn:
            if dialect.name == "postgresql":
                workload = _mine_postgres(conn, queries, reporter, include_system)
            else:
                workload = _mine_mysql(conn, queries, reporter, include_system)
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise SourceConnectionError(
            f"reading {dialect.workload_source} failed: {first}",
            hint="check that the user may read the statement statistics",
        ) from None
    _report(workload, reporter)
    return workload


def _rows(conn: sa.Connection, sql: str) -> list[Any]:
    # exec_driver_sql: catalog text goes to the driver as is (no bind parsing of "::").
    return list(conn.exec_driver_sql(sql).mappings())


def _mine_postgres(
    conn: sa.Connection, queries: dict[str, str], reporter: Reporter, include_system: bool
) -> MinedWorkload:
    pre = _rows(conn, queries["prerequisites"])[0]
    database, preload, schema = pre["database_name"], pre["preload"], pre["extension_schema"]
    libraries = [lib.strip().strip('"') for lib in str(preload or "").split(",")]
    problems: list[str] = []
    if "pg_stat_statements" not in libraries:
        problems.append(
            f"shared_preload_libraries is {preload!r} and must include pg_stat_statements "
            "(set it in postgresql.conf or with ALTER SYSTEM SET shared_preload_libraries, "
            "then restart the server)"
        )
    if schema is None:
        problems.append(f'the extension is missing in database "{database}": run CREATE EXTENSION pg_stat_statements;')
    if problems:
        raise PrerequisiteError(
            "pg_stat_statements is not available: " + "; ".join(problems),
            hint=_QUERY_LOG_HINT,
        )
    quoted = conn.dialect.identifier_preparer.quote_identifier(str(schema))

    window_start = window_end = None
    window_rows = _rows(conn, queries["window"].replace("{schema}", quoted)) if pre["has_info"] else []
    if not pre["has_info"]:
        reporter.warning(
            "this pg_stat_statements (before 1.9, PostgreSQL 14) does not say since when it counts: "
            "rates are not computed"
        )
    if window_rows:
        window_start, window_end = window_rows[0]["window_start"], window_rows[0]["window_end"]
        if window_rows[0]["evicted"]:
            reporter.warning(
                f"pg_stat_statements evicted statements {window_rows[0]['evicted']} times since its reset "
                "(pg_stat_statements.max is too small): call counts are lower bounds"
            )

    app_tables = None if include_system else _table_filter(_rows(conn, queries["tables"]))
    aggregator = Aggregator("postgresql", "pg_stat_statements", include_system=include_system)
    hidden = 0
    for row in _rows(conn, queries["statements"].replace("{schema}", quoted)):
        text = row["query_text"]
        if text is None or text == "<insufficient privilege>":
            hidden += int(row["calls"])
            continue
        aggregator.add(text, int(row["calls"]), _int(row["row_count"]), app_tables=app_tables)
    if hidden:
        reporter.warning(f"{hidden} calls of other users' statements are hidden: grant pg_read_all_stats to this user")
    return _workload(aggregator, window_start, window_end)


def _mine_mysql(
    conn: sa.Connection, queries: dict[str, str], reporter: Reporter, include_system: bool
) -> MinedWorkload:
    pre = _rows(conn, queries["prerequisites"])[0]
    if str(pre["enabled"]) not in ("1", "ON"):
        raise PrerequisiteError(
            "performance_schema is OFF on this server: it records no statements",
            hint="set performance_schema=ON in the [mysqld] section of the server configuration "
            f"and restart the server, {_QUERY_LOG_HINT}",
        )
    if pre["database_name"] is None:
        raise UsageError("the source URL names no database", hint="add the database: mysql+pymysql://host/DB")
    disabled = [r["name"] for r in _rows(conn, queries["consumers"]) if str(r["enabled"]).upper() != "YES"]
    if disabled:
        names = ", ".join(f"'{n}'" for n in disabled)
        raise PrerequisiteError(
            f"performance_schema does not summarize statements: consumer(s) {names} disabled",
            hint="run UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' "
            f"WHERE NAME IN ({names}); (and set performance-schema-consumer-statements-digest=ON "
            "in the server configuration to keep it after a restart)",
        )
    window = _rows(conn, queries["window"])[0]
    window_start = _from_epoch(window["window_start"])
    window_end = _from_epoch(window["window_end"])
    if window["lost"]:
        reporter.warning(
            f"{int(window['lost'])} statements found the digest table full and were not recorded "
            "one by one (raise performance_schema_digests_size): counts are lower bounds"
        )

    app_tables = None if include_system else _table_filter(_rows(conn, queries["tables"]))
    aggregator = Aggregator("mysql", "performance_schema", digest=True, include_system=include_system)
    for row in _rows(conn, queries["statements"]):
        text = str(row["digest_text"]).rstrip()
        if text.endswith("...") and not text.endswith("(...)"):
            # Cut at max_digest_length: the statement's end is unknown.
            aggregator.skip("digest text truncated (raise max_digest_length)", int(row["calls"]))
            continue
        aggregator.add(text, int(row["calls"]), _int(row["row_count"]), app_tables=app_tables)
    return _workload(aggregator, window_start, window_end)


def _table_filter(rows: Iterable[Any]) -> TableFilter:
    """Whether every table of a statement is one of the database's own."""
    schemas_of: dict[str, set[str]] = {}
    for row in rows:
        schemas_of.setdefault(str(row["table_name"]).lower(), set()).add(str(row["schema_name"]).lower())

    def accept(tables: tuple[str, ...]) -> bool:
        for table in tables:
            parts = table.lower().split(".")
            schemas = schemas_of.get(parts[-1])
            if not schemas or (len(parts) > 1 and parts[-2] not in schemas):
                return False
        return True

    return accept


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _from_epoch(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), tz=UTC)


def _workload(aggregator: Aggregator, start: datetime | None, end: datetime | None) -> MinedWorkload:
    # Milliseconds: the precision written to the file, so that rps.avg is
    # exactly calls / window_seconds for a reader checking it.
    seconds = round((end - start).total_seconds(), 3) if start is not None and end is not None else None
    if seconds is not None and seconds <= 0:
        start = end = seconds = None  # no usable window: no rates rather than infinite ones
    return MinedWorkload(
        statements=aggregator.statements(),
        window_start=start,
        window_end=end,
        window_seconds=seconds,
        origin=aggregator.origin,
        dialect_name=aggregator.dialect_name,
        skipped=dict(aggregator.skipped),
    )


def _report(workload: MinedWorkload, reporter: Reporter) -> None:
    calls = sum(s.calls for s in workload.statements)
    if workload.window_start is not None and workload.window_end is not None:
        window = f"{iso_utc(workload.window_start)} to {iso_utc(workload.window_end)}"
        window += f" ({workload.window_seconds:,.0f} s)"
    else:
        window = "an unknown window (no rates)"
    reporter.info(f"{workload.origin}: {len(workload.statements)} statements, {calls:,} calls, over {window}")
    for reason, count in sorted(workload.skipped.items()):
        reporter.info(f"  left out: {count:,} calls, {reason}")
    if not workload.statements:
        reporter.warning(
            f"{workload.origin} holds no statements on the application's tables yet: "
            "run the application (or a representative load) and mine again"
        )
