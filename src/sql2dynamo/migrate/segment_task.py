"""One segment of a backfill as a self-contained task: what a Spark executor runs.

A :class:`SegmentTask` carries everything a task needs and nothing it must
share: the source URL (the task opens its own connection pool), the model
(the task compiles its own :class:`~sql2dynamo.items.transform.ItemBuilder`),
the introspected tables, the target and the segment with where to start.  It
pickles, so any scheduler can ship it.  :func:`run_segment_task` reads the
segment with the migrate reader, builds items with
:func:`~sql2dynamo.migrate.batches.build_batch` and writes them with its own
:class:`~sql2dynamo.migrate.writer.BatchWriter`; it returns counters, the
rejects-file lines and the segment's last key, for the driver to record.

Every write is a put of a whole item, so running a task twice (a retry after
a lost executor, or speculative execution) writes the same items again and
leaves the table as one run would.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sql2dynamo.common.errors import Sql2DynamoError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.batches import build_batch
from sql2dynamo.migrate.checkpoints import SegmentState
from sql2dynamo.migrate.reader import read_segment
from sql2dynamo.migrate.rejects import failed_line, key_text, reject_line
from sql2dynamo.migrate.run import key_schemas
from sql2dynamo.migrate.segments import Checkpoint, Key
from sql2dynamo.migrate.writer import BatchWriter, writer_client_config
from sql2dynamo.source.connect import Source, normalize_url, open_source
from sql2dynamo.source.model import Table
from sql2dynamo.target.endpoint import TargetSpec, dynamodb_client

__all__ = ["SegmentOutcome", "SegmentTask", "TaskFailure", "run_segment_task", "task_source_url"]


class TaskFailure(RuntimeError):
    """Raised by the test hook on a task's early attempts, after part of the segment is written."""


@dataclass(frozen=True)
class SegmentTask:
    """Everything one segment's task needs (picklable)."""

    source_url: str
    model: DataModel
    tables: Mapping[str, Table]  # the segment's table and the parents its denormalized copies read
    table: str
    state: SegmentState
    target: TargetSpec | None  # None: a dry run (transform only)
    batch_size: int = 1000
    concurrency: int = 8
    max_wcu: float | None = None  # this task's share of the global cap
    stop_at_reject: bool = False
    failing_attempts: int = 0  # test hook: attempts below this raise TaskFailure after their first batch


@dataclass
class SegmentOutcome:
    """What a task did: counters, the lines for the rejects file, and how far it got."""

    table: str
    index: int
    rows_read: int = 0  # by this task
    confirmed_rows: int = 0  # of the whole segment, up to ``after`` (for the checkpoint)
    items_written: int = 0
    rejected: int = 0
    failed: int = 0
    duplicates: int = 0
    after: Key | None = None
    complete: bool = False  # read to the end with every item written: the segment is done
    reject_lines: list[dict[str, Any]] = field(default_factory=list)
    failed_examples: list[dict[str, Any]] = field(default_factory=list)
    writes: dict[str, dict[str, float]] = field(default_factory=dict)
    error: tuple[str, str] | None = None  # (error class name, one line) of a deliberate stop
    seconds: float = 0.0

    @property
    def checkpoint(self) -> Checkpoint:
        """The segment's checkpoint after this task."""
        return Checkpoint(self.table, self.index, self.after, self.confirmed_rows)


def task_source_url(url: str) -> str:
    """``url`` as tasks must open it: a relative SQLite path made absolute (tasks may run in another directory)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or Path(parsed.database).is_absolute():
        return url
    return parsed.set(database=str(Path(parsed.database).resolve())).render_as_string(hide_password=False)


def run_segment_task(task: SegmentTask, attempt: int = 0) -> SegmentOutcome:
    """Read, transform and write the rest of one segment; ``attempt`` counts the scheduler's retries."""
    started = time.monotonic()
    state = task.state
    outcome = SegmentOutcome(task.table, state.segment.index, confirmed_rows=state.rows_read, after=state.after)
    source = open_source(task.source_url)
    writer: BatchWriter | None = None
    try:
        if task.target is not None:
            reporter = RecordingReporter()
            client = dynamodb_client(task.target, reporter, config=writer_client_config(task.concurrency))
            writer = BatchWriter(
                client,
                concurrency=task.concurrency,
                max_wcu=task.max_wcu,
                reporter=reporter,
                key_schema=key_schemas(task.model),
            )
        _copy_segment(task, outcome, source, writer, fail=attempt < task.failing_attempts)
    except Sql2DynamoError as exc:
        # A deliberate stop (unusable target, reject under --on-error-stop): retrying the task will not help.
        outcome.error = (type(exc).__name__, exc.one_line())
    finally:
        if writer is not None:
            writer.close()
            for name, c in sorted(writer.stats().tables.items()):
                outcome.writes[name] = {
                    "items": c.items_written,
                    "wcu": round(c.wcu_consumed, 3),
                    "requests": c.requests,
                    "retries": c.retries,
                    "throttles": c.throttles,
                    "unprocessed_items": c.unprocessed_items,
                }
        source.engine.dispose()
    outcome.seconds = time.monotonic() - started
    return outcome


def _copy_segment(
    task: SegmentTask, outcome: SegmentOutcome, source: Source, writer: BatchWriter | None, *, fail: bool
) -> None:
    builder = ItemBuilder(task.model)
    table = task.tables[task.table]
    batches = read_segment(source, table, task.state.segment, after=task.state.after, batch_size=task.batch_size)
    for batch in batches:
        built = build_batch(source, task.tables, builder, task.table, batch, stop_at_reject=task.stop_at_reject)
        if built.rejects:
            outcome.reject_lines.extend(reject_line(r) for r in built.rejects)
            outcome.rejected += built.rows_rejected
            if task.stop_at_reject:
                first = built.rejects[0]
                reason = f"row {key_text(first.key)} of {task.table} cannot be an item of {first.table}: {first.reason}"
                outcome.error = ("InputError", reason)
                return
        failed = _write(writer, built.by_table, outcome, task.table)
        if writer is None:
            outcome.items_written += built.items
        outcome.rows_read += len(batch)
        if failed:
            return  # never past unwritten items: the driver leaves the segment where it was
        outcome.after = tuple(batch[-1][c] for c in table.primary_key)
        outcome.confirmed_rows += len(batch)
        if fail:
            raise TaskFailure(f"test hook: an early attempt of {task.table} segment {task.state.segment.index} fails")
    outcome.complete = True


def _write(
    writer: BatchWriter | None, by_table: dict[str, list[dict[str, Any]]], outcome: SegmentOutcome, source_table: str
) -> bool:
    """Write every table's items and wait; True when some item could not be written."""
    if writer is None:
        return False
    futures = [writer.submit(t, items) for t, items in by_table.items()]
    failed = False
    for future in futures:
        result = future.result()  # a terminal target error propagates (a TargetError)
        outcome.items_written += result.written
        outcome.duplicates += result.duplicates
        for f in result.failed:
            failed = True
            outcome.failed += 1
            failure = {"table": f.table, "key": f.key, "error": f.error, "code": f.code}
            outcome.reject_lines.append(failed_line(source_table, failure))
            if len(outcome.failed_examples) < 20:
                outcome.failed_examples.append(failure)
    return failed
