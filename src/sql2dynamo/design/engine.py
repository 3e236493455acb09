"""The design engine: deterministic, explained, from resolved patterns to a DataModel.

Same inputs, same model: every collection is built in schema or pattern order,
never from a set.  Every choice adds a :class:`DesignDecision`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sql2dynamo.design.access import Access, classify_read
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.keys import DDB_TYPES, choose_base_key
from sql2dynamo.design.layout import Layout, Need, Route, route_read, table_order, unique_keys
from sql2dynamo.design.model import (
    AccessPlan,
    AttributeSpec,
    DataModel,
    DesignDecision,
    IndexSpec,
    Join,
    KeyPart,
    PlanStep,
    TableSpec,
)
from sql2dynamo.design.plans import (
    _ph,
    expected_rows,
    key_values,
    query_step,
    rebind,
    unsupported_plan,
)
from sql2dynamo.design.single import entity_views, merge_views
from sql2dynamo.design.tables import (
    build_indexes,
    entity_table,
    lookup_table,
    projection_for,
    safe_table_name,
    ttl_for,
    unique_decision,
)
from sql2dynamo.design.writes import delete_plan, insert_plan, update_plan
from sql2dynamo.source.model import Schema, Table
from sql2dynamo.workload.patterns import PatternsFile

DENORMALIZE_CORRELATION = 0.7  # seed 002: read correlation above which denormalizing is considered
_NO_KEY_ALTERNATIVE = "name the rows by their key, or add a read pattern on these columns so that an index exists"


@dataclass(frozen=True)
class DesignOptions:
    """The choices the user makes on the command line."""

    strategy: Literal["multi-table", "single-table"] = "multi-table"
    billing: Literal["on-demand", "provisioned"] = "on-demand"


@dataclass
class _State:
    schema: Schema
    layout: Layout
    accesses: dict[str, Access]
    decisions: list[DesignDecision]
    denormalized: dict[str, list[AttributeSpec]]  # child table -> copied parent attributes
    copies: dict[str, list[tuple[str, tuple[str, ...]]]]  # parent -> [(child, fk columns)]
    join_needs: dict[tuple[str, str], Need] = field(default_factory=dict)  # (pattern, table) -> need
    write_routes: dict[str, Need] = field(default_factory=dict)  # write pattern -> finder index need


def build_model(
    schema: Schema, patterns: PatternsFile, resolved: Sequence[ResolvedPattern], options: DesignOptions
) -> DataModel:
    """The multi-table (or single-table) model for ``resolved`` patterns; costs are added later."""
    ready = [rp for rp in resolved if rp.shape is not None and rp.table is not None]
    accesses = {rp.id: classify_read(rp, schema) for rp in ready if rp.kind == "read"}
    writes = [rp for rp in ready if rp.kind == "write"]
    by_table: dict[str, list[Access]] = defaultdict(list)
    for a in accesses.values():
        by_table[a.table].append(a)
    writes_by_table: dict[str, list[ResolvedPattern]] = defaultdict(list)
    for w in writes:
        assert w.table is not None
        writes_by_table[w.table].append(w)
    base = {t.name: choose_base_key(t, by_table[t.name], writes_by_table[t.name]) for t in schema.tables}
    state = _State(schema, Layout(schema, base), accesses, [b.decision for b in base.values()], {}, {})
    for a in accesses.values():
        if not a.unsupported:
            state.layout.routes[a.pattern.id] = route_read(a, state.layout)
            _route_joins(state, a)
    for w in writes:
        _route_write(state, w, patterns)
        _route_copies(state, w)
    tables = _tables(state, patterns, by_table, writes_by_table)
    if options.strategy == "single-table":
        tables = entity_views(tables, schema, patterns.application)
    plans = _plans(state, resolved, tables, patterns)
    final = (
        (merge_views(tables, patterns.application),) if options.strategy == "single-table" else tuple(tables.values())
    )
    return DataModel(
        application=patterns.application,
        strategy=options.strategy,
        billing=options.billing,
        source_dialect=schema.source.dialect,
        tables=final,
        plans=plans,
        decisions=tuple(state.decisions),
        warnings=(),
        cost=None,
        partitions=(),
    )


def _route_joins(state: _State, a: Access) -> None:
    for j in a.joins:
        if j.direction == "to_children":
            child_base = state.layout.base[j.table]
            if child_base.pk.columns != j.fk.columns:
                need = state.layout.add_need(Need(j.table, j.fk.columns, None), a.pattern.id)
                state.join_needs[(a.pattern.id, j.table)] = need
        else:
            _consider_denormalizing(state, a, j.table, j.fk.columns, j.columns)


def _consider_denormalizing(
    state: _State, a: Access, parent: str, fk_cols: tuple[str, ...], columns: tuple[str, ...]
) -> None:
    """Seed 002's framework for copying parent attributes into the child's items."""
    child = state.schema.table(a.table)
    parent_t = state.schema.table(parent)
    reads = [x for x in state.accesses.values() if x.table == a.table and not x.unsupported]
    total = sum(x.pattern.rps_avg for x in reads) or 1.0
    joined = sum(x.pattern.rps_avg for x in reads if any(j.table == parent for j in x.joins))
    correlation = joined / total
    cols = [
        c.name for c in parent_t.columns if ("*" in columns or c.name in columns) and c.name not in parent_t.primary_key
    ]
    subject = f"{child.name} <- {parent}({', '.join(cols)})"
    if any(d.subject == subject for d in state.decisions):
        return
    fk = next(f for f in child.foreign_keys if f.columns == fk_cols)
    fanout = fk.fanout.avg if fk.fanout else None
    chosen = correlation > DENORMALIZE_CORRELATION and bool(cols)
    if chosen:
        state.denormalized.setdefault(child.name, []).extend(
            AttributeSpec(
                name=f"{parent}_{c}",
                type=DDB_TYPES.get(parent_t.column(c).normalized_type, "S"),
                source_table=parent,
                source_column=c,
                transform=parent_t.column(c).normalized_type,
                nullable=True,
                denormalized=True,
                justification=f"read with {child.name} by {correlation:.0%} of its reads (> 70%); one read instead "
                f"of a BatchGetItem on {parent}",
                join=Join(local_column=fk_cols[0], source_column=fk.referred_columns[0]),
            )
            for c in cols
        )
        state.copies.setdefault(parent, []).append((child.name, fk_cols))
    state.decisions.append(
        DesignDecision(
            decision_type="DENORMALIZATION",
            subject=subject,
            alternatives_considered=(
                f"copy {parent}'s columns into each {child.name} item",
                f"read {parent} separately with BatchGetItem by {', '.join(fk_cols)}",
            ),
            chosen_approach=(
                "copy the columns (denormalize)" if chosen else f"separate items: BatchGetItem on {parent}"
            ),
            justification=f"read correlation {correlation:.0%} ({joined:g} of {total:g} rps of {child.name} reads join "
            f"{parent}); threshold {DENORMALIZE_CORRELATION:.0%}; fan-out "
            f"{fanout if fanout is not None else 'unknown'} {child.name} rows per {parent}",
            trade_offs=(
                (f"an update of {parent}'s copied columns rewrites every {child.name} item that holds them",)
                if chosen
                else ("one extra round trip per page of results",)
            ),
            rollback_strategy="stop writing the copies and read the parent again; the source of truth is unchanged",
            monitoring_requirements=("copy drift: compare copies with the parent in verify",) if chosen else (),
            pattern_ids=(a.pattern.id,),
        )
    )


def _key_of(state: _State, table: str, cols: set[str]) -> bool:
    base = state.layout.base[table]
    need = set(base.pk.columns) | (set(base.sk.columns) if base.sk else set())
    return need <= cols


def _route_write(state: _State, w: ResolvedPattern, patterns: PatternsFile) -> None:
    shape = w.shape
    assert shape is not None and w.table is not None
    if shape.operation not in ("update", "delete"):
        return
    cols = {b.column.split(".")[-1] for b in shape.bindings if b.op in ("=", "in")}
    if _key_of(state, w.table, cols):
        return
    if shape.operation == "delete" and patterns.retention_days.get(w.table) and not cols:
        return  # range delete on a retention-bounded table: TTL serves it
    table = state.schema.table(w.table)
    eq = table_order(table, cols)
    if eq and set(state.layout.base[w.table].pk.columns) <= set(eq):
        return
    if any(set(u.columns) <= set(eq) for u in unique_keys(table)):
        return  # the unique value's lookup table gives the key
    if eq:
        state.write_routes[w.id] = state.layout.add_need(Need(w.table, eq, None), w.id, write=True)


def _route_copies(state: _State, w: ResolvedPattern) -> None:
    """An UPDATE of copied columns finds the copies by the child's foreign key: an index when that is not its key."""
    shape = w.shape
    assert shape is not None and w.table is not None
    if shape.operation != "update":
        return
    for child, fk in state.copies.get(w.table, []):
        copied = {a.source_column for a in state.denormalized.get(child, []) if a.source_table == w.table}
        if copied & set(shape.set_columns) and tuple(state.layout.base[child].pk.columns) != tuple(fk):
            state.layout.add_need(Need(child, tuple(fk), None), w.id, write=True)


def _tables(
    state: _State,
    patterns: PatternsFile,
    reads: dict[str, list[Access]],
    writes: dict[str, list[ResolvedPattern]],
) -> dict[str, TableSpec]:
    out: dict[str, TableSpec] = {}
    for table in state.schema.tables:
        base = state.layout.base[table.name]
        index_specs: list[IndexSpec] = []
        index_keys: list[KeyPart] = []
        served = [
            a.pattern.id
            for a in reads[table.name]
            if state.layout.routes.get(a.pattern.id, Route("none")).kind in ("get", "batch_get", "query_base", "scan")
        ]
        write_rps = sum(w.rps_avg for w in writes[table.name])
        item_bytes = table.stats.avg_row_bytes if table.stats and table.stats.avg_row_bytes else 200.0
        for need, pk, sk, sparse in build_indexes(state.layout, table):
            ids = state.layout.needs.get(need, []) + state.layout.write_needs.get(need, [])
            projection, non_key, reason = projection_for(
                table,
                need,
                ids,
                {i: state.accesses[i].projection for i in ids if i in state.accesses},
                {i for i in ids if i in state.accesses and state.accesses[i].count},
                sum(state.accesses[i].pattern.rps_avg for i in ids if i in state.accesses),
                write_rps,
                item_bytes,
                expected_rows(state.schema, table, need.pk_cols, None),
                frozenset(part.attribute for part in (base.pk, base.sk, pk, sk) if part is not None),
            )
            spec = IndexSpec(need.name(), pk, sk, projection, non_key, tuple(ids), sparse, reason)  # type: ignore[arg-type]
            index_specs.append(spec)
            served += ids
            for part in (pk, sk):
                if (
                    part is not None
                    and part.attribute not in {c.name for c in table.columns}
                    and part not in index_keys
                ):
                    index_keys.append(part)
            state.decisions.append(_index_decision(table, spec))
        ttl_range = next(
            (
                w.shape.ranges[0]
                for w in writes[table.name]
                if w.shape and w.shape.operation == "delete" and w.shape.ranges
            ),
            None,
        )
        ttl = ttl_for(table, patterns.retention_days.get(table.name), ttl_range)
        if ttl:
            state.decisions.append(
                DesignDecision(
                    decision_type="TTL",
                    subject=table.name,
                    alternatives_considered=(
                        "a scheduled delete job (pays write units per row)",
                        "keep every row",
                    ),
                    chosen_approach=f"TTL attribute {ttl.attribute} = {ttl.source_column} + {ttl.retention_days} days",
                    justification=ttl.reason,
                    trade_offs=(
                        "expired items may linger up to a few days before DynamoDB removes them: reads filter "
                        f"on {ttl.attribute} where that matters",
                    ),
                    rollback_strategy="disable TTL on the table; items stop expiring",
                    monitoring_requirements=("TimeToLiveDeletedItemCount",),
                )
            )
        purpose = f"the rows of {table.name}" + (f", grouped per {', '.join(base.parent_fk)}" if base.parent_fk else "")
        out[table.name] = entity_table(
            table,
            base,
            tuple(index_specs),
            tuple(index_keys),
            ttl,
            tuple(state.denormalized.get(table.name, [])),
            tuple(dict.fromkeys(served)),
            purpose,
        )
        for unique in unique_keys(table):
            name = safe_table_name(f"{table.name}_{'_'.join(unique.columns)}_unique")
            out[f"{table.name}::{unique.columns}"] = lookup_table(table, base, unique, name)
            state.decisions.append(unique_decision(table, unique, name))
    return out


def _index_decision(table: Table, spec: IndexSpec) -> DesignDecision:
    keys = spec.pk.template + (f", sort {spec.sk.template}" if spec.sk else "")
    return DesignDecision(
        decision_type="GSI_DESIGN",
        subject=f"{table.name}.{spec.name}",
        alternatives_considered=(
            "Scan with a filter (reads the whole table per call)",
            "re-key the base table (would break the lookups the base key serves)",
        ),
        chosen_approach=f"GSI {spec.name} keyed {keys}, projection {spec.projection}"
        + (f", sparse on {spec.sparse.column} = {spec.sparse.value}" if spec.sparse else ""),
        justification=f"patterns {', '.join(spec.serves)} fix these attributes; {spec.projection_reason}",
        trade_offs=("every write of an item that carries the index keys also writes the index",),
        rollback_strategy="delete the index: the base table is untouched",
        monitoring_requirements=(f"OnlineIndexThrottleEvents and consumed capacity of {spec.name}",),
        pattern_ids=spec.serves,
    )


def _lookups_of(tables: dict[str, TableSpec], source: str) -> list[TableSpec]:
    # Lookup tables are keyed "<source table>::<unique columns>" (see _tables).
    return [t for k, t in tables.items() if t.role == "lookup" and k.partition("::")[0] == source]


def _index_for(state: _State, spec: TableSpec, need: Need | None) -> IndexSpec | None:
    """The index built for ``need`` (single-table views rename indexes to GSI slots)."""
    if need is None:
        return None
    ids = tuple(dict.fromkeys(state.layout.needs.get(need, []) + state.layout.write_needs.get(need, [])))
    return next((i for i in spec.indexes if i.name == need.name() or (ids and i.serves == ids)), None)


def _plans(
    state: _State, resolved: Sequence[ResolvedPattern], tables: dict[str, TableSpec], patterns: PatternsFile
) -> tuple[AccessPlan, ...]:
    out: list[AccessPlan] = []
    for rp in resolved:
        if rp.shape is None or rp.table is None:
            out.append(unsupported_plan(rp, "; ".join(rp.problems) or "the statement names no table", None))
            continue
        if rp.kind == "read":
            out.append(_read_plan(state, state.accesses[rp.id], tables))
        else:
            out.append(_write_plan(state, rp, tables, patterns))
    return tuple(out)


def _read_plan(state: _State, a: Access, tables: dict[str, TableSpec]) -> AccessPlan:
    rp = a.pattern
    if a.unsupported:
        return unsupported_plan(rp, a.unsupported, a.alternative)
    route = state.layout.routes[rp.id]
    spec = tables[a.table]
    table = state.schema.table(a.table)
    bindings = rp.shape.bindings if rp.shape else ()
    steps: list[PlanStep] = []
    items = 1.0
    if route.kind == "get":
        steps.append(
            PlanStep(
                operation="GetItem",
                table=spec.name,
                key=key_values(spec, bindings),
                consistent_read=rp.strong,
            )
        )
    elif route.kind == "batch_get":
        steps.append(
            PlanStep(
                operation="BatchGetItem",
                table=spec.name,
                key=key_values(spec, bindings),
                consistent_read=rp.strong,
                note="one key per value of the IN list",
            )
        )
        items = 10.0
    elif route.kind == "lookup":
        assert route.unique is not None
        lk = tables[f"{a.table}::{route.unique}"]
        steps.append(
            PlanStep(
                operation="GetItem",
                table=lk.name,
                key=key_values(lk, bindings),
                consistent_read=rp.strong,
                note="finds the item's key by its unique value",
            )
        )
        steps.append(
            PlanStep(
                operation="GetItem",
                table=spec.name,
                key={spec.pk.attribute: spec.pk.template} | ({spec.sk.attribute: spec.sk.template} if spec.sk else {}),
                consistent_read=rp.strong,
                note="key values from the lookup item",
            )
        )
    elif route.kind == "scan":
        rows = float(table.stats.row_count) if table.stats else 0.0
        steps.append(
            PlanStep(
                operation="Scan",
                table=spec.name,
                limit=a.limit,
                note=f"{table.name} is small ({rows:g} rows): a Scan costs less than an index",
            )
        )
        items = rows
    elif route.kind == "none":
        return unsupported_plan(
            rp,
            f"reads all of {table.name} with no key to narrow it",
            "export the table to S3 and query it there (Athena), or give the pattern a key it can fix",
        )
    else:
        index = _index_for(state, spec, route.need) if route.kind == "index" else None
        if route.kind == "index" and index is None:
            return unsupported_plan(
                rp,
                f"{table.name} already has 20 indexes (DynamoDB's quota)",
                "let patterns share indexes (--strategy single-table overloads them) or ask AWS for a higher quota",
            )
        steps.append(query_step(spec, index, a, strong=rp.strong))
        key_cols = list((index.pk if index else spec.pk).columns)
        items = expected_rows(state.schema, table, [c for c in key_cols if c in a.eq] or a.eq, a.limit)
        if index and index.projection == "KEYS_ONLY" and not a.count:
            steps.append(
                PlanStep(
                    operation="BatchGetItem",
                    table=spec.name,
                    # The keys come from the index's items ({column} fields), not from the parameters.
                    key={spec.pk.attribute: spec.pk.template}
                    | ({spec.sk.attribute: spec.sk.template} if spec.sk else {}),
                    note="fetches the items the keys-only index found",
                )
            )
    for j in a.joins:
        if j.direction == "to_parent":
            if any(attr.source_table == j.table for attr in spec.entities[0].attributes if attr.denormalized):
                continue
            parent = tables[j.table]
            to_child = dict(zip(j.fk.referred_columns, j.fk.columns, strict=True))
            key = {parent.pk.attribute: rebind(parent.pk, to_child)}
            if parent.sk:
                key[parent.sk.attribute] = rebind(parent.sk, to_child)
            steps.append(
                PlanStep(
                    operation="BatchGetItem",
                    table=parent.name,
                    key=key,
                    note=f"parents of the items found, by {', '.join(j.fk.columns)}",
                )
            )
        else:
            child = tables[j.table]
            index = _index_for(state, child, state.join_needs.get((rp.id, j.table)))
            pk = index.pk if index else child.pk
            to_parent = dict(zip(j.fk.columns, j.fk.referred_columns, strict=True))
            condition = f"#{_ph(pk.attribute)} = :pk"
            names = {f"#{_ph(pk.attribute)}": pk.attribute}
            values = {":pk": rebind(pk, to_parent)}
            sk = None if index else child.sk
            if sk is not None and not sk.template.startswith("{"):
                # The parent's partition holds other entities too (single-table): select the children.
                condition += f" AND begins_with(#{_ph(sk.attribute)}, :sk_prefix)"
                names[f"#{_ph(sk.attribute)}"] = sk.attribute
                values[":sk_prefix"] = sk.template.split("{")[0]
            steps.append(
                PlanStep(
                    operation="Query",
                    table=child.name,
                    index=index.name if index else None,
                    key_condition=condition,
                    names=names,
                    values=values,
                    note=f"the {j.table} rows of each item found",
                )
            )
    return AccessPlan(rp.id, rp.pattern.description, "read", True, tuple(steps), items, 0.0, 0.0)


def _write_plan(state: _State, rp: ResolvedPattern, tables: dict[str, TableSpec], patterns: PatternsFile) -> AccessPlan:
    shape = rp.shape
    assert shape is not None and rp.table is not None
    spec = tables[rp.table]
    lookups = _lookups_of(tables, rp.table)
    if shape.operation == "insert":
        return insert_plan(rp, spec, lookups)
    cols = {b.column.split(".")[-1] for b in shape.bindings if b.op in ("=", "in")}
    by_key = _key_of(state, rp.table, cols)
    finder = None
    table = state.schema.table(rp.table)
    if not by_key:
        eq = table_order(table, cols)
        unique = next((u for u in unique_keys(table) if set(u.columns) <= set(eq)), None)
        index = _index_for(state, spec, state.write_routes.get(rp.id))
        if unique is not None:
            lk = tables[f"{rp.table}::{unique.columns}"]
            finder = PlanStep(
                operation="GetItem",
                table=lk.name,
                key=key_values(lk, shape.bindings),
                consistent_read=True,
                note="finds the item's key by its unique value",
            )
        elif eq and (index is not None or set(spec.pk.columns) <= set(eq)):
            access = Access(rp, table.name, eq, (), tuple(shape.ranges), None, None, (), False, (), ())
            finder = query_step(spec, index, access, strong=False)
    if shape.operation == "update":
        copies = []
        for child, fk in state.copies.get(rp.table, []):
            target = tables[child]
            if not any(a.denormalized and a.source_column in shape.set_columns for a in target.entities[0].attributes):
                continue
            index = _index_for(state, target, Need(child, fk, None))
            pk = index.pk if index else target.pk
            if index is None and tuple(pk.columns) != tuple(fk):
                return unsupported_plan(
                    rp,
                    f"{child} holds copies of the changed columns, and no key or index of it is {', '.join(fk)}",
                    f"add an index on {child}({', '.join(fk)}) so the copies can be found and refreshed",
                )
            parent_fk = next(f for f in state.schema.table(child).foreign_keys if f.columns == fk)
            # The copies' key, filled from the updated row: the child's foreign key is the parent's key.
            copies.append((target, index, rebind(pk, dict(zip(fk, parent_fk.referred_columns, strict=True)))))
        if not by_key and finder is None:
            return unsupported_plan(rp, "the UPDATE names no key or indexed attribute of its rows", _NO_KEY_ALTERNATIVE)
        return update_plan(rp, spec, lookups, by_key, finder, copies)
    ttl = spec.ttl_attribute is not None and not cols
    if not by_key and finder is None and not ttl:
        return unsupported_plan(rp, "the DELETE names no key or indexed attribute of its rows", _NO_KEY_ALTERNATIVE)
    return delete_plan(rp, spec, lookups, by_key, finder, ttl)
