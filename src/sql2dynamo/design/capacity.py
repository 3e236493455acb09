"""Read and write capacity of plan steps, by DynamoDB's metering rules.

Units:

* A read unit covers 4 KB: strongly consistent reads cost 1 unit per 4 KB,
  eventually consistent ones half, transactional ones twice a strong read.
  Every read costs at least one unit (a miss still costs the minimum).
* A write unit covers 1 KB; transactional writes cost twice.
* GetItem rounds its one item up to 4 KB; **Query and Scan round the sum
  of the bytes they read** (many small items share units); BatchGetItem
  rounds each item separately.  Filters, projections and ``Select=COUNT``
  do not reduce the cost: DynamoDB meters the items it evaluates.
* Global secondary indexes are read eventually consistent only.

GSI write amplification: a PutItem, UpdateItem or DeleteItem also writes
every GSI whose key attributes the item carries (:func:`entity_in_index`),
for the share of items that carry them (sparse indexes), at the index's
projected item size (KEYS_ONLY and INCLUDE are smaller than the item).  An
update that changes an index key costs that index 2 writes (delete the old
index entry, put the new one); an update that only changes projected
attributes costs 1; an update of attributes the index does not project costs
nothing there.  Index writes of a transaction are not doubled: DynamoDB
propagates index updates asynchronously, outside the transaction protocol.

``expected_items`` means the items a Query or Scan *reads* (what the key
condition matches, or the table's row count for a Scan), before filters.
The ``sizes`` mapping is :data:`sql2dynamo.design.sizing.items.Sizes`:
``(table name, source table) -> ItemSize`` (or a bare int of bytes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from sql2dynamo.common.errors import InputError
from sql2dynamo.design.model import AccessPlan, EntityMapping, IndexSpec, PatternCapacity, PlanStep, TableSpec
from sql2dynamo.design.sizing.items import ItemSize, Sizes, as_item_size, entity_in_index
from sql2dynamo.workload.patterns.model import AccessPattern

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem"})
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"})
_PRECISION = 6  # decimal places kept in per-call and per-second figures, so outputs are stable


def read_units(total_bytes: float, *, strong: bool, transactional: bool = False) -> float:
    """Read units for reading ``total_bytes`` in one request.

    ``ceil(bytes / 4 KB)`` units, at least 1; eventual consistency halves it,
    a transactional read doubles the strong cost (``strong`` is then moot).
    """
    units = max(1, math.ceil(total_bytes / READ_UNIT_BYTES))
    if transactional:
        return float(2 * units)
    return float(units) if strong else units / 2


def write_units(item_bytes: float, *, transactional: bool = False) -> float:
    """Write units for one item of ``item_bytes``: ``ceil(bytes / 1 KB)``, at least 1; x2 in a transaction."""
    units = max(1, math.ceil(item_bytes / WRITE_UNIT_BYTES))
    return float(2 * units if transactional else units)


# ------------------------------------------------------------------ update expressions

_CLAUSE = re.compile(r"\b(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)
_PATH_HEAD = re.compile(r"\s*(#?[\w\-]+)")


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in (x.strip() for x in parts) if p]


def _path_head(path: str, names: Mapping[str, str]) -> str | None:
    m = _PATH_HEAD.match(path)
    if m is None:
        return None
    head = m.group(1)
    return names.get(head, head) if head.startswith("#") else head


def updated_attributes(update: str | None, names: Mapping[str, str] | None = None) -> frozenset[str] | None:
    """The top-level attributes an UpdateExpression writes; ``None`` when there is no expression.

    ``SET a = :a, #b = list_append(#b, :x) REMOVE c ADD d :n`` -> ``{a, b, c, d}``
    (``#b`` resolved through ``names``).  ``None`` means "unknown": callers
    assume every attribute changes.
    """
    if update is None or not update.strip():
        return None
    names = names or {}
    pieces = _CLAUSE.split(update)
    out: set[str] = set()
    # pieces: [before, KEYWORD, body, KEYWORD, body, ...]
    for keyword, body in zip(pieces[1::2], pieces[2::2], strict=True):
        for action in _split_top_level(body):
            target = action.split("=", 1)[0] if keyword.upper() == "SET" else action
            head = _path_head(target, names)
            if head:
                out.add(head)
    return frozenset(out)


# ------------------------------------------------------------------ per-step usage


@dataclass(frozen=True)
class Usage:
    """Capacity one step consumes on one table or index, per call, and how it was computed."""

    table: str
    index: str | None
    operation: str
    source_table: str | None  # the entity whose items are read or written
    items: float  # items read or written on this table/index per call
    rcu: float
    wcu: float
    detail: str  # the arithmetic, for reports


def _table_map(tables: Iterable[TableSpec] | Mapping[str, TableSpec]) -> Mapping[str, TableSpec]:
    # A mapping is used as it is (never modified here): callers pass one built once per design.
    if isinstance(tables, Mapping):
        return tables
    return {t.name: t for t in tables}


def _index(spec: TableSpec, name: str) -> IndexSpec:
    for index in spec.indexes:
        if index.name == name:
            return index
    raise InputError(
        f"a plan step reads index {name!r}, which table {spec.name!r} does not define",
        table=spec.name,
        hint="name one of the table's indexes: " + (", ".join(i.name for i in spec.indexes) or "(none)"),
    )


def _size(spec: TableSpec, entity: EntityMapping | None, sizes: Sizes) -> ItemSize:
    if entity is not None:
        value = sizes.get((spec.name, entity.source_table))
        if value is not None:
            return as_item_size(value)
    # no estimate for this entity: the table's own figure, which the engine sets from the same rules
    return ItemSize(bytes=spec.estimated_item_size_bytes)


def _bytes_in(size: ItemSize, index: IndexSpec | None) -> int:
    if index is None:
        return size.bytes
    return size.index_bytes.get(index.name, size.bytes)


def _entity(
    step: PlanStep, spec: TableSpec, index: IndexSpec | None, sizes: Sizes
) -> tuple[EntityMapping | None, ItemSize]:
    """The entity whose items the step touches; with several candidates, the largest (capacity errs high)."""
    if step.item_entity is not None:
        for entity in spec.entities:
            if entity.source_table == step.item_entity:
                return entity, _size(spec, entity, sizes)
        raise InputError(
            f"a plan step names entity {step.item_entity!r}, which table {spec.name!r} does not store",
            table=spec.name,
        )
    candidates = [e for e in spec.entities if index is None or entity_in_index(e, index)]
    if not candidates:
        return None, ItemSize(bytes=spec.estimated_item_size_bytes)
    scored = [(e, _size(spec, e, sizes)) for e in candidates]
    # max() keeps the first of equals: the table's entity order decides ties, deterministically
    return max(scored, key=lambda pair: _bytes_in(pair[1], index))


def _fmt(x: float) -> str:
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def _r(x: float) -> float:
    return round(x, _PRECISION)


def _read_usage(
    step: PlanStep,
    spec: TableSpec,
    index: IndexSpec | None,
    entity: EntityMapping | None,
    size: ItemSize,
    expected_items: float,
    strong: bool,
) -> Usage:
    # GSIs only serve eventually consistent reads, whatever was asked
    strong = (strong or step.consistent_read) and index is None
    mode = "strong" if strong else "eventual"
    item_bytes = _bytes_in(size, index)
    where = spec.name if index is None else f"{spec.name}/{index.name}"
    source = entity.source_table if entity is not None else None
    if step.operation == "GetItem":
        rcu = read_units(item_bytes, strong=strong)
        detail = f"GetItem {where}: 1 item x {item_bytes:,} B, rounded up to 4 KB units, {mode} = {_fmt(rcu)} RCU"
        return Usage(spec.name, None, "GetItem", source, 1.0, rcu, 0.0, detail)
    items = max(0.0, expected_items)
    if isinstance(step.limit, int) and step.limit >= 0:
        items = min(items, float(step.limit))
    if step.operation == "BatchGetItem":
        per_item = read_units(item_bytes, strong=strong)
        rcu = _r(items * per_item)
        detail = (
            f"BatchGetItem {where}: {_fmt(items)} items x {_fmt(per_item)} RCU"
            f" ({item_bytes:,} B each, rounded per item, {mode}) = {_fmt(rcu)} RCU"
        )
        return Usage(spec.name, None, "BatchGetItem", source, items, rcu, 0.0, detail)
    total = items * item_bytes
    rcu = read_units(total, strong=strong)
    count = " (Select=COUNT still reads them)" if step.select == "COUNT" else ""
    detail = (
        f"{step.operation} {where}: {_fmt(items)} items x {item_bytes:,} B = {_fmt(total)} B"
        f" summed, rounded up to 4 KB units, {mode} = {_fmt(rcu)} RCU{count}"
    )
    return Usage(spec.name, index.name if index else None, step.operation, source, items, rcu, 0.0, detail)


def _index_key_names(index: IndexSpec, entity: EntityMapping) -> set[str]:
    """The index's key attributes and the source columns they are built from."""
    names = {index.pk.attribute, *index.pk.columns}
    if index.sk is not None:
        names |= {index.sk.attribute, *index.sk.columns}
    for part in entity.index_keys:
        if part.attribute in names:
            names |= set(part.columns)
    return names


def _index_write_factor(step: PlanStep, index: IndexSpec, entity: EntityMapping) -> tuple[float, str]:
    """Index writes per base write: PutItem/DeleteItem 1; UpdateItem 2, 1 or 0 by what it changes."""
    if step.operation != "UpdateItem":
        return 1.0, "1 write"
    changed = updated_attributes(step.update, step.names)
    if changed is None:
        return 2.0, "2 writes (no update expression: assume the index key changes)"
    keys = _index_key_names(index, entity)
    touched_keys = sorted(changed & keys)
    if touched_keys:
        return 2.0, f"2 writes (delete + put: the update changes key {', '.join(touched_keys)})"
    if index.projection == "ALL" and changed:
        return 1.0, "1 write (the update changes projected attributes)"
    if index.projection == "INCLUDE" and changed & set(index.non_key_attributes):
        return 1.0, "1 write (the update changes included attributes)"
    return 0.0, "0 writes (the update changes nothing the index holds)"


def _write_usage(
    step: PlanStep,
    spec: TableSpec,
    entity: EntityMapping | None,
    size: ItemSize,
    transactional: bool,
) -> list[Usage]:
    source = entity.source_table if entity is not None else None
    base = write_units(size.bytes, transactional=transactional)
    txn = ", x2 in a transaction" if transactional else ""
    out = [
        Usage(
            spec.name,
            None,
            step.operation,
            source,
            1.0,
            0.0,
            base,
            f"{step.operation} {spec.name}: 1 item x {size.bytes:,} B, rounded up to 1 KB units{txn}"
            f" = {_fmt(base)} WCU",
        )
    ]
    if entity is None:
        return out
    for index in spec.indexes:
        if not entity_in_index(entity, index):
            continue
        factor, why = _index_write_factor(step, index, entity)
        if factor == 0:
            continue
        projected = size.index_bytes.get(index.name, size.bytes)
        share = size.index_share.get(index.name, 1.0)
        per_write = write_units(projected)
        wcu = _r(factor * per_write * share)
        if wcu == 0:
            continue
        sparse = f" x {_fmt(share)} of items carry its key" if share != 1.0 else ""
        out.append(
            Usage(
                spec.name,
                index.name,
                step.operation,
                source,
                _r(factor * share),
                0.0,
                wcu,
                f"{step.operation} -> index {spec.name}/{index.name} ({index.projection}, {projected:,} B):"
                f" {why} x {_fmt(per_write)} WCU{sparse} = {_fmt(wcu)} WCU",
            )
        )
    return out


def step_usage(
    step: PlanStep,
    tables: Iterable[TableSpec] | Mapping[str, TableSpec],
    sizes: Sizes,
    expected_items: float,
    strong: bool,
    *,
    transactional: bool = False,
) -> tuple[Usage, ...]:
    """The capacity one step consumes, per table and index touched (see the module docstring)."""
    by_name = _table_map(tables)
    if step.operation == "TransactWriteItems":
        out: list[Usage] = []
        for action in step.items:
            out.extend(step_usage(action, by_name, sizes, expected_items, strong, transactional=True))
        return tuple(out)
    spec = by_name.get(step.table)
    if spec is None:
        raise InputError(
            f"a plan step names table {step.table!r}, which the design does not define",
            table=step.table,
            hint="name one of: " + ", ".join(sorted(by_name)),
        )
    index = _index(spec, step.index) if step.index is not None else None
    entity, size = _entity(step, spec, index, sizes)
    if step.operation in READ_OPERATIONS:
        return (_read_usage(step, spec, index, entity, size, expected_items, strong),)
    return tuple(_write_usage(step, spec, entity, size, transactional))


def step_units(
    step: PlanStep,
    tables: Iterable[TableSpec] | Mapping[str, TableSpec],
    sizes: Sizes,
    expected_items: float,
    strong: bool,
) -> tuple[float, float]:
    """``(rcu, wcu)`` one call of ``step`` consumes, GSI writes included.

    ``strong`` is the pattern's consistency (a step's own ``consistent_read``
    also makes it strong); ``expected_items`` is what a Query, Scan or
    BatchGetItem reads (GetItem and writes touch one item).
    """
    usages = step_usage(step, tables, sizes, expected_items, strong)
    return _r(sum(u.rcu for u in usages)), _r(sum(u.wcu for u in usages))


def plan_usage(
    plan: AccessPlan,
    tables: Iterable[TableSpec] | Mapping[str, TableSpec],
    sizes: Sizes,
    *,
    strong: bool,
) -> tuple[Usage, ...]:
    """Every step's usage for one call of ``plan`` (``plan.expected_items`` feeds every multi-item read)."""
    by_name = _table_map(tables)
    out: list[Usage] = []
    # A write whose first step is a Query (a finder) writes once per item found: price every later step so.
    per_found = plan.kind == "write" and bool(plan.steps) and plan.steps[0].operation == "Query"
    for n, step in enumerate(plan.steps):
        usages = step_usage(step, by_name, sizes, plan.expected_items, strong)
        if per_found and n > 0 and step.operation != "Query" and plan.expected_items != 1.0:
            usages = tuple(_per_item(u, plan.expected_items) for u in usages)
        out.extend(usages)
    out.extend(_copy_reads(plan, by_name, sizes))
    return tuple(out)


def _copy_reads(plan: AccessPlan, by_name: Mapping[str, TableSpec], sizes: Sizes) -> list[Usage]:
    """The GetItem on each parent an inserted item copies columns from (the runtime reads it before the put)."""
    out: list[Usage] = []
    for step in plan.steps:
        for put in (*step.items, step) if step.operation == "TransactWriteItems" else (step,):
            spec = by_name.get(put.table) if put.operation == "PutItem" else None
            entity = next((e for e in spec.entities if e.source_table == put.item_entity), None) if spec else None
            parents = {a.source_table for a in entity.attributes if a.denormalized and a.join} if entity else set()
            for parent in sorted(parents):
                wanted = (parent, "entity")
                held = (t for t in by_name.values() for e in t.entities if (e.source_table, e.kind) == wanted)
                holder = next(held, None)
                if holder is None:
                    continue
                read = PlanStep(operation="GetItem", table=holder.name, item_entity=parent, consistent_read=True)
                for usage in step_usage(read, by_name, sizes, 1.0, True):
                    out.append(replace(usage, detail=f"{usage.detail}; reads the {parent} row whose columns it copies"))
    return out


def _per_item(usage: Usage, items: float) -> Usage:
    """``usage`` repeated for each of ``items`` items a finder Query found."""
    return replace(
        usage,
        items=_r(usage.items * items),
        rcu=_r(usage.rcu * items),
        wcu=_r(usage.wcu * items),
        detail=f"{usage.detail}; once per item found, x {_fmt(items)} items",
    )


def pattern_rps(pattern: AccessPattern | None) -> tuple[float, float]:
    """``(avg, peak)`` requests per second; a missing figure takes the other one's, both missing are 0.

    Unknown RPS blocks the modeling gate earlier; here it must not crash the
    arithmetic, and the report shows the 0.
    """
    if pattern is None or pattern.rps is None:
        return 0.0, 0.0
    avg, peak = pattern.rps.avg, pattern.rps.peak
    if avg is None and peak is None:
        return 0.0, 0.0
    if avg is None:
        avg = peak
    if peak is None:
        peak = avg
    assert avg is not None and peak is not None
    return float(avg), float(max(peak, avg))


def is_strong(pattern: AccessPattern | None) -> bool:
    """Whether the pattern asks for strongly consistent reads (the default, what SQL gives today)."""
    return pattern is None or pattern.consistency == "strong"


def plan_capacity(
    plan: AccessPlan,
    tables: Iterable[TableSpec] | Mapping[str, TableSpec],
    sizes: Sizes,
    pattern: AccessPattern | None,
    *,
    usages: Sequence[Usage] | None = None,
) -> PatternCapacity:
    """Capacity of one pattern: per call (summed over its steps) and per second at average and peak RPS.

    A plan without steps (unsupported) keeps its own per-call figures.  A
    peak below the average is raised to the average.  ``usages`` are the
    plan's :func:`plan_usage` for the pattern's consistency, when the caller
    has them already.
    """
    if plan.steps:
        if usages is None:
            usages = plan_usage(plan, tables, sizes, strong=is_strong(pattern))
        rcu = _r(sum(u.rcu for u in usages))
        wcu = _r(sum(u.wcu for u in usages))
    else:
        rcu, wcu = plan.rcu_per_call, plan.wcu_per_call
    avg, peak = pattern_rps(pattern)
    return PatternCapacity(
        pattern_id=plan.pattern_id,
        rps_avg=avg,
        rps_peak=peak,
        rcu_per_call=rcu,
        wcu_per_call=wcu,
        rcu_avg=_r(rcu * avg),
        wcu_avg=_r(wcu * avg),
        rcu_peak=_r(rcu * peak),
        wcu_peak=_r(wcu * peak),
    )
