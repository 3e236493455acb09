"""Item keys as canonical text, and the on-disk ``(table, key) -> hash`` store both sides of a verify fill.

Kept apart from the comparison: the store is plain SQLite with three indexed
joins (missing, extra, different), and its key text is what the comparison
and its report both read back into DynamoDB keys.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sql2dynamo.design.model import TableSpec
from sql2dynamo.verify.canonical import canonical

Kind = Literal["missing", "extra", "different"]
Item = Mapping[str, Any]


# ------------------------------------------------------------------ keys


def key_text(spec: TableSpec, item: Item) -> str:
    """The item's table key in canonical JSON: equal keys, equal text, whatever the number spelling."""
    parts = [canonical(item[spec.pk.attribute])]
    if spec.sk is not None:
        parts.append(canonical(item[spec.sk.attribute]))
    return json.dumps(parts, separators=(",", ":"), ensure_ascii=False)


def _names(spec: TableSpec) -> list[str]:
    return [spec.pk.attribute] + ([spec.sk.attribute] if spec.sk is not None else [])


def _plain(kind: str, payload: Any) -> Any:
    if kind == "N":
        value = Decimal(payload.replace("e", "E"))
        return int(value) if value == value.to_integral_value() else format(value.normalize(), "f")
    return payload  # S as is, B in base64


def display_key(spec: TableSpec, text: str) -> dict[str, Any]:
    """A key from :func:`key_text` as ``{attribute: value}`` (numbers as int or decimal text, binary as base64)."""
    return {name: _plain(kind, payload) for name, (kind, payload) in zip(_names(spec), json.loads(text), strict=True)}


def low_level_key(spec: TableSpec, text: str) -> dict[str, Any]:
    """A key from :func:`key_text` as a GetItem ``Key``."""
    out: dict[str, Any] = {}
    for name, (kind, payload) in zip(_names(spec), json.loads(text), strict=True):
        if kind == "N":
            out[name] = {"N": str(_plain(kind, payload))}
        elif kind == "B":
            out[name] = {"B": base64.b64decode(payload)}
        else:
            out[name] = {kind: payload}
    return out


# ------------------------------------------------------------------ the on-disk hash store


class HashStore:
    """``(table, key) -> hash`` for both sides, in a temporary SQLite file removed by :meth:`close`."""

    def __init__(self, directory: Path | None = None) -> None:
        """Create the store under ``directory`` (default: the system's temporary directory)."""
        self._dir = Path(tempfile.mkdtemp(prefix="s2d-verify-", dir=directory))
        self.db = sqlite3.connect(self._dir / "hashes.sqlite3")
        # A scratch file rebuilt on every run: durability buys nothing, and the page cache bounds memory.
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -65536;
            CREATE TABLE expected (
                tbl TEXT, k TEXT, h TEXT, src TEXT, src_key TEXT, expired INTEGER DEFAULT 0, PRIMARY KEY (tbl, k)
            );
            CREATE TABLE actual (tbl TEXT, k TEXT, h TEXT, PRIMARY KEY (tbl, k));
            """
        )
        self.duplicates: dict[str, int] = {}

    def add_expected(
        self, rows: Sequence[tuple[str, str, str, str, str] | tuple[str, str, str, str, str, int]]
    ) -> None:
        """Add ``(table, key, hash, source table, source key JSON[, expired])`` rows; a repeated key is counted.

        ``expired`` is 1 for an item whose TTL is already past (DynamoDB may have deleted it).
        """
        for row in rows:
            full = (*row, 0) if len(row) == 5 else row
            try:
                self.db.execute("INSERT INTO expected VALUES (?, ?, ?, ?, ?, ?)", full)
            except sqlite3.IntegrityError:
                # Two rows building one key: the backfill's later write wins, so does the later row here.
                self.duplicates[row[0]] = self.duplicates.get(row[0], 0) + 1
                self.db.execute("REPLACE INTO expected VALUES (?, ?, ?, ?, ?, ?)", full)

    def expired_and_gone(self, table: str) -> int:
        """Expected items of ``table`` past their TTL that DynamoDB no longer holds."""
        sql = (
            "SELECT count(*) FROM expected e LEFT JOIN actual a ON a.tbl = e.tbl AND a.k = e.k "
            "WHERE e.tbl = ? AND e.expired = 1 AND a.k IS NULL"
        )
        return int(self.db.execute(sql, (table,)).fetchone()[0])

    def add_actual(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Add ``(table, key, hash)`` rows of scanned items."""
        self.db.executemany("INSERT OR REPLACE INTO actual VALUES (?, ?, ?)", rows)

    def differences(self, table: str) -> Iterator[tuple[Kind, str, str | None, str | None]]:
        """``(kind, key, source table, source key JSON)`` of every difference in ``table``, kind by kind."""
        queries: list[tuple[Kind, str]] = [
            (
                "missing",
                "SELECT e.k, e.src, e.src_key FROM expected e LEFT JOIN actual a ON a.tbl = e.tbl AND a.k = e.k "
                "WHERE e.tbl = ? AND a.k IS NULL AND e.expired = 0 ORDER BY e.k",
            ),
            (
                "extra",
                "SELECT a.k, NULL, NULL FROM actual a LEFT JOIN expected e ON e.tbl = a.tbl AND e.k = a.k "
                "WHERE a.tbl = ? AND e.k IS NULL ORDER BY a.k",
            ),
            (
                "different",
                "SELECT e.k, e.src, e.src_key FROM expected e JOIN actual a ON a.tbl = e.tbl AND a.k = e.k "
                "WHERE e.tbl = ? AND a.h != e.h ORDER BY e.k",
            ),
        ]
        for kind, sql in queries:
            for key, src, src_key in self.db.execute(sql, (table,)):
                yield kind, key, src, src_key

    def close(self) -> None:
        """Close and delete the file."""
        self.db.close()
        shutil.rmtree(self._dir, ignore_errors=True)
