"""Durable per-segment progress of a migration: ``MODEL_DIR/.migrate/checkpoints.json``.

The file holds the segment plan of every table the run started (so a resumed
run reads exactly the same key ranges) and, per segment, how far it has been
written::

    {
      "format_version": 1,
      "model_sha256": "9f2c...",          # data_model.json the run migrated
      "source": "sqlite:///chinook.db",   # display form (no password)
      "tables": {
        "Album": {
          "rows_estimate": 347,
          "plan_method": "single",
          "segments": [
            {"table": "Album", "index": 0, "lower": null, "upper": null,   # Segment.to_json()
             "after": [347], "rows_read": 347, "done": true}
          ]
        }
      }
    }

``after`` is the last key whose batch DynamoDB confirmed (encoded by
:func:`~sql2dynamo.migrate.segments.encode_key`); ``done`` means the whole
segment is written.  Every update rewrites the file atomically (temp file,
fsync, rename), so a crash leaves the previous complete version.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.migrate.segments import Checkpoint, Key, Segment, decode_key, encode_key

FORMAT_VERSION = 1
CHECKPOINT_DIR = ".migrate"
CHECKPOINT_FILE = "checkpoints.json"

__all__ = ["CHECKPOINT_DIR", "CHECKPOINT_FILE", "CheckpointStore", "SegmentState", "checkpoint_path", "file_sha256"]


def checkpoint_path(model_dir: Path) -> Path:
    """Where the checkpoints of migrations of ``model_dir`` live (``model_dir`` may be the model file)."""
    base = model_dir.parent if model_dir.is_file() else model_dir
    return base / CHECKPOINT_DIR / CHECKPOINT_FILE


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class SegmentState:
    """One segment and how far it has been written."""

    segment: Segment
    after: Key | None = None
    rows_read: int = 0
    done: bool = False

    @property
    def checkpoint(self) -> Checkpoint:
        """The reader's checkpoint for this segment."""
        return Checkpoint(self.segment.table, self.segment.index, self.after, self.rows_read)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the segment's fields plus progress."""
        return {
            **self.segment.to_json(),
            "after": encode_key(self.after),
            "rows_read": self.rows_read,
            "done": self.done,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SegmentState:
        """The state :meth:`to_json` wrote."""
        return cls(Segment.from_json(data), decode_key(data.get("after")), int(data["rows_read"]), bool(data["done"]))


@dataclass
class TablePlan:
    """The segments of one table and the row estimate behind them."""

    segments: list[SegmentState]
    rows_estimate: int | None
    plan_method: str


class CheckpointStore:
    """Thread-safe, durable checkpoints of one migration run; ``path=None`` keeps them in memory (dry runs)."""

    def __init__(self, path: Path | None, *, model_sha256: str, source: str) -> None:
        self.path = path
        self.model_sha256 = model_sha256
        self.source = source
        self.tables: dict[str, TablePlan] = {}
        self._lock = threading.Lock()

    # -- loading ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> CheckpointStore:
        """Read a checkpoint file; ``InputError`` naming the file when it is unusable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"format version {data.get('format_version')!r}, expected {FORMAT_VERSION}")
            store = cls(path, model_sha256=str(data["model_sha256"]), source=str(data["source"]))
            for name, table in data["tables"].items():
                store.tables[name] = TablePlan(
                    [SegmentState.from_json(s) for s in table["segments"]],
                    table.get("rows_estimate"),
                    str(table.get("plan_method", "")),
                )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"cannot use the checkpoint file {path} ({exc})",
                hint="delete it to start the migration over",
            ) from exc
        return store

    def unfinished(self) -> list[str]:
        """Tables with a segment not yet done."""
        return [name for name, plan in self.tables.items() if any(not s.done for s in plan.segments)]

    # -- updating --------------------------------------------------------------------------------

    def set_plan(self, table: str, segments: Sequence[Segment], rows_estimate: int | None, method: str) -> TablePlan:
        """Record a fresh plan for ``table`` (nothing read yet) and save."""
        plan = TablePlan([SegmentState(s) for s in segments], rows_estimate, method)
        with self._lock:
            self.tables[table] = plan
            self._save()
        return plan

    def advance(self, table: str, index: int, checkpoint: Checkpoint, *, done: bool = False) -> None:
        """Record that every row of the segment up to ``checkpoint.after`` is written, and save."""
        with self._lock:
            state = self.tables[table].segments[index]
            state.after = checkpoint.after
            state.rows_read = checkpoint.rows_read
            state.done = state.done or done
            self._save()

    def to_json(self) -> dict[str, Any]:
        """The whole file's content."""
        return {
            "format_version": FORMAT_VERSION,
            "model_sha256": self.model_sha256,
            "source": self.source,
            "tables": {
                name: {
                    "rows_estimate": plan.rows_estimate,
                    "plan_method": plan.plan_method,
                    "segments": [s.to_json() for s in plan.segments],
                }
                for name, plan in self.tables.items()
            },
        }

    def _save(self) -> None:
        if self.path is not None:
            atomic_write_text(self.path, json.dumps(self.to_json(), indent=1, allow_nan=False) + "\n")
