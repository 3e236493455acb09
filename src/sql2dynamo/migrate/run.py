"""Run a migration: source tables -> segments -> batches of rows -> items -> one shared BatchWriter.

Flow per source table the model maps: the segments are planned once (or
taken from the checkpoint file on ``resume``), then a pool of reader threads
takes turns on every unfinished segment of every table, one batch per turn
(:mod:`~sql2dynamo.migrate.rotation` says why and in which order).  In its
turn a reader reads the segment's next batch (one keyset query on a pooled
connection), turns it into items with
:class:`~sql2dynamo.items.transform.ItemBuilder`, submits them to the
shared :class:`~sql2dynamo.migrate.writer.BatchWriter` and confirms, in
order, the segment's earlier batches the writer has finished; a segment's
checkpoint moves past a batch only once the writer's futures for it (and
every earlier batch) have resolved.  So after a crash, a resumed run
re-writes at most the batches that were in flight (at most ``_IN_FLIGHT``
per segment), which PutItem overwrites harmlessly.

Denormalized attributes take their parent rows from :mod:`~sql2dynamo.items.related`, one query per
parent table and batch; rows DynamoDB cannot hold and items the writer gives up on go to the rejects
files (:mod:`~sql2dynamo.migrate.rejects`).  A segment with an item the writer gave up on is never
checkpointed past that item's batch, nor marked done: ``--resume`` retries it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.common.reporting import Progress, Reporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.batches import build_batch, prepare_transform
from sql2dynamo.migrate.checkpoints import CheckpointStore, TablePlan
from sql2dynamo.migrate.planning import segment_plan
from sql2dynamo.migrate.reader import read_segment
from sql2dynamo.migrate.rejects import RejectLog, failed_line, key_text, reject_line
from sql2dynamo.migrate.rotation import Rotation, SegmentRun, Submitted, turn_order
from sql2dynamo.migrate.segments import Checkpoint
from sql2dynamo.migrate.write_body import KeySchema
from sql2dynamo.migrate.writer import DEFAULT_UNREACHABLE_S, BatchWriter
from sql2dynamo.source.connect import Source
from sql2dynamo.source.model import Table
from sql2dynamo.target.retry import RetryPolicy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["MigrationOutcome", "RunOptions", "TableOutcome", "key_schemas", "run_migration"]

Row = dict[str, Any]
_IN_FLIGHT = 3  # batches per segment submitted but not yet confirmed: keeps the writer busy, bounds memory
_FIRST_BATCH = 25  # rows in a segment's first turn: the first pass over every table ends within seconds


@dataclass(frozen=True)
class RunOptions:
    """How to run; see :func:`sql2dynamo.commands.migrate.migrate` for the meaning of each."""

    segments: int = 4
    concurrency: int = 8
    batch_size: int = 1000
    max_wcu: float | None = None
    dry_run: bool = False
    on_error_stop: bool = False
    on_batch: Callable[[str, int], None] | None = None
    """Called after each batch is confirmed with (source table, rows in the batch); tests use it to interrupt."""
    unreachable_s: float = DEFAULT_UNREACHABLE_S
    """Seconds the target may answer nothing before the run stops (resumable); see the writer."""
    retry: RetryPolicy | None = None
    """The writer's retry policy (its default when None); tests shorten it."""


@dataclass
class TableOutcome:
    """Counters of one source table (``items_written`` counts would-be items in a dry run)."""

    table: str
    rows_read: int = 0
    items_written: int = 0
    rejected: int = 0
    failed: int = 0
    duplicates: int = 0
    segments: int = 0
    segments_skipped: int = 0
    started: float | None = None
    finished: float | None = None

    @property
    def seconds(self) -> float:
        """Wall time from its first segment's start to its last one's end."""
        if self.started is None or self.finished is None:
            return 0.0
        return max(0.0, self.finished - self.started)

    @property
    def items_per_second(self) -> float:
        """Items written per wall-clock second (0 when nothing was timed)."""
        return self.items_written / self.seconds if self.seconds > 0 else 0.0


@dataclass
class MigrationOutcome:
    """Per source table counters of a run, in model order."""

    tables: list[TableOutcome]
    seconds: float
    failed_examples: list[dict[str, Any]] = field(default_factory=list)
    # Per DynamoDB table: what the writer went through (retries, throttles, capacity consumed).
    writes: dict[str, dict[str, float]] = field(default_factory=dict)


def key_schemas(model: DataModel) -> dict[str, KeySchema]:
    """The key attributes (with types) of every table of ``model``, for the writer's deduplication."""
    out: dict[str, KeySchema] = {}
    for spec in model.tables:
        parts = [(spec.pk.attribute, spec.pk.type)]
        if spec.sk is not None:
            parts.append((spec.sk.attribute, spec.sk.type))
        out[spec.name] = tuple(parts)
    return out


def run_migration(
    source: Source,
    model: DataModel,
    tables: Sequence[str],
    *,
    store: CheckpointStore,
    client: DynamoDBClient | None,
    reporter: Reporter,
    rejects_dir: Path,
    options: RunOptions,
) -> MigrationOutcome:
    """Migrate the rows of ``tables`` (source table names the model maps), resuming from ``store``.

    ``client`` is ``None`` for a dry run.  Tables already in ``store`` keep
    their plan and skip their done segments; the others are planned and
    recorded.  Raises ``InputError`` at the first reject with
    ``options.on_error_stop`` (after the batches already submitted are
    written and checkpointed); a ``KeyboardInterrupt`` or any other error
    likewise stops reading, lets confirmed progress be saved, and propagates.
    """
    started = time.monotonic()
    builder, by_name = prepare_transform(source, model, tables, reporter=reporter)
    outcomes = {t: TableOutcome(t) for t in tables}
    plans: dict[str, TablePlan] = {}
    for name in tables:
        plan = store.tables.get(name)
        if plan is None:
            planned = segment_plan(source, by_name[name], options.segments)
            plan = store.set_plan(name, planned.segments, planned.rows, planned.method)
        plans[name] = plan
    writer = (
        None
        if client is None
        else BatchWriter(
            client,
            concurrency=options.concurrency,
            max_wcu=options.max_wcu,
            reporter=reporter,
            key_schema=key_schemas(model),
            unreachable_s=options.unreachable_s,
            retry=options.retry,
        )
    )
    rejects = RejectLog(rejects_dir)
    stop = threading.Event()
    lock = threading.Lock()
    job = _Job(source, builder, by_name, store, writer, rejects, outcomes, options, stop, lock)
    try:
        with ExitStack() as stack:
            progress: dict[str, Progress] = {}
            for name in tables:
                plan = plans[name]
                already = sum(s.rows_read for s in plan.segments)
                total = max(plan.rows_estimate or 0, already) or None
                verb = "checking" if options.dry_run else "migrating"
                progress[name] = stack.enter_context(reporter.task(f"{verb} {name}", total=total))
                if already:
                    progress[name].advance(already)
            job.progress = progress
            for name in tables:
                outcomes[name].segments = len(plans[name].segments)
                outcomes[name].segments_skipped = sum(1 for state in plans[name].segments if state.done)
            runs = turn_order(tables, plans)
            _run_pool(job, runs, min(max(1, options.segments), max(1, len(runs))))
    finally:
        if writer is not None:
            writer.close()
        rejects.close()
    writes = {}
    if writer is not None:
        for name, c in sorted(writer.stats().tables.items()):
            writes[name] = {
                "items": c.items_written,
                "wcu": round(c.wcu_consumed, 3),
                "requests": c.requests,
                "retries": c.retries,
                "throttles": c.throttles,
                "unprocessed_items": c.unprocessed_items,
            }
    return MigrationOutcome([outcomes[t] for t in tables], time.monotonic() - started, job.failed_examples, writes)


def _run_pool(job: _Job, runs: list[SegmentRun], threads: int) -> None:
    """Take turns on ``runs`` with ``threads`` readers; on any error stop the others, then raise the first."""
    if not runs:
        return
    rotation = Rotation(runs)
    error: BaseException | None = None
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="s2d-reader") as pool:
        futures = [pool.submit(job.read_turns, rotation) for _ in range(threads)]
        try:
            for future in futures:
                # Polling with a timeout keeps the main thread able to take Ctrl-C.
                while True:
                    try:
                        future.result(timeout=0.2)
                        break
                    except TimeoutError:
                        continue
        except BaseException as exc:
            error = exc
            job.stop.set()
            rotation.close()
    # Stopped early: what the runs left waiting for a turn submitted is still written and checkpointed.
    for run in rotation.drain():
        try:
            job.settle(run)
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error


class _Job:
    """What every reader thread shares."""

    def __init__(
        self,
        source: Source,
        builder: ItemBuilder,
        tables: Mapping[str, Table],
        store: CheckpointStore,
        writer: BatchWriter | None,
        rejects: RejectLog,
        outcomes: Mapping[str, TableOutcome],
        options: RunOptions,
        stop: threading.Event,
        lock: threading.Lock,
    ) -> None:
        self.source = source
        self.builder = builder
        self.tables = tables
        self.store = store
        self.writer = writer
        self.rejects = rejects
        self.outcomes = outcomes
        self.options = options
        self.stop = stop
        self.lock = lock
        self.progress: dict[str, Progress] = {}
        self.failed_examples: list[dict[str, Any]] = []

    def read_turns(self, rotation: Rotation) -> None:
        """One reader thread: take turns on the rotation's runs until none is left or the job stops."""
        while (run := rotation.take()) is not None:
            try:
                more = not self.stop.is_set() and self.turn(run)
            except BaseException:
                self.stop.set()
                rotation.close()
                rotation.finished(run)
                with contextlib.suppress(BaseException):  # the first error is the one to report
                    self.settle(run)
                raise
            if more:
                rotation.give_back(run)
            else:
                rotation.finished(run)
                self.settle(run)

    def turn(self, run: SegmentRun) -> bool:
        """Read, transform and submit the next batch of ``run``; False once the segment has no more rows."""
        table = self.tables[run.name]
        if run.batches is None:
            with self.lock:
                outcome = self.outcomes[run.name]
                now = time.monotonic()
                outcome.started = now if outcome.started is None else min(outcome.started, now)
            run.batches = read_segment(
                self.source,
                table,
                run.state.segment,
                after=run.state.after,
                batch_size=self.options.batch_size,
                first_batch_size=_FIRST_BATCH,
            )
        batch = next(run.batches, None)
        if batch is None:
            run.batches = None
            self._finish(run)
            return False
        run.checkpoint = run.checkpoint.advanced(batch, table.primary_key)
        run.pending.append(self._transform_and_submit(run.name, batch, run.checkpoint))
        while run.pending and (len(run.pending) > _IN_FLIGHT or all(f.done() for f in run.pending[0].futures)):
            self._confirm(run, run.pending.popleft(), done=False)
        return True

    def _finish(self, run: SegmentRun) -> None:
        """The segment is read to its end: confirm its last batches and mark it done."""
        while run.pending:
            submitted = run.pending.popleft()
            self._confirm(run, submitted, done=not run.pending)
        if not run.state.done and not run.blocked:
            self.store.advance(run.name, run.state.segment.index, run.checkpoint, done=True)

    def settle(self, run: SegmentRun) -> None:
        """``run`` takes no more turns: confirm what it submitted (errors re-raised) and stop the table's clock."""
        try:
            while run.pending:
                self._confirm(run, run.pending.popleft(), done=False)
        finally:
            run.batches = None  # a paused reader holds no connection: nothing to close
            with self.lock:
                outcome = self.outcomes[run.name]
                now = time.monotonic()
                outcome.finished = now if outcome.finished is None else max(outcome.finished, now)

    def _transform_and_submit(self, name: str, batch: list[Row], checkpoint: Checkpoint) -> Submitted:
        built = build_batch(
            self.source, self.tables, self.builder, name, batch, stop_at_reject=self.options.on_error_stop
        )
        by_table, rejects = built.by_table, built.rejects
        if rejects:
            self.rejects.write(name, [reject_line(r) for r in rejects])
            with self.lock:
                self.outcomes[name].rejected += built.rows_rejected
            if self.options.on_error_stop:
                first = rejects[0]
                self.stop.set()
                raise InputError(
                    f"row {key_text(first.key)} of {name} cannot be an item of {first.table}: {first.reason}",
                    hint=f"see {self.rejects.path(name)}; run without --on-error-stop to migrate the other rows",
                    table=name,
                )
        items = sum(len(v) for v in by_table.values())
        futures = [] if self.writer is None else [self.writer.submit(t, items) for t, items in by_table.items()]
        return Submitted(futures, checkpoint, len(batch), items)

    def _confirm(self, run: SegmentRun, done_batch: Submitted, *, done: bool) -> None:
        name = run.name
        written = failed = duplicates = 0
        failures: list[dict[str, Any]] = []
        error: BaseException | None = None
        for future in done_batch.futures:
            try:
                result = future.result()
            except BaseException as exc:  # a terminal target error: re-raised once the counters are right
                error = error or exc
                continue
            written += result.written
            duplicates += result.duplicates
            failed += len(result.failed)
            failures.extend({"table": f.table, "key": f.key, "error": f.error, "code": f.code} for f in result.failed)
        if self.writer is None:
            written = done_batch.items
        if failures:
            self.rejects.write(name, [failed_line(name, f) for f in failures])
        with self.lock:
            outcome = self.outcomes[name]
            outcome.rows_read += done_batch.rows
            outcome.items_written += written
            outcome.failed += failed
            outcome.duplicates += duplicates
            room = 20 - len(self.failed_examples)
            self.failed_examples.extend(failures[: max(0, room)])
            progress = self.progress.get(name)
            if progress is not None:
                progress.advance(done_batch.rows)
        if error is not None:
            self.stop.set()
            raise error
        if failed:
            # Never checkpoint past unwritten items: a resumed run reads this batch again and retries them.
            run.blocked = True
        if not run.blocked:
            self.store.advance(name, run.state.segment.index, done_batch.checkpoint, done=done)
            run.state.after, run.state.rows_read = done_batch.checkpoint.after, done_batch.checkpoint.rows_read
        if self.options.on_batch is not None:
            self.options.on_batch(name, done_batch.rows)


def check_tables(builder_tables: Sequence[str], only: Sequence[str]) -> list[str]:
    """The source tables to migrate: all the model maps, or ``only`` (``UsageError`` for unknown names)."""
    if not only:
        return list(builder_tables)
    unknown = [t for t in only if t not in builder_tables]
    if unknown:
        raise UsageError(
            f"--only names tables the model does not map: {', '.join(unknown)}",
            hint=f"source tables in the model: {', '.join(builder_tables)}",
        )
    return [t for t in builder_tables if t in set(only)]
