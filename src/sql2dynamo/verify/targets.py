"""Where verify finds the items to check: a DynamoDB table's Scan, or the files of an ImportTable export.

:func:`~sql2dynamo.verify.compare.compare` reads "actual" items through
:class:`TargetItems`, so the same canonical hashes and the same three joins
check a migrated table (:class:`DynamoDBItems`) and the files a paid import
would read (:class:`ExportItems`): ``verify --from-export DIR`` proves the
files before anything is imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sql2dynamo.common.errors import UsageError
from sql2dynamo.design.model import TableSpec
from sql2dynamo.migrate.export_format import read_items
from sql2dynamo.migrate.export_run import MANIFEST_FILE, ExportManifest
from sql2dynamo.verify.scan import count_items, scan_items
from sql2dynamo.verify.store import key_text, low_level_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["DynamoDBItems", "ExportItems", "TargetItems"]

Item = dict[str, Any]


class TargetItems(Protocol):
    """The actual side of a comparison, table by table."""

    def count(self, table: str) -> int:
        """How many items ``table`` holds (by its own count, before reading them)."""
        ...

    def items(self, table: str) -> Iterator[Item]:
        """Every item of ``table``, in any order."""
        ...

    def get(self, spec: TableSpec, key: str) -> Item | None:
        """The item of ``spec``'s table with canonical key text ``key``, if any (for the detailed diffs)."""
        ...


class DynamoDBItems:
    """A DynamoDB's tables: COUNT Scan, parallel segmented Scan, and a consistent GetItem."""

    def __init__(self, client: DynamoDBClient, *, segments: int = 4) -> None:
        self.client = client
        self.segments = segments

    def count(self, table: str) -> int:
        """The exact item count (a parallel ``Select=COUNT`` Scan)."""
        return count_items(self.client, table, segments=self.segments)

    def items(self, table: str) -> Iterator[Item]:
        """Every item, from a parallel Scan."""
        return scan_items(self.client, table, segments=self.segments)

    def get(self, spec: TableSpec, key: str) -> Item | None:
        """GetItem with a consistent read."""
        got = self.client.get_item(TableName=spec.name, Key=low_level_key(spec, key), ConsistentRead=True)
        return got.get("Item")


class ExportItems:
    """The files of an export directory, per the manifest: its item counts, and the items line by line."""

    def __init__(self, directory: Path) -> None:
        path = directory / MANIFEST_FILE
        if not path.is_file():
            raise UsageError(f"{directory} holds no {MANIFEST_FILE}", hint="pass the --to directory of an export")
        self.directory = directory
        self.manifest = ExportManifest.load(path)
        if not self.manifest.complete():
            raise UsageError(
                f"the export in {directory} is not finished", hint="finish it with `export --resume` first"
            )
        self.tables = self.manifest.tables()

    def count(self, table: str) -> int:
        """The items the manifest says the table's files hold."""
        return int(self.tables.get(table, {}).get("items", 0))

    def items(self, table: str) -> Iterator[Item]:
        """Every item of every file of the table, read back (and decompressed) from disk."""
        for f in self.tables.get(table, {}).get("files", []):
            yield from read_items(self.directory / f["path"], self.manifest.fmt, self.manifest.compression)

    def get(self, spec: TableSpec, key: str) -> Item | None:
        """The item with that key: the table's files read again (only for the first few differences)."""
        return next((item for item in self.items(spec.name) if key_text(spec, item) == key), None)
