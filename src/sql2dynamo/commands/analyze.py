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
from sql2dynamo.common.results import Result
from sql2dynamo.source.connect import Source, open_source
from sql2dynamo.source.ddl.read import schema_from_ddl
from sql2dynamo.source.dialects import get_dialect
from sql2dynamo.source.introspect import introspect
from sql2dynamo.source.model import Schema, schema_to_dict
from sql2dynamo.source.stats import StatsBudget
from sql2dynamo.source.types import TypeMapper, parse_cast_rules
from sql2dynamo.workload.evidence import MinedWorkload, mined_to_patterns
from sql2dynamo.workload.mine import mine_workload
from sql2dynamo.workload.patterns.skeleton import skeleton_patterns
from sql2dynamo.workload.patterns.write import merge_mined
from sql2dynamo.workload.querylog import read_query_log

SCHEMA_FILE = "schema.json"
PATTERNS_FILE = "access_patterns.yaml"


@dataclass(frozen=True)
class AnalyzeResult(Result):
    """What ``analyze`` produced and where it wrote it."""

    schema: Schema
    schema_path: Path
    patterns_path: Path | None
    mined_patterns: int
    workload_window_seconds: float | None
    patterns_skeleton: bool = False
    """``patterns_path`` is a skeleton with a commented example per table (there was no workload to mine)."""

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

    def describe(self, out: Reporter) -> None:
        """The per-table table (with a total row), what needs attention, and the files written."""
        summary = self.summary()
        rows = [
            [
                t["table"],
                t["columns"],
                ", ".join(t["primary_key"]) or "(none)",
                t["foreign_keys"],
                t["unique"],
                t["indexes"],
                t["rows"] if t["rows"] is None or t["rows_exact"] else f"~{t['rows']:,}",
                t["avg_row_bytes"],
            ]
            for t in summary["tables"]
        ]
        total_rows = sum(t["rows"] or 0 for t in summary["tables"])
        rows.append(
            [
                "total",
                sum(t["columns"] for t in summary["tables"]),
                "",
                sum(t["foreign_keys"] for t in summary["tables"]),
                "",
                "",
                total_rows if summary["statistics"] == "live" else None,
                None,
            ]
        )
        out.table(
            f"{len(summary['tables'])} tables from {summary['source']}",
            ["table", "cols", "primary key", "FKs", "uniq", "idx", "rows", "avg bytes"],
            rows,
        )
        for item in summary["attention"]:
            out.warning(f"needs attention: {item['kind']} {item['name']}: {item['reason']}")
        out.info(f"wrote {summary['schema_path']}")
        if summary["patterns_path"] and self.patterns_skeleton:
            out.info(
                f"wrote {summary['patterns_path']}: no workload to mine, so a commented example per table; "
                "write the application's access patterns there (or mine them with --workload)"
            )
        elif summary["patterns_path"]:
            window = summary["workload_window_seconds"]
            seen = f" over a window of {window:,.0f} s" if window else " (no window stated: rps left null)"
            out.info(f"wrote {summary['patterns_path']}: {summary['mined_patterns']} mined patterns{seen}")


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
    strict_types: bool = False,
) -> AnalyzeResult:
    """Analyze a live database (``source_url``) or a DDL file (``ddl`` + ``dialect``).

    Writes ``out_dir/schema.json`` and, with ``workload`` or ``query_log``,
    merges the mined patterns into ``out_dir/access_patterns.yaml``.  Nothing
    is written unless every step succeeded.  A live column whose type no rule
    maps is read as text through the database's cast, with a warning under
    ``attention``; ``strict_types`` stops (exit 4) instead.
    """
    mapper = TypeMapper(parse_cast_rules(casts), strict=strict_types)
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
    schema_text = json.dumps(schema_to_dict(schema), indent=2, allow_nan=False) + "\n"  # strict JSON
    files: dict[Path, str] = {out_dir / SCHEMA_FILE: schema_text}
    patterns_path: Path | None = None
    mined = 0
    if found is not None:
        app = application or default_app
        patterns = mined_to_patterns(found, app)
        patterns_path = out_dir / PATTERNS_FILE
        existing = patterns_path.read_text(encoding="utf-8") if patterns_path.exists() else None
        files[patterns_path] = merge_mined(existing, patterns, app)
        mined = len(patterns)
    elif not (out_dir / PATTERNS_FILE).exists():
        # Nothing to mine: a skeleton to start from, never over the user's own file.
        patterns_path = out_dir / PATTERNS_FILE
        files[patterns_path] = skeleton_patterns(schema, application or default_app)
    write_files_atomically(files)
    return AnalyzeResult(
        schema,
        out_dir / SCHEMA_FILE,
        patterns_path,
        mined,
        found.window_seconds if found else None,
        patterns_skeleton=found is None and patterns_path is not None,
    )


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
