"""The routing pass of the design engine: which key or index serves each pattern.

Before any table is shaped, every read is routed to a key, an index need or
a lookup, joins to children get an index when the child's key does not fit,
joins to parents may denormalize (the data-modeling method's correlation rule), and writes
that do not name a key get a finder index.  Everything decided here is kept
in :class:`DesignState`, which the table pass
(:mod:`~sql2dynamo.design.engine.tables`) and the plan pass
(:mod:`~sql2dynamo.design.engine.plans`) only read or extend; the routing
rules are the part that changes most, so they live on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sql2dynamo.design.access import Access
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.keys import DDB_TYPES
from sql2dynamo.design.layout import Layout, Need, table_order, unique_keys
from sql2dynamo.design.model import AttributeSpec, DesignDecision, Join
from sql2dynamo.source.model import Schema
from sql2dynamo.workload.patterns.model import PatternsFile

DENORMALIZE_CORRELATION = 0.7  # the data-modeling method: read correlation above which denormalizing is considered


@dataclass
class DesignState:
    """What the engine has decided so far: built by the routing pass, extended by the table and plan passes."""

    schema: Schema
    layout: Layout
    accesses: dict[str, Access]
    decisions: list[DesignDecision]
    denormalized: dict[str, list[AttributeSpec]]  # child table -> copied parent attributes
    copies: dict[str, list[tuple[str, tuple[str, ...]]]]  # parent -> [(child, fk columns)]
    join_needs: dict[tuple[str, str], Need] = field(default_factory=dict)  # (pattern, table) -> need
    write_routes: dict[str, Need] = field(default_factory=dict)  # write pattern -> finder index need


def route_joins(state: DesignState, a: Access) -> None:
    """Index needs for joins to children whose key is not the foreign key; denormalizing for joins to parents."""
    for j in a.joins:
        if j.via is not None:
            continue  # a parent of a joined table: read by key, never copied (its child may not be)
        if j.direction == "to_children":
            child_base = state.layout.base[j.table]
            if child_base.pk.columns != j.fk.columns:
                need = state.layout.add_need(Need(j.table, j.fk.columns, None), a.pattern.id)
                state.join_needs[(a.pattern.id, j.table)] = need
        else:
            _consider_denormalizing(state, a, j.table, j.fk.columns, j.columns)


def _consider_denormalizing(
    state: DesignState, a: Access, parent: str, fk_cols: tuple[str, ...], columns: tuple[str, ...]
) -> None:
    """The data-modeling method's framework for copying parent attributes into the child's items."""
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


def key_of(state: DesignState, table: str, cols: set[str]) -> bool:
    """Whether ``cols`` hold every column of ``table``'s base key (a write by key needs no finder)."""
    base = state.layout.base[table]
    need = set(base.pk.columns) | (set(base.sk.columns) if base.sk else set())
    return need <= cols


def route_write(state: DesignState, w: ResolvedPattern, patterns: PatternsFile) -> None:
    """A finder index for an UPDATE or DELETE that names neither a key nor a unique value of its rows."""
    shape = w.shape
    assert shape is not None and w.table is not None
    if shape.operation not in ("update", "delete"):
        return
    cols = {b.column.split(".")[-1] for b in shape.bindings if b.op in ("=", "in")}
    if key_of(state, w.table, cols):
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


def route_copies(state: DesignState, w: ResolvedPattern) -> None:
    """An UPDATE of copied columns finds the copies by the child's foreign key: an index when that is not its key."""
    shape = w.shape
    assert shape is not None and w.table is not None
    if shape.operation != "update":
        return
    for child, fk in state.copies.get(w.table, []):
        copied = {a.source_column for a in state.denormalized.get(child, []) if a.source_table == w.table}
        if copied & set(shape.set_columns) and tuple(state.layout.base[child].pk.columns) != tuple(fk):
            state.layout.add_need(Need(child, tuple(fk), None), w.id, write=True)
