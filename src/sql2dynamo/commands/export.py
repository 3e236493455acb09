"""``sql2dynamo export``: every item of a migration as ImportTable input files, checked before a paid import.

See :mod:`sql2dynamo.migrate.export_run` for the layout and the manifest,
:mod:`sql2dynamo.migrate.export_format` for the formats.  The destination is
a local directory: to import from S3, upload it as it is
(``aws s3 sync DIR s3://bucket/prefix``) and run
``deploy --import-from s3://bucket/prefix``.  Writing to S3 directly is not
offered: it needs credentials and a network this tool is not tested with.

Resuming follows ``migrate``: an unfinished export is continued with
``resume`` (same format, compression, model and source), never overwritten;
a finished one, or a directory holding other files, is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.checkpoints import file_sha256
from sql2dynamo.migrate.export_format import FORMATS, ExportFormat, check_compression
from sql2dynamo.migrate.export_run import (
    MANIFEST_FILE,
    MAX_IMPORT_OBJECTS,
    ExportManifest,
    ExportOptions,
    ExportOutcome,
    run_export,
)
from sql2dynamo.migrate.run import check_tables
from sql2dynamo.source.connect import open_source
from sql2dynamo.target.model_file import load_model
from sql2dynamo.verify.canonical import canonical_hash

__all__ = ["ExportResult", "export"]

_MB = 1_000_000


@dataclass(frozen=True)
class ExportResult(Result):
    """What ``export`` wrote: per DynamoDB table its files, items, bytes and items hash."""

    source: str
    model_path: Path
    directory: Path
    fmt: str
    compression: str
    resumed: bool
    outcome: ExportOutcome
    seconds: float

    def totals(self) -> dict[str, Any]:
        """Sums over tables, and the rates of this run."""
        tables = self.outcome.tables.values()
        items = sum(t["items"] for t in tables)
        size = sum(t["bytes"] for t in tables)
        return {
            "rows": sum(self.outcome.rows.values()),
            "rejected": sum(self.outcome.rejected.values()),
            "items": items,
            "files": sum(len(t["files"]) for t in tables),
            "bytes": size,
            "uncompressed_bytes": sum(t["uncompressed_bytes"] for t in tables),
            "items_per_second": round(items / self.seconds, 1) if self.seconds > 0 else 0.0,
            "mb_per_second": round(size / _MB / self.seconds, 3) if self.seconds > 0 else 0.0,
        }

    def too_many_files(self) -> list[str]:
        """Tables whose files exceed what one ImportTable reads."""
        return [name for name, t in self.outcome.tables.items() if len(t["files"]) > MAX_IMPORT_OBJECTS]

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the manifest's table summaries without the file lists."""
        return {
            "command": "export",
            "source": self.source,
            "model": str(self.model_path),
            "directory": str(self.directory),
            "format": self.fmt,
            "compression": self.compression,
            "resumed": self.resumed,
            "seconds": round(self.seconds, 3),
            "segments": self.outcome.segments,
            "segments_skipped": self.outcome.segments_skipped,
            "tables": {
                name: {k: v for k, v in t.items() if k != "files"} | {"files": len(t["files"])}
                for name, t in self.outcome.tables.items()
            },
            "rejected": self.outcome.rejected,
            "total": self.totals(),
        }

    def describe(self, out: Reporter) -> None:
        """One row per DynamoDB table, then a closing line."""
        rows = [
            [name, t["items"], len(t["files"]), round(t["bytes"] / _MB, 3), t["items_hash"][:12]]
            for name, t in self.outcome.tables.items()
        ]
        out.table(
            f"export to {self.directory} ({self.fmt}, {self.compression})",
            ["table", "items", "files", "MB", "hash"],
            rows,
        )
        total = self.totals()
        out.info(
            f"export: {total['rows']} rows, {total['items']} items in {total['files']} files "
            f"({total['bytes'] / _MB:.1f} MB), {total['rejected']} rejected, in {self.seconds:.1f} s; "
            f"check them with `sql2dynamo verify SOURCE_URL --model DIR --from-export {self.directory}`"
        )
        if total["rejected"]:
            out.warning(f"rejected rows are listed in {self.directory / 'rejects'}")
        for name in self.too_many_files():
            out.warning(f"{name} has more than {MAX_IMPORT_OBJECTS} files: one ImportTable reads at most that many")


def export(
    source_url: str,
    model_dir: Path,
    to_dir: Path | str,
    *,
    reporter: Reporter,
    fmt: str = "dynamodb-json",
    compression: str = "gzip",
    segments: int = 4,
    workers: int = 4,
    batch_size: int = 1000,
    max_file_mb: int = 256,
    resume: bool = False,
    only: Sequence[str] = (),
    on_segment: Callable[[str, int], None] | None = None,
) -> ExportResult:
    """Write the items of every table of the model (or ``only`` these source tables) into ``to_dir``.

    Raises ``UsageError`` (options, an S3 destination, a directory holding
    something else, a mismatched resume), ``PrerequisiteError`` (zstd without
    its package), ``InputError`` (model), ``SourceConnectionError``.
    """
    started = time.monotonic()
    if str(to_dir).startswith("s3://"):
        raise UsageError(
            "export writes to a local directory, not to S3",
            hint="export to a directory, then upload it as it is: aws s3 sync DIR s3://bucket/prefix",
        )
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", hint="use dynamodb-json or ion")
    chosen = check_compression(compression)
    for name, value in (("--segments", segments), ("--workers", workers), ("--batch-size", batch_size)):
        if value < 1:
            raise UsageError(f"{name} must be at least 1, not {value}")
    if max_file_mb < 1:
        raise UsageError(f"--max-file-mb must be at least 1, not {max_file_mb}")
    path, model = load_model(model_dir, contract=True, source_url=source_url)
    tables = check_tables(ItemBuilder(model).source_tables, list(only))
    directory = Path(to_dir)
    source = open_source(source_url)
    try:
        manifest, resumed = _manifest(
            directory,
            fmt,
            chosen,
            file_sha256(path),
            source.display_url,
            resume=resume,
        )
        options = ExportOptions(
            fmt=manifest.fmt,
            compression=manifest.compression,
            segments=segments,
            workers=workers,
            batch_size=batch_size,
            max_file_bytes=max_file_mb * 2**20,
            on_segment=on_segment,
        )
        outcome = run_export(
            source,
            model,
            tables,
            out_dir=directory,
            manifest=manifest,
            reporter=reporter,
            options=options,
            hasher=canonical_hash,
        )
    finally:
        source.engine.dispose()
    return ExportResult(
        source.display_url,
        path,
        directory,
        manifest.fmt,
        manifest.compression,
        resumed,
        outcome,
        time.monotonic() - started,
    )


def _manifest(
    directory: Path, fmt: ExportFormat, compression: Any, model_sha256: str, source: str, *, resume: bool
) -> tuple[ExportManifest, bool]:
    """The manifest to export with, and whether this run resumes one."""
    path = directory / MANIFEST_FILE
    if path.exists():
        old = ExportManifest.load(path)
        if not resume:
            if old.complete():
                raise UsageError(
                    f"{directory} already holds a finished export",
                    hint="export into a new directory (or delete this one to export again)",
                )
            raise UsageError(
                f"an earlier export into {directory} stopped before finishing",
                hint="continue it with --resume, or delete the directory to start over",
            )
        wanted = {"format": fmt, "compression": compression, "model": model_sha256, "source": source}
        found = {"format": old.fmt, "compression": old.compression, "model": old.model_sha256, "source": old.source}
        differ = [k for k in wanted if wanted[k] != found[k]]
        if differ:
            raise UsageError(
                f"the export in {directory} was made with another {', '.join(differ)}",
                hint="resume with the same source, model, --format and --compress, or export into a new directory",
            )
        return old, True
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(
            f"{directory} is not empty and holds no export manifest",
            hint="export into a new or empty directory",
        )
    return ExportManifest(path, fmt=fmt, compression=compression, model_sha256=model_sha256, source=source), False
