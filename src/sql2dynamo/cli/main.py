"""The ``sql2dynamo`` command: parsing options, calling a command function, showing its result.

Every error the core raises on purpose is a ``Sql2DynamoError``: it is shown
as one line ``error: ...`` and the process exits with that error's documented
code (see ``sql2dynamo.common.errors.EXIT_CODES``).  Anything else is a bug: it gets
exit code 1 and a line asking for a report, with passwords redacted.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from sql2dynamo import __version__
from sql2dynamo.cli.codegen import codegen_cmd
from sql2dynamo.cli.cutover import cutover_group
from sql2dynamo.cli.deploy import deploy_cmd, destroy_cmd
from sql2dynamo.cli.local import local_group
from sql2dynamo.cli.migrate import migrate_cmd
from sql2dynamo.cli.sync import sync_cmd
from sql2dynamo.cli.validate import validate_cmd
from sql2dynamo.cli.verify import verify_cmd
from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.demo import demo
from sql2dynamo.commands.design import design
from sql2dynamo.common.errors import EXIT_CODES, ConfirmationRequired, Sql2DynamoError
from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.common.reporting import Reporter, default_reporter
from sql2dynamo.common.urls import redact_text

_EXIT_HELP = "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items())


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=f"Exit codes:\n\n\b\n{_EXIT_HELP}",
)
@click.version_option(__version__, prog_name="sql2dynamo")
def cli() -> None:
    """Move an application from MySQL/MariaDB, PostgreSQL or SQLite to Amazon DynamoDB."""


def write_summary(path: Path | None, summary: dict[str, Any]) -> None:
    """Write ``--summary FILE.json`` atomically."""
    if path is not None:
        atomic_write_text(path, json.dumps(summary, indent=2, default=str) + "\n")


def show_analyze_summary(reporter: Reporter, summary: dict[str, Any]) -> None:
    """The per-table table that closes ``analyze`` (and the demo's analyze stage)."""
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
    reporter.table(
        f"{len(summary['tables'])} tables from {summary['source']}",
        ["table", "cols", "primary key", "FKs", "uniq", "idx", "rows", "avg bytes"],
        rows,
    )
    for item in summary["attention"]:
        reporter.warning(f"needs attention: {item['kind']} {item['name']}: {item['reason']}")
    reporter.info(f"wrote {summary['schema_path']}")
    if summary["patterns_path"]:
        window = summary["workload_window_seconds"]
        seen = f" over a window of {window:,.0f} s" if window else " (no window stated: rps left null)"
        reporter.info(f"wrote {summary['patterns_path']}: {summary['mined_patterns']} mined patterns{seen}")


@cli.command("analyze")
@click.argument("source_url", required=False)
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory for schema.json and access_patterns.yaml.",
)
@click.option("--ddl", type=click.Path(dir_okay=False, path_type=Path), help="Read a DDL file instead of a database.")
@click.option("--dialect", help="Dialect of --ddl: mysql, postgres or sqlite.")
@click.option(
    "--workload", is_flag=True, help="Mine pg_stat_statements / performance_schema into access_patterns.yaml."
)
@click.option(
    "--query-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mine a file of SQL statements with counts (format in README) instead.",
)
@click.option("--include", multiple=True, metavar="TABLE", help="Analyze only these tables (repeatable).")
@click.option("--exclude", multiple=True, metavar="TABLE", help="Leave these tables out (repeatable).")
@click.option(
    "--cast",
    "casts",
    multiple=True,
    metavar="TYPE=NORMALIZED",
    help="Type rule tried before the built-in ones, e.g. 'point=string' (repeatable).",
)
@click.option("--sample-rows", default=1000, show_default=True, help="Rows sampled per table for statistics.")
@click.option("--application", help="Application name for access_patterns.yaml (default: the database name).")
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON to this file.",
)
def analyze_cmd(
    source_url: str | None,
    out_dir: Path,
    ddl: Path | None,
    dialect: str | None,
    workload: bool,
    query_log: Path | None,
    include: Sequence[str],
    exclude: Sequence[str],
    casts: Sequence[str],
    sample_rows: int,
    application: str | None,
    summary_path: Path | None,
) -> None:
    """Read SOURCE_URL (or --ddl FILE) into schema.json: tables, keys, statistics, workload.

    SOURCE_URL is a SQLAlchemy URL: sqlite:///file.db, postgresql://user@host/db,
    mysql://user@host/db (MariaDB too).
    """
    reporter = default_reporter()
    result = analyze(
        source_url,
        out_dir=out_dir,
        reporter=reporter,
        ddl=ddl,
        dialect=dialect,
        workload=workload,
        query_log=query_log,
        include=include,
        exclude=exclude,
        casts=casts,
        sample_rows=sample_rows,
        application=application,
    )
    summary = result.summary()
    show_analyze_summary(reporter, summary)
    write_summary(summary_path, summary)


def make_confirm(yes: bool) -> Callable[[str, str], bool]:
    """Gate confirmation: --yes answers for automation, a terminal asks, anything else refuses."""

    def confirm(gate: str, question: str) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            raise ConfirmationRequired(
                f"the {gate} gate needs confirming and there is no terminal to ask: {question}",
                hint="review the files, then run again with --yes",
            )
        return click.confirm(question, default=False, err=True)

    return confirm


@cli.command("design")
@click.option(
    "--schema",
    "schema_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="schema.json written by analyze.",
)
@click.option(
    "--patterns",
    "patterns_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="access_patterns.yaml (mined by analyze --workload or written by hand).",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory for the documents, the contract and data_model.json.",
)
@click.option(
    "--strategy",
    type=click.Choice(["multi-table", "single-table"]),
    default="multi-table",
    show_default=True,
    help="One table per entity (natural keys) or one table for all.",
)
@click.option(
    "--billing",
    type=click.Choice(["on-demand", "provisioned"]),
    default="on-demand",
    show_default=True,
    help="Capacity mode the cost estimate recommends.",
)
@click.option(
    "--pricing",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Price table JSON (default: us-east-1 list prices shipped with sql2dynamo).",
)
@click.option("--yes", is_flag=True, help="Confirm the requirements and design gates without asking.")
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON to this file.",
)
def design_cmd(
    schema_path: Path,
    patterns_path: Path,
    out_dir: Path,
    strategy: str,
    billing: str,
    pricing: Path | None,
    yes: bool,
    summary_path: Path | None,
) -> None:
    """Design the DynamoDB model: dynamodb_requirement.md, dynamodb_data_model.md, migrationContract.json."""
    result = design(
        schema_path,
        patterns_path,
        out_dir=out_dir,
        reporter=default_reporter(),
        confirm=make_confirm(yes),
        strategy=strategy,
        billing=billing,
        pricing=pricing,
    )
    write_summary(summary_path, result.summary())


@cli.command("demo")
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sql2dynamo-demo"),
    show_default=True,
    help="Directory for the demo's files.",
)
@click.option(
    "--example",
    default="algoitny",
    show_default=True,
    help="Example to run: algoitny, hustle_hub, decision_data or chinook.",
)
@click.option("--rows", default=200, show_default=True, help="Rows of the example's main entity (others scale).")
@click.option(
    "--source",
    "source_url",
    metavar="URL",
    help="Generate the example into this PostgreSQL or MySQL/MariaDB database (empty, or filled by an earlier "
    "demo) and run from it, instead of a SQLite file.",
)
@click.option(
    "--strategy",
    type=click.Choice(["multi-table", "single-table"]),
    default="multi-table",
    show_default=True,
    help="Design strategy.",
)
@click.option(
    "--target",
    default="local",
    show_default=True,
    help="A local DynamoDB: local, local:PORT or http://127.0.0.1:PORT (the demo recreates its tables there).",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON to this file.",
)
def demo_cmd(
    out_dir: Path,
    example: str,
    rows: int,
    source_url: str | None,
    strategy: str,
    target: str,
    summary_path: Path | None,
) -> None:
    """Run the pipeline end to end on a generated example: analyze, design, deploy, migrate, verify, validate."""
    reporter = default_reporter()

    def after_stage(stage: str, result: Any) -> None:
        if stage == "analyze":
            show_analyze_summary(reporter, result.summary())

    result = demo(
        out_dir=out_dir,
        rows=rows,
        reporter=reporter,
        example=example,
        strategy=strategy,
        target=target,
        source=source_url,
        after_stage=after_stage,
    )
    reporter.info(f"demo of {result.example} done: source {result.database}, files in {out_dir}")
    write_summary(summary_path, result.summary())


cli.add_command(deploy_cmd)
cli.add_command(migrate_cmd)
cli.add_command(verify_cmd)
cli.add_command(validate_cmd)
cli.add_command(sync_cmd)
cli.add_command(destroy_cmd)
cli.add_command(local_group)
cli.add_command(codegen_cmd)
cli.add_command(cutover_group)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: run the CLI and turn errors into documented exit codes."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="sql2dynamo", standalone_mode=False)
    except Sql2DynamoError as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so, without leaking secrets
        if os.environ.get("SQL2DYNAMO_DEBUG"):
            raise
        first_line = redact_text(str(exc)).splitlines()[0] if str(exc) else ""
        click.echo(
            f"internal error: {type(exc).__name__}: {first_line} "
            "(this is a bug in sql2dynamo; please report it with the command line)",
            err=True,
        )
        sys.exit(1)
