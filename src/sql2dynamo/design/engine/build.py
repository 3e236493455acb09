"""The design engine: deterministic, explained, from resolved patterns to a DataModel.

Same inputs, same model: every collection is built in schema or pattern order,
never from a set.  Every choice adds a :class:`DesignDecision`.

The work runs in three passes over a shared
:class:`~sql2dynamo.design.engine.routing.DesignState`: routing
(:mod:`~sql2dynamo.design.engine.routing`), tables
(:mod:`~sql2dynamo.design.engine.tables`) and plans
(:mod:`~sql2dynamo.design.engine.plans`).  This module holds the options and
:func:`build_model`, which runs the passes in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sql2dynamo.design.access import Access, classify_read
from sql2dynamo.design.engine.plans import build_plans
from sql2dynamo.design.engine.routing import (
    DesignState,
    route_copies,
    route_joins,
    route_write,
)
from sql2dynamo.design.engine.tables import build_tables
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.keys import choose_base_key
from sql2dynamo.design.layout import Layout, route_read
from sql2dynamo.design.model import DataModel
from sql2dynamo.design.single import entity_views, merge_views, strategy_decision
from sql2dynamo.design.streams import with_streams
from sql2dynamo.source.model import Schema
from sql2dynamo.workload.patterns.model import PatternsFile

__all__ = ["DesignOptions", "build_model"]


@dataclass(frozen=True)
class DesignOptions:
    """The choices the user makes on the command line."""

    strategy: Literal["multi-table", "single-table"] = "multi-table"
    billing: Literal["on-demand", "provisioned"] = "on-demand"
    streams: str = "none"
    """``--streams``: ``none``, ``all`` or table names (see :mod:`sql2dynamo.design.streams`)."""


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
    referenced = {fk.referred_table for t in schema.tables for fk in t.foreign_keys}
    base = {
        t.name: choose_base_key(t, by_table[t.name], writes_by_table[t.name], referenced=t.name in referenced)
        for t in schema.tables
    }
    state = DesignState(schema, Layout(schema, base), accesses, [b.decision for b in base.values()], {}, {})
    for a in accesses.values():
        if not a.unsupported:
            state.layout.routes[a.pattern.id] = route_read(a, state.layout)
            route_joins(state, a)
    for w in writes:
        route_write(state, w, patterns)
        route_copies(state, w)
    tables = build_tables(state, patterns, by_table, writes_by_table)
    state.decisions.append(strategy_decision(tables, schema, patterns.application, options.strategy))
    if options.strategy == "single-table":
        tables = entity_views(tables, schema, patterns.application)
    plans = build_plans(state, resolved, tables, patterns)
    final = (
        (merge_views(tables, patterns.application),) if options.strategy == "single-table" else tuple(tables.values())
    )
    final, streams = with_streams(final, options.streams)
    state.decisions.append(streams)
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
