"""``sql2dynamo analyze``: a thin click command over :mod:`sql2dynamo.commands.analyze`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter, show_result
from sql2dynamo.cli.options import json_option, out_dir_option, source_url_argument, summary_option
from sql2dynamo.commands.analyze import analyze


@click.command("analyze")
@source_url_argument(required=False)
@out_dir_option("schema.json and access_patterns.yaml")
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
@click.option(
    "--strict-types",
    is_flag=True,
    help="Stop on a column type no rule maps, instead of reading it as text through the database's cast.",
)
@click.option("--sample-rows", default=1000, show_default=True, help="Rows sampled per table for statistics.")
@click.option("--application", help="Application name for access_patterns.yaml (default: the database name).")
@summary_option()
@json_option()
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
    strict_types: bool,
    sample_rows: int,
    application: str | None,
    summary_path: Path | None,
    as_json: bool,
) -> None:
    """Read SOURCE_URL (or --ddl FILE) into schema.json: tables, keys, statistics, workload.

    SOURCE_URL is a SQLAlchemy URL: sqlite:///file.db, postgresql://user@host/db,
    mysql://user@host/db (MariaDB too).
    """
    result = analyze(
        source_url,
        out_dir=out_dir,
        reporter=progress_reporter(),
        ddl=ddl,
        dialect=dialect,
        workload=workload,
        query_log=query_log,
        include=include,
        exclude=exclude,
        casts=casts,
        strict_types=strict_types,
        sample_rows=sample_rows,
        application=application,
    )
    show_result(result, as_json=as_json, summary_path=summary_path)
