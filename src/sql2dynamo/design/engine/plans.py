"""The plan pass of the design engine: one AccessPlan per resolved pattern.

Reads follow the route chosen by :mod:`~sql2dynamo.design.engine.routing`
(GetItem, BatchGetItem, a lookup, a Query on the table or an index, a Scan)
and add a step per join; writes find their items by key, unique lookup or
finder index and refresh denormalized copies.  Plans are built last, against
the final tables (single-table views included), which is why this pass is
separate from routing and table building.
"""

from __future__ import annotations

from collections.abc import Sequence

from sql2dynamo.design.access import Access
from sql2dynamo.design.engine.routing import DesignState, key_of
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.layout import Need, table_order, unique_keys
from sql2dynamo.design.model import AccessPlan, IndexSpec, PlanStep, TableSpec
from sql2dynamo.design.plans import (
    expected_rows,
    key_values,
    placeholder,
    query_step,
    rebind,
    unsupported_plan,
)
from sql2dynamo.design.writes import delete_plan, insert_plan, update_plan
from sql2dynamo.workload.patterns.model import PatternsFile

_NO_KEY_ALTERNATIVE = "name the rows by their key, or add a read pattern on these columns so that an index exists"


def _lookups_of(tables: dict[str, TableSpec], source: str) -> list[TableSpec]:
    # Lookup tables are keyed "<source table>::<unique columns>" (see engine_tables.build_tables).
    return [t for k, t in tables.items() if t.role == "lookup" and k.partition("::")[0] == source]


def _index_for(state: DesignState, spec: TableSpec, need: Need | None) -> IndexSpec | None:
    """The index built for ``need`` (single-table views rename indexes to GSI slots)."""
    if need is None:
        return None
    ids = tuple(dict.fromkeys(state.layout.needs.get(need, []) + state.layout.write_needs.get(need, [])))
    return next((i for i in spec.indexes if i.name == need.name() or (ids and i.serves == ids)), None)


def build_plans(
    state: DesignState, resolved: Sequence[ResolvedPattern], tables: dict[str, TableSpec], patterns: PatternsFile
) -> tuple[AccessPlan, ...]:
    """One plan per pattern of ``resolved``, in order; patterns that could not be resolved get unsupported plans."""
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


def _read_plan(state: DesignState, a: Access, tables: dict[str, TableSpec]) -> AccessPlan:
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
            condition = f"#{placeholder(pk.attribute)} = :pk"
            names = {f"#{placeholder(pk.attribute)}": pk.attribute}
            values = {":pk": rebind(pk, to_parent)}
            sk = None if index else child.sk
            if sk is not None and not sk.template.startswith("{"):
                # The parent's partition holds other entities too (single-table): select the children.
                condition += f" AND begins_with(#{placeholder(sk.attribute)}, :sk_prefix)"
                names[f"#{placeholder(sk.attribute)}"] = sk.attribute
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


def _write_plan(
    state: DesignState, rp: ResolvedPattern, tables: dict[str, TableSpec], patterns: PatternsFile
) -> AccessPlan:
    shape = rp.shape
    assert shape is not None and rp.table is not None
    spec = tables[rp.table]
    lookups = _lookups_of(tables, rp.table)
    if shape.operation == "insert":
        return insert_plan(rp, spec, lookups)
    cols = {b.column.split(".")[-1] for b in shape.bindings if b.op in ("=", "in")}
    by_key = key_of(state, rp.table, cols)
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
