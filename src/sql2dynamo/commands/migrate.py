"""``sql2dynamo migrate``: copy every row the model maps from the source database into DynamoDB.

See :mod:`sql2dynamo.migrate.run` for the flow and
:mod:`sql2dynamo.migrate.checkpoints` for the checkpoint file.

Checkpoints and ``resume``:

* without ``resume``, a checkpoint file whose tables are all done (a finished
  earlier run) is replaced: the migration starts over (PutItem overwrites, so
  this is a full re-copy).  One with unfinished segments is an error
  (``UsageError``): continue it with ``--resume`` or delete the file;
* with ``resume``, unfinished segments continue after their last confirmed
  batch with the same segment boundaries; done segments are skipped; tables
  not yet started are planned.  A checkpoint file written for another
  ``data_model.json`` (other SHA-256) is refused.  No file: a fresh start;
* a dry run neither reads nor writes checkpoints.

Every run writes its rejects in a directory of its own,
``rejects_dir/<run id>/<table>.jsonl`` (:mod:`sql2dynamo.migrate.rejects`):
no run, dry or failed, ever empties an earlier run's.

``with_sync`` (PostgreSQL, MySQL/MariaDB) first takes the start of a change
stream (:mod:`sql2dynamo.sync.begin`): a replication slot whose exported
snapshot every reader imports, or a consistent-snapshot transaction with its
binlog position, read through one connection (one reader; MySQL cannot share
a snapshot between connections).  The start is recorded in the target's
control table, so ``sql2dynamo sync`` applies every change committed after
the snapshot, as if it had happened after the backfill.  It needs a fresh run
(no ``resume``, no ``dry_run``): a resumed backfill would mix snapshots.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sql2dynamo.common.errors import PrerequisiteError, TargetError, UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.design.model import DataModel
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.checkpoints import CheckpointStore, checkpoint_path, file_sha256
from sql2dynamo.migrate.rejects import run_directory
from sql2dynamo.migrate.run import MigrationOutcome, RunOptions, TableOutcome, check_tables, run_migration
from sql2dynamo.migrate.segment_task import task_source_url
from sql2dynamo.migrate.spark_options import SparkOptions
from sql2dynamo.migrate.writer import DEFAULT_UNREACHABLE_S, writer_client_config
from sql2dynamo.source.connect import Source, open_source
from sql2dynamo.sync.begin import CaptureStart, start_capture
from sql2dynamo.sync.control import DEFAULT_CONTROL_TABLE
from sql2dynamo.target.endpoint import TargetSpec, dynamodb_client, parse_target
from sql2dynamo.target.model_file import load_model
from sql2dynamo.target.retry import RetryPolicy

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["MigrateResult", "migrate", "raise_for_failures", "writer_client"]

SUMMARY_COLUMNS = ("table", "read", "items", "rejected", "failed", "seconds", "items/s")


@dataclass(frozen=True)
class MigrateResult(Result):
    """What ``migrate`` did (``dry_run``: would do) per source table."""

    model_path: Path
    source: str
    target: str | None
    dry_run: bool
    resumed: bool
    tables: tuple[TableOutcome, ...]
    seconds: float
    checkpoint_file: Path | None
    rejects_dir: Path
    failed_examples: tuple[dict[str, Any], ...] = ()
    writes: dict[str, dict[str, float]] = field(default_factory=dict)  # per DynamoDB table, from the writer
    sync_start: dict[str, Any] | None = None  # with_sync: the stream's slot and start position

    def totals(self) -> dict[str, Any]:
        """The sums over all tables (``seconds`` is the whole run's wall time)."""
        items = sum(t.items_written for t in self.tables)
        return {
            "table": "total",
            "read": sum(t.rows_read for t in self.tables),
            "items": items,
            "rejected": sum(t.rejected for t in self.tables),
            "failed": sum(t.failed for t in self.tables),
            "seconds": round(self.seconds, 3),
            "items_per_second": round(items / self.seconds, 1) if self.seconds > 0 else 0.0,
        }

    def rows(self) -> list[list[Any]]:
        """The summary table's rows, the total last (columns: :data:`SUMMARY_COLUMNS`)."""
        out: list[list[Any]] = [
            [
                t.table,
                t.rows_read,
                t.items_written,
                t.rejected,
                t.failed,
                round(t.seconds, 2),
                round(t.items_per_second),
            ]
            for t in self.tables
        ]
        total = self.totals()
        out.append(
            [
                "total",
                total["read"],
                total["items"],
                total["rejected"],
                total["failed"],
                round(self.seconds, 2),
                round(total["items_per_second"]),
            ]
        )
        return out

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``)."""
        return {
            "command": "migrate",
            "model": str(self.model_path),
            "source": self.source,
            "target": self.target,
            "dry_run": self.dry_run,
            "resumed": self.resumed,
            "seconds": round(self.seconds, 3),
            "checkpoints": str(self.checkpoint_file) if self.checkpoint_file else None,
            "rejects_dir": str(self.rejects_dir),
            "tables": [
                {
                    "table": t.table,
                    "read": t.rows_read,
                    "items": t.items_written,
                    "rejected": t.rejected,
                    "failed": t.failed,
                    "duplicates": t.duplicates,
                    "segments": t.segments,
                    "segments_skipped": t.segments_skipped,
                    "seconds": round(t.seconds, 3),
                    "items_per_second": round(t.items_per_second, 1),
                }
                for t in self.tables
            ],
            "total": self.totals(),
            "writes": self.writes,
            "failed_examples": list(self.failed_examples),
            "sync_start": self.sync_start,
        }

    def describe(self, out: Reporter) -> None:
        """The per-table summary table (with a total row) and one closing line."""
        verb = "would write" if self.dry_run else "wrote"
        title = f"{'dry run: ' if self.dry_run else ''}migration to {self.target or 'nowhere'}"
        out.table(title, list(SUMMARY_COLUMNS), self.rows())
        total = self.totals()
        out.info(
            f"migrate: read {total['read']} rows, {verb} {total['items']} items, {total['rejected']} rejected, "
            f"{total['failed']} failed in {self.seconds:.1f} s"
        )
        if total["rejected"] or total["failed"]:
            out.warning(f"rejected rows and failed items are listed in {self.rejects_dir}")


def migrate(
    source_url: str,
    model_dir: Path,
    target: str | TargetSpec | None,
    *,
    reporter: Reporter,
    segments: int = 4,
    concurrency: int = 8,
    batch_size: int = 1000,
    max_wcu: float | None = None,
    resume: bool = False,
    dry_run: bool = False,
    only: Sequence[str] = (),
    on_error_stop: bool = False,
    rejects_dir: Path | None = None,
    client: DynamoDBClient | None = None,
    on_batch: Callable[[str, int], None] | None = None,
    with_sync: bool = False,
    slot: str = "sql2dynamo",
    control_table: str = DEFAULT_CONTROL_TABLE,
    unreachable_s: float = DEFAULT_UNREACHABLE_S,
    retry: RetryPolicy | None = None,
    engine: str = "threads",
    spark: SparkOptions | None = None,
) -> MigrateResult:
    """Migrate the rows of the source tables ``model_dir/data_model.json`` maps into its tables on ``target``.

    ``only`` restricts to those source tables.  ``segments`` is both the key
    ranges per table and the reader threads; ``concurrency`` the writer's
    requests in flight; ``max_wcu`` caps write capacity per second.
    ``rejects_dir`` defaults to ``MODEL_DIR/rejects``; the run writes in a new directory inside it
    (the result's ``rejects_dir``).  ``dry_run`` reads and
    transforms everything and writes nothing (``target`` may be ``None``).
    ``client`` overrides the client built from ``target``; ``on_batch``
    (source table, rows) runs after every confirmed batch (tests).
    ``with_sync`` reads from the snapshot of a new change stream named
    ``slot`` and records its start in ``control_table`` (see above).
    ``unreachable_s``: seconds the target may answer nothing before the run
    stops with a ``TargetError`` (resumable: nothing unconfirmed is checkpointed);
    ``retry`` replaces the writer's retry policy (tests).
    ``engine`` ``"spark"`` runs the segments as Spark tasks
    (:mod:`sql2dynamo.migrate.spark`; ``spark.master``, e.g. ``local[2]``),
    same checkpoints, rejects and summary.

    The result is returned also when items failed or rows were rejected;
    raising is the caller's choice (see :func:`raise_for_failures`).  Raises
    ``UsageError`` (options, ``--only``, checkpoints), ``InputError`` (model,
    a reject with ``on_error_stop``), ``SourceConnectionError``, ``TargetError``.
    """
    started = time.monotonic()
    for name, value in (("--segments", segments), ("--concurrency", concurrency), ("--batch-size", batch_size)):
        if value < 1:
            raise UsageError(f"{name} must be at least 1, not {value}")
    if with_sync and (dry_run or resume):
        raise UsageError(
            "--with-sync needs a fresh migration (not --resume or --dry-run)",
            hint="a resumed backfill would mix two snapshots: drop the stream and checkpoints, and start over",
        )
    if engine not in ("threads", "spark"):
        raise UsageError(f"unknown --engine {engine!r}", hint="use threads or spark")
    if engine == "spark" and with_sync:
        raise UsageError(
            "--with-sync reads one database snapshot, which Spark tasks on other connections cannot share",
            hint="run the backfill with --engine threads (the default) when it starts a change stream",
        )
    path, model = load_model(model_dir, contract=True, source_url=source_url)  # a contract alone will do
    tables = check_tables(ItemBuilder(model).source_tables, list(only))
    base = path.parent
    rejects = rejects_dir or base / "rejects"
    source = open_source(source_url)
    try:
        spec = None if target is None else (target if isinstance(target, TargetSpec) else parse_target(target))
        if not dry_run and client is None:
            if spec is None:
                raise UsageError(
                    "migrate needs --target (or --dry-run)", hint="use --target local, aws:REGION or a URL"
                )
            client = writer_client(spec, reporter, concurrency)
        store, cp_file, resumed = _checkpoints(base, path, source.display_url, resume=resume, dry_run=dry_run)
        rejects = run_directory(rejects, dry_run=dry_run)
        capture: CaptureStart | None = None
        read_from = source
        if with_sync:
            assert client is not None
            capture = start_capture(
                source_url, source, model, client, slot=slot, control_table=control_table, reporter=reporter
            )
            read_from = capture.source
            if capture.single_reader and segments > 1:
                segments = 1
        options = RunOptions(
            segments=segments,
            concurrency=concurrency,
            batch_size=batch_size,
            max_wcu=max_wcu,
            dry_run=dry_run,
            on_error_stop=on_error_stop,
            on_batch=on_batch,
            unreachable_s=unreachable_s,
            retry=retry,
        )
        ok = False
        try:
            outcome: MigrationOutcome
            if engine == "spark":
                outcome = _run_on_spark(
                    source_url,
                    read_from,
                    model,
                    tables,
                    store=store,
                    target=None if dry_run else _task_target(spec, client),
                    reporter=reporter,
                    rejects_dir=rejects,
                    options=options,
                    spark=spark or SparkOptions(),
                )
            else:
                outcome = run_migration(
                    read_from,
                    model,
                    tables,
                    store=store,
                    client=None if dry_run else client,
                    reporter=reporter,
                    rejects_dir=rejects,
                    options=options,
                )
            ok = True
        finally:
            if capture is not None:
                capture.finish(ok)
    finally:
        source.engine.dispose()
    result = MigrateResult(
        model_path=path,
        source=source.display_url,
        target=spec.display if spec is not None else None,
        dry_run=dry_run,
        resumed=resumed,
        tables=tuple(outcome.tables),
        seconds=time.monotonic() - started,
        checkpoint_file=cp_file,
        rejects_dir=rejects,
        failed_examples=tuple(outcome.failed_examples),
        writes=outcome.writes,
        sync_start=None
        if capture is None
        else {"slot": capture.slot, "kind": capture.kind, "position": capture.position},
    )
    if capture is not None:
        reporter.info(
            f"migrate: changes since the snapshot wait in stream {capture.slot}: run `sql2dynamo sync --slot "
            f"{capture.slot}` (until it runs, the source keeps them)"
        )
    return result


def raise_for_failures(result: MigrateResult) -> None:
    """Raise ``TargetError`` (exit code 7) when any item failed to be written."""
    total = result.totals()
    if total["failed"]:
        raise TargetError(
            f"{total['failed']} item(s) could not be written to {result.target}",
            hint=f"run `migrate --resume` to write them again (their keys and errors are in {result.rejects_dir}, "
            'lines with "failed": true)',
        )


def _task_target(spec: TargetSpec | None, client: DynamoDBClient | None) -> TargetSpec | None:
    """The target as Spark tasks reach it: the managed local instance by its URL (already started here)."""
    if spec is None or client is None:
        return spec
    if spec.kind == "local":
        return TargetSpec("endpoint", endpoint_url=client.meta.endpoint_url)
    return spec


def _run_on_spark(
    source_url: str, source: Source, model: DataModel, tables: Sequence[str], **kwargs: Any
) -> MigrationOutcome:
    """:func:`sql2dynamo.migrate.spark.run_spark_migration`, or a one-line error naming the extra to install."""
    try:
        # pyspark is optional: imported only when --engine spark is chosen, so the default install runs without it.
        from sql2dynamo.migrate.spark import run_spark_migration  # noqa: PLC0415
    except ImportError as exc:
        raise PrerequisiteError(
            f"--engine spark needs pyspark ({exc})", hint="pip install 'sql2dynamo[spark]' (Java 17+ too)"
        ) from None
    return run_spark_migration(source, task_source_url(source_url), model, tables, **kwargs)


def writer_client(spec: TargetSpec, reporter: Reporter, concurrency: int) -> DynamoDBClient:
    """The target's client as ``dynamodb_client`` builds it, tuned for the writer (``writer_client_config``)."""
    return dynamodb_client(spec, reporter, config=writer_client_config(concurrency))


def _checkpoints(
    base: Path, model_path: Path, source: str, *, resume: bool, dry_run: bool
) -> tuple[CheckpointStore, Path | None, bool]:
    """The store to run with, its file (None in a dry run), and whether this run resumes."""
    digest = file_sha256(model_path)
    if dry_run:
        return CheckpointStore(None, model_sha256=digest, source=source), None, False
    path = checkpoint_path(base)
    if not path.exists():
        return CheckpointStore(path, model_sha256=digest, source=source), path, False
    old = CheckpointStore.load(path)
    if resume:
        if old.model_sha256 != digest:
            raise UsageError(
                f"the checkpoints in {path} were written for another data_model.json",
                hint="migrate without --resume after deleting that file, or restore the model they were made for",
            )
        if old.source != source:
            raise UsageError(
                f"the checkpoints in {path} are for source {old.source}, not {source}",
                hint="resume with the same source URL, or delete the file to start over",
            )
        return old, path, True
    unfinished = old.unfinished()
    if unfinished:
        raise UsageError(
            f"an earlier migration stopped before finishing {', '.join(unfinished)} (checkpoints in {path})",
            hint="continue it with --resume, or delete that file to start over",
        )
    fresh = CheckpointStore(path, model_sha256=digest, source=source)
    return fresh, path, False
