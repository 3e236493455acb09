"""``dynamodb_data_model.md``: the design document of seed 002, rendered from a frozen DataModel.

It is the second user gate: the user approves this document before the
migration contract is generated.  Every section of seed 002's template is
present (Design Philosophy & Approach, Table Designs with one "### <Name>
Table" and one "### <Name> GSI" heading each, Access Pattern Mapping, Cost
Estimates, Hot Partition Analysis) plus the decisions, warnings and
trade-offs the seed requires to be surfaced.  The renderer only reports what
the model holds; it recomputes nothing, so the document and
``data_model.json`` cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sql2dynamo.design.markdown import bullet, code, codes, join_lines, money, num, plural, table
from sql2dynamo.design.model import (
    AccessPlan,
    AttributeSpec,
    DataModel,
    DesignDecision,
    EntityMapping,
    IndexSpec,
    KeyPart,
    PartitionLoad,
    PatternCapacity,
    PlanStep,
    TableCost,
    TableSpec,
)
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
# Decisions whose subject is a table justify its primary key (a lookup table's comes from its constraint).
KEY_DECISIONS = ("KEY_DESIGN", "TABLE_STRUCTURE", "UNIQUE_CONSTRAINT")
# DynamoDB's per-partition throughput ceiling, quoted next to the partition table.
PARTITION_RCU_LIMIT = 3000
PARTITION_WCU_LIMIT = 1000


def render_data_model(model: DataModel, schema: Schema) -> str:
    """The text of ``dynamodb_data_model.md`` (seed 002's data model template).

    ``schema`` supplies row counts and source column types for the entity
    descriptions; tables or columns it lacks are simply not described.  Money
    has two decimals, other numbers at most two; same inputs, same bytes.
    """
    lines: list[str] = [TITLE, "", f"Application: {code(model.application)}", ""]
    lines += _philosophy(model)
    lines += _tables(model, schema, _Lookups.of(model, schema))
    lines += _mapping(model)
    lines += _cost(model)
    lines += _partitions(model)
    lines += _decisions(model)
    lines += _warnings(model)
    lines += _tradeoffs(model)
    return join_lines(lines)


# --------------------------------------------------------------------- philosophy


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
            "**multi-table**: one table per entity (seed 002's *Multi-Table First*), so each table keeps "
            "its own capacity, alarms, backups and IAM boundary"
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


# ------------------------------------------------------------------------- tables


def _tables(model: DataModel, schema: Schema, lk: _Lookups) -> list[str]:
    lines = ["", "## Table Designs"]
    for t in model.tables:
        lines += _table(model, schema, lk, t)
        for index in t.indexes:
            lines += _index(model, lk, t, index)
    if not model.tables:
        lines.append("No tables.")
    return lines


def _table(model: DataModel, schema: Schema, lk: _Lookups, t: TableSpec) -> list[str]:
    lines = ["", f"### {t.name} Table", ""]
    lines.append(bullet("Purpose", t.purpose or _default_purpose(t, lk)))
    decisions = _key_decisions(lk, t)
    reasons: list[str] = []
    if len(decisions) == 1:
        reasons.append(f"{decisions[0].chosen_approach} — {decisions[0].justification}")
    elif decisions:
        reasons.append("per entity (below)")
    reasons.append(_distribution(lk, t.name, None))
    justification = "; ".join(r for r in reasons if r) or "no recorded decision"
    lines.append(bullet("Partition Key", f"{_key_text(t.pk)} - {justification}"))
    if len(decisions) > 1:
        lines += [f"  - {d.subject}: {d.chosen_approach} — {d.justification}" for d in decisions]
    if t.sk is None:
        lines.append(bullet("Sort Key", "none - simple primary key: one item per partition key value"))
    else:
        queries = lk.queries.get((t.name, None), [])
        enabled = f"orders and bounds the items that {', '.join(queries)} query" if queries else ""
        enabled = enabled or "makes each item unique within its partition (item collection)"
        lines.append(bullet("Sort Key", f"{_key_text(t.sk)} - {enabled}"))
    lines.append(bullet("Access Patterns Served", _served(model, t.satisfies)))
    lines.append(bullet("Capacity Planning", _capacity(model, lk, t)))
    lines.append(bullet("TTL", _ttl(t)))
    lines.append(
        bullet(
            "Operations",
            f"streams {'on' if t.stream else 'off'}; point-in-time recovery "
            f"{'on' if t.point_in_time_recovery else 'off'}; estimated item size "
            f"{num(t.estimated_item_size_bytes)} bytes",
        )
    )
    lines.append(bullet("Entities Stored", plural(len(t.entities), "entity", "entities")))
    for e in t.entities:
        lines.append(f"  - {_entity_line(e, lk)}")
    for e in t.entities:
        lines += _attributes(e, schema, many=len(t.entities) > 1)
    return lines


def _key_decisions(lk: _Lookups, t: TableSpec) -> list[DesignDecision]:
    """The decisions that justify a table's key: about the table itself, else about what it stores.

    The engine may name a decision after the source table (``orders``) or, for a
    unique constraint, after the guarded columns (``users(email)``).
    """
    own = _decisions_about(lk, {t.name}, KEY_DECISIONS)
    if own:
        return own
    subjects: set[str] = set()
    types: tuple[str, ...] = ("KEY_DESIGN", "TABLE_STRUCTURE")
    for e in t.entities:
        if e.kind == "entity":
            subjects.add(e.source_table)
        elif t.role == "lookup":
            types = ("UNIQUE_CONSTRAINT",)
            subjects.update(f"{e.source_table}({sep.join(e.unique_columns)})" for sep in (",", ", "))
    return _decisions_about(lk, subjects, types)


def _default_purpose(t: TableSpec, lk: _Lookups) -> str:
    sources = [e.source_table for e in t.entities]
    if t.role == "lookup":
        guarded = [f"{e.source_table}.{', '.join(e.unique_columns)}" for e in t.entities]
        return f"guards uniqueness of {codes(guarded)} (seed 002 unique-constraint lookup table)"
    rows = [lk.row_counts.get(s, "") for s in sources]
    described = ", ".join(f"{code(s)}{f' ({r})' if r else ''}" for s, r in zip(sources, rows, strict=True))
    return f"stores the rows of {described or 'no source table'}"


def _row_counts(schema: Schema) -> dict[str, str]:
    """Source table name -> ``~1,000 rows``, from the first table of that name with statistics."""
    out: dict[str, str] = {}
    for t in schema.tables:
        if t.stats is not None and t.name not in out:
            approx = "" if t.stats.row_count_exact else "~"
            out[t.name] = f"{approx}{num(t.stats.row_count)} rows"
    return out


def _key_text(kp: KeyPart) -> str:
    text = f"{code(kp.attribute)} ({kp.type})"
    if kp.template != f"{{{kp.attribute}}}":
        text += f" = {code(kp.template)}"
    return text


def _entity_line(e: EntityMapping, lk: _Lookups) -> str:
    parts = [f"{code(e.source_table)}"]
    if e.item_type:
        parts.append(f"item type {code(e.item_type)}")
    parts.append(f"PK {code(e.pk.template)}")
    if e.sk is not None:
        parts.append(f"SK {code(e.sk.template)}")
    for kp in e.index_keys:
        parts.append(f"{kp.attribute} {code(kp.template)}")
    if e.kind == "lookup":
        parts.append(f"lookup item guarding {codes(e.unique_columns)}")
    rows = lk.row_counts.get(e.source_table, "")
    if rows:
        parts.append(rows)
    return "; ".join(parts)


def _attributes(e: EntityMapping, schema: Schema, *, many: bool) -> list[str]:
    heading = f"Attributes of {code(e.source_table)}" + (f" items ({code(e.item_type)})" if e.item_type else "")
    rows = [
        [
            code(a.name),
            a.type,
            f"{a.source_table}.{a.source_column}",
            _source_type(schema, a),
            a.transform,
            _attribute_notes(a),
        ]
        for a in e.attributes
    ]
    if not rows:
        return ["", f"{heading}: none besides the keys."] if many else []
    return [
        "",
        f"{heading}:",
        "",
        *table(("Attribute", "Type", "Source", "Source type", "Transform", "Notes"), rows),
    ]


def _source_type(schema: Schema, a: AttributeSpec) -> str:
    try:
        return schema.table(a.source_table).column(a.source_column).source_type
    except KeyError:
        return "—"


def _attribute_notes(a: AttributeSpec) -> str:
    notes: list[str] = []
    if not a.nullable:
        notes.append("always present")
    if a.denormalized:
        join = f" via {a.join.local_column} = {a.source_table}.{a.join.source_column}" if a.join else ""
        notes.append(f"denormalized{join}: {a.justification or 'no justification'}")
    return "; ".join(notes)


def _served(model: DataModel, ids: Iterable[str]) -> str:
    out = [_pattern_label(model, pid) for pid in ids]
    return ", ".join(out) if out else "none (maintained by writes only)"


def _pattern_label(model: DataModel, pattern_id: str) -> str:
    try:
        plan = model.plan(pattern_id)
    except KeyError:
        return pattern_id
    return f"{pattern_id} ({plan.description})" if plan.description else pattern_id


@dataclass(frozen=True)
class _Lookups:
    """One model's figures by table (and decisions by subject), so that hundreds of tables render in linear time.

    Built once per :func:`render_data_model` call and passed down.
    """

    # (table, index or None) -> ids of the patterns that Query it: their items come back in sort key order
    queries: dict[tuple[str, str | None], list[str]]
    partitions: dict[tuple[str, str | None], list[PartitionLoad]]
    decisions: dict[str, list[DesignDecision]]
    # id(decision) -> its position in model.decisions (the order decisions are listed in)
    decision_order: dict[int, int]
    costs: dict[str, TableCost]
    # pattern id -> (position in model.cost.patterns, its capacity), in that order
    pattern_costs: dict[str, list[tuple[int, PatternCapacity]]]
    row_counts: dict[str, str]

    @classmethod
    def of(cls, model: DataModel, schema: Schema) -> _Lookups:
        queries: dict[tuple[str, str | None], list[str]] = {}
        for plan in model.plans:
            for step in _flat(plan.steps):
                if step.operation == "Query":
                    ids = queries.setdefault((step.table, step.index), [])
                    if plan.pattern_id not in ids:
                        ids.append(plan.pattern_id)
        partitions: dict[tuple[str, str | None], list[PartitionLoad]] = {}
        for p in model.partitions:
            partitions.setdefault((p.table, p.index), []).append(p)
        decisions: dict[str, list[DesignDecision]] = {}
        for d in model.decisions:
            decisions.setdefault(d.subject, []).append(d)
        pattern_costs: dict[str, list[tuple[int, PatternCapacity]]] = {}
        for n, c in enumerate(model.cost.patterns if model.cost else ()):
            pattern_costs.setdefault(c.pattern_id, []).append((n, c))
        return cls(
            queries=queries,
            partitions=partitions,
            decisions=decisions,
            decision_order={id(d): n for n, d in enumerate(model.decisions)},
            costs={c.table: c for c in model.cost.tables} if model.cost else {},
            pattern_costs=pattern_costs,
            row_counts=_row_counts(schema),
        )


def _distribution(lk: _Lookups, table_name: str, index: str | None) -> str:
    return "; ".join(
        (f"{num(p.distinct_keys)} distinct keys" if p.distinct_keys is not None else "distinct keys unknown")
        + f", skew {num(p.skew)}"
        + (" (hot, see Hot Partition Analysis)" if p.hot else "")
        for p in lk.partitions.get((table_name, index), [])
    )


def _flat(steps: Iterable[PlanStep]) -> list[PlanStep]:
    out: list[PlanStep] = []
    for step in steps:
        out.append(step)
        out += _flat(step.items)
    return out


def _capacity(model: DataModel, lk: _Lookups, t: TableSpec) -> str:
    if model.cost is None:
        return "no capacity estimate in the model"
    cost = lk.costs.get(t.name)
    # The capacities of the patterns the table serves, in model.cost.patterns order.
    served = [found for pid in set(t.satisfies) for found in lk.pattern_costs.get(pid, [])]
    patterns = [c for _, c in sorted(served, key=lambda found: found[0])]
    parts: list[str] = []
    if cost is not None:
        parts.append(
            f"avg {num(cost.rcu_avg)} RCU / {num(cost.wcu_avg)} WCU, peak {num(cost.rcu_peak)} RCU / "
            f"{num(cost.wcu_peak)} WCU (indexes included)"
        )
    for c in patterns:
        parts.append(
            f"{c.pattern_id}: {num(c.rps_avg)}/{num(c.rps_peak)} RPS avg/peak × "
            f"{num(c.rcu_per_call)} RCU + {num(c.wcu_per_call)} WCU per call"
        )
    mode = (
        "on-demand sized by average RPS"
        if model.billing == "on-demand"
        else "provisioned for peak RPS with auto-scaling"
    )
    parts.append(f"billing {mode}")
    if cost is not None:
        parts.append(
            f"{money(cost.on_demand_monthly)}/month on-demand, {money(cost.provisioned_monthly)}/month provisioned"
        )
    return "; ".join(parts)


def _ttl(t: TableSpec) -> str:
    specs = [(e, e.ttl) for e in t.entities if e.ttl is not None]
    if not specs:
        return f"{code(t.ttl_attribute)} (no retention recorded)" if t.ttl_attribute else "none"
    return "; ".join(
        f"{code(ttl.attribute)} = {e.source_table}.{ttl.source_column} + {plural(ttl.retention_days, 'day')}"
        f" - {ttl.reason}"
        for e, ttl in specs
    )


def _index(model: DataModel, lk: _Lookups, t: TableSpec, index: IndexSpec) -> list[str]:
    lines = ["", f"### {index.name} GSI", ""]
    subjects = {index.name, f"{t.name}.{index.name}", *(f"{e.source_table}.{index.name}" for e in t.entities)}
    decisions = _decisions_about(lk, subjects, ("GSI_DESIGN",))
    why = "; ".join(f"{d.chosen_approach} — {d.justification}" for d in decisions)
    purpose = f"on {code(t.name)}, serves {_served(model, index.serves)}"
    lines.append(bullet("Purpose", purpose + (f"; {why}" if why else "")))
    distribution = _distribution(lk, t.name, index.name)
    lines.append(bullet("Partition Key", _key_text(index.pk) + (f" - {distribution}" if distribution else "")))
    if index.sk is None:
        lines.append(bullet("Sort Key", "none"))
    else:
        queries = lk.queries.get((t.name, index.name), [])
        use = f"orders and bounds the items that {', '.join(queries)} query" if queries else "orders items within a key"
        lines.append(bullet("Sort Key", f"{_key_text(index.sk)} - {use}"))
    projection: str = index.projection
    if index.projection == "INCLUDE":
        projection += f" ({codes(index.non_key_attributes)})"
    lines.append(bullet("Projection", f"{projection} - {index.projection_reason or 'no reason recorded'}"))
    if index.sparse is None:
        lines.append(bullet("Sparse", "no - every item carries the index key"))
    else:
        s = index.sparse
        condition = f"{code(s.column)} = {code(s.value)}" if s.value is not None else f"{code(s.column)} not null"
        lines.append(bullet("Sparse", f"{condition} - {s.reason}"))
    writers = [e.source_table for e in t.entities if any(k.attribute == index.pk.attribute for k in e.index_keys)]
    if len(writers) > 1:
        lines.append(bullet("Overloaded", f"written by {codes(writers)} with different key templates"))
    return lines


def _decisions_about(lk: _Lookups, subjects: set[str], types: Sequence[str]) -> list[DesignDecision]:
    """The decisions of these types about any of ``subjects``, in model order."""
    found = [d for s in subjects for d in lk.decisions.get(s, []) if d.decision_type in types]
    return sorted(found, key=lambda d: lk.decision_order[id(d)])


# ------------------------------------------------------------------------ mapping


MAPPING_HEADERS = (
    "Pattern",
    "Description",
    "Operation(s)",
    "Table / Index",
    "Key Condition",
    "Filter",
    "Options",
    "Expected Items",
    "RCU/call",
    "WCU/call",
)


def _mapping(model: DataModel) -> list[str]:
    lines = ["", "## Access Pattern Mapping", ""]
    supported = [p for p in model.plans if p.supported]
    if supported:
        lines += table(MAPPING_HEADERS, [_mapping_row(p) for p in supported])
    else:
        lines.append("No pattern is served by DynamoDB operations.")
    unsupported = [p for p in model.plans if not p.supported]
    if unsupported:
        lines += ["", "### Unsupported Patterns", ""]
        for p in unsupported:
            alternative = p.alternative or "no alternative recorded"
            reason = p.reason or "no reason recorded"
            lines.append(
                f"- **{p.pattern_id}** ({p.description or 'no description'}): {reason}."
                f" Recommended alternative: {alternative}"
            )
    notes = [(p.pattern_id, s.note) for p in supported for s in _flat(p.steps) if s.note]
    if notes:
        lines += ["", "Notes:"]
        lines += [f"- {pid}: {note}" for pid, note in notes]
    return lines


def _mapping_row(plan: AccessPlan) -> list[str]:
    ops: list[str] = []
    targets: list[str] = []
    keys: list[str] = []
    filters: list[str] = []
    options: list[str] = []
    for step in plan.steps:
        if step.items:
            ops.append(f"{step.operation} [{', '.join(i.operation for i in step.items)}]")
            targets.append(", ".join(_unique(i.table for i in step.items)))
            keys.append("; ".join(_condition_text(i) for i in step.items))
        else:
            ops.append(step.operation)
            targets.append(step.table + (f" / {step.index}" if step.index else ""))
            keys.append(_condition_text(step))
        if step.filter:
            filters.append(step.filter)
        options.append(_options(step))
    return [
        plan.pattern_id,
        plan.description,
        "\n".join(ops),
        "\n".join(targets),
        "\n".join(keys),
        "\n".join(filters),
        "\n".join(o for o in options if o),
        num(plan.expected_items),
        num(plan.rcu_per_call),
        num(plan.wcu_per_call),
    ]


def _condition_text(step: PlanStep) -> str:
    parts: list[str] = []
    if step.key_condition:
        bound = [
            *(f"{k} = {v}" for k, v in step.names.items()),
            *(f"{k} = {v}" for k, v in step.values.items()),
        ]
        parts.append(step.key_condition + (f" ({', '.join(bound)})" if bound else ""))
    elif step.key:
        parts.append(" AND ".join(f"{k} = {v}" for k, v in step.key.items()))
    elif step.item_entity:
        parts.append(f"item from {step.item_entity}")
    if step.update:
        parts.append(step.update)
    if step.condition:
        parts.append(f"if {step.condition}")
    return ", ".join(parts)


def _options(step: PlanStep) -> str:
    out: list[str] = []
    if step.consistent_read:
        out.append("ConsistentRead")
    if step.scan_forward is False:
        out.append("ScanIndexForward=false")
    if step.limit is not None:
        out.append(f"Limit {step.limit}")
    if step.select:
        out.append(f"Select {step.select}")
    return ", ".join(out)


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


# --------------------------------------------------------------------------- cost


COST_HEADERS = (
    "Table",
    "Storage (GB)",
    "RCU avg",
    "WCU avg",
    "RCU peak",
    "WCU peak",
    "Storage $/month",
    "On-demand $/month",
    "Provisioned $/month",
)
PATTERN_COST_HEADERS = (
    "Pattern",
    "RPS avg",
    "RPS peak",
    "RCU/call",
    "WCU/call",
    "RCU avg",
    "WCU avg",
    "RCU peak",
    "WCU peak",
)


def _cost(model: DataModel) -> list[str]:
    lines = ["", "## Cost Estimates", ""]
    cost = model.cost
    if cost is None:
        lines.append("No cost estimate: the model was built without capacity figures.")
        return lines
    lines.append(
        f"Prices: {cost.pricing}. On-demand is priced from **average** RPS; provisioned capacity must "
        f"cover the **peak** RPS. Chosen billing: **{cost.billing}**."
    )
    lines.append("")
    rows: list[list[str]] = [
        [
            c.table,
            num(c.storage_gb),
            num(c.rcu_avg),
            num(c.wcu_avg),
            num(c.rcu_peak),
            num(c.wcu_peak),
            money(c.storage_monthly),
            money(c.on_demand_monthly),
            money(c.provisioned_monthly),
        ]
        for c in cost.tables
    ]
    rows.append(
        [
            "**Total**",
            num(sum(c.storage_gb for c in cost.tables)),
            num(sum(c.rcu_avg for c in cost.tables)),
            num(sum(c.wcu_avg for c in cost.tables)),
            num(sum(c.rcu_peak for c in cost.tables)),
            num(sum(c.wcu_peak for c in cost.tables)),
            money(sum(c.storage_monthly for c in cost.tables)),
            f"**{money(cost.total_on_demand_monthly)}**",
            f"**{money(cost.total_provisioned_monthly)}**",
        ]
    )
    lines += table(COST_HEADERS, rows)
    chosen = cost.total_on_demand_monthly if cost.billing == "on-demand" else cost.total_provisioned_monthly
    lines += ["", bullet("Monthly total (chosen billing)", f"{money(chosen)} ({cost.billing})")]
    for c in cost.tables:
        if not c.arithmetic:
            continue
        fence = "~~~~" if any("```" in line for line in c.arithmetic) else "```"
        lines += ["", f"### {c.table} arithmetic", "", fence + "text", *c.arithmetic, fence]
    if cost.patterns:
        lines += ["", "### Capacity per Access Pattern", ""]
        lines += table(
            PATTERN_COST_HEADERS,
            [
                [
                    p.pattern_id,
                    num(p.rps_avg),
                    num(p.rps_peak),
                    num(p.rcu_per_call),
                    num(p.wcu_per_call),
                    num(p.rcu_avg),
                    num(p.wcu_avg),
                    num(p.rcu_peak),
                    num(p.wcu_peak),
                ]
                for p in cost.patterns
            ],
        )
    return lines


# ----------------------------------------------------------------------- partitions


PARTITION_HEADERS = (
    "Table",
    "Index",
    "Key",
    "Patterns",
    "Distinct keys",
    "Skew",
    "RCU/partition",
    "WCU/partition",
    "Hot",
)


def _partitions(model: DataModel) -> list[str]:
    lines = ["", "## Hot Partition Analysis", ""]
    if not model.partitions:
        lines.append("The model holds no partition load figures (no pattern with RPS reaches a key).")
        return lines
    lines.append(
        f"A single partition serves at most {num(PARTITION_RCU_LIMIT)} RCU and "
        f"{num(PARTITION_WCU_LIMIT)} WCU per second; the load below is the hottest key's share at peak RPS."
    )
    lines.append("")
    lines += table(
        PARTITION_HEADERS,
        [
            [
                p.table,
                p.index or "(table)",
                code(p.key),
                ", ".join(p.pattern_ids),
                num(p.distinct_keys),
                num(p.skew),
                num(p.rcu_per_partition),
                num(p.wcu_per_partition),
                "🔥 yes" if p.hot else "no",
            ]
            for p in model.partitions
        ],
    )
    hot = [p for p in model.partitions if p.hot]
    lines.append("")
    if not hot:
        lines.append("No key is hot: every partition stays well under its limits.")
    for p in hot:
        where = p.table + (f" / {p.index}" if p.index else "")
        lines.append(
            f"- **{where}** key {code(p.key)} is hot ({', '.join(p.pattern_ids)}): "
            f"sharding plan: {p.sharding_plan or 'none recorded - decide before production'}"
        )
    return lines


# ---------------------------------------------------------------------- decisions


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
            items.append(f"**{p.pattern_id}** is not served by DynamoDB: {p.alternative or 'no alternative recorded'}")
    if not items:
        lines.append("No trade-offs recorded.")
    lines += [f"- {item}" for item in items]
    return lines
