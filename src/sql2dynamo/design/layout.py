"""Where every pattern's data lives: base keys, indexes and lookup tables (multi-table).

Pass 1 routes each read to its cheapest path -- the base key (GetItem,
BatchGetItem, Query), a unique-value lookup table, a global secondary index,
or a Scan of a small table -- and collects index needs; identical needs share
one index.  Writes that address items by something other than their key add
needs too.  The result is a :class:`Layout`, the map the plans are built on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sql2dynamo.design.access import Access
from sql2dynamo.design.keys import BaseKey, key_part
from sql2dynamo.design.model import KeyPart, SparseCondition
from sql2dynamo.source.model import Schema, Table, UniqueConstraint

SMALL_TABLE_ROWS = 10_000  # a Scan of this many small items costs less than an index's upkeep
MAX_GSIS = 20  # DynamoDB's default quota per table
# What needs served by one index share: table, partition key columns, date bucket, sparse condition.
Partition = tuple[str, tuple[str, ...], str | None, tuple[str, str] | None]


@dataclass(frozen=True)
class Need:
    """An index a pattern needs: its key columns, sort column, day bucket and sparse flag."""

    table: str
    pk_cols: tuple[str, ...]
    sk_col: str | None
    bucket: str | None = None  # a date-time column whose day is part of the partition key
    sparse: tuple[str, str] | None = None  # (column, literal): the index holds only matching items

    def shares_partition(self, other: Need) -> bool:
        """Same table, partition key, bucket and sparseness (only the sort key may differ)."""
        return self.partition() == other.partition()

    def partition(self) -> Partition:
        """What :meth:`shares_partition` compares: table, partition key columns, bucket and sparseness."""
        return (self.table, self.pk_cols, self.bucket, self.sparse)

    def name(self) -> str:
        """A readable, deterministic index name: ``<table>[_<flag>]_by_<key columns>[_day][_<sort>]``."""
        parts = [self.table]
        if self.sparse:
            parts.append(self.sparse[0])
            if self.sparse[1].upper() != "TRUE":
                parts.append(self.sparse[1].strip("'"))  # is_active = FALSE and = TRUE are two indexes
        parts.append("by")
        parts += list(self.pk_cols)
        if self.bucket:
            parts.append("day")
        if self.sk_col and self.sk_col != self.bucket:
            parts.append(self.sk_col)
        elif not self.sk_col and not self.bucket and len(self.pk_cols) > 1:
            parts.append("unsorted")  # else (a, b) unsorted and (a) sorted by b would share a name
        return _safe("_".join(parts))[:255]


@dataclass(frozen=True)
class Route:
    """How one read reaches its items."""

    kind: Literal["get", "batch_get", "query_base", "lookup", "index", "scan", "none"]
    need: Need | None = None
    unique: tuple[str, ...] | None = None


@dataclass
class Layout:
    """The multi-table layout under construction: one table per source table plus lookups."""

    schema: Schema
    base: dict[str, BaseKey]
    routes: dict[str, Route] = field(default_factory=dict)  # pattern id -> route
    needs: dict[Need, list[str]] = field(default_factory=dict)  # need -> pattern ids
    lookups: dict[tuple[str, tuple[str, ...]], UniqueConstraint] = field(default_factory=dict)
    write_needs: dict[Need, list[str]] = field(default_factory=dict)
    # Need.partition() -> the needs of that partition in ``needs`` and in ``write_needs``, each in
    # dict order: add_need compares a need with these instead of every known need.
    _partitions: dict[Partition, tuple[list[Need], list[Need]]] = field(default_factory=dict, repr=False, compare=False)

    def add_need(self, need: Need, pattern_id: str, *, write: bool = False) -> Need:
        """Record that ``pattern_id`` needs ``need``; returns the index need that will serve it.

        Needs share an index when they differ only in the sort key and one of them has none:
        an index sorted by some column serves an unsorted read of the same partition too.
        """
        in_needs, in_write_needs = self._partition(need)
        same_partition = [*in_needs, *in_write_needs]
        # An item without its sort-key attribute (a NULL column) is not in the index: only an index
        # sorted by a NOT NULL column holds every item an unsorted read of the partition needs.
        if need.sk_col is None:
            need = next((k for k in same_partition if k.sk_col is not None and self._complete(k)), need)
        elif self._complete(need):
            for known in same_partition:
                if known.sk_col is None:
                    self._replace(known, need)
        ids = self._add(self.write_needs if write else self.needs, need)
        if pattern_id not in ids:
            ids.append(pattern_id)
        return need

    def _complete(self, need: Need) -> bool:
        """Whether the index of ``need`` holds every item of its partition (its sort column is NOT NULL)."""
        if need.sk_col is None:
            return True
        try:
            return not self.schema.table(need.table).column(need.sk_col).nullable
        except KeyError:
            return False

    def _partition(self, need: Need) -> tuple[list[Need], list[Need]]:
        return self._partitions.setdefault(need.partition(), ([], []))

    def _add(self, bucket: dict[Need, list[str]], need: Need) -> list[str]:
        """``bucket.setdefault(need, [])``, keeping the partition index in step."""
        if need not in bucket:
            self._partition(need)[0 if bucket is self.needs else 1].append(need)
        return bucket.setdefault(need, [])

    def _replace(self, old: Need, new: Need) -> None:
        for bucket in (self.needs, self.write_needs):
            if old in bucket:
                moved = bucket.pop(old)
                self._partition(old)[0 if bucket is self.needs else 1].remove(old)
                merged = self._add(bucket, new)
                merged.extend(i for i in moved if i not in merged)
        for pid, route in list(self.routes.items()):
            if route.need == old:
                self.routes[pid] = Route(route.kind, new, route.unique)

    def all_needs(self, table: str) -> list[Need]:
        """Every index need of one source table, in first-seen order."""
        seen: list[Need] = []
        for need in [*self.needs, *self.write_needs]:
            if need.table == table and need not in seen:
                seen.append(need)
        return seen


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in name)


def unique_keys(table: Table) -> list[UniqueConstraint]:
    """Unique rules other than the primary key: each gets a lookup table."""
    return [u for u in table.unique_constraints if set(u.columns) != set(table.primary_key)]


def route_read(a: Access, layout: Layout) -> Route:
    """The cheapest path for one supported read, recording any index it needs."""
    table = layout.schema.table(a.table)
    base = layout.base[a.table]
    eq = set(a.eq)
    pk_cols, sk_cols = set(base.pk.columns), set(base.sk.columns) if base.sk else set()
    # A GetItem cannot test a literal flag (is_published = TRUE): such reads go through a sparse index.
    if pk_cols <= eq and sk_cols <= eq and not a.count and not a.flags:
        # BatchGetItem when the IN list is on the key; an IN on another column is a filter (a Query).
        return Route("batch_get" if eq & set(a.in_list) & (pk_cols | sk_cols) else "get")
    # The base table serves an ordered read only when its sort key is the ORDER BY column.
    in_base_order = a.order is None or (base.sk is not None and base.sk.columns[:1] == (a.order[0],))
    if pk_cols <= eq and not (eq & set(a.in_list)) and in_base_order:
        return Route("query_base")
    for unique in unique_keys(table):
        if set(unique.columns) <= eq and not a.count and not a.flags:
            layout.lookups[(a.table, unique.columns)] = unique
            return Route("lookup", unique=unique.columns)
    sparse = a.flags[0] if a.flags else None
    pk = tuple(c for c in table_order(table, a.eq) if c not in a.in_list)
    # An ORDER BY column the pattern fixes by equality orders nothing (and cannot be the key twice).
    order = a.order[0] if a.order and a.order[0] not in pk else None
    sk = order or next((r for r in a.ranges if r not in pk), None)
    bucket = None
    if not pk and not sparse and not sk:
        rows = table.stats.row_count if table.stats else None
        if rows is not None and rows > SMALL_TABLE_ROWS:
            return Route("none")
        return Route("scan")
    need = layout.add_need(Need(a.table, pk, sk, bucket, sparse), a.pattern.id)
    return Route("index", need=need)


def table_order(table: Table, columns: Iterable[str]) -> tuple[str, ...]:
    """``columns`` in the table's column order (deterministic key templates)."""
    wanted = set(columns)
    return tuple(c.name for c in table.columns if c.name in wanted)


def index_keys(table: Table, need: Need) -> tuple[KeyPart, KeyPart | None, SparseCondition | None]:
    """The partition and sort key attributes of the index for ``need`` (multi-table naming)."""
    name = need.name()
    sparse = None
    if need.sparse:
        col, value = need.sparse
        sparse = SparseCondition(
            col,
            value,
            f"only items with {col} = {value} are read through this index; the others never enter it",
        )
    natural = len(need.pk_cols) == 1 and not need.bucket and not need.sparse
    if natural:
        pk = key_part(table, need.pk_cols[0], need.pk_cols)
    elif not need.pk_cols and not need.bucket:
        # A constant partition key: every matching item in one partition, ordered by the sort key.
        label = (need.sparse[0] if need.sparse else "all").upper()
        pk = KeyPart(f"{name}_pk", "S", label, ())
    else:
        suffix = "#{" + need.bucket + ":date}" if need.bucket else ""
        cols = need.pk_cols + ((need.bucket,) if need.bucket else ())
        template = "#".join("{" + c + "}" for c in need.pk_cols) + suffix
        if not need.pk_cols:
            template = template.lstrip("#")
        pk = KeyPart(f"{name}_pk", "S", template, cols)
    sk = key_part(table, need.sk_col, (need.sk_col,)) if need.sk_col else None
    return pk, sk, sparse


def needs_for_table(layout: Layout, table: str) -> Sequence[Need]:
    """The index needs of ``table``, at most :data:`MAX_GSIS`."""
    return layout.all_needs(table)[:MAX_GSIS]
