"""``sql2dynamo cutover status|advance|rollback``: thin click commands over :mod:`sql2dynamo.commands.cutover`.

The status table (or ``--json``) goes to stdout, progress to stderr;
``--summary`` gets the JSON.  A refused advance exits 8 (``CutoverBlocked``)
naming what blocks; a concurrent move by another operator exits 6
(``VersionConflict``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sql2dynamo.cli.echo import progress_reporter, show_result
from sql2dynamo.cli.options import (
    F,
    control_table_option,
    json_option,
    model_option,
    outbox_table_option,
    slot_option,
    source_url_argument,
    summary_option,
    target_option,
)
from sql2dynamo.commands.cutover import Action, cutover
from sql2dynamo.target.endpoint import ACCEPTED_FORMS


def _common(fn: F) -> F:
    """The arguments and options status, advance and rollback share."""
    for option in reversed(
        [
            source_url_argument(required=False),
            model_option("Directory with data_model.json."),
            target_option(f"The DynamoDB being cut over to: {ACCEPTED_FORMS}."),
            control_table_option(),
            outbox_table_option("The dual-write outbox in SOURCE_URL (its backlog counts as lag)."),
            slot_option("The sync stream whose lag counts (its control item is sync:SLOT)."),
            summary_option("the status"),
            json_option(),
        ]
    ):
        fn = option(fn)
    return fn


_NOTE = click.option("--note", help="Recorded in the phase history.")


@click.group("cutover")
def cutover_group() -> None:
    """Phased cut-over, kept in the target's control table.

    \b
    Phases: dual-write -> backfill -> verify -> read-10 -> read-25 -> read-50
            -> read-75 -> read-100 -> write-shift -> decommission
    """


def _run(action: Action, summary_path: Path | None, as_json: bool, **options: Any) -> None:
    # The shared options arrive as keywords and go on unchanged: the typed command function checks them.
    result = cutover(action, reporter=progress_reporter(), **options)
    show_result(result, as_json=as_json, summary_path=summary_path)


@cutover_group.command("status")
@_common
def status_cmd(summary_path: Path | None, as_json: bool, **options: Any) -> None:
    """Show the phase, replication lag, outbox backlog, shadow-read mismatches, the last verify and what blocks."""
    _run("status", summary_path, as_json, **options)


@cutover_group.command("advance")
@_common
@_NOTE
def advance_cmd(summary_path: Path | None, as_json: bool, **options: Any) -> None:
    """Move to the next phase; exits 8 naming the blocker while lag or mismatches are non-zero or verify has not passed.

    SOURCE_URL lets the outbox backlog of a dual-writing application count as lag.
    """
    _run("advance", summary_path, as_json, **options)


@cutover_group.command("rollback")
@_common
@_NOTE
def rollback_cmd(summary_path: Path | None, as_json: bool, **options: Any) -> None:
    """Return to the previous phase."""
    _run("rollback", summary_path, as_json, **options)
