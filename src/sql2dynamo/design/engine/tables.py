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
from sql2dynamo.design.layout import Route, unique_keys
from sql2dynamo.design.model import DesignDecision, IndexSpec, KeyPart, TableSpec
from sql2dynamo.design.plans import expected_rows
from sql2dynamo.design.tables import (
    build_indexes,
    entity_table,
    lookup_table,
    projection_for,
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
