"""The load on the busiest partition of every key a plan uses, and how to shard a hot one.

A DynamoDB partition serves at most 3,000 RCU and 1,000 WCU per second, and
all items sharing a partition-key value live in one partition, so the limit
that matters is the traffic of the *busiest key value*.

The model, per (table or index, partition key):

* **Load** = for every plan step on that key, its capacity per call (from
  :mod:`~sql2dynamo.design.capacity`, GSI write amplification included) x
  the pattern's **peak** RPS.  A BatchGetItem reads one item per key, so
  only its per-item share counts.  Scans touch every partition evenly and
  are left out.  A PutItem whose key is built from a unique key of the row
  (primary key or unique constraint) creates a new key value every time
  and adds no load to any existing key, so it is left out of that key too.
* **Distinct keys** = the product, over the template's fields, of each
  column's sampled ``distinct_estimate`` (no statistics: 2 for a boolean,
  the member count for an enum, the row count for a single-column unique
  key, else unknown), capped at the table's row count.  A template with no
  field (``PUBLIC``) has 1; a column a sparse index pins to one value counts
  1; a date bucket (``{created_at:date}``) counts 1, because current traffic
  all goes to today's bucket.  Several entities on one key: the smallest.
* **Skew** = the share of the traffic the busiest key value receives:
  ``1 / H(n)`` (``H`` the n-th harmonic number), the top share under
  Zipf's law with exponent 1, the usual model of popularity skew: 1 key ->
  100 %, 2 -> 66.7 %, 10 -> 34 %, 1,000 -> 13 %, 10^6 -> 6.9 %.  Uniform
  traffic (``1 / n``) would hide exactly the hot keys this looks for.  With
  the number of keys unknown, 10 % (the Zipf share of about 12,000 keys).
  Every pattern's busiest key is assumed to be the same one, as it is in an
  item collection shared by several entities.
* **Busiest partition** = load x skew; **hot** above 3,000 RCU/s or
  1,000 WCU/s.  A hot key gets a sharding plan with ``N = ceil(load /
  (80 % of the limit))`` suffixes (at least 2), leaving 20 % headroom.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from sql2dynamo.design.capacity import Usage, is_strong, pattern_rps, plan_usage
from sql2dynamo.design.model import AccessPlan, EntityMapping, IndexSpec, KeyPart, PartitionLoad, TableSpec
from sql2dynamo.design.sizing.columns import template_fields
from sql2dynamo.design.sizing.items import Sizes, item_sizes
from sql2dynamo.source.model import Schema, Table
from sql2dynamo.workload.patterns.model import AccessPattern

PARTITION_RCU_LIMIT = 3000.0
PARTITION_WCU_LIMIT = 1000.0
SHARD_TARGET_UTILIZATION = 0.8  # each shard may use 80 % of a partition's limit: headroom for bursts
UNKNOWN_KEYS_SKEW = 0.10  # busiest key's share when the number of keys is unknown
_EULER_GAMMA = 0.5772156649015329
_EXACT_HARMONIC_UP_TO = 10_000


@cache
def harmonic(n: int) -> float:
    """The n-th harmonic number ``1 + 1/2 + ... + 1/n`` (asymptotic expansion past 10,000 terms)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    if n <= _EXACT_HARMONIC_UP_TO:
        return math.fsum([1.0 / k for k in range(1, n + 1)])
    return math.log(n) + _EULER_GAMMA + 1 / (2 * n) - 1 / (12 * n * n)


def busiest_key_share(distinct: int | None) -> float:
    """Share of traffic on the busiest of ``distinct`` key values: ``1 / H(n)`` (Zipf), 10 % if unknown."""
    if distinct is None:
        return UNKNOWN_KEYS_SKEW
    return 1.0 / harmonic(max(1, distinct))


def _column_distinct(table: Table | None, name: str) -> int | None:
    if table is None:
        return None
    try:
        col = table.column(name)
    except KeyError:
        return None
    if col.stats is not None:
        return max(1, col.stats.distinct_estimate)
    if col.normalized_type == "boolean":
        return 2
    if col.enum_values:
        return len(col.enum_values)
    unique_sets = [tuple(table.primary_key), *(tuple(u.columns) for u in table.unique_constraints)]
    if (name,) in unique_sets and table.stats is not None:
        return table.stats.row_count
    return None


def key_distinct(part: KeyPart, table: Table | None, *, pinned: Mapping[str, str | None] | None = None) -> int | None:
    """Distinct values a key template takes over the rows of ``table`` (see the module docstring).

    ``pinned`` maps columns a sparse index fixes to one value (``column ->
    value``; a ``None`` value only excludes NULLs and pins nothing).
    """
    fields = template_fields(part.template)
    if not fields:
        return 1
    pinned = pinned or {}
    product = 1
    for name, fmt in fields:
        if fmt == "date" or pinned.get(name) is not None:
            continue
        distinct = _column_distinct(table, name)
        if distinct is None:
            return None
        product *= distinct
    if table is not None and table.stats is not None and table.stats.row_count > 0:
        product = min(product, table.stats.row_count)
    return max(1, product)


def covers_unique_key(part: KeyPart, table: Table | None) -> bool:
    """Whether the template's fields include a whole unique key of the row (each row its own key value)."""
    if table is None:
        return False
    names = {name for name, fmt in template_fields(part.template) if fmt is None}
    unique_sets = [set(table.primary_key), *(set(u.columns) for u in table.unique_constraints)]
    return any(s and s <= names for s in unique_sets)


@dataclass
class _Group:
    """Everything known about one (table, index) key while summing."""

    key: str
    template: str | None = None
    rcu: float = 0.0
    wcu: float = 0.0
    pattern_ids: set[str] = field(default_factory=set)
    distincts: list[int | None] = field(default_factory=list)
    read_ops: set[str] = field(default_factory=set)


def _entity(spec: TableSpec, source_table: str | None) -> EntityMapping | None:
    for entity in spec.entities:
        if entity.source_table == source_table:
            return entity
    return None


def _index(spec: TableSpec, name: str) -> IndexSpec:
    for index in spec.indexes:
        if index.name == name:
            return index
    raise KeyError(name)  # step_usage has already refused unknown indexes


def _key_part(spec: TableSpec, index: IndexSpec | None, entity: EntityMapping | None) -> KeyPart:
    if index is None:
        return entity.pk if entity is not None else spec.pk
    if entity is not None:
        for part in entity.index_keys:
            if part.attribute == index.pk.attribute:
                return part
    return index.pk


def _pinned(index: IndexSpec | None, entity: EntityMapping | None) -> dict[str, str | None]:
    """Columns a sparse index's condition fixes to one value, for the index's partition key."""
    if index is None:
        return {}
    condition = entity.sparse_keys.get(index.pk.attribute) if entity is not None else None
    condition = condition or index.sparse
    return {condition.column: condition.value} if condition is not None else {}


def _source(schema: Schema | None, name: str | None) -> Table | None:
    if schema is None or name is None:
        return None
    try:
        return schema.table(name)
    except KeyError:
        return None


def partition_loads(
    tables: Sequence[TableSpec],
    plans: Sequence[AccessPlan],
    patterns: Iterable[AccessPattern] | Mapping[str, AccessPattern],
    schema: Schema | None,
    *,
    sizes: Sizes | None = None,
    usages: Sequence[Sequence[Usage]] | None = None,
) -> tuple[PartitionLoad, ...]:
    """The busiest-partition load of every table and index partition key a plan uses.

    ``skew`` in each result is the busiest key value's share of the traffic;
    ``rcu_per_partition`` / ``wcu_per_partition`` are the summed peak loads
    x that share.  ``sizes`` defaults to :func:`item_sizes` of the design;
    ``usages[i]``, when given, is :func:`plan_usage` of ``plans[i]`` with its
    pattern's consistency.  Ordered as the tables are, each table's key before
    its indexes'.
    """
    if sizes is None:
        sizes = item_sizes(tables, schema)
    by_id = dict(patterns) if isinstance(patterns, Mapping) else {p.id: p for p in patterns}
    specs = {t.name: t for t in tables}
    groups: dict[tuple[str, str | None], _Group] = {}
    for n, plan in enumerate(plans):
        pattern = by_id.get(plan.pattern_id)
        _, peak = pattern_rps(pattern)
        used = usages[n] if usages is not None else plan_usage(plan, specs, sizes, strong=is_strong(pattern))
        for usage in used:
            if usage.operation == "Scan":
                continue
            spec = specs[usage.table]
            index = _index(spec, usage.index) if usage.index is not None else None
            entity = _entity(spec, usage.source_table)
            part = _key_part(spec, index, entity)
            source = _source(schema, entity.source_table if entity is not None else None)
            pinned = _pinned(index, entity)
            group = groups.setdefault(
                (usage.table, usage.index),
                _Group(key=index.pk.attribute if index is not None else spec.pk.attribute, template=part.template),
            )
            group.pattern_ids.add(plan.pattern_id)
            group.distincts.append(key_distinct(part, source, pinned=pinned))
            if usage.operation == "PutItem" and covers_unique_key(part, source):
                continue  # a new key value per item: no existing key gets busier
            rcu = usage.rcu / max(1.0, usage.items) if usage.operation == "BatchGetItem" else usage.rcu
            group.rcu += rcu * peak
            group.wcu += usage.wcu * peak
            if usage.rcu:
                group.read_ops.add(usage.operation)
    out: list[PartitionLoad] = []
    for spec in tables:
        for index_name in [None, *(i.name for i in spec.indexes)]:
            found = groups.get((spec.name, index_name))
            if found is not None:
                out.append(_load(spec.name, index_name, found))
    return tuple(out)


def _load(table: str, index: str | None, group: _Group) -> PartitionLoad:
    known = [d for d in group.distincts if d is not None]
    distinct = min(known) if known else None
    skew = busiest_key_share(distinct)
    rcu = round(group.rcu * skew, 3)
    wcu = round(group.wcu * skew, 3)
    hot = rcu > PARTITION_RCU_LIMIT or wcu > PARTITION_WCU_LIMIT
    plan = None
    if hot:
        plan = sharding_plan(
            table,
            index,
            group.key,
            group.template,
            rcu,
            wcu,
            writes_hot=wcu > PARTITION_WCU_LIMIT,
            single_item_reads=bool(group.read_ops) and group.read_ops <= {"GetItem", "BatchGetItem"},
        )
    return PartitionLoad(
        table=table,
        index=index,
        key=group.key,
        pattern_ids=tuple(sorted(group.pattern_ids)),
        distinct_keys=distinct,
        skew=round(skew, 4),
        rcu_per_partition=rcu,
        wcu_per_partition=wcu,
        hot=hot,
        sharding_plan=plan,
    )


def shard_count(rcu_per_partition: float, wcu_per_partition: float) -> int:
    """Suffixes needed so each shard stays under 80 % of the per-partition limits (at least 2)."""
    need = max(
        rcu_per_partition / (PARTITION_RCU_LIMIT * SHARD_TARGET_UTILIZATION),
        wcu_per_partition / (PARTITION_WCU_LIMIT * SHARD_TARGET_UTILIZATION),
    )
    return max(2, math.ceil(round(need, 9)))


def _n(x: float) -> str:
    return f"{x:,.3f}".rstrip("0").rstrip(".")


def sharding_plan(
    table: str,
    index: str | None,
    key: str,
    template: str | None,
    rcu_per_partition: float,
    wcu_per_partition: float,
    *,
    writes_hot: bool,
    single_item_reads: bool,
) -> str:
    """How to spread one hot key: write sharding with scatter-gather reads, or replicas for a hot item."""
    n = shard_count(rcu_per_partition, wcu_per_partition)
    where = f"table {table}" if index is None else f"index {index} of table {table}"
    value = template or f"{{{key}}}"
    load = f"{_n(rcu_per_partition)} RCU/s and {_n(wcu_per_partition)} WCU/s"
    per_shard = f"{_n(rcu_per_partition / n)} RCU/s and {_n(wcu_per_partition / n)} WCU/s"
    limits = "80 % of the 3,000 RCU / 1,000 WCU per-partition limits"
    if not writes_hot and single_item_reads:
        return (
            f"Read-replicate the hot items of `{key}` on {where} across N = {n} copies: store each item"
            f" under `{value}#0` .. `{value}#{n - 1}`, every write updates all {n} copies ({n} x the write"
            f" units), every read picks one suffix at random; the busiest partition drops from {load} to"
            f" {per_shard} per copy (under {limits}).  A DAX cache in front of the key is the alternative."
        )
    return (
        f"Write-shard `{key}` on {where} across N = {n} suffixes #0..#{n - 1}: write the key as"
        f" `{value}#<s>` with s = hash(the item's primary key) mod {n}, so an item can be found again;"
        f" the busiest partition drops from {load} to {per_shard} per shard (under {limits})."
        f"  Reads scatter-gather: run the same Query on all {n} suffixes in parallel and merge the results"
        f" (re-sort by the sort key and re-apply the limit when order matters), so a read costs {n}"
        f" Queries, each reading about 1/{n} of the items."
    )
