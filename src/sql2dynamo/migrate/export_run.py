"""Export every item of a migration to files DynamoDB's ImportTable reads: parallel and resumable by segment.

The same plan, reader and transform as ``migrate`` (segments of each source
table, :func:`~sql2dynamo.migrate.batches.build_batch`), but the items go to
files instead of a table: one directory per DynamoDB table (entity items,
lookup items and denormalized copies alike, TTL attributes included)::

    DIR/manifest.json                       what is done, and per table its files, items, bytes and hash
    DIR/<DynamoDB table>/data/<source>-s0003-p0000.json.gz    one file (or more) per segment and table
    DIR/rejects/<source>-s0003.jsonl        rows DynamoDB cannot hold, per segment

Each ``DIR/<table>/`` is what one ImportTable reads (its S3 key prefix).
A segment is written under ``DIR/.partial/`` and moved into place when it
is complete, then recorded in the manifest (rewritten atomically); a
resumed export (``resume=True``) redoes only unrecorded segments, removing
whatever such a segment left, so no item is ever in two files and none is
lost.  Files roll over at ``max_file_bytes`` (uncompressed) so that no
object is unwieldy; ImportTable takes at most :data:`MAX_IMPORT_OBJECTS`
objects per import, which the result checks.

``items_hash`` of a table is the sum, modulo 2**256, of the canonical
SHA-256 of each of its items (verify's
:func:`~sql2dynamo.verify.canonical.canonical_hash`, handed in by the
command), so the order of files and lines does not matter.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.fsutil import atomic_write_text, private_dir
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.batches import build_batch, prepare_transform
from sql2dynamo.migrate.checkpoints import SegmentState
from sql2dynamo.migrate.export_format import (
    Compression,
    ExportFormat,
    encode_line,
    file_suffix,
    import_compression,
    import_format,
    open_compressed,
)
from sql2dynamo.migrate.planning import segment_plan
from sql2dynamo.migrate.reader import read_segment
from sql2dynamo.migrate.rejects import reject_line
from sql2dynamo.migrate.segments import Segment
from sql2dynamo.source.connect import Source
from sql2dynamo.source.model import Table

__all__ = [
    "MANIFEST_FILE",
    "MAX_IMPORT_OBJECTS",
    "ExportManifest",
    "ExportOptions",
    "ExportOutcome",
    "item_hash",
    "run_export",
]

MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1
MAX_IMPORT_OBJECTS = 50_000  # ImportTable's limit on S3 objects per import
_PARTIAL = ".partial"
_MOD = 2**256

Hasher = Callable[[Mapping[str, Any]], str]


def item_hash(canonical_sha256: str) -> int:
    """One item's contribution to a table's ``items_hash``."""
    return int(canonical_sha256, 16)


@dataclass(frozen=True)
class ExportOptions:
    """How to export; ``on_segment`` (source table, segment index) runs after each recorded segment (tests)."""

    fmt: ExportFormat = "dynamodb-json"
    compression: Compression = "gzip"
    segments: int = 4
    workers: int = 4
    batch_size: int = 1000
    max_file_bytes: int = 256 * 2**20
    on_segment: Callable[[str, int], None] | None = None


@dataclass
class ExportOutcome:
    """Rows and rejects per source table, and the manifest's table summaries."""

    rows: dict[str, int]
    rejected: dict[str, int]
    tables: dict[str, dict[str, Any]]
    segments: int
    segments_skipped: int
    seconds: float


class ExportManifest:
    """``DIR/manifest.json``: the plan, each segment's files once it is done, and per-table totals."""

    def __init__(self, path: Path, *, fmt: ExportFormat, compression: Compression, model_sha256: str, source: str):
        self.path = path
        self.fmt = fmt
        self.compression = compression
        self.model_sha256 = model_sha256
        self.source = source
        self.plans: dict[str, dict[str, Any]] = {}  # source table -> {rows_estimate, plan_method, segments}
        self.table_names: list[str] = []
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> ExportManifest:
        """Read a manifest; ``UsageError`` naming the file when it is not one."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"format version {data.get('format_version')!r}")
            manifest = cls(
                path,
                fmt=data["format"],
                compression=data["compression"],
                model_sha256=str(data["model_sha256"]),
                source=str(data["source"]),
            )
            manifest.plans = dict(data["segments"])
            manifest.table_names = list(data["tables"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsageError(
                f"{path} is not a usable export manifest ({exc})", hint="export again into a new directory"
            ) from None
        return manifest

    def states(self, source_table: str) -> list[dict[str, Any]]:
        """The segment records of ``source_table`` (Segment.to_json plus done, files, rows, rejected)."""
        return list(self.plans[source_table]["segments"])

    def set_plan(self, source_table: str, segments: Sequence[Segment], rows: int | None, method: str) -> None:
        """Record a fresh plan of ``source_table`` and save."""
        with self._lock:
            self.plans[source_table] = {
                "rows_estimate": rows,
                "plan_method": method,
                "segments": [{**s.to_json(), "done": False, "rows": 0, "rejected": 0, "files": []} for s in segments],
            }
            self._save()

    def record(self, source_table: str, index: int, files: list[dict[str, Any]], rows: int, rejected: int) -> None:
        """Segment ``index`` of ``source_table`` is complete with ``files``; save."""
        with self._lock:
            state = self.plans[source_table]["segments"][index]
            state.update(done=True, files=files, rows=rows, rejected=rejected)
            self._save()

    def complete(self) -> bool:
        """Every planned segment is done."""
        return all(s["done"] for p in self.plans.values() for s in p["segments"])

    def tables(self) -> dict[str, dict[str, Any]]:
        """Per DynamoDB table: its prefix, files, items, bytes (on disk and uncompressed) and items hash."""
        out: dict[str, dict[str, Any]] = {
            name: {"prefix": f"{name}/", "files": [], "items": 0, "bytes": 0, "uncompressed_bytes": 0, "items_hash": 0}
            for name in self.table_names
        }
        for plan in self.plans.values():
            for state in plan["segments"]:
                for f in state["files"]:
                    table = out[f["table"]]
                    table["files"].append({k: f[k] for k in ("path", "items", "bytes", "uncompressed_bytes", "sha256")})
                    table["items"] += f["items"]
                    table["bytes"] += f["bytes"]
                    table["uncompressed_bytes"] += f["uncompressed_bytes"]
                    table["items_hash"] = (table["items_hash"] + int(f["items_hash"], 16)) % _MOD
        for table in out.values():
            table["files"].sort(key=lambda f: f["path"])
            table["items_hash"] = f"{table['items_hash']:064x}"
        return out

    def to_json(self) -> dict[str, Any]:
        """The whole file."""
        return {
            "format_version": FORMAT_VERSION,
            "format": self.fmt,
            "compression": self.compression,
            "input_format": import_format(self.fmt),
            "input_compression_type": import_compression(self.compression),
            "model_sha256": self.model_sha256,
            "source": self.source,
            "complete": self.complete(),
            "items_hash": "sum mod 2**256 of each item's canonical SHA-256 (sql2dynamo.verify.canonical)",
            "tables": self.tables(),
            "segments": self.plans,
        }

    def _save(self) -> None:
        atomic_write_text(self.path, json.dumps(self.to_json(), indent=1) + "\n")


def run_export(
    source: Source,
    model: DataModel,
    tables: Sequence[str],
    *,
    out_dir: Path,
    manifest: ExportManifest,
    reporter: Reporter,
    options: ExportOptions,
    hasher: Hasher,
) -> ExportOutcome:
    """Export the items of ``tables`` (source tables the model maps) into ``out_dir``; see the module docstring.

    ``hasher`` is an item's canonical SHA-256 (verify's ``canonical_hash``, passed in from above: migrate
    comes before verify in the pipeline), for the manifest's ``items_hash``.
    """
    started = time.monotonic()
    builder, by_name = prepare_transform(source, model, tables, reporter=reporter)
    manifest.table_names = [t.name for t in model.tables]
    for name in tables:
        if name not in manifest.plans:
            planned = segment_plan(source, by_name[name], options.segments)
            manifest.set_plan(name, planned.segments, planned.rows, planned.method)
    job = _ExportJob(source, builder, by_name, out_dir, options, hasher)
    todo = [
        (name, SegmentState(Segment.from_json(s))) for name in tables for s in manifest.states(name) if not s["done"]
    ]
    rows = {t: sum(s["rows"] for s in manifest.states(t)) for t in tables}
    rejected = {t: sum(s["rejected"] for s in manifest.states(t)) for t in tables}
    total = sum(len(manifest.states(t)) for t in tables)
    with ExitStack() as stack:
        progress = {
            t: stack.enter_context(reporter.task(f"exporting {t}", total=manifest.plans[t]["rows_estimate"]))
            for t in tables
        }
        for t in tables:
            if rows[t]:
                progress[t].advance(rows[t])
        with ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="s2d-export") as pool:
            futures: dict[Future[_SegmentFiles], tuple[str, int]] = {
                pool.submit(job.segment, name, state): (name, state.segment.index) for name, state in todo
            }
            try:
                while futures:
                    done, _ = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
                    for future in done:
                        name, index = futures.pop(future)
                        got = future.result()
                        job.publish(got)
                        manifest.record(name, index, got.files, got.rows, got.rejected)
                        rows[name] += got.rows
                        rejected[name] += got.rejected
                        progress[name].advance(got.rows)
                        if options.on_segment is not None:
                            options.on_segment(name, index)
            except BaseException:
                job.stop.set()
                for future in futures:
                    future.cancel()
                raise
    shutil.rmtree(out_dir / _PARTIAL, ignore_errors=True)
    manifest._save()  # the table summaries once more, with every table (also those without items)
    return ExportOutcome(rows, rejected, manifest.tables(), total, total - len(todo), time.monotonic() - started)


@dataclass
class _SegmentFiles:
    """A finished segment: its files (still under .partial), rows read and rejects."""

    name: str
    index: int
    partial: Path
    files: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    rejected: int = 0
    reject_lines: list[dict[str, Any]] = field(default_factory=list)


class _PartWriter:
    """The files of one segment for one DynamoDB table: rolls over at ``max_bytes`` uncompressed."""

    def __init__(self, job: _ExportJob, got: _SegmentFiles, table: str) -> None:
        self.job = job
        self.got = got
        self.table = table
        self.part = -1
        self.fh: IO[bytes] | None = None
        self.current: dict[str, Any] = {}
        self.hash = 0

    def add(self, item: Mapping[str, Any], canonical_sha256: str) -> None:
        line = encode_line(item, self.job.options.fmt)
        if self.fh is None or self.current["uncompressed_bytes"] + len(line) > self.job.options.max_file_bytes:
            self.close()
            self._open()
        assert self.fh is not None
        self.fh.write(line)
        self.current["items"] += 1
        self.current["uncompressed_bytes"] += len(line)
        self.hash = (self.hash + item_hash(canonical_sha256)) % _MOD

    def _open(self) -> None:
        self.part += 1
        options = self.job.options
        stem = f"{_safe(self.got.name)}-s{self.got.index:04d}-p{self.part:04d}"
        rel = f"{self.table}/data/{stem}{file_suffix(options.fmt, options.compression)}"
        self.current = {"table": self.table, "path": rel, "items": 0, "uncompressed_bytes": 0}
        target = self.got.partial / rel
        private_dir(target.parent)
        self.fh = open_compressed(target, options.compression, "wb")
        self.hash = 0

    def close(self) -> None:
        if self.fh is None:
            return
        self.fh.close()
        self.fh = None
        path = self.got.partial / self.current["path"]
        self.current["bytes"] = path.stat().st_size
        self.current["sha256"] = _file_sha256(path)
        self.current["items_hash"] = f"{self.hash:064x}"
        self.got.files.append(self.current)


class _ExportJob:
    """What the export threads share."""

    def __init__(
        self,
        source: Source,
        builder: ItemBuilder,
        tables: Mapping[str, Table],
        out_dir: Path,
        options: ExportOptions,
        hasher: Hasher,
    ) -> None:
        self.hasher = hasher
        self.source = source
        self.builder = builder
        self.tables = tables
        self.out_dir = out_dir
        self.options = options
        self.stop = threading.Event()

    def segment(self, name: str, state: SegmentState) -> _SegmentFiles:
        """Write one segment's files under .partial (what an earlier attempt left there is removed first)."""
        index = state.segment.index
        partial = self.out_dir / _PARTIAL / f"{_safe(name)}-s{index:04d}"
        shutil.rmtree(partial, ignore_errors=True)
        got = _SegmentFiles(name, index, private_dir(partial))
        writers: dict[str, _PartWriter] = {}
        table = self.tables[name]
        try:
            for batch in read_segment(self.source, table, state.segment, batch_size=self.options.batch_size):
                if self.stop.is_set():
                    raise InterruptedError("export stopped")
                built = build_batch(self.source, self.tables, self.builder, name, batch)
                got.rows += len(batch)
                if built.rejects:
                    got.rejected += built.rows_rejected
                    got.reject_lines.extend(reject_line(r) for r in built.rejects)
                for ddb_table, items in built.by_table.items():
                    writer = writers.get(ddb_table) or writers.setdefault(ddb_table, _PartWriter(self, got, ddb_table))
                    for item in items:
                        writer.add(item, self.hasher(item))
        finally:
            for writer in writers.values():
                writer.close()
        return got

    def publish(self, got: _SegmentFiles) -> None:
        """Move a finished segment's files into place (replacing what an unrecorded earlier run left)."""
        stem = f"{_safe(got.name)}-s{got.index:04d}-p"
        for old in self.out_dir.glob(f"*/data/{stem}*"):
            old.unlink()
        for f in got.files:
            final = self.out_dir / f["path"]
            private_dir(final.parent)
            os.replace(got.partial / f["path"], final)
        rejects = self.out_dir / "rejects" / f"{_safe(got.name)}-s{got.index:04d}.jsonl"
        if got.reject_lines:
            text = "".join(json.dumps(line, default=str, ensure_ascii=False) + "\n" for line in got.reject_lines)
            atomic_write_text(rejects, text)
        else:
            rejects.unlink(missing_ok=True)
        shutil.rmtree(got.partial, ignore_errors=True)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
