"""``sql2dynamo sync``: a thin click command over :mod:`sql2dynamo.commands.sync` (and, with ``--outbox``,
:func:`sql2dynamo.commands.cutover.sync_outbox`).

Exit codes: 2 (``UsageError``: SQLite, no stream started, bad options), 3
(source unreachable), 5 (``PrerequisiteError``: server settings or
privileges missing, each named; or ``--until-caught-up`` stopped by
``--max-seconds`` before catching up), 7 (a write DynamoDB refused for good).
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter, show_result
from sql2dynamo.cli.options import (
    control_table_option,
    json_option,
    model_option,
    outbox_table_option,
    slot_option,
    source_url_argument,
    summary_option,
    target_option,
)
from sql2dynamo.commands.cutover import sync_outbox
from sql2dynamo.commands.sync import require_caught_up, sync
from sql2dynamo.target.endpoint import ACCEPTED_FORMS


@click.command("sync")
@source_url_argument()
@model_option("Directory with data_model.json.")
@target_option(f"Where the migrated tables are: {ACCEPTED_FORMS}.")
@slot_option("The stream (PostgreSQL: replication slot).")
@click.option("--until-caught-up", is_flag=True, help="Exit once everything committed at the start is applied.")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), help="Stop after this long.")
@click.option("--workers", type=click.IntRange(min=1), default=8, show_default=True, help="Parallel writers.")
@click.option(
    "--batch-changes", type=click.IntRange(min=1), default=500, show_default=True, help="Changes per applied batch."
)
@control_table_option()
@click.option("--status", is_flag=True, help="Show the stream (start, checkpoint, lag, slot) and apply nothing.")
@click.option("--drop-slot", is_flag=True, help="Remove the stream: slot, publication and control item.")
@summary_option()
@json_option()
@click.option(
    "--outbox",
    is_flag=True,
    help="Instead of a log stream, apply the dual-write outbox of SOURCE_URL (any source, SQLite too), then exit.",
)
@outbox_table_option("The outbox table (--outbox).")
def sync_cmd(
    source_url: str,
    model_dir: Path,
    target: str,
    slot: str,
    until_caught_up: bool,
    max_seconds: float | None,
    workers: int,
    batch_changes: int,
    control_table: str,
    status: bool,
    drop_slot: bool,
    summary_path: Path | None,
    as_json: bool,
    outbox: bool,
    outbox_table: str,
) -> None:
    """Stream SOURCE_URL's committed changes into --target from where `migrate --with-sync` took its snapshot.

    PostgreSQL (logical replication slot) or MySQL/MariaDB (row-based binlog);
    every write is conditional on the change's source position, so restarts
    and replays never move an item backwards.
    """
    reporter = progress_reporter()
    if outbox:  # the dual-write outbox (sql2dynamo.runtime), drained in id order
        drained = sync_outbox(
            source_url,
            model_dir,
            target,
            reporter=reporter,
            outbox_table=outbox_table,
            batch_size=batch_changes,
            workers=workers,
        )
        show_result(drained, as_json=as_json, summary_path=summary_path)
        return
    result = sync(
        source_url,
        model_dir,
        target,
        reporter=reporter,
        slot=slot,
        until_caught_up=until_caught_up,
        max_seconds=max_seconds,
        workers=workers,
        batch_changes=batch_changes,
        control_table=control_table,
        status=status,
        drop_slot=drop_slot,
    )
    show_result(result, as_json=as_json, summary_path=summary_path)
    if until_caught_up and result.action == "stream":
        require_caught_up(result)
