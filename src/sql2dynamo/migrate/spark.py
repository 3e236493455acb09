"""``migrate --engine spark``: the segment plan of a migration run as Spark tasks.

The driver (this module) does what :func:`~sql2dynamo.migrate.run.run_migration`
does around the reading: plans segments (or takes them from the checkpoint
file), then submits one Spark job of one task per unfinished segment, from a
pool of driver threads so that the jobs run side by side on every slot.  A
task (:func:`~sql2dynamo.migrate.segment_task.run_segment_task`) opens its own
source connection, reads its key range with the migrate reader, builds items
with the same transform and writes them with its own batch writer.  No JDBC:
SQLite (a path the tasks can see), PostgreSQL and MySQL/MariaDB all read
through the project's readers.

As each task returns, the driver writes its rejects, adds its counters and
checkpoints its segment: done when every item was written, else at its last
fully written batch, so ``--resume`` (threads or Spark) continues exactly
there.  Killing the driver loses at most the segments running at that moment,
which a resumed run writes again (puts overwrite).  A task that dies is
retried by Spark (``spark.task.maxFailures``); since it restarts from its
segment's checkpoint and writes whole items, a retry or a speculative copy
changes nothing.  ``--max-wcu`` is global: each task gets its share, the cap
divided by the tasks that can run at once.

This module imports pyspark and is itself imported only where the engine is
chosen (pyspark is the optional extra ``sql2dynamo[spark]``).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from pathlib import Path

from pyspark import SparkConf, SparkContext, TaskContext

from sql2dynamo.common.errors import InputError, Sql2DynamoError, TargetError
from sql2dynamo.common.reporting import Progress, Reporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.migrate.batches import prepare_transform
from sql2dynamo.migrate.checkpoints import CheckpointStore, TablePlan
from sql2dynamo.migrate.planning import segment_plan
from sql2dynamo.migrate.rejects import RejectLog
from sql2dynamo.migrate.run import MigrationOutcome, RunOptions, TableOutcome
from sql2dynamo.migrate.segment_task import SegmentOutcome, SegmentTask, run_segment_task
from sql2dynamo.migrate.spark_options import SparkOptions
from sql2dynamo.source.connect import Source
from sql2dynamo.target.endpoint import TargetSpec

__all__ = ["run_spark_migration", "spark_context"]

DEFAULT_MASTER = "local[*]"
_GATEWAY_ENV = "PYSPARK_GATEWAY_PORT"  # set by spark-submit for the driver it starts


def spark_context(master: str | None, app_name: str = "sql2dynamo migrate") -> SparkContext:
    """The running SparkContext, or a new one for ``master``.

    Under spark-submit the master and settings come from there.  Started from
    the command line, the Python workers run this interpreter (the one with
    sql2dynamo installed), the UI is off, and ``local[N,F]`` allows F attempts
    per task (Spark's local mode otherwise never retries).
    """
    conf = SparkConf().setAppName(app_name)
    if master is not None:
        conf.setMaster(master)
    elif _GATEWAY_ENV not in os.environ:  # not under spark-submit, which would have chosen a master
        conf.setMaster(DEFAULT_MASTER)
    if conf.get("spark.master", "").startswith("local"):
        conf.set("spark.ui.enabled", "false")
        conf.setIfMissing("spark.ui.showConsoleProgress", "false")  # the reporter shows progress
        conf.set("spark.pyspark.python", sys.executable)
        conf.set("spark.pyspark.driver.python", sys.executable)
        conf.setIfMissing("spark.driver.host", "127.0.0.1")
        conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local tasks talk over loopback only
    return SparkContext.getOrCreate(conf)


def _execute(task: SegmentTask) -> SegmentOutcome:
    """Runs on an executor: one segment, told which attempt this is."""
    context = TaskContext.get()
    attempt = context.attemptNumber() if context is not None else 0
    return run_segment_task(task, attempt)


def run_spark_migration(
    source: Source,
    source_url: str,
    model: DataModel,
    tables: Sequence[str],
    *,
    store: CheckpointStore,
    target: TargetSpec | None,
    reporter: Reporter,
    rejects_dir: Path,
    options: RunOptions,
    spark: SparkOptions,
) -> MigrationOutcome:
    """Migrate ``tables`` with Spark tasks, one per unfinished segment; see the module docstring.

    ``target`` is what the tasks connect to (``None``: a dry run).  Raises
    like :func:`~sql2dynamo.migrate.run.run_migration`: ``InputError`` for a
    reject under ``on_error_stop``, ``TargetError`` when the target stops
    answering; what finished before is checkpointed.
    """
    started = time.monotonic()
    builder, by_name = prepare_transform(source, model, tables, reporter=reporter)
    plans: dict[str, TablePlan] = {}
    for name in tables:
        plan = store.tables.get(name)
        if plan is None:
            planned = segment_plan(source, by_name[name], options.segments)
            plan = store.set_plan(name, planned.segments, planned.rows, planned.method)
        plans[name] = plan
    outcomes = {t: TableOutcome(t) for t in tables}
    for name in tables:
        outcomes[name].segments = len(plans[name].segments)
        outcomes[name].segments_skipped = sum(1 for s in plans[name].segments if s.done)
    sc = spark_context(spark.master)
    slots = max(1, sc.defaultParallelism)
    todo = [(name, state) for name in tables for state in plans[name].segments if not state.done]
    running = max(1, min(slots, len(todo)))
    share = options.max_wcu / running if options.max_wcu is not None else None
    tasks = [
        SegmentTask(
            source_url=source_url,
            model=model,
            tables={n: by_name[n] for n in (name, *builder.joins(name))},
            table=name,
            state=state,
            target=target,
            batch_size=options.batch_size,
            concurrency=max(1, options.concurrency // running) if running > 1 else options.concurrency,
            max_wcu=share,
            stop_at_reject=options.on_error_stop,
            failing_attempts=spark.failing_attempts.get((name, state.segment.index), 0),
        )
        for name, state in todo
    ]
    reporter.info(f"spark: {len(tasks)} segment task(s) on {sc.master} ({slots} slot(s))")
    driver = _Driver(store, RejectLog(rejects_dir), outcomes, spark)
    try:
        with ExitStack() as stack:
            for name in tables:
                plan = plans[name]
                already = sum(s.rows_read for s in plan.segments)
                total = max(plan.rows_estimate or 0, already) or None
                verb = "checking" if options.dry_run else "migrating"
                driver.progress[name] = stack.enter_context(reporter.task(f"{verb} {name} (spark)", total=total))
                if already:
                    driver.progress[name].advance(already)
            driver.run(sc, tasks, slots)
    finally:
        driver.rejects.close()
    return MigrationOutcome(
        [outcomes[t] for t in tables], time.monotonic() - started, driver.failed_examples, driver.writes
    )


class _Driver:
    """Submits the segment jobs and records each outcome as it comes back."""

    def __init__(
        self, store: CheckpointStore, rejects: RejectLog, outcomes: dict[str, TableOutcome], spark: SparkOptions
    ) -> None:
        self.store = store
        self.rejects = rejects
        self.outcomes = outcomes
        self.spark = spark
        self.progress: dict[str, Progress] = {}
        self.failed_examples: list[dict[str, object]] = []
        self.writes: dict[str, dict[str, float]] = {}
        self._group = f"sql2dynamo-{os.getpid()}-{threading.get_ident()}"
        self._lock = threading.Lock()

    def run(self, sc: SparkContext, tasks: list[SegmentTask], slots: int) -> None:
        """One job per task, ``2 * slots`` submitted at a time; records results in completion order."""
        if not tasks:
            return
        pending = iter(tasks)
        futures: dict[Future[SegmentOutcome], SegmentTask] = {}
        error: BaseException | None = None
        with ThreadPoolExecutor(max_workers=2 * slots, thread_name_prefix="s2d-spark-job") as pool:
            try:
                self._fill(sc, pool, pending, futures, 2 * slots)
                while futures:
                    done, _ = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
                    for future in done:
                        task = futures.pop(future)
                        self._record(task, future.result())
                    self._fill(sc, pool, pending, futures, 2 * slots)
            except BaseException as exc:
                error = exc
                sc.cancelJobGroup(self._group)
                for future in futures:
                    future.cancel()
        if error is not None:
            raise _explain(error) from None

    def _fill(
        self,
        sc: SparkContext,
        pool: ThreadPoolExecutor,
        pending: Iterator[SegmentTask],
        futures: dict[Future[SegmentOutcome], SegmentTask],
        limit: int,
    ) -> None:
        while len(futures) < limit:
            task = next(pending, None)
            if task is None:
                return
            with self._lock:
                outcome = self.outcomes[task.table]
                now = time.monotonic()
                outcome.started = now if outcome.started is None else min(outcome.started, now)
            futures[pool.submit(self._job, sc, task)] = task

    def _job(self, sc: SparkContext, task: SegmentTask) -> SegmentOutcome:
        sc.setJobGroup(self._group, f"{task.table} segment {task.state.segment.index}", interruptOnCancel=True)
        result: list[SegmentOutcome] = sc.parallelize([task], 1).map(_execute).collect()
        return result[0]

    def _record(self, task: SegmentTask, got: SegmentOutcome) -> None:
        """Rejects, counters, checkpoint; then raise the task's deliberate stop, if any."""
        if got.reject_lines:
            self.rejects.write(task.table, got.reject_lines)
        with self._lock:
            outcome = self.outcomes[task.table]
            outcome.rows_read += got.rows_read
            outcome.items_written += got.items_written
            outcome.rejected += got.rejected
            outcome.failed += got.failed
            outcome.duplicates += got.duplicates
            now = time.monotonic()
            outcome.finished = now if outcome.finished is None else max(outcome.finished, now)
            room = 20 - len(self.failed_examples)
            self.failed_examples.extend(got.failed_examples[: max(0, room)])
            for name, counters in got.writes.items():
                into = self.writes.setdefault(name, {})
                for key, value in counters.items():
                    into[key] = round(into.get(key, 0) + value, 3)
        if got.after != task.state.after or got.complete:
            self.store.advance(task.table, task.state.segment.index, got.checkpoint, done=got.complete)
        progress = self.progress.get(task.table)
        if progress is not None:
            progress.advance(got.rows_read)
        if got.error is not None:
            kind, line = got.error
            raise (InputError if kind in ("InputError", "UnsupportedError") else TargetError)(line)
        if self.spark.on_segment is not None:
            self.spark.on_segment(got)


def _explain(error: BaseException) -> BaseException:
    """Sql2DynamoErrors and interrupts as they are; a failed Spark job as a TargetError naming the task's error."""
    if isinstance(error, (Sql2DynamoError, KeyboardInterrupt)) or not isinstance(error, Exception):
        return error
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    named = [line for line in lines if "Error" in line or "Exception" in line]
    cause = named[-1] if named else (lines[-1] if lines else type(error).__name__)
    return TargetError(
        f"a Spark task failed after its retries: {cause[:300]}",
        hint="fix the cause, then continue with `migrate --engine spark --resume` (finished segments are kept)",
    )
