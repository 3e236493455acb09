"""Compare what the source should have become with what DynamoDB holds: counts, then every item's content.

Expected items are the source rows run through the same
:class:`~sql2dynamo.items.transform.ItemBuilder` the backfill uses (entity
and lookup items; rejected rows have none).  Actual items come from a
:class:`~sql2dynamo.verify.targets.TargetItems`: a parallel segmented Scan,
or the files of an ImportTable export.  Both sides are reduced to ``(table, key) -> hash``
(:func:`~sql2dynamo.verify.canonical.canonical_hash`, which ignores number
spelling and set order) in a temporary SQLite database on disk: memory stays
bounded by a source batch and a few Scan pages whatever the table sizes, and
the comparison is three indexed joins (missing, extra, different).

Items whose TTL attribute is already in the past may be gone: DynamoDB
deletes expired items by itself (within days of their expiry), so an expired
expected item that DynamoDB no longer holds is counted as ``expired``, not
``missing``.  If it is still there it must match like any other item.

For the first differences in content, both items are fetched again (GetItem,
and the source row re-read and rebuilt) and compared attribute by attribute
with :func:`~sql2dynamo.verify.canonical.diff_items`.

The hash store and the key text are in :mod:`~sql2dynamo.verify.store`, the
source side in :mod:`~sql2dynamo.verify.source_items`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sql2dynamo.common.reporting import Reporter
from sql2dynamo.design.model import DataModel, TableSpec
from sql2dynamo.items.transform import Reject
from sql2dynamo.migrate.segments import decode_key, encode_key, key_of
from sql2dynamo.verify.canonical import canonical_hash, diff_items
from sql2dynamo.verify.source_items import SourceItems
from sql2dynamo.verify.store import HashStore, Item, Kind, display_key, key_text
from sql2dynamo.verify.targets import TargetItems

DEFAULT_MAX_KEYS = 1000
DEFAULT_MAX_DIFFS = 10


@dataclass(frozen=True)
class Difference:
    """One item that is missing from DynamoDB, extra in it, or different there; ``key`` is its table key."""

    table: str
    kind: Kind
    key: dict[str, Any]
    source_table: str | None = None
    source_key: list[Any] | None = None
    diff: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        out: dict[str, Any] = {"table": self.table, "kind": self.kind, "key": self.key}
        if self.source_table is not None:
            out["source_table"] = self.source_table
            out["source_key"] = self.source_key
        if self.diff:
            out["diff"] = list(self.diff)
        return out


@dataclass(frozen=True)
class TableCheck:
    """The outcome for one DynamoDB table.

    ``expected`` counts the items the transform built (a duplicate key counts
    twice, as the backfill would write it twice); ``actual`` is the COUNT Scan;
    ``scanned`` the items the content Scan saw (differs from ``actual`` only
    under concurrent writes).  ``seconds`` is the DynamoDB side: both Scans,
    the comparison and the detail look-ups.
    """

    table: str
    expected: int
    actual: int
    scanned: int
    missing: int
    extra: int
    different: int
    duplicates: int
    rejects: int
    seconds: float
    expired: int = 0
    """Expected items past their TTL that DynamoDB already deleted (not a loss)."""

    @property
    def ok(self) -> bool:
        """No difference in count or content.

        The COUNT Scan runs before the content Scan, and DynamoDB's TTL sweep
        goes on in between: an expired item can be in the COUNT and gone by
        the content Scan (so counted in ``expired``).  The COUNT may therefore
        exceed the live items by at most the expired ones, never fall short.
        """
        if self.missing or self.extra or self.different or self.duplicates:
            return False
        live = self.expected - self.expired
        return self.scanned == live and live <= self.actual <= live + self.expired

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "table": self.table,
            "ok": self.ok,
            "expected": self.expected,
            "actual": self.actual,
            "scanned": self.scanned,
            "missing": self.missing,
            "extra": self.extra,
            "different": self.different,
            "duplicates": self.duplicates,
            "rejects": self.rejects,
            "expired": self.expired,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Comparison:
    """Every table's outcome and the differences found, keys capped at ``max_keys``."""

    tables: tuple[TableCheck, ...]
    differences: tuple[Difference, ...]
    truncated: bool
    rejects: tuple[Reject, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Every table matches."""
        return all(t.ok for t in self.tables)


def compare(
    items: SourceItems,
    model: DataModel,
    target: TargetItems,
    *,
    reporter: Reporter,
    batch_size: int = 1000,
    max_keys: int = DEFAULT_MAX_KEYS,
    max_diffs: int = DEFAULT_MAX_DIFFS,
    work_dir: Path | None = None,
) -> Comparison:
    """Compare the model's tables in ``target`` (DynamoDB, or an export's files) with the items ``items`` builds.

    Returns every table's counts and the first ``max_keys`` differences by
    key; the first ``max_diffs`` of kind ``different`` carry an attribute by
    attribute diff.  botocore errors propagate (the caller explains them).
    """
    specs = {t.name: t for t in model.tables}
    store = HashStore(work_dir)
    try:
        expected = dict.fromkeys(specs, 0)
        rejected = dict.fromkeys(specs, 0)
        rejects: list[Reject] = []
        now = time.time()
        for source_table in items.builder.source_tables:
            with reporter.task(f"building the expected items of {source_table}") as progress:
                for batch in items.batches(source_table, batch_size=batch_size):
                    rows: list[tuple[str, str, str, str, str, int]] = []
                    for row, result in batch:
                        if result.rejects:
                            for reject in result.rejects:
                                rejected[reject.table] += 1
                                if len(rejects) < max_keys:
                                    rejects.append(reject)
                            continue
                        source_key = json.dumps(encode_key(key_of(items.tables[source_table], row)))
                        for name, item in result.items:
                            expected[name] += 1
                            gone = int(_expired(specs[name], item, now))
                            rows.append(
                                (
                                    name,
                                    key_text(specs[name], item),
                                    canonical_hash(item),
                                    source_table,
                                    source_key,
                                    gone,
                                )
                            )
                    store.add_expected(rows)
                    progress.advance(len(batch))
        checks: list[TableCheck] = []
        differences: list[Difference] = []
        truncated = False
        detailed = 0
        for name, spec in specs.items():
            started = time.monotonic()
            actual = target.count(name)
            scanned = 0
            with reporter.task(f"scanning {name}", total=actual) as progress:
                page: list[tuple[str, str, str]] = []
                for item in target.items(name):
                    page.append((name, key_text(spec, item), canonical_hash(item)))
                    if len(page) >= batch_size:
                        store.add_actual(page)
                        progress.advance(len(page))
                        scanned += len(page)
                        page = []
                store.add_actual(page)
                progress.advance(len(page))
                scanned += len(page)
            counts = {"missing": 0, "extra": 0, "different": 0}
            for kind, key, src, src_key in store.differences(name):
                counts[kind] += 1
                if len(differences) >= max_keys:
                    truncated = True
                    continue
                diff: tuple[str, ...] = ()
                if kind == "different" and detailed < max_diffs and src is not None and src_key is not None:
                    detailed += 1
                    diff = _detail(items, target, spec, key, src, src_key)
                shown_key = json.loads(src_key) if src_key is not None else None
                differences.append(Difference(name, kind, display_key(spec, key), src, shown_key, diff))
            checks.append(
                TableCheck(
                    table=name,
                    expected=expected[name],
                    actual=actual,
                    scanned=scanned,
                    missing=counts["missing"],
                    extra=counts["extra"],
                    different=counts["different"],
                    duplicates=store.duplicates.get(name, 0),
                    rejects=rejected[name],
                    seconds=time.monotonic() - started,
                    expired=store.expired_and_gone(name),
                )
            )
        return Comparison(tuple(checks), tuple(differences), truncated, tuple(rejects))
    finally:
        store.close()


def _expired(spec: TableSpec, item: Item, now: float) -> bool:
    """Whether the item's TTL attribute (epoch seconds) is already past: DynamoDB may have deleted it."""
    if spec.ttl_attribute is None:
        return False
    value = item.get(spec.ttl_attribute)
    if not isinstance(value, Mapping) or "N" not in value:
        return False  # DynamoDB ignores a TTL attribute that is not a number
    return Decimal(value["N"]) <= Decimal(repr(now))


def _detail(
    items: SourceItems, target: TargetItems, spec: TableSpec, key: str, source_table: str, src_key: str
) -> tuple[str, ...]:
    """Both items of a key whose hashes differ, compared attribute by attribute."""
    got = target.get(spec, key)
    decoded = decode_key(json.loads(src_key))
    row = items.row(source_table, decoded or ())
    want = None
    if row is not None:
        want = next(
            (i for t, i in items.items_of_row(source_table, row) if t == spec.name and key_text(spec, i) == key), None
        )
    if got is None:
        return ("the item is no longer in DynamoDB",)
    if want is None:
        return ("the source row no longer builds this item",)
    return tuple(diff_items(want, got)) or ("no difference any more (changed during the verification)",)
