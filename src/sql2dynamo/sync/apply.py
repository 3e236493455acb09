"""Apply captured changes to DynamoDB through the backfill's transform, idempotently and in order.

Per change, the items of the row after the change are built with
:class:`~sql2dynamo.items.transform.ItemBuilder` (denormalized copies and
unique lookup items included, exactly as the backfill builds them) and each
is put; the items the row had before the change whose keys are no longer
among them (a primary-key update, a unique value that changed, a delete) are
deleted.

**Order and idempotence.**  Every item written carries the position of its
last change in :data:`~sql2dynamo.sync.changes.POSITION_ATTRIBUTE`, and every
write is conditional on it: a put only if ``attribute_not_exists(_s2d_pos) OR
_s2d_pos < :pos``, a delete only if ``... OR _s2d_pos <= :pos``.  A replayed
change (after a crash, before the checkpoint moved) or one older than what an
item already holds fails the condition and counts as ``skipped``; items the
backfill wrote have no position and are always overwritten by a change, which
happened after the backfill's snapshot.

**A batch is planned first, then written** (issue 17: one conditional write
per call and one source read per change left the applier at a fortieth of
the backfill's speed).  The plan reads the source rows the batch needs in
bulk (:mod:`~sql2dynamo.sync.source_reads`), builds every change's writes in
source order and keeps, per item, only the last one (**coalescing**): the
position guard makes the intermediate states unnecessary, since the last
write of an item carries the highest position of the batch and succeeds
exactly when the sequence would have ended with it.  A row inserted and
deleted in one batch costs one conditional delete; a unique value passed
from one row to another, a primary key changed and changed back, are one
write per item, in the state the source ended in.  The coalesced writes are
on distinct items, so they need no order among themselves: they go out as
TransactWriteItems calls of up to 100 items, ``workers`` calls at a time
(:mod:`~sql2dynamo.sync.item_writes`).  With ``coalesce=False`` every write
is kept and a batch is written in rounds, each holding at most one write per
item, each confirmed before the next starts (per-item source order).

**Deletes leave nothing behind** (no tombstone item: a tombstone would be
visible to every Query and Scan of the application and to ``verify``).  What
keeps an older put from resurrecting a deleted item is ordering: batches are
applied one after the other, each confirmed before the next, and within a
batch an item gets one write.  A replay starts at the checkpoint and replays
everything after it in order, which ends in the same state.

**Denormalized copies.**  A change to a parent row rewrites the items of
the rows that copy its attributes (read from the source, which holds at
least the state of the change, since the change is committed), with the
parent change's position: a child item already holding a later change keeps
it, since that change read the parent after this one.  Parent rows for a
change's own copies are read from the source the same way.  Without a
``source`` engine copies are left out (and a warning says so).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Hashable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sql2dynamo.common.reporting import Reporter
from sql2dynamo.design.model import DataModel, Join
from sql2dynamo.items.related import related_of
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.run import key_schemas
from sql2dynamo.migrate.write_body import KeySchema
from sql2dynamo.sync.changes import Change
from sql2dynamo.sync.item_writes import (
    MAX_TRANSACT_ITEMS,
    Abandoned,
    ConditionalWriter,
    ItemKey,
    ItemOp,
    WriteCounts,
)
from sql2dynamo.sync.source_reads import BatchReads, Row

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["Applier", "ApplyStats"]

_COUNTERS = ("changes", "puts", "deletes", "skipped", "coalesced", "fanout", "rejected", "reads", "calls", "retries")


@dataclass
class ApplyStats:
    """What one or more :meth:`Applier.apply` calls did."""

    changes: int = 0
    puts: int = 0
    deletes: int = 0
    skipped: int = 0  # writes whose condition failed: the item already holds this change or a later one
    coalesced: int = 0  # item writes left out because a later change of the same batch wrote the same item
    fanout: int = 0  # items of child rows rewritten for a parent's denormalized copies
    rejected: int = 0  # rows that cannot become items (listed in ``rejects``)
    reads: int = 0  # queries to the source (parents of copies, children of changed parents)
    calls: int = 0
    retries: int = 0
    seconds: float = 0.0
    last_position: str | None = None
    rejects: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: ApplyStats) -> None:
        """Add ``other``'s counters to these (``last_position`` becomes the later of the two)."""
        for name in _COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        if other.last_position is not None and (self.last_position is None or other.last_position > self.last_position):
            self.last_position = other.last_position
        room = max(0, 50 - len(self.rejects))
        self.rejects.extend(other.rejects[:room])

    def summary(self) -> dict[str, Any]:
        """A JSON-ready copy of the counters."""
        out: dict[str, Any] = {name: getattr(self, name) for name in _COUNTERS}
        out["seconds"] = round(self.seconds, 3)
        out["last_position"] = self.last_position
        out["rejects"] = list(self.rejects)
        return out


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


class _Plan:
    """The writes of one batch: coalesced to one per item, or every one in rounds of distinct items."""

    def __init__(self, coalesce: bool, stats: ApplyStats) -> None:
        self.coalesce = coalesce
        self.stats = stats
        self.last: dict[ItemKey, ItemOp] = {}
        self.rounds: list[list[ItemOp]] = []
        self._seen: dict[ItemKey, int] = {}

    def add(self, op: ItemOp) -> None:
        if not self.coalesce:
            n = self._seen.get(op.key, 0)
            self._seen[op.key] = n + 1
            if n == len(self.rounds):
                self.rounds.append([])
            self.rounds[n].append(op)
            return
        before = self.last.get(op.key)
        if before is not None:
            self.stats.coalesced += 1
            if op.position < before.position:
                return  # never in source order; kept for safety: the later write stands
        self.last[op.key] = op

    def writes(self) -> list[list[ItemOp]]:
        return [list(self.last.values())] if self.coalesce else self.rounds


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
        transact_items: int = MAX_TRANSACT_ITEMS,
        coalesce: bool = True,
    ) -> None:
        """``source`` reads parent rows for denormalized copies (``None``: copies are left out).

        ``workers`` is the number of DynamoDB calls in flight at once;
        ``schema`` qualifies source table names in the reads;
        ``transact_items`` the items per TransactWriteItems call (1: one
        PutItem/DeleteItem per item, half the capacity per item on AWS);
        ``coalesce`` keeps only the last write of each item in a batch.
        """
        self.model = model
        self.client = client
        self.source = source
        self.reporter = reporter
        self.workers = max(1, workers)
        self.schema = schema
        self.coalesce = coalesce
        self.builder = ItemBuilder(model)
        self.keys: dict[str, KeySchema] = key_schemas(model)
        self._joins: dict[str, dict[str, Join]] = {t: self.builder.joins(t) for t in self.builder.source_tables}
        self._children: dict[str, list[tuple[str, Join]]] = {}
        for table in self.builder.source_tables:
            for parent, join in self._joins[table].items():
                self._children.setdefault(parent, []).append((table, join))
        self._needs_before = {t: self._key_columns(t) for t in self.builder.source_tables}
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="s2d-apply")
        self._abandon = threading.Event()  # set when a call of the current batch failed
        self._writer = ConditionalWriter(client, transact_items=transact_items, abandon=self._abandon)
        self._prepared: tuple[Sequence[Change], _Plan] | None = None  # see prepare

    def close(self) -> None:
        """Stop the worker threads and take the body hook off the client."""
        self._pool.shutdown(wait=True)
        self._writer.close()

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
        stats = ApplyStats(changes=len(changes))
        self._abandon.clear()
        prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared[0] is changes:
            plan = prepared[1]
            stats.add(plan.stats)
        else:
            plan = self._plan(changes, stats)
        for ops in plan.writes():
            chunks = self._writer.chunks(ops, self.workers)
            if len(chunks) <= 1 or self.workers == 1:
                for chunk in chunks:
                    _add(stats, self._write(chunk))
            else:
                for counts in self._run_parallel(chunks):
                    _add(stats, counts)
        stats.seconds = time.monotonic() - started
        if changes:
            stats.last_position = max(c.position for c in changes)
        return stats

    def prepare(self, changes: Sequence[Change]) -> None:
        """Plan ``changes`` now (source reads, items, coalescing): the next ``apply(changes)`` only writes.

        The sync loop plans the next batch while this one is being written, so that DynamoDB is not idle
        while the client reads and builds.  A plan made early is as good as one made late: it depends on
        the source only (every change of the batch committed before it was read), never on DynamoDB.
        Only an ``apply`` given this very sequence uses it.
        """
        self._prepared = (changes, self._plan(changes, ApplyStats()))

    # -------------------------------------------------------------- writing

    def _write(self, chunk: list[ItemOp]) -> WriteCounts:
        counts = WriteCounts()
        # Abandoned: another call failed, and the whole batch is applied again from its first change.
        with contextlib.suppress(Abandoned):
            self._writer.write(chunk, counts)
        return counts

    def _run_parallel(self, chunks: list[list[ItemOp]]) -> list[WriteCounts]:
        """Every chunk on the pool; returns (or raises) only when none of them is still writing.

        The caller re-applies a failed batch from its start.  A call of the failed attempt still
        writing then would race the re-applied writes of its items: a put landing after the
        re-applied delete brings the item back (there is no tombstone to refuse it).  So when one
        chunk fails, the chunks not started are cancelled, the running ones stop before their next
        call (or retry), and all are waited for before the first failure (in chunk order) is raised.
        """
        futures = [self._pool.submit(self._write, chunk) for chunk in chunks]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.exception() is not None for f in done):
            self._abandon.set()
            for future in futures:
                future.cancel()
            wait(futures)
            raise next(exc for f in futures if not f.cancelled() and (exc := f.exception()) is not None)
        return [f.result() for f in futures]

    # -------------------------------------------------------------- planning

    def _plan(self, changes: Sequence[Change], stats: ApplyStats) -> _Plan:
        """Every change's writes, in source order, after one bulk read of the source rows they need."""
        plan = _Plan(self.coalesce, stats)
        mapped = [c for c in changes if c.table in self._needs_before]
        reads = BatchReads(self.source, self.schema) if self.source is not None else None
        fanned = self._fanned_rows(mapped, reads) if reads is not None else {}
        if reads is not None:
            for change in mapped:
                if change.row is not None:
                    self._want_parents(reads, change.table, change.row)
            for rows in fanned.values():
                for child, row in rows:
                    self._want_parents(reads, child, row)
            reads.fetch()
        child_items: dict[int, list[tuple[str, dict[str, Any]]]] = {}  # per child row (by id): its items
        for index, change in enumerate(mapped):
            self._change_writes(change, plan, stats, reads)
            for child, row in fanned.get(index, ()):
                items = child_items.get(id(row))
                if items is None:
                    items = self.builder.items_for(child, row, self._related(child, row, reads)).items
                    child_items[id(row)] = items
                for table, item in items:
                    plan.add(ItemOp("put", self._item_key(table, item), item, change.position, fanout=True))
        if reads is not None:
            stats.reads += reads.queries
        return plan

    def _change_writes(self, change: Change, plan: _Plan, stats: ApplyStats, reads: BatchReads | None) -> None:
        pos = change.position
        old_keys: dict[ItemKey, None] = {}
        if change.op != "insert":
            old_keys = dict.fromkeys(self._old_item_keys(change))
        new_items: list[tuple[str, dict[str, Any]]] = []
        if change.row is not None:
            result = self.builder.items_for(change.table, change.row, self._related(change.table, change.row, reads))
            if result.rejects:
                stats.rejected += 1
                stats.rejects.extend(
                    {"table": r.source_table, "key": r.key, "reason": r.reason, "target": r.table, "position": pos}
                    for r in result.rejects
                )
            new_items = result.items
        puts = [(self._item_key(table, item), item) for table, item in new_items]
        new_keys = {key for key, _ in puts}
        for key in old_keys:
            if key not in new_keys:
                plan.add(ItemOp("delete", key, None, pos))
        for key, item in puts:
            plan.add(ItemOp("put", key, item, pos))

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
        parents: dict[str, Row | None] = dict.fromkeys(self._joins[change.table])
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

    def _want_parents(self, reads: BatchReads, table: str, row: Row) -> None:
        for parent, join in self._joins[table].items():
            reads.want_parent(parent, join.source_column, row.get(join.local_column))

    def _related(self, table: str, row: Row, reads: BatchReads | None) -> dict[str, Row | None] | None:
        def parent_row(parent: str, column: str, value: Any) -> Row | None:
            if reads is None:
                self._warn_once(f"copies:{table}", f"{table}: no source connection, copies from {parent} left out")
                return None
            return reads.parent(parent, column, value)

        return related_of(row, self._joins[table], parent_row)

    def _fanned_rows(self, mapped: Sequence[Change], reads: BatchReads) -> dict[int, list[tuple[str, dict[str, Any]]]]:
        """Per change (index in ``mapped``), the child rows whose items copy attributes of the changed parent row.

        One query per (child table, join column) for the whole batch.  A row is given to every change whose
        join value it equals; a row the database returned but that equals none of them (a looser comparison
        in SQL than in Python) goes to the batch's last such change, whose position is the highest: the row
        is read now, so it holds at least that change's state.
        """
        asks: dict[tuple[str, str], list[tuple[int, list[Any]]]] = {}
        for index, change in enumerate(mapped):
            for child, join in self._children.get(change.table, ()):
                values = []
                for image in (change.before or change.key, change.row):
                    if image is not None and image.get(join.source_column) is not None:
                        values.append(image[join.source_column])
                if not values:
                    continue
                if change.before is not None and change.row is not None and not self._copied_changed(child, change):
                    continue
                asks.setdefault((child, join.local_column), []).append((index, values))
        out: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        for (child, column), wanted in asks.items():
            rows = reads.rows(child, column, [v for _, values in wanted for v in values])
            by_value: dict[Hashable, list[dict[str, Any]]] = {}
            for row in rows:
                try:
                    by_value.setdefault(row.get(column), []).append(row)
                except TypeError:
                    continue
            given: set[int] = set()
            for index, values in wanted:
                mine = out.setdefault(index, [])
                have = {id(r) for _, r in mine}
                for value in _distinct(values):
                    try:
                        found = by_value.get(value, ())
                    except TypeError:
                        continue
                    for row in found:
                        if id(row) not in have:
                            mine.append((child, row))
                            have.add(id(row))
                            given.add(id(row))
            left = [row for row in rows if id(row) not in given]
            if left:
                out.setdefault(wanted[-1][0], []).extend((child, row) for row in left)
        return out

    def _copied_changed(self, child: str, change: Change) -> bool:
        assert change.before is not None and change.row is not None
        columns = {
            a.source_column
            for e in self.builder.model_entities(child)
            for a in e.attributes
            if a.source_table == change.table and a.join is not None
        }
        columns.update(j.source_column for p, j in self._joins[child].items() if p == change.table)
        return any(change.before.get(c) != change.row.get(c) for c in columns)

    def _warn_once(self, key: str, message: str) -> None:
        with self._lock:
            if key in self._warned:
                return
            self._warned.add(key)
        self.reporter.warning(message)


def _add(stats: ApplyStats, counts: WriteCounts) -> None:
    stats.puts += counts.puts
    stats.deletes += counts.deletes
    stats.skipped += counts.skipped
    stats.fanout += counts.fanout
    stats.calls += counts.calls
    stats.retries += counts.retries


def _distinct(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if not any(value is v or _equal(value, v) for v in out):
            out.append(value)
    return out


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False
