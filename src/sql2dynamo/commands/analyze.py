"""``sql2dynamo analyze``: the source's schema, statistics and recorded workload."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.common.fsutil import write_files_atomically
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.source.connect import Source, open_source
from sql2dynamo.source.ddl.read import schema_from_ddl
from sql2dynamo.source.dialects import get_dialect
from sql2dynamo.source.introspect import introspect
from sql2dynamo.source.model import Schema, schema_to_dict
from sql2dynamo.source.stats import StatsBudget
from sql2dynamo.source.types import TypeMapper, parse_cast_rules
from sql2dynamo.workload.evidence import MinedWorkload, mined_to_patterns
from sql2dynamo.workload.mine import mine_workload
from sql2dynamo.workload.patterns.write import merge_mined
from sql2dynamo.workload.querylog import read_query_log

SCHEMA_FILE = "schema.json"
PATTERNS_FILE = "access_patterns.yaml"


@dataclass(frozen=True)
class AnalyzeResult:
    """What ``analyze`` produced and where it wrote it."""

    schema: Schema
    schema_path: Path
    patterns_path: Path | None
    mined_patterns: int
    workload_window_seconds: float | None

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``)."""
        return {
            "command": "analyze",
            "source": self.schema.source.url or self.schema.source.ddl_file,
            "dialect": self.schema.source.dialect,
            "statistics": self.schema.statistics,
            "schema_path": str(self.schema_path),
            "patterns_path": str(self.patterns_path) if self.patterns_path else None,
            "mined_patterns": self.mined_patterns,
            "workload_window_seconds": self.workload_window_seconds,
            "attention": [{"kind": a.kind, "name": a.name, "reason": a.reason} for a in self.schema.attention],
            "tables": [table_summary(t) for t in self.schema.tables],
        }


def table_summary(table: Any) -> dict[str, Any]:
    """One table's row in the end-of-command summary."""
    st = table.stats
    return {
        "table": table.name,
        "columns": len(table.columns),
        "primary_key": list(table.primary_key),
        "foreign_keys": len(table.foreign_keys),
        "unique": len(table.unique_constraints),
        "indexes": len(table.indexes),
        "rows": st.row_count if st else None,
        "rows_exact": st.row_count_exact if st else None,
        "avg_row_bytes": st.avg_row_bytes if st else None,
        "max_row_bytes": st.max_row_bytes if st else None,
    }


def analyze(
    source_url: str | None = None,
    *,
    out_dir: Path = Path("."),
    reporter: Reporter,
    ddl: Path | None = None,
    dialect: str | None = None,
    workload: bool = False,
    query_log: Path | None = None,
    include: Collection[str] = (),
    exclude: Collection[str] = (),
    casts: Sequence[str] = (),
    sample_rows: int = 1000,
    application: str | None = None,
) -> AnalyzeResult:
    """Analyze a live database (``source_url``) or a DDL file (``ddl`` + ``dialect``).

    Writes ``out_dir/schema.json`` and, with ``workload`` or ``query_log``,
    merges the mined patterns into ``out_dir/access_patterns.yaml``.  Nothing
    is written unless every step succeeded.
    """
    mapper = TypeMapper(parse_cast_rules(casts))
    if sample_rows < 1:
        raise UsageError("--sample-rows must be at least 1")
    if workload and query_log is not None:
        raise UsageError("give --workload or --query-log FILE, not both")
    if ddl is not None:
        if source_url:
            raise UsageError("give either SOURCE_URL or --ddl FILE, not both")
        if not dialect:
            raise UsageError("--ddl needs --dialect mysql|postgres|sqlite")
        if workload:
            raise UsageError("--workload reads a live database; with --ddl use --query-log FILE")
        d = get_dialect(dialect)
        found = _read_query_log(query_log, d.name)

        reporter.info(f"parsing {ddl} as {d.title} DDL")
        schema = schema_from_ddl(ddl, d.name, type_mapper=mapper, exclude=frozenset(exclude))
        schema = _only(schema, include, where=str(ddl))
        where, default_app = str(ddl), ddl.stem
    else:
        if not source_url:
            raise UsageError("name a source: SOURCE_URL or --ddl FILE --dialect NAME")
        if dialect:
            raise UsageError("--dialect goes with --ddl; a URL already names its database")
        source = open_source(source_url)
        try:
            reporter.info(f"analyzing {source.display_url} ({source.server_version or source.dialect.title})")
            # Mine first: the statistics queries below must not show up as the application's workload.
            if query_log is not None:
                found = _read_query_log(query_log, source.dialect.name)
            else:
                found = _mine(source, reporter) if workload else None
            schema = introspect(
                source,
                reporter=reporter,
                mapper=mapper,
                include=include,
                exclude=exclude,
                budget=StatsBudget(sample_rows=sample_rows),
            )
        finally:
            source.engine.dispose()
        where = source.display_url
        database = source.database or "app"
        default_app = Path(database).stem if source.dialect.name == "sqlite" else database
    check_schema(schema, where=where)
    files: dict[Path, str] = {out_dir / SCHEMA_FILE: json.dumps(schema_to_dict(schema), indent=2) + "\n"}
    patterns_path: Path | None = None
    mined = 0
    if found is not None:
        app = application or default_app
        patterns = mined_to_patterns(found, app)
        patterns_path = out_dir / PATTERNS_FILE
        existing = patterns_path.read_text(encoding="utf-8") if patterns_path.exists() else None
        files[patterns_path] = merge_mined(existing, patterns, app)
        mined = len(patterns)
    write_files_atomically(files)
    return AnalyzeResult(schema, out_dir / SCHEMA_FILE, patterns_path, mined, found.window_seconds if found else None)


def _read_query_log(path: Path | None, dialect: str) -> MinedWorkload | None:
    if path is None:
        return None

    return read_query_log(path, dialect)


def _mine(source: Source, reporter: Reporter) -> MinedWorkload:

    return mine_workload(source.engine, source.dialect.name, reporter=reporter)


def _only(schema: Schema, include: Collection[str], *, where: str) -> Schema:
    if not include:
        return schema
    names = {t.name for t in schema.tables}
    unknown = sorted(set(include) - names)
    if unknown:
        raise InputError(
            f"--include names tables that {where} does not have: {', '.join(unknown)}",
            hint=f"tables there: {', '.join(sorted(names)) or 'none'}",
        )
    return replace(
        schema,
        tables=tuple(t for t in schema.tables if t.name in include),
        attention=tuple(a for a in schema.attention if a.table is None or a.table in include),
    )


def check_schema(schema: Schema, *, where: str) -> None:
    """Refuse a schema later stages cannot use: no tables, or a table without a key."""
    if not schema.tables:
        raise InputError(
            f"{where} has no tables to migrate",
            hint="check the database name (or the --include/--exclude options)",
        )
    for table in schema.tables:
        if not table.primary_key:
            raise InputError(
                f'table "{table.name}" has no primary key, and every DynamoDB item needs a unique key',
                hint=f"add a primary key to it, or leave it out with --exclude {table.name!r}",
                table=table.name,
            )
