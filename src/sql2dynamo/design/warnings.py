"""The data-modeling method's five production warnings, raised whenever their condition holds.

Each :class:`~sql2dynamo.design.model.DesignWarning` carries the method's exact
message and the condition that raised it, written out with the numbers:

1. **GSI throttling cascade** (per index): the index's busiest partition is
   hot, or takes at least half of the 1,000 WCU partition limit, or (when
   the patterns are given) the index receives at least 1,000 writes per
   second at peak.  A GSI that cannot absorb its writes throttles the writes
   of the whole base table.
2. **Hot partition** (per hot :class:`PartitionLoad`).
3. **Entity boundary violation**: a table storing entities of several source
   tables that no foreign key connects (among the tables stored together:
   related only through a table kept elsewhere means related only through
   someone else's data), or a denormalized attribute copying data from a
   source table its entity has no foreign key with.
4. **Schema evolution trap** (per entity with denormalized attributes).
5. **Debugging complexity** (per table): composite key templates
   (``USER#{id}``, ``{a}#{b}``), overloaded keys (one key attribute written
   by several entity types) or denormalized attributes.

Order: by kind as the method lists them, then as the tables, indexes and
entities are declared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sql2dynamo.design.capacity import Usage, pattern_rps, plan_usage
from sql2dynamo.design.hotspots import PARTITION_RCU_LIMIT, PARTITION_WCU_LIMIT
from sql2dynamo.design.model import (
    AccessPlan,
    DesignDecision,
    DesignWarning,
    EntityMapping,
    KeyPart,
    PartitionLoad,
    TableSpec,
    flat_steps,
)
from sql2dynamo.design.sizing.columns import is_single_field
from sql2dynamo.design.sizing.items import Sizes, entity_in_index, item_sizes
from sql2dynamo.source.model import Schema
from sql2dynamo.workload.patterns.model import AccessPattern

GSI_THROTTLING_CASCADE = "gsi_throttling_cascade"
HOT_PARTITION = "hot_partition"
ENTITY_BOUNDARY_VIOLATION = "entity_boundary_violation"
SCHEMA_EVOLUTION_TRAP = "schema_evolution_trap"
DEBUGGING_COMPLEXITY = "debugging_complexity"

# The data-modeling method's "Critical Production Warnings", verbatim and in its order.
MESSAGES: dict[str, str] = {
    GSI_THROTTLING_CASCADE: (
        "Warning: GSI throttling will affect the entire base table. Consider dedicated capacity or alternative design."
    ),
    HOT_PARTITION: (
        "Warning: This access pattern may create hot partitions. Consider partition key sharding strategy."
    ),
    ENTITY_BOUNDARY_VIOLATION: (
        "Warning: Mixing data from different services/teams. Consider operational ownership boundaries."
    ),
    SCHEMA_EVOLUTION_TRAP: (
        "Warning: This denormalization will complicate future schema changes. Document migration strategy."
    ),
    DEBUGGING_COMPLEXITY: (
        "Warning: Composite keys and denormalized data will increase debugging difficulty. "
        "Ensure adequate logging/monitoring."
    ),
}

GSI_WRITE_SHARE_OF_LIMIT = 0.5  # a GSI partition past half its write limit has no headroom for a burst
GSI_WRITE_RPS_THRESHOLD = 1000.0  # index writes/s at peak: one partition's worth of 1 KB writes


def _n(x: float) -> str:
    return f"{x:,.3f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class _Related:
    """Which patterns relate to a table, built once per :func:`production_warnings` call."""

    by_table: dict[str, set[str]]  # table -> ids of the plans with a step on it
    by_subject: dict[str, set[str]]  # decision subject -> the pattern ids of its decisions

    @classmethod
    def of(cls, plans: Sequence[AccessPlan], decisions: Sequence[DesignDecision]) -> _Related:
        by_table: dict[str, set[str]] = {}
        for p in plans:
            for s in flat_steps(p.steps):
                by_table.setdefault(s.table, set()).add(p.pattern_id)
        by_subject: dict[str, set[str]] = {}
        for d in decisions:
            by_subject.setdefault(d.subject, set()).update(d.pattern_ids)
        return cls(by_table, by_subject)

    def patterns_on(self, table: str) -> set[str]:
        """Ids of the plans with a step on ``table``."""
        return set(self.by_table.get(table, ()))

    def decision_patterns(self, subjects: set[str]) -> set[str]:
        """Pattern ids of the decisions about any of ``subjects`` (a table, entity or ``table.attribute``)."""
        return {pid for subject in subjects for pid in self.by_subject.get(subject, ())}


def _warning(kind: str, subject: str, condition: str, pattern_ids: Iterable[str]) -> DesignWarning:
    return DesignWarning(
        kind=kind,
        message=MESSAGES[kind],
        condition=condition,
        subject=subject,
        pattern_ids=tuple(sorted(set(pattern_ids))),
    )


# ------------------------------------------------------------------ 1. GSI throttling cascade


def _index_write_rates(
    tables: Sequence[TableSpec],
    plans: Sequence[AccessPlan],
    patterns: Iterable[AccessPattern] | Mapping[str, AccessPattern],
    sizes: Sizes,
    usages: Sequence[Sequence[Usage]] | None,
) -> dict[tuple[str, str], tuple[float, set[str]]]:
    """Index writes per second at peak, and the patterns causing them, per (table, index).

    Only writes count, and a write's usage does not depend on read consistency:
    ``usages`` (see :func:`production_warnings`) serve whatever consistency they were computed with.
    """
    by_id = dict(patterns) if isinstance(patterns, Mapping) else {p.id: p for p in patterns}
    specs = {t.name: t for t in tables}
    out: dict[tuple[str, str], tuple[float, set[str]]] = {}
    for n, plan in enumerate(plans):
        _, peak = pattern_rps(by_id.get(plan.pattern_id))
        for usage in usages[n] if usages is not None else plan_usage(plan, specs, sizes, strong=False):
            if usage.index is None or not usage.wcu:
                continue
            rate, ids = out.get((usage.table, usage.index), (0.0, set()))
            ids.add(plan.pattern_id)
            out[(usage.table, usage.index)] = (rate + usage.items * peak, ids)
    return out


def _gsi_cascade(
    tables: Sequence[TableSpec],
    partitions: Sequence[PartitionLoad],
    rates: Mapping[tuple[str, str], tuple[float, set[str]]],
) -> list[DesignWarning]:
    loads = {(p.table, p.index): p for p in partitions if p.index is not None}
    out: list[DesignWarning] = []
    for spec in tables:
        for index in spec.indexes:
            reasons: list[str] = []
            ids: set[str] = set()
            load = loads.get((spec.name, index.name))
            if load is not None:
                if load.hot:
                    reasons.append(
                        f"its busiest partition is hot: {_n(load.rcu_per_partition)} RCU/s and"
                        f" {_n(load.wcu_per_partition)} WCU/s at peak (limits {_n(PARTITION_RCU_LIMIT)} /"
                        f" {_n(PARTITION_WCU_LIMIT)})"
                    )
                    ids |= set(load.pattern_ids)
                elif load.wcu_per_partition >= GSI_WRITE_SHARE_OF_LIMIT * PARTITION_WCU_LIMIT:
                    reasons.append(
                        f"its busiest partition takes {_n(load.wcu_per_partition)} WCU/s at peak, at"
                        f" least {GSI_WRITE_SHARE_OF_LIMIT:.0%} of the {_n(PARTITION_WCU_LIMIT)} WCU"
                        " partition limit"
                    )
                    ids |= set(load.pattern_ids)
            rate, writers = rates.get((spec.name, index.name), (0.0, set()))
            if rate >= GSI_WRITE_RPS_THRESHOLD:
                reasons.append(
                    f"it receives {_n(rate)} index writes/s at peak (threshold {_n(GSI_WRITE_RPS_THRESHOLD)}/s)"
                )
                ids |= writers
            if reasons:
                condition = (
                    f"index {index.name} of table {spec.name}: {'; '.join(reasons)};"
                    f" when the index throttles, writes to {spec.name} are throttled too"
                )
                out.append(_warning(GSI_THROTTLING_CASCADE, f"{spec.name}/{index.name}", condition, ids))
    return out


# ------------------------------------------------------------------ 2. hot partitions


def _hot_partitions(partitions: Sequence[PartitionLoad]) -> list[DesignWarning]:
    out: list[DesignWarning] = []
    for load in partitions:
        if not load.hot:
            continue
        where = load.table if load.index is None else f"{load.table}/{load.index}"
        distinct = "an unknown number of" if load.distinct_keys is None else f"{load.distinct_keys:,}"
        condition = (
            f"{where}, partition key {load.key}: the busiest partition takes"
            f" {_n(load.rcu_per_partition)} RCU/s and {_n(load.wcu_per_partition)} WCU/s at peak"
            f" (limits {_n(PARTITION_RCU_LIMIT)} RCU / {_n(PARTITION_WCU_LIMIT)} WCU per partition):"
            f" {distinct} key values, the busiest taking"
            f" {load.skew:.1%} of the traffic"
        )
        out.append(_warning(HOT_PARTITION, where, condition, load.pattern_ids))
    return out


# ------------------------------------------------------------------ 3. entity boundaries


def _fk_pairs(schema: Schema) -> set[frozenset[str]]:
    """Unordered pairs of distinct source tables joined by a foreign key."""
    pairs: set[frozenset[str]] = set()
    for table in schema.tables:
        for fk in table.foreign_keys:
            if fk.referred_table != table.name:
                pairs.add(frozenset((table.name, fk.referred_table)))
    return pairs


def _components(names: list[str], pairs: set[frozenset[str]]) -> list[list[str]]:
    """Groups of ``names`` connected by ``pairs`` (edges between members only), in first-seen order."""
    seen: set[str] = set()
    groups: list[list[str]] = []
    for start in names:
        if start in seen:
            continue
        group = [start]
        seen.add(start)
        frontier = [start]
        while frontier:
            current = frontier.pop()
            for other in names:
                if other not in seen and frozenset((current, other)) in pairs:
                    seen.add(other)
                    group.append(other)
                    frontier.append(other)
        groups.append(sorted(group, key=names.index))
    return groups


def _entity_boundaries(tables: Sequence[TableSpec], related: _Related, schema: Schema | None) -> list[DesignWarning]:
    pairs = _fk_pairs(schema) if schema is not None else set()
    out: list[DesignWarning] = []
    for spec in tables:
        sources = list(dict.fromkeys(e.source_table for e in spec.entities))
        if len(sources) > 1:
            groups = _components(sources, pairs)
            if len(groups) > 1:
                listed = " | ".join(", ".join(g) for g in groups)
                condition = (
                    f"table {spec.name} stores {len(spec.entities)} entities from {len(sources)} source"
                    f" tables in {len(groups)} groups with no foreign-key path between them among the"
                    f" tables stored together: {listed}"
                )
                ids = related.patterns_on(spec.name) | related.decision_patterns({spec.name})
                out.append(_warning(ENTITY_BOUNDARY_VIOLATION, spec.name, condition, ids))
        for entity in spec.entities:
            for attr in entity.attributes:
                if not attr.denormalized or attr.source_table in ("", entity.source_table):
                    continue
                if frozenset((entity.source_table, attr.source_table)) in pairs:
                    continue
                join = (
                    f" (join {entity.source_table}.{attr.join.local_column} ="
                    f" {attr.source_table}.{attr.join.source_column})"
                    if attr.join is not None
                    else ""
                )
                subject = f"{spec.name}.{attr.name}"
                condition = (
                    f"attribute {attr.name} of {entity.source_table} items in table {spec.name} copies"
                    f" {attr.source_table}.{attr.source_column}{join}, and no foreign key links"
                    f" {entity.source_table} and {attr.source_table}"
                )
                ids = related.patterns_on(spec.name) | related.decision_patterns(
                    {subject, f"{entity.source_table}.{attr.name}", spec.name}
                )
                out.append(_warning(ENTITY_BOUNDARY_VIOLATION, subject, condition, ids))
    return out


# ------------------------------------------------------------------ 4. schema evolution


def _schema_evolution(tables: Sequence[TableSpec], related: _Related) -> list[DesignWarning]:
    out: list[DesignWarning] = []
    for spec in tables:
        for entity in spec.entities:
            copies = [a for a in entity.attributes if a.denormalized]
            if not copies:
                continue
            described = ", ".join(f"{a.name} <- {a.source_table}.{a.source_column}" for a in copies)
            owners = sorted({a.source_table for a in copies})
            condition = (
                f"{entity.source_table} items in table {spec.name} carry {len(copies)} denormalized"
                f" attribute{'s' if len(copies) != 1 else ''} ({described}): renaming, retyping or"
                f" re-deriving a column of {', '.join(owners)} means rewriting every such item"
            )
            subjects = {spec.name, entity.source_table}
            subjects |= {f"{spec.name}.{a.name}" for a in copies} | {f"{entity.source_table}.{a.name}" for a in copies}
            ids = related.patterns_on(spec.name) | related.decision_patterns(subjects)
            out.append(_warning(SCHEMA_EVOLUTION_TRAP, f"{spec.name}/{entity.source_table}", condition, ids))
    return out


# ------------------------------------------------------------------ 5. debugging complexity


def _key_parts(entity: EntityMapping) -> list[KeyPart]:
    return [entity.pk, *([entity.sk] if entity.sk else []), *entity.index_keys]


def _debugging(tables: Sequence[TableSpec], related: _Related) -> list[DesignWarning]:
    out: list[DesignWarning] = []
    for spec in tables:
        composite: list[str] = []
        for entity in spec.entities:
            for part in _key_parts(entity):
                text = f"{part.attribute} = {part.template}"
                # A constant (METADATA, PUBLIC) reads as itself: only a template mixing fields or a
                # prefix with a field hides the row's key.
                constant = "{" not in part.template
                if not constant and not is_single_field(part.template) and text not in composite:
                    composite.append(text)
        overloaded: list[str] = []
        key_attrs = [spec.pk.attribute, *([spec.sk.attribute] if spec.sk else [])]
        for attr in key_attrs:
            writers = [e.source_table for e in spec.entities if attr in {p.attribute for p in _key_parts(e)}]
            if len(writers) > 1:
                overloaded.append(f"table key {attr} ({len(writers)} entity types: {', '.join(writers)})")
        for index in spec.indexes:
            writers = [e.source_table for e in spec.entities if entity_in_index(e, index)]
            if len(writers) > 1:
                overloaded.append(f"index {index.name} ({len(writers)} entity types: {', '.join(writers)})")
        denormalized = [f"{e.source_table}.{a.name}" for e in spec.entities for a in e.attributes if a.denormalized]
        reasons: list[str] = []
        if composite:
            reasons.append(
                f"{len(composite)} composite key template{'s' if len(composite) != 1 else ''} ({'; '.join(composite)})"
            )
        if overloaded:
            reasons.append(
                f"{len(overloaded)} overloaded key{'s' if len(overloaded) != 1 else ''} ({'; '.join(overloaded)})"
            )
        if denormalized:
            reasons.append(
                f"{len(denormalized)} denormalized attribute{'s' if len(denormalized) != 1 else ''}"
                f" ({', '.join(denormalized)})"
            )
        if reasons:
            condition = (
                f"table {spec.name}: {'; '.join(reasons)}: an item's key no longer reads as a row's"
                " primary key, and copied values can disagree with their source"
            )
            out.append(_warning(DEBUGGING_COMPLEXITY, spec.name, condition, related.patterns_on(spec.name)))
    return out


# ------------------------------------------------------------------ all of them


def production_warnings(
    tables: Sequence[TableSpec],
    plans: Sequence[AccessPlan],
    partitions: Sequence[PartitionLoad],
    decisions: Sequence[DesignDecision],
    schema: Schema | None,
    *,
    patterns: Iterable[AccessPattern] | Mapping[str, AccessPattern] | None = None,
    sizes: Sizes | None = None,
    usages: Sequence[Sequence[Usage]] | None = None,
) -> tuple[DesignWarning, ...]:
    """Every production warning whose condition holds, in the method's order (see the module docstring).

    ``partitions`` come from :func:`~sql2dynamo.design.hotspots.partition_loads`;
    ``schema`` supplies the foreign keys (``None``: no foreign key is known);
    ``decisions`` add the pattern ids of decisions whose ``subject`` names a
    warned table, entity or ``table.attribute``.  With ``patterns`` the GSI
    cascade also checks each index's peak write rate (``sizes`` defaults to
    :func:`~sql2dynamo.design.sizing.items.item_sizes`; ``usages[i]``, when given, is
    :func:`~sql2dynamo.design.capacity.plan_usage` of ``plans[i]``).
    """
    rates: dict[tuple[str, str], tuple[float, set[str]]] = {}
    if patterns is not None:
        rates = _index_write_rates(tables, plans, patterns, sizes or item_sizes(tables, schema), usages)
    related = _Related.of(plans, decisions)
    return (
        *_gsi_cascade(tables, partitions, rates),
        *_hot_partitions(partitions),
        *_entity_boundaries(tables, related, schema),
        *_schema_evolution(tables, related),
        *_debugging(tables, related),
    )
