"""The table pass of the design engine: the DynamoDB tables, their indexes, TTL and lookups.

Once routing (:mod:`~sql2dynamo.design.engine.routing`) has fixed every
base key and index need, this pass turns them into :class:`TableSpec` objects,
one per source table plus one lookup table per unique key, and records the
GSI, TTL and uniqueness decisions.  It is separate because it is the one
place where routing results become concrete table shapes; the per-table
building blocks it calls live in :mod:`~sql2dynamo.design.tables`.
"""

from __future__ import annotations

from sql2dynamo.design.access import Access
from sql2dynamo.design.engine.routing import DesignState
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.layout import Need, Route, unique_keys
from sql2dynamo.design.model import DesignDecision, IndexSpec, KeyPart, TableSpec
from sql2dynamo.design.plans import expected_rows
from sql2dynamo.design.projections import IndexRead, choose_projection, write_of
from sql2dynamo.design.tables import (
    build_indexes,
    entity_table,
    lookup_table,
    safe_table_name,
    ttl_for,
    unique_decision,
)
from sql2dynamo.source.model import Table
from sql2dynamo.workload.patterns.model import PatternsFile


def build_tables(
    state: DesignState,
    patterns: PatternsFile,
    reads: dict[str, list[Access]],
    writes: dict[str, list[ResolvedPattern]],
) -> dict[str, TableSpec]:
    """Every table of the design, keyed by source table (lookups by ``"<source table>::<unique columns>"``)."""
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
        item_bytes = table.stats.avg_row_bytes if table.stats and table.stats.avg_row_bytes else 200.0
        for need, pk, sk, sparse in build_indexes(state.layout, table):
            ids = state.layout.needs.get(need, []) + state.layout.write_needs.get(need, [])
            chosen = choose_projection(
                [c.name for c in table.columns],
                _key_columns(need),
                frozenset(part.attribute for part in (base.pk, base.sk, pk, sk) if part is not None),
                _share(table, need),
                item_bytes,
                [_index_read(state, table, need, i) for i in ids],
                [
                    write_of(w.id, w.shape.operation, w.rps_avg, w.shape.set_columns)
                    for w in writes[table.name]
                    if w.shape
                ],
            )
            spec = IndexSpec(
                need.name(),
                pk,
                sk,
                chosen.kind,
                chosen.non_key,
                tuple(ids),
                sparse,  # type: ignore[arg-type]
                chosen.reason,
            )
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
        if not reads[table.name] and not any(j.table == table.name for a in state.accesses.values() for j in a.joins):
            state.decisions.append(_unread_decision(table, writes[table.name]))
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


def _unread_decision(table: Table, writes: list[ResolvedPattern]) -> DesignDecision:
    """A table no pattern reads (nor joins): kept so no row is lost, with the parents it could fold into."""
    write_rps = sum(w.rps_avg for w in writes)
    parents = [fk for fk in table.foreign_keys if not any(table.column(c).nullable for c in fk.columns)]
    folds = tuple(
        f"fold its items into {fk.referred_table}'s item collection (partition key {', '.join(fk.columns)}, "
        f"single-table: the same partition as the {fk.referred_table} item): one table less to deploy and watch"
        for fk in parents
    )
    return DesignDecision(
        decision_type="TABLE_STRUCTURE",
        subject=f"{table.name} (read by no pattern)",
        alternatives_considered=(f"keep {table.name} as its own table", *folds),
        chosen_approach=f"keep {table.name} as its own table, keyed like the source",
        justification=f"no read pattern reads or joins {table.name} (0 rps of reads, {write_rps:g} rps of writes): "
        "its rows are migrated and kept current so no data is lost, and it costs only its writes and storage"
        + (
            "; when a read appears, folding it into a parent's collection serves that read with the parent"
            if folds
            else ""
        ),
        trade_offs=("a table nobody reads still needs capacity for its writes, alarms and backups",),
        rollback_strategy="drop the table once no reader needs it (the source keeps the rows until cut-over)",
        monitoring_requirements=(f"ConsumedReadCapacityUnits of {table.name}: any read means a pattern is missing",),
    )


def _key_columns(need: Need) -> frozenset[str]:
    """The source columns an index's key and sparse flag are built from (an update of one moves the entry)."""
    return frozenset((*need.pk_cols, *([need.sk_col] if need.sk_col else []), *(need.sparse or ())[:1]))


def _share(table: Table, need: Need) -> float:
    """The share of rows that carry the index's key: its flag's value (sparse), its columns not null."""
    shares = [1.0]
    if need.sparse:
        stats = table.column(need.sparse[0]).stats
        shares.append(1 / stats.distinct_estimate if stats and stats.distinct_estimate else 1.0)
    for col in (*need.pk_cols, *([need.sk_col] if need.sk_col else [])):
        stats = table.column(col).stats
        shares.append(1 - stats.null_fraction if stats and stats.null_fraction is not None else 1.0)
    return min(shares)


def _index_read(state: DesignState, table: Table, need: Need, pattern_id: str) -> IndexRead:
    """What one pattern of an index reads through it (a write's finder reads only keys)."""
    a = state.accesses.get(pattern_id)
    if a is None:
        return IndexRead(pattern_id, 0.0, 0.0, False, False, ())
    cols = a.projection or ("*",)
    every = "*" in cols or any(c.endswith(".*") for c in cols)
    items = expected_rows(state.schema, table, [c for c in need.pk_cols if c in a.eq] or a.eq, a.limit)
    return IndexRead(
        pattern_id,
        a.pattern.rps_avg,
        items,
        a.count,
        a.pattern.strong,
        None if every else tuple(c.split(".")[-1] for c in cols if "(" not in c),
    )


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
