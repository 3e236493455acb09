"""The sync loop: poll committed transactions, apply them, acknowledge, checkpoint, report lag.

A capture (:class:`~sql2dynamo.sync.pg.PgCapture`,
:class:`~sql2dynamo.sync.mysql.MySqlCapture`) hands over whole committed
transactions.  Each batch is applied by the
:class:`~sql2dynamo.sync.apply.Applier` on a thread of its own while this
loop reads and decodes the next one; only when it returns (DynamoDB
confirmed every write) is the source acknowledged and the checkpoint stored
in the control table.  Batches are applied one at a time, in order; the
next batch is whatever was read meanwhile (up to ``batch_changes``), so a
backlog goes in full batches and a trickle in small ones.  A crash at any point therefore replays at most the
batch in flight, which the applier's position conditions make harmless.

Lag: ``lag_seconds`` is the age of the newest applied commit while changes
keep coming (0 when the stream is idle), ``last_batch`` the changes of the
latest batch (a full batch means more are waiting), ``behind_bytes`` what the source says is left to read
(PostgreSQL: WAL after the slot's confirmed position; MySQL: binlog bytes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from sql2dynamo.common.reporting import Reporter
from sql2dynamo.sync.apply import Applier, ApplyStats
from sql2dynamo.sync.changes import Change
from sql2dynamo.sync.control import ControlTable, VersionConflict

__all__ = [
    "BUSY_POLL_SECONDS",
    "LINGER_SECONDS",
    "Capture",
    "StreamOutcome",
    "Transaction",
    "run_stream",
    "update_control",
]


LINGER_SECONDS = 0.1
"""How long a capture keeps a batch open after its first commit (latency traded for parallel apply)."""

BUSY_POLL_SECONDS = 0.02
"""How long a read waits for more while a batch is being applied (so the finished batch is acknowledged soon)."""


@dataclass(frozen=True)
class Transaction:
    """One committed source transaction: its changes, where to resume after it, its commit time."""

    changes: tuple[Change, ...]
    resume: dict[str, Any]
    position: str
    commit_time: float | None


class Capture(Protocol):
    """What the loop needs from a change source."""

    def poll(self, timeout: float, max_changes: int) -> list[Transaction]: ...

    def acknowledge(self, resume: Mapping[str, Any]) -> None: ...

    def end_position(self) -> dict[str, Any]: ...

    def reached(self, target: Mapping[str, Any]) -> bool: ...

    def describe(self, resume: Mapping[str, Any]) -> str: ...

    def drain_notices(self) -> list[str]: ...

    def close(self) -> None: ...


@dataclass
class StreamOutcome:
    """What one run of the loop did."""

    stats: ApplyStats = field(default_factory=ApplyStats)
    transactions: int = 0
    batches: int = 0
    caught_up: bool = False
    checkpoint: dict[str, Any] | None = None
    lag_seconds: float = 0.0
    max_lag_seconds: float = 0.0
    seconds: float = 0.0
    last_batch: int = 0  # changes in the latest batch: at --batch-changes the stream is behind by at least that


def update_control(control: ControlTable, name: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``changes`` into the control item ``name`` (optimistic; re-read and retried on a conflict)."""
    for _ in range(10):
        current = control.get(name) or {}
        version = int(current.pop("_version", 0))
        current.update(changes)
        try:
            control.put(name, current, expected_version=version)
            return current
        except VersionConflict:
            time.sleep(0.05)
    raise VersionConflict(f"control item {name!r} keeps changing under sync", hint="is a second sync running?")


def run_stream(
    capture: Capture,
    applier: Applier,
    *,
    control: ControlTable,
    control_name: str,
    reporter: Reporter,
    until_caught_up: bool = False,
    max_seconds: float | None = None,
    batch_changes: int = 500,
    poll_seconds: float = 0.5,
    report_seconds: float = 5.0,
    checkpoint_seconds: float = 1.0,
    stop: threading.Event | None = None,
    on_batch: Callable[[ApplyStats], None] | None = None,
    behind_bytes: Callable[[], int | None] | None = None,
) -> StreamOutcome:
    """Apply the capture's transactions until stopped, ``max_seconds`` passed, or (``until_caught_up``) no lag.

    ``until_caught_up`` takes the source's end position when the loop starts
    and returns once everything committed before it is applied.  ``on_batch``
    runs after each batch is applied and acknowledged (tests use it to kill
    the loop mid-stream).
    """
    started = time.monotonic()
    outcome = StreamOutcome()
    target = capture.end_position() if until_caught_up else None
    last_report = last_saved = time.monotonic()
    pending: dict[str, Any] | None = None  # the checkpoint acknowledged but not yet saved
    waiting: list[Transaction] = []  # read, not yet handed to the applier
    inflight: tuple[Future[ApplyStats], list[Transaction]] | None = None
    # One thread applies while this one reads and decodes the next batch: decoding (pgoutput values,
    # binlog rows) then costs no time on the write path.  The capture stays on this thread, acks too.
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="s2d-stream")

    def finish(applying: tuple[Future[ApplyStats], list[Transaction]]) -> dict[str, Any]:
        stats = applying[0].result()  # raises what apply raised: nothing of the batch is acknowledged
        txns = applying[1]
        outcome.stats.add(stats)
        last = txns[-1]
        capture.acknowledge(last.resume)
        outcome.transactions += len(txns)
        outcome.batches += 1
        now = time.time()
        outcome.lag_seconds = max(0.0, now - last.commit_time) if last.commit_time else 0.0
        outcome.max_lag_seconds = max(outcome.max_lag_seconds, outcome.lag_seconds)
        checkpoint = {
            "resume": last.resume,
            "position": last.position,
            "commit_time": last.commit_time,
            "applied_at": now,
        }
        outcome.checkpoint = checkpoint
        for reject in stats.rejects:
            reporter.warning(
                f"{reject['table']} row {reject['key']} cannot be an item of {reject['target']}: {reject['reason']}"
            )
        if on_batch is not None:
            on_batch(stats)
        return checkpoint

    def stopping() -> bool:
        return (stop is not None and stop.is_set()) or (
            max_seconds is not None and time.monotonic() - started >= max_seconds
        )

    try:
        while True:
            if inflight is not None and inflight[0].done():
                pending, inflight = finish(inflight), None
            if stopping():
                if inflight is not None:
                    pending, inflight = finish(inflight), None
                break
            if inflight is None and waiting:
                changes = [c for t in waiting for c in t.changes]
                outcome.last_batch = len(changes)
                inflight, waiting = (worker.submit(applier.apply, changes), waiting), []
            room = batch_changes - sum(len(t.changes) for t in waiting)
            if room <= 0 and inflight is not None:
                # The next batch is full: plan it while this one is written (DynamoDB stays busy), then wait
                # for the applier rather than read further ahead.
                ready = [c for t in waiting for c in t.changes]
                applier.prepare(ready)
                pending, inflight = finish(inflight), None
                if not stopping():
                    outcome.last_batch = len(ready)
                    inflight, waiting = (worker.submit(applier.apply, ready), waiting), []
                continue
            busy = inflight is not None or bool(waiting)
            txns = capture.poll(BUSY_POLL_SECONDS if busy else poll_seconds, max(1, room))
            for notice in capture.drain_notices():
                reporter.warning(notice)
            if txns:
                waiting.extend(txns)
            elif not busy:
                outcome.lag_seconds = 0.0
                outcome.last_batch = 0
                if target is not None and capture.reached(target):
                    outcome.caught_up = True
                    break
            if pending is not None and time.monotonic() - last_saved >= checkpoint_seconds:
                _save(control, control_name, pending, outcome)
                pending, last_saved = None, time.monotonic()
            if time.monotonic() - last_report >= report_seconds:
                _report(reporter, outcome, started, behind_bytes)
                last_report = time.monotonic()
    finally:
        # Whatever stopped the loop, no write of a batch may still be in flight once it returns.
        worker.shutdown(wait=True)
        if pending is not None:
            _save(control, control_name, pending, outcome)
        outcome.seconds = time.monotonic() - started
    _save_lag(control, control_name, outcome)
    return outcome


def _save(control: ControlTable, name: str, checkpoint: dict[str, Any], outcome: StreamOutcome) -> None:
    update_control(
        control,
        name,
        {"checkpoint": checkpoint, "lag_seconds": round(outcome.lag_seconds, 3), "updated_at": time.time()},
    )


def _save_lag(control: ControlTable, name: str, outcome: StreamOutcome) -> None:
    update_control(
        control,
        name,
        {
            "lag_seconds": round(outcome.lag_seconds, 3),
            "caught_up": outcome.caught_up,
            "updated_at": time.time(),
        },
    )


def _report(
    reporter: Reporter, outcome: StreamOutcome, started: float, behind_bytes: Callable[[], int | None] | None
) -> None:
    elapsed = max(time.monotonic() - started, 1e-9)
    rate = outcome.stats.changes / elapsed
    behind = behind_bytes() if behind_bytes is not None else None
    tail = f", {behind:,} bytes of log behind" if behind is not None else ""
    reporter.info(
        f"sync: {outcome.stats.changes:,} changes applied ({rate:,.0f}/s), lag {outcome.lag_seconds:.1f} s, "
        f"{outcome.last_batch:,} changes in the last batch{tail}"
    )
