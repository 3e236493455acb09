"""The rejects files of a migration: one directory per run, one JSON-lines file per source table.

Every run (a dry run too) has its own directory ``rejects/<run id>/``, the
run id being the UTC start time and a random suffix
(``20250101T100000Z-3fa2``, ``...-dry-run`` for a dry run), so no run ever
truncates or deletes what an earlier one recorded.  Rejects (rows DynamoDB
cannot hold) are appended to ``<run dir>/<source table>.jsonl`` as
``{"table", "key", "reason", "target"}`` lines; items the writer gives up on
go to the same file with ``"failed": true``.  Their segment is not
checkpointed past them, so ``--resume`` writes them again.  Files are
``0600``, directories ``0700`` (rows are user data); nothing is created for
a run without rejects.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sql2dynamo.common.fsutil import open_private_append, write_failure
from sql2dynamo.items.transform import Reject

__all__ = ["RejectLog", "failed_line", "key_text", "reject_line", "run_directory"]


def run_directory(base: Path, *, dry_run: bool = False) -> Path:
    """A new run's rejects directory under ``base`` (not created until a reject is written)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    suffix = "-dry-run" if dry_run else ""
    while True:
        candidate = base / f"{stamp}-{secrets.token_hex(2)}{suffix}"
        if not candidate.exists():
            return candidate


class RejectLog:
    """Append-only JSON-lines files, one per source table, opened on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: dict[str, Any] = {}
        self._lock = threading.Lock()

    def path(self, table: str) -> Path:
        """The rejects file of ``table``."""
        return self.directory / f"{table}.jsonl"

    def write(self, table: str, lines: list[dict[str, Any]]) -> None:
        """Append ``lines`` to ``table``'s file and flush, so a killed run leaves whole lines."""
        text = "".join(
            json.dumps(_strict(line), default=str, ensure_ascii=False, allow_nan=False) + "\n" for line in lines
        )
        with self._lock:
            fh = None
            size = 0
            try:
                fh = self._files.get(table)
                if fh is None:
                    fh = self._files[table] = open_private_append(self.path(table))
                size = os.fstat(fh.fileno()).st_size
                fh.write(text)
                fh.flush()
            except OSError as exc:
                if fh is not None:
                    # no half line is left behind: the file ends after the last whole write
                    self._files.pop(table, None)
                    with contextlib.suppress(OSError):
                        fh.close()  # may flush a little more of the buffer: cut after it
                    with contextlib.suppress(OSError):
                        os.truncate(self.path(table), size)
                # the batch is not confirmed, so its rows are read again by --resume: nothing is lost
                raise write_failure(self.path(table), exc) from exc

    def close(self) -> None:
        """Close every file opened so far."""
        with self._lock:
            for fh in self._files.values():
                fh.close()
            self._files.clear()


def _strict(value: Any) -> Any:
    """``value`` with non-finite floats as their text (``"nan"``): strict JSON, and the value still readable."""
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Mapping):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    return value


def reject_line(reject: Reject) -> dict[str, Any]:
    """The rejects-file line of a row the transform refused."""
    return {"table": reject.source_table, "key": reject.key, "reason": reject.reason, "target": reject.table}


def failed_line(source_table: str, failure: Mapping[str, Any]) -> dict[str, Any]:
    """The rejects-file line of an item the writer gave up on (``failure``: its table, key and error)."""
    return {
        "table": source_table,
        "target": failure["table"],
        "key": failure["key"],
        "reason": failure["error"],
        "failed": True,
    }


def key_text(key: Mapping[str, Any]) -> str:
    """A row's key as ``col=value, ...`` for one-line messages."""
    return ", ".join(f"{k}={v!r}" for k, v in key.items())
