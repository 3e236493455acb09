"""The "Table Designs" section of ``dynamodb_data_model.md``: "### <Name> Table" and "### <Name> GSI".

Each table shows its purpose, keys and why they were chosen, the patterns it
serves, its capacity and cost, TTL, operations settings, the entities it
stores and their attributes; each index its purpose, keys, projection and
sparseness.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sql2dynamo.design.model import (
    AttributeSpec,
    DataModel,
    DesignDecision,
    EntityMapping,
    IndexSpec,
    KeyPart,
    PartitionLoad,
    PatternCapacity,
    TableCost,
    TableSpec,
    flat_steps,
)
from sql2dynamo.design.render.markdown import approx_rows, bullet, code, codes, money, num, plural, table
from sql2dynamo.source.model import Schema

# Decisions whose subject is a table justify its primary key (a lookup table's comes from its constraint).
KEY_DECISIONS = ("KEY_DESIGN", "TABLE_STRUCTURE", "UNIQUE_CONSTRAINT")


def table_designs(model: DataModel, schema: Schema) -> list[str]:
    """The "Table Designs" section: each table, then each of its indexes.

    ``schema`` supplies row counts and source column types; tables or columns
    it lacks are simply not described.
    """
    lk = _Lookups.of(model, schema)
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
        return f"guards uniqueness of {codes(guarded)} (the data-modeling method's unique-constraint lookup table)"
    rows = [lk.row_counts.get(s, "") for s in sources]
    described = ", ".join(f"{code(s)}{f' ({r})' if r else ''}" for s, r in zip(sources, rows, strict=True))
    return f"stores the rows of {described or 'no source table'}"


def _row_counts(schema: Schema) -> dict[str, str]:
    """Source table name -> ``~1,000 rows``, from the first table of that name with statistics."""
    out: dict[str, str] = {}
    for t in schema.tables:
        if t.stats is not None and t.name not in out:
            out[t.name] = approx_rows(t.stats.row_count, exact=t.stats.row_count_exact)
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

    Built once per :func:`table_designs` call and passed down.
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
            for step in flat_steps(plan.steps):
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
