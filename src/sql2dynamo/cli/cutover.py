"""``sql2dynamo cutover status|advance|rollback``: thin click commands over :mod:`sql2dynamo.commands.cutover`.

The status table goes to stderr through the reporter; ``--summary`` gets the
JSON.  A refused advance exits 8 (``CutoverBlocked``) naming what blocks; a
concurrent move by another operator exits 6 (``VersionConflict``).  The main
CLI registers the group with ``cli.add_command(cutover_group)``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sql2dynamo.cli.deploy import _main_helpers, _reporter
from sql2dynamo.cli.options import model_option
from sql2dynamo.commands.cutover import CutoverResult, cutover_advance, cutover_rollback, cutover_status
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.cutover.outbox import DEFAULT_OUTBOX_TABLE
from sql2dynamo.cutover.status import DEFAULT_SLOT
from sql2dynamo.sync.control import DEFAULT_CONTROL_TABLE
from sql2dynamo.target.endpoint import ACCEPTED_FORMS


def _common(fn: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(
        [
            click.argument("source_url", required=False),
            model_option("Directory with data_model.json."),
            click.option("--target", required=True, help=f"The DynamoDB being cut over to: {ACCEPTED_FORMS}."),
            click.option(
                "--control-table", default=DEFAULT_CONTROL_TABLE, show_default=True, help="The target's control table."
            ),
            click.option(
                "--outbox-table",
                default=DEFAULT_OUTBOX_TABLE,
                show_default=True,
                help="The dual-write outbox in SOURCE_URL (its backlog counts as lag).",
            ),
            click.option(
                "--slot",
                default=DEFAULT_SLOT,
                show_default=True,
                help="The sync stream whose lag counts (its control item is sync:SLOT).",
            ),
            click.option(
                "--summary",
                "summary_path",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Also write the status as JSON to this file.",
            ),
        ]
    ):
        fn = option(fn)
    return fn


@click.group("cutover")
def cutover_group() -> None:
    """Phased cut-over, kept in the target's control table.

    \b
    Phases: dual-write -> backfill -> verify -> read-10 -> read-25 -> read-50
            -> read-75 -> read-100 -> write-shift -> decommission
    """


def _run(action: Callable[..., CutoverResult], summary_path: Path | None, **kwargs: Any) -> None:
    _, write_summary = _main_helpers(True)
    reporter = _reporter()
    result = action(reporter=reporter, **kwargs)
    show_cutover(reporter, result)
    write_summary(summary_path, result.summary())


# The command functions take the shared options as keywords and hand them on unchanged: the typed
# command functions (sql2dynamo.commands.cutover) check them.
@cutover_group.command("status")
@_common
def status_cmd(summary_path: Path | None, **options: Any) -> None:
    """Show the phase, replication lag, outbox backlog, shadow-read mismatches, the last verify and what blocks."""
    _run(cutover_status, summary_path, **options)


@cutover_group.command("advance")
@_common
@click.option("--note", help="Recorded in the phase history.")
def advance_cmd(summary_path: Path | None, **options: Any) -> None:
    """Move to the next phase; exits 8 naming the blocker while lag or mismatches are non-zero or verify has not passed.

    SOURCE_URL lets the outbox backlog of a dual-writing application count as lag.
    """
    _run(cutover_advance, summary_path, **options)


@cutover_group.command("rollback")
@_common
@click.option("--note", help="Recorded in the phase history.")
def rollback_cmd(summary_path: Path | None, **options: Any) -> None:
    """Return to the previous phase."""
    _run(cutover_rollback, summary_path, **options)


def show_cutover(reporter: Reporter, result: CutoverResult) -> None:
    """The status as a two-column table, then each blocker as a warning."""
    s = result.status.summary()
    lag, shadow, verify = s["lag"], s["shadow"], s["verify"]

    def known(value: Any, unit: str = "") -> str:
        return "unknown" if value is None else f"{value:g}{unit}" if isinstance(value, float) else f"{value}{unit}"

    rate = shadow["mismatch_rate"]
    rows = [
        ["phase", f"{s['phase']} (version {s['version']})"],
        ["next / previous", f"{s['next_phase'] or '-'} / {s['previous_phase'] or '-'}"],
        ["reads from DynamoDB", f"{s['read_percent']}%"],
        ["write primary", s["write_primary"]],
        [
            "sync lag",
            "no stream"
            if lag["sync_caught_up"] is None and lag["sync_seconds"] is None
            else f"{known(lag['sync_seconds'], ' s')}, caught up: {known(lag['sync_caught_up'])}",
        ],
        ["outbox backlog", known(lag["outbox_entries"]) if result.source else "unknown (no SOURCE_URL)"],
        [
            "shadow reads",
            f"{shadow['mismatches']} mismatches / {shadow['compared']} compared"
            + (f" ({rate:.2%})" if rate is not None else "")
            + f", {shadow['dynamodb_errors']} DynamoDB errors",
        ],
        ["last verify", "none" if verify is None else ("passed" if verify.get("ok") else "FAILED")],
    ]
    reporter.table(f"cutover on {result.target}", ["", "value"], rows)
    for line in s["blockers"]:
        reporter.warning(f"blocks advancing: {line}")
    if result.action != "status":
        reporter.info(f"cutover {result.action}: {result.before} -> {result.status.phase}")
    else:
        reporter.info(f"cutover: {result.status.phase}")
