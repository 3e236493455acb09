"""Apply captured changes to DynamoDB through the backfill's transform, idempotently and in order.

Per change, the items of the row after the change are built with
:class:`~sql2dynamo.items.transform.ItemBuilder` (denormalized copies and
unique lookup items included, exactly as the backfill builds them) and each
is written with ``PutItem``; the items the row had before the change whose
keys are no longer among them (a primary-key update, a unique value that
changed, a delete) are removed with ``DeleteItem``.

**Order and idempotence.**  Every item written carries the position of its
last change in :data:`POSITION_ATTRIBUTE`, and every write is conditional on
it: a put only if ``attribute_not_exists(_s2d_pos) OR _s2d_pos < :pos``, a
delete only if ``... OR _s2d_pos <= :pos``.  A replayed change (after a
crash, before the checkpoint moved) or one older than what an item already
holds fails the condition and counts as ``skipped``; items the backfill wrote
have no position and are always overwritten by a change, which happened
after the backfill's snapshot.

**Deletes leave nothing behind** (no tombstone item: a tombstone would be
visible to every Query and Scan of the application and to ``verify``).  What
keeps an older put from resurrecting a deleted item is ordering, not a
marker: changes are applied batch by batch, and within a batch the changes
touching the same row (by its old or new primary key, so a key update and
the changes to the new key are one group) run in source order on one worker.
An item shared by two rows (a unique lookup item passing from one row to
another) can be written by two workers, but each row's own later change (the
release of the value) follows its put in the same group, so the final state
is the source's.  A replay starts at the checkpoint and replays everything
after it in order, which ends in the same state.

**Denormalized copies.**  A change to a parent row rewrites the items of
the rows that copy its attributes (``SELECT`` from the source, which holds
at least the state of the change, since the change is committed), with the
parent change's position: a child item already holding a later change keeps
it, since that change read the parent after this one.  Parent rows for a
change's own copies are read from the source the same way.  Without a
``source`` engine copies are left out (and a warning says so).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from botocore.exceptions import ClientError

from sql2dynamo.common.errors import TargetError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.design.model import DataModel, Join
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.run import key_schemas
from sql2dynamo.migrate.write_body import KeySchema
from sql2dynamo.sync.changes import Change
from sql2dynamo.target.client_errors import error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["POSITION_ATTRIBUTE", "Applier", "ApplyStats"]

POSITION_ATTRIBUTE = "_s2d_pos"
_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
}
_MAX_ATTEMPTS = 10
Row = Mapping[str, Any]
_Cache = dict[tuple[str, str, Any], Row | None]
ItemKey = tuple[str, tuple[tuple[str, str, Any], ...]]  # DynamoDB table, (attribute, type, payload) per key part


class _Abandoned(Exception):
    """Raised in a group before its next write once another group of the batch failed."""


@dataclass
class ApplyStats:
    """What one or more :meth:`Applier.apply` calls did."""

    changes: int = 0
    puts: int = 0
    deletes: int = 0
    skipped: int = 0  # writes whose condition failed: the item already holds this change or a later one
    fanout: int = 0  # items of child rows rewritten for a parent's denormalized copies
    rejected: int = 0  # rows that cannot become items (listed in ``rejects``)
    calls: int = 0
    retries: int = 0
    seconds: float = 0.0
    last_position: str | None = None
    rejects: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: ApplyStats) -> None:
        """Add ``other``'s counters to these (``last_position`` becomes the later of the two)."""
        for name in ("changes", "puts", "deletes", "skipped", "fanout", "rejected", "calls", "retries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        if other.last_position is not None and (self.last_position is None or other.last_position > self.last_position):
            self.last_position = other.last_position
        room = max(0, 50 - len(self.rejects))
        self.rejects.extend(other.rejects[:room])

    def summary(self) -> dict[str, Any]:
        """A JSON-ready copy of the counters."""
        return {
            "changes": self.changes,
            "puts": self.puts,
            "deletes": self.deletes,
            "skipped": self.skipped,
            "fanout": self.fanout,
            "rejected": self.rejected,
            "calls": self.calls,
            "retries": self.retries,
            "seconds": round(self.seconds, 3),
            "last_position": self.last_position,
            "rejects": list(self.rejects),
        }


class _Padded(Mapping[str, Any]):
    """A row that reads as NULL in the columns a key-only image lacks."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class Applier:
    """Writes :class:`Change` batches to the model's tables; thread-safe per call, one call at a time."""

    def __init__(
        self,
        model: DataModel,
        client: DynamoDBClient,
        *,
        source: sa.Engine | None,
        reporter: Reporter,
        workers: int = 8,
        schema: str | None = None,
    ) -> None:
        """``source`` reads parent rows for denormalized copies (``None``: copies are left out).

        ``workers`` is the number of threads writing groups of changes in
        parallel; ``schema`` qualifies source table names in those reads.
        """
        self.model = model
        self.client = client
        self.source = source
        self.reporter = reporter
        self.workers = max(1, workers)
        self.schema = schema
        self.builder = ItemBuilder(model)
        self.keys: dict[str, KeySchema] = key_schemas(model)
        self._children: dict[str, list[tuple[str, Join]]] = {}
        for table in self.builder.source_tables:
            for parent, join in self.builder.joins(table).items():
                self._children.setdefault(parent, []).append((table, join))
        self._needs_before = {t: self._key_columns(t) for t in self.builder.source_tables}
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="s2d-apply")
        self._abandon = threading.Event()  # set when a group of the current batch failed

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Applier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def source_tables(self) -> tuple[str, ...]:
        """The source tables the model maps (changes to other tables are ignored)."""
        return self.builder.source_tables

    def key_columns(self, table: str) -> frozenset[str]:
        """The columns the item keys of ``table``'s rows are built from (an old row must hold them)."""
        return self._needs_before.get(table, frozenset())

    def apply(self, changes: Sequence[Change]) -> ApplyStats:
        """Write ``changes`` (in source order); returns once DynamoDB confirmed every write.

        Changes to tables the model does not map are counted and ignored.
        Raises ``TargetError`` when DynamoDB refuses a write for good; then
        none of the batch may be acknowledged (replaying it is harmless).
        """
        started = time.monotonic()
        stats = ApplyStats()
        groups = _group(changes)
        self._abandon.clear()
        if len(groups) <= 1 or self.workers == 1:
            for group in groups:
                stats.add(self._apply_group(group))
        else:
            for result in self._run_parallel(groups):
                stats.add(result)
        stats.seconds = time.monotonic() - started
        if changes:
            stats.last_position = max(c.position for c in changes)
        return stats

    def _run_parallel(self, groups: list[list[Change]]) -> list[ApplyStats]:
        """Every group on the pool; returns (or raises) only when none of them is still writing.

        The caller re-applies a failed batch from its start.  A group of the failed attempt still
        writing then would race the re-applied changes of its own rows: a put landing after the
        re-applied delete brings the item back (there is no tombstone to refuse it).  So when one
        group fails, the groups not started are cancelled, the running ones stop before their next
        write (or retry), and all are waited for before the first failure (in group order) is raised.
        """
        futures = [self._pool.submit(self._apply_group, group) for group in groups]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.exception() is not None for f in done):
            self._abandon.set()
            for future in futures:
                future.cancel()
            wait(futures)
            raise next(exc for f in futures if not f.cancelled() and (exc := f.exception()) is not None)
        return [f.result() for f in futures]

    # -------------------------------------------------------------- one group, in order

    def _apply_group(self, group: list[Change]) -> ApplyStats:
        stats = ApplyStats()
        # Parent rows read once per group: every change of the batch committed before the first read, so a
        # row read early is as good as one read late.
        cache: _Cache = {}
        try:
            for change in group:
                stats.changes += 1
                if change.table not in self._needs_before:
                    continue
                self._apply_one(change, stats, cache)
        except _Abandoned:
            pass  # another group failed: the whole batch is applied again, from its first change
        return stats

    def _apply_one(self, change: Change, stats: ApplyStats, cache: _Cache) -> None:
        pos = change.position
        old_keys: dict[ItemKey, None] = {}
        if change.op != "insert":
            old_keys = dict.fromkeys(self._old_item_keys(change))
        new_items: list[tuple[str, dict[str, Any]]] = []
        if change.row is not None:
            related = self._related(change.table, change.row, cache)
            result = self.builder.items_for(change.table, change.row, related)
            if result.rejects:
                stats.rejected += 1
                stats.rejects.extend(
                    {"table": r.source_table, "key": r.key, "reason": r.reason, "target": r.table, "position": pos}
                    for r in result.rejects
                )
            new_items = result.items
        new_keys = {self._item_key(table, item) for table, item in new_items}
        for key in old_keys:
            if key not in new_keys:
                self._delete(key, pos, stats)
        for table, item in new_items:
            self._put(table, item, pos, stats)
        if change.table in self._children:
            self._fan_out(change, stats, cache)

    def _old_item_keys(self, change: Change) -> list[ItemKey]:
        image: Mapping[str, Any] | None = change.before
        if image is None:
            needed = self._needs_before[change.table]
            if not needed <= set(change.key):
                self._warn_once(
                    change.table,
                    f"{change.table}: changes carry only the primary key, but its items are keyed on "
                    f"{', '.join(sorted(needed - set(change.key)))} too: items of old values of those columns "
                    "are not removed (log the whole old row: REPLICA IDENTITY FULL / binlog_row_image=FULL)",
                )
            image = change.key
        parents = {p: None for p in self.builder.joins(change.table)}
        result = self.builder.items_for(change.table, _Padded(image), parents)
        return [self._item_key(table, item) for table, item in result.items]

    def _item_key(self, table: str, item: Mapping[str, Any]) -> ItemKey:
        parts = []
        for name, _ in self.keys[table]:
            ((kind, payload),) = item[name].items()
            parts.append((name, kind, payload))
        return table, tuple(parts)

    def _key_columns(self, table: str) -> frozenset[str]:
        cols: set[str] = set()
        for entity in self.builder.model_entities(table):
            for part in (entity.pk, entity.sk):
                if part is not None:
                    cols.update(part.columns)
            cols.update(entity.unique_columns)
        return frozenset(cols)

    # -------------------------------------------------------------- denormalized copies

    def _related(self, table: str, row: Row, cache: _Cache) -> dict[str, Row | None] | None:
        joins = self.builder.joins(table)
        if not joins:
            return None
        related: dict[str, Row | None] = {}
        for parent, join in joins.items():
            value = row.get(join.local_column)
            if value is None:
                continue
            if self.source is None:
                self._warn_once(f"copies:{table}", f"{table}: no source connection, copies from {parent} left out")
                related[parent] = None
                continue
            try:
                slot = (parent, join.source_column, value)
                if slot in cache:
                    related[parent] = cache[slot]
                    continue
            except TypeError:  # an unhashable value: read it every time
                slot = None
            found = self._select(parent, join.source_column, [value], limit=1)
            related[parent] = found[0] if found else None
            if slot is not None:
                cache[slot] = related[parent]
        return related

    def _fan_out(self, change: Change, stats: ApplyStats, cache: _Cache) -> None:
        """Rewrite the items of the rows that copy attributes of the changed parent row."""
        if self.source is None:
            return
        for child, join in self._children[change.table]:
            values = []
            for image in (change.before or change.key, change.row):
                if image is not None and image.get(join.source_column) is not None:
                    values.append(image[join.source_column])
            if not values:
                continue
            if change.before is not None and change.row is not None and not self._copied_changed(child, change):
                continue
            for row in self._select(child, join.local_column, list(dict.fromkeys(values))):
                related = self._related(child, row, cache)
                result = self.builder.items_for(child, row, related)
                for table, item in result.items:
                    before = stats.puts
                    self._put(table, item, change.position, stats)
                    stats.fanout += stats.puts - before

    def _copied_changed(self, child: str, change: Change) -> bool:
        assert change.before is not None and change.row is not None
        columns = {
            a.source_column
            for e in self.builder.model_entities(child)
            for a in e.attributes
            if a.source_table == change.table and a.join is not None
        }
        columns.update(j.source_column for p, j in self.builder.joins(child).items() if p == change.table)
        return any(change.before.get(c) != change.row.get(c) for c in columns)

    def _select(self, table: str, column: str, values: list[Any], limit: int | None = None) -> list[dict[str, Any]]:
        assert self.source is not None
        target = sa.table(table, sa.column(column), schema=self.schema)
        query = sa.select(sa.text("*")).select_from(target).where(target.c[column].in_(values))
        if limit is not None:
            query = query.limit(limit)
        with self.source.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    # -------------------------------------------------------------- DynamoDB writes

    def _put(self, table: str, item: dict[str, Any], pos: str, stats: ApplyStats) -> None:
        body = dict(item)
        body[POSITION_ATTRIBUTE] = {"S": pos}
        ok = self._call(
            stats,
            "put_item",
            TableName=table,
            Item=body,
            ConditionExpression="attribute_not_exists(#p) OR #p < :p",
            ExpressionAttributeNames={"#p": POSITION_ATTRIBUTE},
            ExpressionAttributeValues={":p": {"S": pos}},
        )
        if ok:
            stats.puts += 1

    def _delete(self, key: ItemKey, pos: str, stats: ApplyStats) -> None:
        table, parts = key
        item_key = {name: {kind: payload} for name, kind, payload in parts}
        ok = self._call(
            stats,
            "delete_item",
            TableName=table,
            Key=item_key,
            ConditionExpression="attribute_not_exists(#p) OR #p <= :p",
            ExpressionAttributeNames={"#p": POSITION_ATTRIBUTE},
            ExpressionAttributeValues={":p": {"S": pos}},
        )
        if ok:
            stats.deletes += 1

    def _call(self, stats: ApplyStats, operation: str, **request: Any) -> bool:
        """One conditional write with retries; False when its condition failed (a stale change)."""
        method = getattr(self.client, operation)
        delay = 0.05
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            if self._abandon.is_set():
                raise _Abandoned
            stats.calls += 1
            try:
                method(**request)
                return True
            except ClientError as exc:
                code = error_code(exc)
                if code == "ConditionalCheckFailedException":
                    stats.skipped += 1
                    return False
                if code not in _RETRYABLE or attempt == _MAX_ATTEMPTS:
                    raise TargetError(
                        f"{operation} on {request['TableName']} failed: {code or exc}",
                        hint="the batch was not acknowledged: sync resumes from its checkpoint",
                        table=request["TableName"],
                    ) from None
                stats.retries += 1
                self._abandon.wait(delay)
                delay = min(delay * 2, 2.0)
        return False  # pragma: no cover - the loop always returns or raises

    def _warn_once(self, key: str, message: str) -> None:
        with self._lock:
            if key in self._warned:
                return
            self._warned.add(key)
        self.reporter.warning(message)


def _group(changes: Sequence[Change]) -> list[list[Change]]:
    """Changes split into groups that touch disjoint rows, each in source order.

    Two changes are in one group when they touch the same row by its old or
    new primary key (union-find), so a key update stays ahead of the changes
    to its new key.
    """
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    touched: list[list[Any]] = []
    for change in changes:
        names = sorted(change.key)
        keys = [(change.table, tuple(repr(change.key[n]) for n in names))]
        if change.row is not None and all(n in change.row for n in names):
            keys.append((change.table, tuple(repr(change.row[n]) for n in names)))
        for other in keys[1:]:
            ra, rb = find(keys[0]), find(other)
            if ra != rb:
                parent[rb] = ra
        find(keys[0])
        touched.append(keys)
    groups: dict[Any, list[Change]] = {}
    for change, keys in zip(changes, touched, strict=True):
        groups.setdefault(find(keys[0]), []).append(change)
    return list(groups.values())
