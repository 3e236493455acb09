"""The "Access Pattern Mapping" section of ``dynamodb_data_model.md``: each pattern's DynamoDB operations.

Served patterns form one table row each (operations, target, key condition,
filter, options and per-call capacity); unsupported ones are listed with the
reason and the recommended alternative.
"""

from __future__ import annotations

from sql2dynamo.design.model import AccessPlan, DataModel, PlanStep, flat_steps
from sql2dynamo.design.render.markdown import num, table

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


def access_pattern_mapping(model: DataModel) -> list[str]:
    """The "Access Pattern Mapping" section: the operations of each served pattern, then the unsupported ones."""
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
    notes = [(p.pattern_id, s.note) for p in supported for s in flat_steps(p.steps) if s.note]
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
            targets.append(", ".join(dict.fromkeys(i.table for i in step.items)))
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
