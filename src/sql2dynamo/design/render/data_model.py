"""``dynamodb_data_model.md``: the design document of the data-modeling method, rendered from a frozen DataModel.

It is the second user gate: the user approves this document before the
migration contract is generated.  Every section of the method's template is
present (Design Philosophy & Approach, Table Designs with one "### <Name>
Table" and one "### <Name> GSI" heading each, Access Pattern Mapping, Cost
Estimates, Hot Partition Analysis) plus the decisions, warnings and
trade-offs the method requires to be surfaced.  The renderer only reports what
the model holds; it recomputes nothing, so the document and
``data_model.json`` cannot disagree.

This module assembles the document and renders its framing sections (Design
Philosophy & Approach, Design Decisions, Production Warnings, Trade-offs);
the other sections come from ``render_model_tables`` (Table Designs),
``render_model_mapping`` (Access Pattern Mapping) and ``render_model_cost``
(Cost Estimates, Hot Partition Analysis).
"""

from __future__ import annotations

from sql2dynamo.design.model import DataModel
from sql2dynamo.design.render.cost import cost_estimates, hot_partition_analysis
from sql2dynamo.design.render.mapping import access_pattern_mapping
from sql2dynamo.design.render.markdown import bullet, code, codes, join_lines, plural
from sql2dynamo.design.render.tables import table_designs
from sql2dynamo.source.model import Schema

TITLE = "# DynamoDB Data Model"
SECTIONS = (
    "## Design Philosophy & Approach",
    "## Table Designs",
    "## Access Pattern Mapping",
    "## Cost Estimates",
    "## Hot Partition Analysis",
    "## Design Decisions",
    "## Production Warnings",
    "## Trade-offs",
)


def render_data_model(model: DataModel, schema: Schema) -> str:
    """The text of ``dynamodb_data_model.md`` (the method's data model template).

    ``schema`` supplies row counts and source column types for the entity
    descriptions; tables or columns it lacks are simply not described.  Money
    has two decimals, other numbers at most two; same inputs, same bytes.
    """
    lines: list[str] = [TITLE, "", f"Application: {code(model.application)}", ""]
    lines += _philosophy(model)
    lines += table_designs(model, schema)
    lines += access_pattern_mapping(model)
    lines += cost_estimates(model)
    lines += hot_partition_analysis(model)
    lines += _decisions(model)
    lines += _warnings(model)
    lines += _tradeoffs(model)
    return join_lines(lines)


def _philosophy(model: DataModel) -> list[str]:
    entity_tables = [t for t in model.tables if t.role == "entity"]
    lookups = [t for t in model.tables if t.role == "lookup"]
    # A single-table design keeps its lookup items beside the entities.
    in_table = [
        f"{e.source_table}({', '.join(e.unique_columns)})"
        for t in entity_tables
        for e in t.entities
        if e.kind == "lookup"
    ]
    indexes = sum(len(t.indexes) for t in model.tables)
    supported = [p.pattern_id for p in model.plans if p.supported]
    unsupported = [p.pattern_id for p in model.plans if not p.supported]
    denormalized = [
        f"{t.name}.{a.name}" for t in model.tables for e in t.entities for a in e.attributes if a.denormalized
    ]
    lines = ["## Design Philosophy & Approach", ""]
    if model.strategy == "multi-table":
        strategy = (
            "**multi-table**: one table per entity (the data-modeling method's *Multi-Table First*), "
            "so each table keeps its own capacity, alarms, backups and IAM boundary"
        )
    else:
        shared = [t.name for t in model.tables if len(t.entities) > 1]
        strategy = (
            f"**single-table**: several entities share {codes(shared) or 'one table'}, told apart by key "
            "prefixes and their item type; related items form item collections read with one Query"
        )
    lines.append(bullet("Strategy", strategy))
    counts = (
        f"{plural(len(entity_tables), 'entity table')}, {plural(len(lookups), 'unique-lookup table')}, "
        f"{plural(indexes, 'global secondary index', 'global secondary indexes')}; "
        f"billing {model.billing}; source dialect {model.source_dialect}"
    )
    lines.append(bullet("Shape", counts))
    if model.strategy == "multi-table":
        keys = ", ".join(f"{code(t.pk.attribute)} ({t.name})" for t in model.tables)
        natural = f"partition keys are named for what they hold: {keys}"
    else:
        keys = ", ".join(f"{code(e.pk.template)} ({e.source_table})" for t in model.tables for e in t.entities)
        natural = f"generic key names are shared by the entities; their values stay descriptive: {keys}"
    lines.append(bullet("Natural Keys", natural))
    driven = f"{plural(len(supported), 'pattern')} served ({', '.join(supported) or 'none'})"
    if unsupported:
        driven += f"; {len(unsupported)} not served by DynamoDB ({', '.join(unsupported)}), with alternatives"
    lines.append(bullet("Access Pattern Driven", f"every key and index exists for a pattern: {driven}"))
    evidence = (
        f"{plural(len(denormalized), 'denormalized attribute')} ({codes(denormalized)}), each justified"
        if denormalized
        else "no denormalized attributes: every value lives in exactly one item until benchmarks show a need"
    )
    lines.append(bullet("Evidence Before Optimization", evidence))
    if lookups:
        unique = f"{plural(len(lookups), 'lookup table')} ({codes(t.name for t in lookups)})"
    elif in_table:
        unique = f"{plural(len(in_table), 'lookup item type')} guarding {codes(in_table)}"
    else:
        unique = ""
    how = " written with TransactWriteItems and attribute_not_exists"
    lines.append(bullet("Unique Constraints", unique + how if unique else "none carried over"))
    return lines


def _decisions(model: DataModel) -> list[str]:
    lines = ["", "## Design Decisions"]
    if not model.decisions:
        lines += ["", "No decisions recorded."]
    for n, d in enumerate(model.decisions, start=1):
        lines += ["", f"### {n}. {d.decision_type}: {d.subject}", ""]
        lines.append(bullet("Alternatives Considered", "; ".join(d.alternatives_considered) or "none"))
        lines.append(bullet("Chosen Approach", d.chosen_approach))
        lines.append(bullet("Justification", d.justification))
        lines.append(bullet("Trade-offs", "; ".join(d.trade_offs) or "none recorded"))
        lines.append(bullet("Rollback Strategy", d.rollback_strategy))
        lines.append(bullet("Monitoring", "; ".join(d.monitoring_requirements) or "none recorded"))
        if d.pattern_ids:
            lines.append(bullet("Patterns", ", ".join(d.pattern_ids)))
    return lines


def _warnings(model: DataModel) -> list[str]:
    lines = ["", "## Production Warnings", ""]
    if not model.warnings:
        lines.append("No production warning applies to this design.")
    for w in model.warnings:
        patterns = f" ({', '.join(w.pattern_ids)})" if w.pattern_ids else ""
        lines.append(f"- ⚠️ **{w.kind}** on {code(w.subject)}{patterns}: {w.message}")
        lines.append(f"  - Condition: {w.condition}")
    return lines


def _tradeoffs(model: DataModel) -> list[str]:
    lines = ["", "## Trade-offs", ""]
    items = [f"**{d.subject}** ({d.decision_type}): {t}" for d in model.decisions for t in d.trade_offs]
    for t in model.tables:
        for e in t.entities:
            for a in e.attributes:
                if a.denormalized:
                    items.append(
                        f"**{t.name}.{a.name}** duplicates {a.source_table}.{a.source_column}: "
                        "every change to it must also update these items "
                        "(write amplification, possible staleness)"
                    )
    for p in model.plans:
        if not p.supported:
            instead = f"; instead, {p.alternative}" if p.alternative else " (no alternative recorded)"
            items.append(f"**{p.pattern_id}** is not served by DynamoDB{instead}")
    if not items:
        lines.append("No trade-offs recorded.")
    lines += [f"- {item}" for item in items]
    return lines
