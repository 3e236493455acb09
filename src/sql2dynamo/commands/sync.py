"""``sql2dynamo sync``: stream the source's committed changes into DynamoDB, from where the backfill's snapshot was.

The stream is named by its slot (``--slot``, default ``sql2dynamo``); its
state is the control item ``sync:<slot>`` in the target's control table,
written by ``migrate --with-sync`` (start position, backfill state) and by
``sync`` (checkpoint, lag).  Sources:

* PostgreSQL: the logical replication slot and publication of that name
  (:mod:`sql2dynamo.sync.pg`); the slot itself holds the acknowledged position;
* MySQL/MariaDB: the binlog from the control item's checkpoint, else from the
  recorded start (:mod:`sql2dynamo.sync.mysql`);
* SQLite: none (a clear error pointing to the dual-write outbox).

``drop_slot`` removes the slot, its publication and the control item: a
slot nobody consumes keeps WAL on the source's disk forever.  ``status``
reports the stream without applying anything, and warns about a stalled
consumer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sql2dynamo.common.errors import PrerequisiteError, UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.source.connect import Source, open_source
from sql2dynamo.sync import mysql, pg, pg_slot
from sql2dynamo.sync.apply import Applier, ApplyStats
from sql2dynamo.sync.begin import check_slot_name, control_name, primary_keys, tables_needing_old_rows
from sql2dynamo.sync.control import DEFAULT_CONTROL_TABLE, ControlTable
from sql2dynamo.sync.stream import Capture, StreamOutcome, run_stream
from sql2dynamo.target.endpoint import TargetSpec, dynamodb_client, parse_target
from sql2dynamo.target.model_file import load_model

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["STALLED_BYTES", "SyncResult", "sync"]

STALLED_BYTES = 64 * 1024 * 1024
"""A slot that is not being read and holds back more WAL than this is reported as a stalled consumer."""


@dataclass(frozen=True)
class SyncResult(Result):
    """What one ``sync`` run did (``action``: ``stream``, ``status`` or ``drop``)."""

    action: str
    source: str
    target: str
    slot: str
    kind: str | None
    stats: dict[str, Any] = field(default_factory=dict)
    transactions: int = 0
    caught_up: bool = False
    lag_seconds: float = 0.0
    max_lag_seconds: float = 0.0
    seconds: float = 0.0
    checkpoint: dict[str, Any] | None = None
    state: dict[str, Any] | None = None
    slot_status: dict[str, Any] | None = None
    dropped: bool = False

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``)."""
        changes = int(self.stats.get("changes", 0))
        return {
            "command": "sync",
            "action": self.action,
            "source": self.source,
            "target": self.target,
            "slot": self.slot,
            "kind": self.kind,
            "changes": changes,
            "changes_per_second": round(changes / self.seconds, 1) if self.seconds > 0 else 0.0,
            "transactions": self.transactions,
            "caught_up": self.caught_up,
            "lag_seconds": round(self.lag_seconds, 3),
            "max_lag_seconds": round(self.max_lag_seconds, 3),
            "seconds": round(self.seconds, 3),
            "apply": self.stats,
            "checkpoint": self.checkpoint,
            "state": {k: v for k, v in (self.state or {}).items() if k != "snapshot"},
            "slot_status": self.slot_status,
            "dropped": self.dropped,
        }

    def describe(self, out: Reporter) -> None:
        """The stream's state (``status``), or one closing line (``stream``, ``drop``)."""
        if self.action == "status":
            state = self.state or {}
            checkpoint = state.get("checkpoint") or {}
            rows: list[list[Any]] = [
                ["kind", self.kind],
                ["backfill", state.get("backfill", "-")],
                ["start", state.get("start_position", "-")],
                ["checkpoint", checkpoint.get("position", "-")],
                ["lag (s)", state.get("lag_seconds", "-")],
            ]
            if self.slot_status is not None:
                rows += [
                    ["slot active", self.slot_status["active"]],
                    ["bytes behind", self.slot_status["behind_bytes"]],
                    ["WAL held back", self.slot_status["retained_bytes"]],
                ]
            out.table(f"sync stream {self.slot}", ["", "value"], rows)
            return
        if self.action == "drop":
            out.info(f"sync: stream {self.slot} {'dropped' if self.dropped else 'was not there; nothing to drop'}")
            return
        stats = self.stats
        out.info(
            f"sync: {stats.get('changes', 0)} changes in {self.transactions} transactions applied "
            f"({stats.get('puts', 0)} puts, {stats.get('deletes', 0)} deletes, {stats.get('skipped', 0)} already "
            f"there) in {self.seconds:.1f} s; lag {self.lag_seconds:.1f} s" + ("; caught up" if self.caught_up else "")
        )
        if stats.get("rejected"):
            out.warning(f"{stats['rejected']} changed row(s) cannot be items: see the summary's apply.rejects")


def sync(
    source_url: str,
    model_dir: Path,
    target: str | TargetSpec,
    *,
    reporter: Reporter,
    slot: str = "sql2dynamo",
    until_caught_up: bool = False,
    max_seconds: float | None = None,
    workers: int = 8,
    batch_changes: int = 500,
    control_table: str = DEFAULT_CONTROL_TABLE,
    drop_slot: bool = False,
    status: bool = False,
    wait_backfill_seconds: float | None = None,
    report_seconds: float = 5.0,
    stalled_bytes: int = STALLED_BYTES,
    client: DynamoDBClient | None = None,
    stop: threading.Event | None = None,
    on_batch: Callable[[ApplyStats], None] | None = None,
) -> SyncResult:
    """Apply the changes of stream ``slot`` to the model's tables on ``target``.

    Runs until ``stop`` is set, ``max_seconds`` pass or, with
    ``until_caught_up``, everything committed when it started is applied.
    While the backfill of ``migrate --with-sync`` runs it waits (at most
    ``wait_backfill_seconds``).  Progress and lag are reported every
    ``report_seconds``.  ``status`` only reports, and warns when the slot is
    not being read while it holds back ``stalled_bytes`` of WAL or more;
    ``drop_slot`` removes the stream.  Raises ``UsageError`` (SQLite, no stream),
    ``PrerequisiteError`` (server settings), ``SourceConnectionError``,
    ``TargetError``.
    """
    started = time.monotonic()
    if workers < 1 or batch_changes < 1:
        raise UsageError("--workers and --batch-changes must be at least 1")
    check_slot_name(slot)
    path, model = load_model(model_dir)
    spec = target if isinstance(target, TargetSpec) else parse_target(target)
    source = open_source(source_url)
    try:
        if source.dialect.name == "sqlite":
            raise UsageError(
                "SQLite has no change log to stream from",
                hint="keep a SQLite application in step with the dual-write integration (sql2dynamo.runtime) "
                "and drain its outbox with `sql2dynamo sync --outbox`",
            )
        client = client or dynamodb_client(spec, reporter)
        control = ControlTable(client, control_table)
        control.ensure()
        name = control_name(slot)
        if drop_slot:
            dropped = _drop(source, control, slot)
            return SyncResult(
                "drop",
                kind=source.dialect.name,
                dropped=dropped,
                source=source.display_url,
                target=spec.display,
                slot=slot,
            )
        state = control.get(name)
        if status:
            slot_info = pg_slot.slot_status(source.engine, slot) if source.dialect.name == "postgresql" else None
            _warn_stalled(reporter, slot, slot_info, stalled_bytes)
            result = SyncResult(
                "status",
                kind=source.dialect.name,
                state=state,
                slot_status=slot_info,
                source=source.display_url,
                target=spec.display,
                slot=slot,
            )
            return result
        if state is None:
            raise UsageError(
                f"no stream {slot} on {spec.display}: nothing records where its changes start",
                hint="start it with `sql2dynamo migrate --with-sync` (slot, snapshot and backfill together)",
            )
        state = _wait_backfill(control, name, state, reporter, wait_backfill_seconds, stop)
        outcome = _stream(
            source_url,
            source,
            model,
            client,
            control,
            name,
            state,
            reporter=reporter,
            slot=slot,
            until_caught_up=until_caught_up,
            max_seconds=max_seconds,
            workers=workers,
            batch_changes=batch_changes,
            stop=stop,
            on_batch=on_batch,
            report_seconds=report_seconds,
        )
    finally:
        source.engine.dispose()
    result = SyncResult(
        "stream",
        kind=str(state.get("kind")),
        stats=outcome.stats.summary(),
        transactions=outcome.transactions,
        caught_up=outcome.caught_up,
        lag_seconds=outcome.lag_seconds,
        max_lag_seconds=outcome.max_lag_seconds,
        seconds=time.monotonic() - started,
        checkpoint=outcome.checkpoint,
        state=state,
        source=source.display_url,
        target=spec.display,
        slot=slot,
    )
    del path
    return result


def _stream(
    url: str,
    source: Source,
    model: Any,
    client: DynamoDBClient,
    control: ControlTable,
    name: str,
    state: Mapping[str, Any],
    *,
    reporter: Reporter,
    slot: str,
    until_caught_up: bool,
    max_seconds: float | None,
    workers: int,
    batch_changes: int,
    stop: threading.Event | None,
    on_batch: Callable[[ApplyStats], None] | None,
    report_seconds: float,
) -> StreamOutcome:
    with Applier(model, client, source=source.engine, reporter=reporter, workers=workers) as applier:
        tables = list(applier.source_tables)
        keys = primary_keys(source.engine, tables)
        capture: Capture
        behind: Callable[[], int | None]
        if source.dialect.name == "postgresql":
            pg_slot.require_server(source.engine, tables, tables_needing_old_rows(applier, keys))
            pg_capture = pg.PgCapture(
                url,
                slot,
                tables=keys,
                refetch=_refetcher(source.engine, keys),
                publication=str(state.get("publication") or slot),
            )
            capture = pg_capture

            def behind() -> int | None:
                info = pg_slot.slot_status(source.engine, slot)
                return None if info is None else int(info["behind_bytes"])
        else:
            mysql.require_server(source.engine)
            checkpoint = state.get("checkpoint") or {}
            start = checkpoint.get("resume") or state["start"]
            database = source.database or ""
            my_capture = mysql.MySqlCapture(
                url,
                database,
                start,
                tables=keys,
                fixes=mysql.column_fixes(source.engine, database, tables),
                engine=source.engine,
            )
            capture = my_capture
            behind = my_capture.behind_bytes
        reporter.info(f"sync: streaming {slot} into {len(tables)} table(s) of the model")
        try:
            return run_stream(
                capture,
                applier,
                control=control,
                control_name=name,
                reporter=reporter,
                until_caught_up=until_caught_up,
                max_seconds=max_seconds,
                batch_changes=batch_changes,
                stop=stop,
                on_batch=on_batch,
                behind_bytes=behind,
                report_seconds=report_seconds,
            )
        finally:
            capture.close()


def _refetcher(
    engine: sa.Engine, keys: Mapping[str, tuple[str, ...]]
) -> Callable[[str, Mapping[str, Any]], dict[str, Any] | None]:
    def refetch(table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        target = sa.table(table, *[sa.column(c) for c in keys[table]])
        query = sa.select(sa.text("*")).select_from(target)
        for column in keys[table]:
            query = query.where(target.c[column] == key[column])
        with engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row is not None else None

    return refetch


def _wait_backfill(
    control: ControlTable,
    name: str,
    state: dict[str, Any],
    reporter: Reporter,
    limit: float | None,
    stop: threading.Event | None,
) -> dict[str, Any]:
    """The control item once the backfill is done; waits while it runs."""
    started = time.monotonic()
    told = False
    while state.get("backfill") == "running":
        if not told:
            reporter.info("sync: waiting for the backfill of migrate --with-sync to finish before applying")
            told = True
        if (limit is not None and time.monotonic() - started >= limit) or (stop is not None and stop.is_set()):
            raise UsageError(
                "the backfill of migrate --with-sync has not finished",
                hint="run sync once migrate is done; the slot keeps every change meanwhile",
            )
        time.sleep(1.0)
        state = control.get(name) or state
    if state.get("backfill") == "failed":
        raise UsageError(
            "the backfill of this stream failed: its items are incomplete",
            hint="drop the stream (sync --drop-slot) and run migrate --with-sync again",
        )
    return state


def _drop(source: Source, control: ControlTable, slot: str) -> bool:
    dropped = False
    if source.dialect.name == "postgresql":
        dropped = pg_slot.drop_slot(source.engine, slot)
    name = control_name(slot)
    if control.get(name) is not None:
        control.delete(name)
        dropped = True
    return dropped


def _warn_stalled(reporter: Reporter, slot: str, info: Mapping[str, Any] | None, threshold: int) -> None:
    if info is None:
        return
    if not info["active"] and info["retained_bytes"] >= threshold:
        reporter.warning(
            f"slot {slot} is not being read and holds back {info['retained_bytes']:,} bytes of WAL: run "
            f"`sql2dynamo sync --slot {slot}`, or drop it (sync --drop-slot) before the disk fills"
        )


def require_caught_up(result: SyncResult) -> None:
    """Raise ``PrerequisiteError`` when ``--until-caught-up`` stopped before catching up."""
    if not result.caught_up:
        raise PrerequisiteError(f"sync stopped {result.lag_seconds:.1f} s behind the source before catching up")
