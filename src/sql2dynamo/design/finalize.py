"""The numbers of a model: item sizes, capacity per plan, monthly cost, hot partitions, warnings.

The engine decides the structure; this pass measures it with the sizing,
capacity, pricing, hot-partition and warning rules, and returns the complete,
frozen model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sql2dynamo.design.capacity import is_strong, plan_capacity, plan_usage
from sql2dynamo.design.hotspots import partition_loads
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.model import DataModel
from sql2dynamo.design.pricing import estimate_cost, load_pricing
from sql2dynamo.design.sizing.items import item_sizes
from sql2dynamo.design.warnings import production_warnings
from sql2dynamo.source.model import Schema
from sql2dynamo.workload.patterns.model import PatternsFile


def finalize(
    model: DataModel,
    schema: Schema,
    patterns: PatternsFile,
    resolved: Sequence[ResolvedPattern],
    pricing_path: Path | None = None,
) -> DataModel:
    """``model`` with sizes, per-call capacity, cost, partition loads and production warnings filled in."""
    pricing = load_pricing(pricing_path)
    sizes = item_sizes(model.tables, schema)
    tables = tuple(
        replace(
            t,
            estimated_item_size_bytes=max(
                [
                    1,
                    *(
                        int(sizes[(t.name, e.source_table)].bytes)
                        for e in t.entities
                        if (t.name, e.source_table) in sizes
                    ),
                ]
            ),
        )
        for t in model.tables
    )
    by_id = {p.id: p for p in patterns.patterns}
    specs = {t.name: t for t in tables}
    # What each plan consumes, computed once for the capacity, cost, partition and warning rules.
    usages = [plan_usage(plan, specs, sizes, strong=is_strong(by_id.get(plan.pattern_id))) for plan in model.plans]
    plans = []
    for plan, used in zip(model.plans, usages, strict=True):
        if not plan.steps:
            plans.append(plan)
            continue
        cap = plan_capacity(plan, specs, sizes, by_id.get(plan.pattern_id), usages=used)
        plans.append(replace(plan, rcu_per_call=cap.rcu_per_call, wcu_per_call=cap.wcu_per_call))
    row_counts = {t.name: t.stats.row_count for t in schema.tables if t.stats}
    cost = estimate_cost(tables, plans, by_id, sizes, row_counts, pricing, model.billing, usages=usages)
    partitions = partition_loads(tables, plans, by_id, schema, sizes=sizes, usages=usages)
    warnings = production_warnings(
        tables, plans, partitions, model.decisions, schema, patterns=by_id, sizes=sizes, usages=usages
    )
    return replace(model, tables=tables, plans=tuple(plans), cost=cost, partitions=partitions, warnings=warnings)
