"""The plan pass of the design engine: one AccessPlan per resolved pattern.

Reads follow the route chosen by :mod:`~sql2dynamo.design.engine.routing`
(GetItem, BatchGetItem, a lookup, a Query on the table or an index, a Scan)
and add a step per join; writes find their items by key, unique lookup or
finder index and refresh denormalized copies.  Plans are built last, against
the final tables (single-table views included), which is why this pass is
separate from routing and table building.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from sql2dynamo.common.errors import InputError
from sql2dynamo.design.access import Access, JoinAccess
from sql2dynamo.design.engine.routing import DesignState, key_of
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.layout import Need, table_order, unique_keys
from sql2dynamo.design.model import AccessPlan, Enforcement, IndexSpec, PlanStep, PredicateUse, TableSpec
from sql2dynamo.design.plans import (
    expected_rows,
    expression_names,
    filter_conjuncts,
    key_conjuncts,
    key_values,
    placeholder,
    query_step,
    rebind,
    unsupported_plan,
)
from sql2dynamo.design.upsert import upsert_plan
from sql2dynamo.design.writes import WriteConditions, assignment_uses, delete_plan, insert_plan, update_plan
from sql2dynamo.workload.patterns.model import PatternsFile
from sql2dynamo.workload.shape.model import Predicate

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
    dialect = state.schema.source.dialect
    for rp in resolved:
        if rp.shape is None or rp.table is None:
            out.append(unsupported_plan(rp, "; ".join(rp.problems) or "the statement names no table", None))
            continue
        if rp.kind == "read":
            out.append(_read_plan(state, state.accesses[rp.id], tables, dialect))
        else:
            out.append(_write_plan(state, rp, tables, patterns, dialect))
    return tuple(out)


def lookup_covers(lookup: TableSpec, a: Access, keyed: bool) -> bool:
    """Whether the lookup item alone answers the read: it names its columns, all held by the lookup item.

    A lookup item holds the unique value and the item's key; ``SELECT user_id FROM users WHERE
    email = :email`` needs nothing more, so the GetItem on the item itself would read 1 unit for
    nothing.  ``keyed``: every condition is the unique value (nothing left to filter on the item).
    """
    held = {attr.source_column for attr in lookup.entities[0].attributes} | set(lookup.entities[0].unique_columns)
    cols = a.projection
    named = bool(cols) and not any(c == "*" or c.endswith(".*") or "(" in c for c in cols)
    return keyed and named and not a.joins and not a.count and {c.split(".")[-1] for c in cols} <= held


def _read_plan(state: DesignState, a: Access, tables: dict[str, TableSpec], dialect: str) -> AccessPlan:
    rp = a.pattern
    if a.unsupported:
        return unsupported_plan(rp, a.unsupported, a.alternative)
    route = state.layout.routes[rp.id]
    spec = tables[a.table]
    table = state.schema.table(a.table)
    bindings = rp.shape.bindings if rp.shape else ()
    conditions = rp.shape.conditions if rp.shape else ()
    steps: list[PlanStep] = []
    uses: dict[int, PredicateUse] = {}
    items = 1.0
    key_cols = [*spec.pk.columns, *(spec.sk.columns if spec.sk else ())]
    by_key = key_conjuncts(spec, conditions, key_cols)
    if route.kind == "get" and len(by_key) == len(conditions):
        steps.append(
            PlanStep(
                operation="GetItem",
                table=spec.name,
                key=key_values(spec, bindings),
                consistent_read=rp.strong,
            )
        )
        uses.update(_key_uses(conditions, by_key, "key", "the item's primary key"))
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
        keyed = {i: str(c.column) for i, c in enumerate(conditions) if c.op in ("=", "in") and c.column in key_cols}
        uses.update(_key_uses(conditions, keyed, "batch_key", "one key per value"))
        for i, p in enumerate(conditions):
            if i not in uses:
                uses[i] = PredicateUse(
                    "where",
                    p.text,
                    "unsupported",
                    None,
                    i,
                    f"the condition `{p.text}` would need a filter, which BatchGetItem does not take",
                    "read each key with a Query and a FilterExpression, or filter the rows in the application",
                )
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
        uses.update(_key_uses(conditions, key_conjuncts(spec, conditions, route.unique), "lookup", "the unique value"))
        if not lookup_covers(lk, a, len(uses) == len(conditions)):
            steps.append(_get_filtered(spec, conditions, uses, rp.strong, dialect, "key values from the lookup item"))
    elif route.kind == "scan":
        rows = float(table.stats.row_count) if table.stats else 0.0
        names: dict[str, str] = {}
        values: dict[str, str] = {}
        scan_filter = filter_conjuncts(spec, conditions, uses, names, values, dialect=dialect)
        steps.append(
            PlanStep(
                operation="Scan",
                table=spec.name,
                filter=scan_filter,
                names=names,
                values=values,
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
        query, query_uses = query_step(spec, index, a, strong=rp.strong, dialect=dialect)
        steps.append(query)
        uses.update({u.position: u for u in query_uses})
        index_cols = list((index.pk if index else spec.pk).columns)
        items = expected_rows(state.schema, table, [c for c in index_cols if c in a.eq] or a.eq, a.limit)
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
    # Only a WHERE equality that is a join's own pair (FROM a, b WHERE a.x = b.y) is enforced by the join step.
    pairs = {frozenset(c.split(".")[-1] for c in pair) for j in (rp.shape.joins if rp.shape else ()) for pair in j.on}
    for i, p in enumerate(conditions):
        paired = frozenset(c.split(".")[-1] for c in p.columns()) in pairs
        if p.op == "join" and paired and a.joins and (i not in uses or uses[i].enforced_by == "unsupported"):
            uses[i] = PredicateUse("where", p.text, "join", None, i, "the join's own step reads the related items")
    joined = _join_steps(state, a, spec, tables)
    lost = _outer_parent_read(state, a, spec)
    if lost is not None:
        return unsupported_plan(
            rp,
            f"an outer join to {lost.table} by {', '.join(lost.fk.columns)}, which may be NULL: the rows with no "
            f"{lost.table} would be dropped, as a BatchGetItem by a NULL key finds nothing",
            f"make it an inner join when every row has a {lost.table}, or copy {lost.table}'s columns into the "
            "items (denormalize), which keeps the rows without one",
        )
    steps.extend(joined)
    plan = AccessPlan(rp.id, rp.pattern.description, "read", True, tuple(steps), items, 0.0, 0.0)
    return _accounted(plan, rp, uses)


def _key_uses(
    conditions: Sequence[Predicate], keyed: dict[int, str], how: Enforcement, what: str
) -> dict[int, PredicateUse]:
    return {i: PredicateUse("where", conditions[i].text, how, None, i, f"{col} is {what}") for i, col in keyed.items()}


def _get_filtered(
    spec: TableSpec,
    conditions: Sequence[Predicate],
    uses: dict[int, PredicateUse],
    strong: bool,
    dialect: str,
    note: str,
) -> PlanStep:
    """The item by its key (fields of the row found first): a GetItem, or a filtered Query when conjuncts remain."""
    key = {spec.pk.attribute: spec.pk.template} | ({spec.sk.attribute: spec.sk.template} if spec.sk else {})
    names: dict[str, str] = {}
    values: dict[str, str] = {}
    text = filter_conjuncts(
        spec,
        conditions,
        uses,
        names,
        values,
        dialect=dialect,
        key_attributes={spec.pk.attribute, *([spec.sk.attribute] if spec.sk else [])},
    )
    if text is None:
        return PlanStep(operation="GetItem", table=spec.name, key=key, consistent_read=strong, note=note)
    condition = f"#{placeholder(spec.pk.attribute)} = :pk"
    names |= expression_names(spec.pk.attribute)
    values[":pk"] = spec.pk.template
    if spec.sk:
        condition += f" AND #{placeholder(spec.sk.attribute)} = :sk"
        names |= expression_names(spec.sk.attribute)
        values[":sk"] = spec.sk.template
    return PlanStep(
        operation="Query",
        table=spec.name,
        key_condition=condition,
        filter=text,
        names=names,
        values=values,
        consistent_read=strong,
        note=note + "; a Query on the whole key, as GetItem takes no filter",
    )


def _accounted(plan: AccessPlan, rp: ResolvedPattern, uses: dict[int, PredicateUse]) -> AccessPlan:
    """The plan with its predicate accounting; unsupported when a conjunct cannot be enforced.

    A conjunct no step accounts for is a bug of the planner: the design stops (exit 4) rather
    than write a plan that would return or change other rows than the SQL.
    """
    shape = rp.shape
    conditions = shape.conditions if shape else ()
    for i, p in enumerate(conditions):
        if i not in uses:
            raise InputError(
                f"{rp.id}: the plan leaves the condition `{p.text}` unaccounted (no key, filter or condition "
                "enforces it)",
                hint="this is a bug of the design engine: report it with the pattern's SQL",
            )
    ordered = tuple(sorted(uses.values(), key=lambda u: (u.clause != "where", u.position)))
    refused = next((u for u in ordered if u.enforced_by == "unsupported"), None)
    if refused is not None:
        return replace(unsupported_plan(rp, refused.reason, refused.alternative), predicates=ordered)
    return replace(plan, predicates=ordered)


def _outer_parent_read(state: DesignState, a: Access, spec: TableSpec) -> JoinAccess | None:
    """An outer join to a parent read by key, through a foreign key that may be NULL (its rows would be lost)."""
    for j in a.joins:
        child = state.schema.table(j.via or a.table)
        nullable = any(child.column(c).nullable for c in j.fk.columns)
        if j.outer and j.direction == "to_parent" and nullable and not _served_by_copies(a, spec, j):
            return j
    return None


def _served_by_copies(a: Access, spec: TableSpec, j: JoinAccess) -> bool:
    """Whether the main items' copies of ``j.table``'s columns serve the join (no step reads the parent).

    A copied parent is read all the same when a later join needs its foreign key (a chain).
    """
    copied = any(attr.source_table == j.table for attr in spec.entities[0].attributes if attr.denormalized)
    return j.via is None and copied and not any(k.via == j.table for k in a.joins)


def _join_steps(state: DesignState, a: Access, spec: TableSpec, tables: dict[str, TableSpec]) -> list[PlanStep]:
    rp = a.pattern
    steps: list[PlanStep] = []
    for j in a.joins:
        # Once a join step has run, the rows are the joined table's: the main table's columns are carried
        # along qualified (see runtime.reads.Found.fields), so later joins name them so.
        own = f"{j.via or a.table}." if steps or j.via else ""
        if j.direction == "to_parent":
            if _served_by_copies(a, spec, j):
                continue
            parent = tables[j.table]
            to_child = dict(zip(j.fk.referred_columns, (own + c for c in j.fk.columns), strict=True))
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
            to_parent = dict(zip(j.fk.columns, (own + c for c in j.fk.referred_columns), strict=True))
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
    return steps


def _write_plan(
    state: DesignState, rp: ResolvedPattern, tables: dict[str, TableSpec], patterns: PatternsFile, dialect: str
) -> AccessPlan:
    shape = rp.shape
    assert shape is not None and rp.table is not None
    spec = tables[rp.table]
    lookups = _lookups_of(tables, rp.table)
    assigned = assignment_uses(spec, shape)
    if shape.operation == "insert" and shape.upsert:
        return upsert_plan(rp, spec, lookups)
    if shape.operation == "insert":
        return _accounted(insert_plan(rp, spec, lookups), rp, assigned)
    cols = {b.column.split(".")[-1] for b in shape.bindings if b.op in ("=", "in")}
    by_key = key_of(state, rp.table, cols)
    conditions = shape.conditions
    key_cols = [*spec.pk.columns, *(spec.sk.columns if spec.sk else ())]
    keyed = key_conjuncts(spec, conditions, key_cols)
    if by_key and len(keyed) < len(key_cols):
        # The key's value must come from a top-level `column = value`, not from inside an OR or a NOT.
        by_key = False
    uses: dict[int, PredicateUse] = dict(assigned)
    if by_key:
        uses.update(_key_uses(conditions, keyed, "key", "the item's primary key"))
    finder = None
    finder_keys: list[int] = []  # the conjuncts the finder's key (lookup item or index) fixes
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
            finder_keys = list(key_conjuncts(spec, conditions, unique.columns))
        elif eq and (index is not None or set(spec.pk.columns) <= set(eq)):
            access = Access(rp, table.name, eq, (), tuple(shape.ranges), None, None, (), False, (), ())
            finder, _ = query_step(spec, index, access, strong=False, dialect=dialect)
            # The finder only proposes items: every conjunct is checked again on each write (below).
            finder = replace(finder, filter=None, names=_used_names(finder), values=_used_values(finder))
            finder_keys = list(key_conjuncts(spec, conditions, (index.pk if index else spec.pk).columns))
    # Every conjunct the key does not fix is checked on the item as it is written: a ConditionExpression.
    names: dict[str, str] = {}
    values: dict[str, str] = {}
    guard = filter_conjuncts(
        spec, conditions, uses, names, values, dialect=dialect, prefix="c", enforced_by="condition"
    )
    checks = WriteConditions(guard, names, values)
    for i in (i for i in finder_keys if uses[i].enforced_by == "condition"):
        # The finder's key picks the items; the write's condition checks it again (an index can be stale).
        how: Enforcement = "lookup" if finder is not None and finder.operation == "GetItem" else "partition_key"
        why = "finds the items to write; the write's condition checks it again on each item"
        uses[i] = replace(uses[i], enforced_by=how, reason=why)
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
        plan = update_plan(rp, spec, lookups, by_key, finder, copies, checks)
        return _accounted(replace(plan, expected_items=_found(state, table.name, spec, finder)), rp, uses)
    ttl = spec.ttl_attribute is not None and not cols
    if ttl:
        for i, p in enumerate(conditions):
            why = "items expire by their TTL attribute; DynamoDB deletes them"
            uses[i] = PredicateUse("where", p.text, "ttl", spec.ttl_attribute, i, why)
    if not by_key and finder is None and not ttl:
        return unsupported_plan(rp, "the DELETE names no key or indexed attribute of its rows", _NO_KEY_ALTERNATIVE)
    plan = delete_plan(rp, spec, lookups, by_key, finder, ttl, checks)
    if not ttl:
        plan = replace(plan, expected_items=_found(state, table.name, spec, finder))
    return _accounted(plan, rp, uses)


def _found(state: DesignState, table: str, spec: TableSpec, finder: PlanStep | None) -> float:
    """Items a write's finder Query proposes (each is written): the same estimate a read of those keys gets."""
    if finder is None or finder.operation != "Query":
        return 1.0
    pk = next((i.pk for i in spec.indexes if i.name == finder.index), spec.pk) if finder.index else spec.pk
    return expected_rows(state.schema, state.schema.table(table), list(pk.columns), None)


def _used_names(step: PlanStep) -> dict[str, str]:
    text = f"{step.key_condition or ''} {step.filter or ''}"
    return {k: v for k, v in step.names.items() if k in text}


def _used_values(step: PlanStep) -> dict[str, str]:
    text = f"{step.key_condition or ''} {step.filter or ''}"
    return {k: v for k, v in step.values.items() if re.search(re.escape(k) + r"\b", text)}
