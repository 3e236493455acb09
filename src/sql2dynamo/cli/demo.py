"""``sql2dynamo demo``: a thin click command over :mod:`sql2dynamo.commands.demo`.

Every stage's progress and tables go to stderr (they are the demo's
progress); stdout gets the closing line (or, with ``--json``, every stage's
summary).  The first failing stage's error sets the exit code.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter, show_result
from sql2dynamo.cli.options import json_option, out_dir_option, strategy_option, summary_option, target_option
from sql2dynamo.commands.demo import DEFAULT_EXAMPLE, demo
from sql2dynamo.examples import EXAMPLES


@click.command("demo")
@out_dir_option("the demo's files", default=Path("sql2dynamo-demo"))
@click.option(
    "--example",
    default=DEFAULT_EXAMPLE,
    show_default=True,
    help=f"Example to run: {', '.join(EXAMPLES)}.",
)
@click.option("--rows", default=200, show_default=True, help="Rows of the example's main entity (others scale).")
@click.option(
    "--source",
    "source_url",
    metavar="URL",
    help="Generate the example into this PostgreSQL or MySQL/MariaDB database (empty, or filled by an earlier "
    "demo) and run from it, instead of a SQLite file.",
)
@strategy_option("Design strategy.")
@target_option(
    "A local DynamoDB: local, local:PORT or http://127.0.0.1:PORT (the demo recreates its tables there).",
    default="local",
)
@summary_option()
@json_option()
def demo_cmd(
    out_dir: Path,
    example: str,
    rows: int,
    source_url: str | None,
    strategy: str,
    target: str,
    summary_path: Path | None,
    as_json: bool,
) -> None:
    """Run the pipeline end to end on a generated example: analyze, design, deploy, migrate, verify, validate."""
    result = demo(
        out_dir=out_dir,
        rows=rows,
        reporter=progress_reporter(),
        example=example,
        strategy=strategy,
        target=target,
        source=source_url,
    )
    show_result(result, as_json=as_json, summary_path=summary_path)
