"""``sql2dynamo cutover status|advance|rollback``: the cut-over's phase, kept in the target's control table.

:func:`cutover` runs one action: ``status`` reads the phase and the figures
its gates look at (:mod:`sql2dynamo.cutover.status`); ``advance`` moves to the
next phase only when nothing blocks (else :class:`CutoverBlocked`, exit code
8, naming the first blocker); ``rollback`` returns to the previous phase
unconditionally (except out of ``decommission``, which is final).
Moves are conditional on the state's version: of two operators acting at
once, one gets ``VersionConflict`` (exit code 6) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.cutover.outbox import DEFAULT_OUTBOX_TABLE, DrainResult, drain_outbox
from sql2dynamo.cutover.phases import (
    CutoverBlocked,
    PhaseState,
    load_state,
    move,
    next_phase,
    previous_phase,
)
from sql2dynamo.cutover.status import DEFAULT_SLOT, CutoverStatus, blockers, gather_status
from sql2dynamo.source.connect import normalize_url, open_source
from sql2dynamo.sync.apply import Applier
from sql2dynamo.sync.control import DEFAULT_CONTROL_TABLE, ControlTable, VersionConflict
from sql2dynamo.target.endpoint import TargetSpec, dynamodb_client, explain_error, parse_target
from sql2dynamo.target.model_file import load_model

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["CutoverResult", "OutboxSyncResult", "cutover", "sync_outbox"]

Action = Literal["status", "advance", "rollback"]


@dataclass(frozen=True)
class CutoverResult(Result):
    """The phase before the action and the full status after it."""

    action: Action
    target: str
    model_path: Path
    source: str | None
    before: str
    status: CutoverStatus

    @property
    def changed(self) -> bool:
        """Whether the action moved the phase."""
        return self.before != self.status.phase

    def summary(self) -> dict[str, Any]:
        """JSON-ready (for ``--summary FILE.json``)."""
        return {
            "command": "cutover",
            "action": self.action,
            "target": self.target,
            "model": str(self.model_path),
            "source": self.source,
            "from": self.before,
            **self.status.summary(),
        }

    def describe(self, out: Reporter) -> None:
        """The status as a two-column table, then each blocker as a warning, then one closing line."""
        s = self.status.summary()
        lag, shadow, verify = s["lag"], s["shadow"], s["verify"]
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
                else f"{_known(lag['sync_seconds'], ' s')}, caught up: {_known(lag['sync_caught_up'])}",
            ],
            ["outbox backlog", _known(lag["outbox_entries"]) if self.source else "unknown (no SOURCE_URL)"],
            [
                "shadow reads",
                f"{shadow['mismatches']} mismatches / {shadow['compared']} compared"
                + (f" ({rate:.2%})" if rate is not None else "")
                + f", {shadow['dynamodb_errors']} DynamoDB errors",
            ],
            ["last verify", "none" if verify is None else ("passed" if verify.get("ok") else "FAILED")],
        ]
        out.table(f"cutover on {self.target}", ["", "value"], rows)
        for line in s["blockers"]:
            out.warning(f"blocks advancing: {line}")
        if self.action != "status":
            out.info(f"cutover {self.action}: {self.before} -> {self.status.phase}")
        else:
            out.info(f"cutover: {self.status.phase}")


def _known(value: Any, unit: str = "") -> str:
    """A figure of the status, or ``unknown`` when it could not be measured."""
    return "unknown" if value is None else f"{value:g}{unit}" if isinstance(value, float) else f"{value}{unit}"


@dataclass(frozen=True)
class _Context:
    control: ControlTable
    state: PhaseState
    engine: sa.Engine | None
    source: str | None
    model_path: Path
    target: str


@contextmanager
def _opened(
    model_dir: Path,
    target: str | TargetSpec,
    source_url: str | None,
    reporter: Reporter,
    control_table: str,
) -> Iterator[_Context]:
    spec = target if isinstance(target, TargetSpec) else parse_target(target)
    path, model = load_model(model_dir)
    client = dynamodb_client(spec, reporter)
    control = ControlTable(client, control_table)
    control.ensure()
    state = load_state(control, model.application)
    source = open_source(source_url) if source_url else None
    try:
        yield _Context(
            control,
            state,
            source.engine if source else None,
            source.display_url if source else None,
            path,
            spec.display,
        )
    finally:
        if source is not None:
            source.engine.dispose()


def _status(ctx: _Context, state: PhaseState, outbox_table: str, slot: str) -> CutoverStatus:
    return gather_status(ctx.control, state, source=ctx.engine, outbox_table=outbox_table, slot=slot)


def cutover(
    action: Action,
    model_dir: Path,
    target: str | TargetSpec,
    source_url: str | None = None,
    *,
    reporter: Reporter,
    control_table: str = DEFAULT_CONTROL_TABLE,
    outbox_table: str = DEFAULT_OUTBOX_TABLE,
    slot: str = DEFAULT_SLOT,
    note: str | None = None,
) -> CutoverResult:
    """Run one cut-over ``action`` on ``target``'s control table and return the status after it.

    ``status``: the current phase, lag, outbox backlog, shadow-read mismatches,
    last verify and what blocks advancing.  ``advance``: move to the next phase;
    raises :class:`CutoverBlocked` naming what blocks it.  ``rollback``: return
    to the previous phase (no gate, except out of ``decommission``, which is
    final).  ``note`` is recorded in the phase history of a move.
    """
    if action not in ("status", "advance", "rollback"):
        raise UsageError(f"unknown cut-over action {action!r}", hint="use status, advance or rollback")
    if action == "status" and note is not None:
        raise UsageError("a note is recorded with a move; status records nothing", hint="drop the note")
    with _opened(model_dir, target, source_url, reporter, control_table) as ctx:
        before = ctx.state.phase
        if action == "status":
            state = ctx.state
        elif action == "advance":
            state = _advance(ctx, _status(ctx, ctx.state, outbox_table, slot), note, reporter)
        else:
            state = _rollback(ctx, note, reporter)
        return CutoverResult(
            action, ctx.target, ctx.model_path, ctx.source, before, _status(ctx, state, outbox_table, slot)
        )


def _advance(ctx: _Context, status: CutoverStatus, note: str | None, reporter: Reporter) -> PhaseState:
    before = ctx.state.phase
    blocked = blockers(status)
    to = next_phase(before)
    if blocked or to is None:
        more = f" (and {len(blocked) - 1} more: see `sql2dynamo cutover status`)" if len(blocked) > 1 else ""
        raise CutoverBlocked(
            f"cannot advance from {before}{f' to {to}' if to else ''}: {blocked[0]}{more}",
            phase=before,
            blockers=blocked,
        )
    state = _move(ctx, to, "advance", note)
    reporter.info(f"cutover: {before} -> {to}")
    return state


def _rollback(ctx: _Context, note: str | None, reporter: Reporter) -> PhaseState:
    before = ctx.state.phase
    to = previous_phase(before)
    if to is None:
        raise UsageError(f"{before} is the first phase: there is nothing to roll back to")
    if next_phase(before) is None:
        raise UsageError(
            f"{before} is final: the source is being retired, there is no phase to return to",
            hint="restore the source from its archive if you must go back",
        )
    state = _move(ctx, to, "rollback", note)
    reporter.info(f"cutover: rolled back {before} -> {to}")
    return state


def _move(ctx: _Context, to: str, action: str, note: str | None) -> PhaseState:
    try:
        return move(ctx.control, ctx.state, to, action=action, note=note)
    except VersionConflict:
        now = load_state(ctx.control)
        raise VersionConflict(
            f"another operator moved the cut-over meanwhile (it is now at {now.phase}, version {now.version}); "
            f"nothing was changed",
            hint="check `sql2dynamo cutover status` and decide again",
        ) from None


@dataclass(frozen=True)
class OutboxSyncResult(Result):
    """What ``sql2dynamo sync SOURCE --outbox`` did."""

    source: str
    target: str
    model_path: Path
    outbox_table: str
    drain: DrainResult

    def summary(self) -> dict[str, Any]:
        """JSON-ready (for ``--summary FILE.json``)."""
        return {
            "command": "sync",
            "mode": "outbox",
            "source": self.source,
            "target": self.target,
            "model": str(self.model_path),
            "outbox_table": self.outbox_table,
            **self.drain.summary(),
        }

    def describe(self, out: Reporter) -> None:
        """One closing line: what was applied and what is left."""
        d = self.drain
        out.info(
            f"sync --outbox: {d.applied} changes applied in {d.batches} batches, {d.remaining} left, {d.seconds:.1f} s"
        )


def sync_outbox(
    source_url: str,
    model_dir: Path,
    target: str | TargetSpec,
    *,
    reporter: Reporter,
    outbox_table: str = DEFAULT_OUTBOX_TABLE,
    batch_size: int = 500,
    workers: int = 8,
    client: DynamoDBClient | None = None,
) -> OutboxSyncResult:
    """Apply the dual-write outbox of ``source_url`` to ``target`` in id order, deleting what DynamoDB confirmed.

    Works on every source (SQLite included: the file is opened for writing,
    since applied entries are deleted).  Raises ``UsageError``,
    ``SourceConnectionError``, ``TargetError`` (a write refused for good: the
    rest stays in the outbox, and running it again resumes there).
    """

    if batch_size < 1 or workers < 1:
        raise UsageError("--batch-changes and --workers must be at least 1")
    spec = target if isinstance(target, TargetSpec) else parse_target(target)
    path, model = load_model(model_dir)
    source = open_source(source_url)
    engine = source.engine
    if source.dialect.name == "sqlite":
        source.engine.dispose()  # open_source opens SQLite read-only; the drain deletes what it applied
        engine = sa.create_engine(normalize_url(source_url))
    try:
        ddb = client if client is not None else dynamodb_client(spec, reporter)
        with Applier(model, ddb, source=engine, reporter=reporter, workers=workers) as applier:
            try:
                drained = drain_outbox(engine, applier, reporter, table_name=outbox_table, batch_size=batch_size)
            except (BotoCoreError, ClientError) as exc:
                raise explain_error(exc, spec) from None
    finally:
        engine.dispose()
    return OutboxSyncResult(source.display_url, spec.display, path, outbox_table, drained)
