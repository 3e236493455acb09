"""The rejects files of a migration: one JSON-lines file per source table.

Rejects (rows DynamoDB cannot hold) are appended to
``rejects_dir/<source table>.jsonl`` as ``{"table", "key", "reason",
"target"}`` lines; items the writer gives up on go to the same file with
``"failed": true``.  A resumed run does not retry failed items: their
segment's checkpoint moved on (they are listed in the rejects file).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sql2dynamo.items.transform import Reject

__all__ = ["RejectLog", "failed_line", "key_text", "reject_line"]


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
        with self._lock:
            fh = self._files.get(table)
            if fh is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                fh = self._files[table] = self.path(table).open("a", encoding="utf-8")
            for line in lines:
                fh.write(json.dumps(line, default=str, ensure_ascii=False) + "\n")
            fh.flush()

    def close(self) -> None:
        """Close every file opened so far."""
        with self._lock:
            for fh in self._files.values():
                fh.close()
            self._files.clear()


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
