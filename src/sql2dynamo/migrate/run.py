"""Run a migration: source tables -> segments -> batches of rows -> items -> one shared BatchWriter.

Flow per source table the model maps: the segments are planned once (or
taken from the checkpoint file on ``resume``), then every unfinished segment
of every table is read by a pool of reader threads (each page borrows a
pooled connection).  A worker turns each batch into items with
:class:`~sql2dynamo.migrate.transform.ItemBuilder`, submits them to the
shared :class:`~sql2dynamo.migrate.writer.BatchWriter` and keeps reading;
its batches are confirmed in order, and a segment's checkpoint moves past a
batch only once the writer's futures for it (and every earlier batch) have
resolved.  So after a crash, a resumed run re-writes at most the batches
that were in flight (at most ``_IN_FLIGHT`` per segment), which PutItem
overwrites harmlessly.

Denormalized attributes: for each batch, the distinct non-NULL join values
are collected per parent table and the parent rows fetched with one
``SELECT * FROM parent WHERE col IN (...)`` (chunks of ``_IN_CHUNK``
values).  Values are matched in Python by equality, so a join that only
matches under a case-insensitive collation finds no parent (the copies are
then left out, as for a missing parent).

Rejects (rows DynamoDB cannot hold) are appended to
``rejects_dir/<source table>.jsonl`` as ``{"table", "key", "reason",
"target"}`` lines; items the writer gives up on go to the same file with
``"failed": true``.  A resumed run does not retry failed items: their
segment's checkpoint moved on (they are listed in the rejects file).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sql2dynamo.design.model import DataModel
from sql2dynamo.errors import InputError, UsageError
from sql2dynamo.migrate.checkpoints import CheckpointStore, SegmentState, TablePlan
from sql2dynamo.migrate.reader import read_segment
from sql2dynamo.migrate.segments import Checkpoint, segment_plan
from sql2dynamo.migrate.transform import ItemBuilder, Reject
from sql2dynamo.migrate.writer import BatchWriter, KeySchema, WriteResult
from sql2dynamo.reporting import Progress, Reporter
from sql2dynamo.source.connect import Source
from sql2dynamo.source.introspect import introspect
from sql2dynamo.source.model import Table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["MigrationOutcome", "RunOptions", "TableOutcome", "key_schemas", "run_migration"]

Row = dict[str, Any]
_IN_FLIGHT = 3  # batches per segment submitted but not yet confirmed: keeps the writer busy, bounds memory
_IN_CHUNK = 500  # values per IN (...) list: under SQLite's and every driver's parameter limits


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
    builder = ItemBuilder(model)
    for warning in builder.warnings:
        reporter.warning(warning)
    parents = {p for t in tables for p in builder.joins(t)}
    schema = introspect(source, reporter=reporter, include=sorted(set(tables) | parents), with_stats=False)
    by_name = {t.name: t for t in schema.tables}
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
        )
    )
    rejects = _RejectLog(rejects_dir)
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
            # Segments round-robin across tables: the readers then write to several tables at once, which
            # DynamoDB Local ingests several times cheaper than long runs into one table (bench/backfill.py).
            rounds = itertools.zip_longest(*[[(name, state) for state in plans[name].segments] for name in tables])
            work = [pair for round_ in rounds for pair in round_ if pair is not None]
            for name, state in work:
                outcomes[name].segments += 1
                if state.done:
                    outcomes[name].segments_skipped += 1
            pending = [(n, s) for n, s in work if not s.done]
            _run_pool(job, pending, min(max(1, options.segments), max(1, len(pending))))
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


def _run_pool(job: _Job, work: list[tuple[str, SegmentState]], threads: int) -> None:
    """Run the segments on ``threads`` readers; on any error stop the others, then raise the first."""
    if not work:
        return
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="s2d-reader") as pool:
        futures = [pool.submit(job.segment, name, state) for name, state in work]
        try:
            for future in futures:
                # Polling with a timeout keeps the main thread able to take Ctrl-C.
                while True:
                    try:
                        future.result(timeout=0.2)
                        break
                    except TimeoutError:
                        continue
        except BaseException:
            job.stop.set()
            for future in futures:
                future.cancel()
            raise


@dataclass
class _Pending:
    futures: list[Future[WriteResult]]
    checkpoint: Checkpoint
    rows: int
    items: int


class _Job:
    """What every reader thread shares."""

    def __init__(
        self,
        source: Source,
        builder: ItemBuilder,
        tables: Mapping[str, Table],
        store: CheckpointStore,
        writer: BatchWriter | None,
        rejects: _RejectLog,
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

    def segment(self, name: str, state: SegmentState) -> None:
        """Read, transform, write and checkpoint one segment."""
        if self.stop.is_set():
            return
        table = self.tables[name]
        outcome = self.outcomes[name]
        with self.lock:
            now = time.monotonic()
            outcome.started = now if outcome.started is None else min(outcome.started, now)
        checkpoint = state.checkpoint
        pending: deque[_Pending] = deque()
        finished = False
        try:
            for batch in read_segment(
                self.source, table, state.segment, after=state.after, batch_size=self.options.batch_size
            ):
                if self.stop.is_set():
                    break
                checkpoint = checkpoint.advanced(batch, table.primary_key)
                pending.append(self._transform_and_submit(name, batch, checkpoint))
                while pending and (len(pending) > _IN_FLIGHT or all(f.done() for f in pending[0].futures)):
                    self._confirm(name, state, pending.popleft(), done=False)
            else:
                finished = True
        finally:
            # Whatever stopped the loop, what was submitted is written (or failed) and checkpointed in order.
            while pending:
                last = len(pending) == 1
                self._confirm(name, state, pending.popleft(), done=finished and last)
            if finished and not state.done:
                self.store.advance(name, state.segment.index, checkpoint, done=True)
            with self.lock:
                now = time.monotonic()
                outcome.finished = now if outcome.finished is None else max(outcome.finished, now)

    def _transform_and_submit(self, name: str, batch: list[Row], checkpoint: Checkpoint) -> _Pending:
        related = self._related(name, batch)
        by_table: dict[str, list[dict[str, Any]]] = {}
        rejects: list[Reject] = []
        for i, row in enumerate(batch):
            result = self.builder.items_for(name, row, related[i] if related is not None else None)
            if result.rejects:
                rejects.extend(result.rejects)
                if self.options.on_error_stop:
                    break
            for ddb_table, item in result.items:
                by_table.setdefault(ddb_table, []).append(item)
        if rejects:
            rows_rejected = len({json.dumps(r.key, sort_keys=True, default=str) for r in rejects})
            self.rejects.write(name, [_reject_line(r) for r in rejects])
            with self.lock:
                self.outcomes[name].rejected += rows_rejected
            if self.options.on_error_stop:
                first = rejects[0]
                self.stop.set()
                raise InputError(
                    f"row {_key_text(first.key)} of {name} cannot be an item of {first.table}: {first.reason}",
                    hint=f"see {self.rejects.path(name)}; run without --on-error-stop to migrate the other rows",
                    table=name,
                )
        items = sum(len(v) for v in by_table.values())
        futures = [] if self.writer is None else [self.writer.submit(t, items) for t, items in by_table.items()]
        return _Pending(futures, checkpoint, len(batch), items)

    def _confirm(self, name: str, state: SegmentState, done_batch: _Pending, *, done: bool) -> None:
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
            self.rejects.write(
                name,
                [
                    {"table": name, "target": f["table"], "key": f["key"], "reason": f["error"], "failed": True}
                    for f in failures
                ],
            )
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
        self.store.advance(name, state.segment.index, done_batch.checkpoint, done=done)
        state.after, state.rows_read = done_batch.checkpoint.after, done_batch.checkpoint.rows_read
        if self.options.on_batch is not None:
            self.options.on_batch(name, done_batch.rows)

    def _related(self, name: str, batch: list[Row]) -> list[dict[str, Row | None]] | None:
        """Per row of ``batch``, its parent row in each table its denormalized attributes copy from."""
        joins = self.builder.joins(name)
        if not joins:
            return None
        found: dict[str, dict[Any, Row]] = {}
        for parent, join in joins.items():
            values = list({row[join.local_column] for row in batch if row[join.local_column] is not None})
            found[parent] = self._fetch(self.tables[parent], join.source_column, values)
        out: list[dict[str, Row | None]] = []
        for row in batch:
            related: dict[str, Row | None] = {}
            for parent, join in joins.items():
                value = row[join.local_column]
                if value is not None:
                    related[parent] = found[parent].get(value)
            out.append(related)
        return out

    def _fetch(self, table: Table, column: str, values: list[Any]) -> dict[Any, Row]:
        rows: dict[Any, Row] = {}
        target = sa.table(table.name, *[sa.column(c.name) for c in table.columns], schema=table.schema)
        with self.source.engine.connect() as conn:
            for start in range(0, len(values), _IN_CHUNK):
                chunk = values[start : start + _IN_CHUNK]
                query = sa.select(target).where(target.c[column].in_(chunk))
                for row in conn.execute(query).mappings():
                    rows.setdefault(row[column], dict(row))
        return rows


class _RejectLog:
    """Append-only JSON-lines files, one per source table, opened on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: dict[str, Any] = {}
        self._lock = threading.Lock()

    def path(self, table: str) -> Path:
        return self.directory / f"{table}.jsonl"

    def write(self, table: str, lines: list[dict[str, Any]]) -> None:
        with self._lock:
            fh = self._files.get(table)
            if fh is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                fh = self._files[table] = self.path(table).open("a", encoding="utf-8")
            for line in lines:
                fh.write(json.dumps(line, default=str, ensure_ascii=False) + "\n")
            fh.flush()

    def close(self) -> None:
        with self._lock:
            for fh in self._files.values():
                fh.close()
            self._files.clear()


def _reject_line(reject: Reject) -> dict[str, Any]:
    return {"table": reject.source_table, "key": reject.key, "reason": reject.reason, "target": reject.table}


def _key_text(key: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in key.items())


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
