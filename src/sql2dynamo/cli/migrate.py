"""``sql2dynamo migrate``: a thin click command over :mod:`sql2dynamo.commands.migrate`.

Errors propagate to the main CLI, which prints them on one line and exits
with their code: 7 (``TargetError``) when any item failed to be written (after
the table and ``--summary`` are out), 4 (``InputError``) for a reject under
``--on-error-stop``.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter, show_result
from sql2dynamo.cli.options import (
    json_option,
    model_option,
    slot_option,
    source_url_argument,
    summary_option,
    target_option,
)
from sql2dynamo.commands.migrate import migrate, raise_for_failures
from sql2dynamo.migrate.spark_options import SparkOptions
from sql2dynamo.migrate.writer import DEFAULT_UNREACHABLE_S
from sql2dynamo.target.endpoint import ACCEPTED_FORMS


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


@click.command("migrate")
@source_url_argument()
@model_option("Directory with data_model.json (checkpoints and rejects are kept there too).")
@target_option(f"Where to write: {ACCEPTED_FORMS}.", required=False)
@click.option("--resume", is_flag=True, help="Continue an interrupted migration from its checkpoints.")
@click.option("--dry-run", is_flag=True, help="Read and transform every row, check DynamoDB's limits, write nothing.")
@click.option("--only", metavar="T1,T2", help="Migrate only these source tables.")
@click.option("--max-wcu", type=click.FloatRange(min=0, min_open=True), help="Cap the write capacity used per second.")
@click.option("--segments", type=click.IntRange(min=1), default=4, show_default=True, help="Parallel readers per run.")
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=8, show_default=True, help="Write requests in flight."
)
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True, help="Rows per read.")
@click.option("--on-error-stop", is_flag=True, help="Stop at the first row that cannot become an item.")
@click.option(
    "--unreachable-timeout",
    "unreachable_s",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_UNREACHABLE_S,
    show_default=True,
    help="Seconds the target may answer nothing before the run stops (then continue it with --resume).",
)
@click.option(
    "--with-sync",
    is_flag=True,
    help="Start a change stream first and read the backfill from its snapshot (then run `sql2dynamo sync`).",
)
@slot_option("With --with-sync: the stream's name.")
@click.option(
    "--engine",
    type=click.Choice(["threads", "spark"]),
    default="threads",
    show_default=True,
    help="Run the segments on reader threads here, or as Spark tasks (pip install 'sql2dynamo[spark]').",
)
@click.option(
    "--spark-master",
    metavar="MASTER",
    help="With --engine spark: local[N] (local[N,F]: F attempts per task); default: spark-submit's, else local[*].",
)
@summary_option()
@json_option()
def migrate_cmd(
    source_url: str,
    model_dir: Path,
    target: str | None,
    resume: bool,
    dry_run: bool,
    only: str | None,
    max_wcu: float | None,
    segments: int,
    concurrency: int,
    batch_size: int,
    on_error_stop: bool,
    unreachable_s: float,
    with_sync: bool,
    slot: str,
    engine: str,
    spark_master: str | None,
    summary_path: Path | None,
    as_json: bool,
) -> None:
    """Copy the rows of SOURCE_URL into the DynamoDB tables of data_model.json on --target.

    Resumable (--resume), parallel by primary-key segments; rows DynamoDB cannot
    hold go to DIR/rejects/<run id>/<table>.jsonl and the rest migrates.
    """
    result = migrate(
        source_url,
        model_dir,
        target,
        reporter=progress_reporter(),
        segments=segments,
        concurrency=concurrency,
        batch_size=batch_size,
        max_wcu=max_wcu,
        resume=resume,
        dry_run=dry_run,
        only=_names(only),
        on_error_stop=on_error_stop,
        unreachable_s=unreachable_s,
        with_sync=with_sync,
        slot=slot,
        engine=engine,
        spark=SparkOptions(master=spark_master),
    )
    show_result(result, as_json=as_json, summary_path=summary_path)
    raise_for_failures(result)
