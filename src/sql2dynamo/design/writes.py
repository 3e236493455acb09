"""Plans for writes: PutItem, UpdateItem, DeleteItem, and transactions that keep lookups true.

An UPDATE or DELETE writes only when its whole WHERE holds: the conjuncts the
key does not fix become the write's ConditionExpression (DynamoDB checks them
on the item, atomically with the write), so a false condition writes nothing,
as the SQL changes 0 rows.  Every assigned column (SET, VALUES) is accounted
for too: a value the database computes (``NOW()``, ``n + 1``) is refused
rather than written as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.model import AccessPlan, Enforcement, IndexSpec, PlanStep, PredicateUse, TableSpec
from sql2dynamo.design.plans import binding_for, expression_names, key_values, own_attributes, placeholder
from sql2dynamo.design.predicates import is_plain_value
from sql2dynamo.workload.shape.model import Binding, StatementShape


@dataclass(frozen=True)
class WriteConditions:
    """The conjuncts of an UPDATE's or DELETE's WHERE that the key does not fix, as one ConditionExpression."""

    expression: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def assignment_uses(table: TableSpec, shape: StatementShape) -> dict[int, PredicateUse]:
    """Where each SET or VALUES column is written (keyed after the WHERE's conjuncts), or why it cannot be."""
    clause: Literal["set", "values"] = "set" if shape.operation == "update" else "values"
    columns = shape.set_columns if shape.operation == "update" else shape.insert_columns
    attributes = own_attributes(table)
    keys = set(table.pk.columns) | set(table.sk.columns if table.sk else ())
    out: dict[int, PredicateUse] = {}
    base = len(shape.conditions)
    for n, column in enumerate(columns):
        value = binding_for(shape.bindings, column, ("set",))
        how: Enforcement = "update" if clause == "set" else "item"
        reason, alternative = "", None
        if column not in attributes:
            reason = f"{column} is not an attribute of the {table.entities[0].source_table} items"
            alternative = "check the column name against the schema"
        elif value is not None and not is_plain_value(value):
            reason = f"{column} = {value} is computed by the database, which DynamoDB cannot do in this write"
            alternative = f"compute the value in the application and pass it as a parameter (:{column})"
        elif clause == "set" and column in keys:
            reason = f"SET {column} changes the item's key, which moves it to another item"
            alternative = "write the change as a delete and an insert"
        if reason:
            out[base + n] = PredicateUse(clause, column, "unsupported", None, n, reason, alternative)
        else:
            expression = f"#{placeholder(attributes[column])} = :v_{placeholder(column)}" if clause == "set" else None
            why = "SET by the UpdateItem" if clause == "set" else "written by the entity mapping into the item"
            out[base + n] = PredicateUse(clause, column, how, expression, n, why)
    return out


def _not_exists(table: TableSpec) -> str:
    return f"attribute_not_exists(#{placeholder(table.pk.attribute)})"


def _exists(table: TableSpec) -> str:
    return f"attribute_exists(#{placeholder(table.pk.attribute)})"


def _nullable(table: TableSpec, columns: Sequence[str]) -> bool:
    # SQL lets many rows hold NULL in a unique column: such rows claim nothing.
    attrs = {a.source_column: a for a in table.entities[0].attributes if not a.denormalized}
    return any(attrs[c].nullable for c in columns if c in attrs)


def insert_plan(rp: ResolvedPattern, table: TableSpec, lookups: Sequence[TableSpec]) -> AccessPlan:
    """INSERT: a conditional PutItem, or a transaction with the unique-value claims."""
    parents = sorted({a.source_table for a in table.entities[0].attributes if a.denormalized and a.join})
    put = PlanStep(
        operation="PutItem",
        table=table.name,
        item_entity=table.entities[0].source_table,
        condition=_not_exists(table),
        names=expression_names(table.pk.attribute),
        note="the item is built from the inserted values by the table's entity mapping"
        + (f"; the copied columns are read first from {', '.join(parents)} (one GetItem each)" if parents else ""),
    )
    if not lookups:
        return _plan(rp, (put,), 1.0)
    claims = tuple(
        PlanStep(
            operation="PutItem",
            table=lk.name,
            item_entity=lk.entities[0].source_table,
            condition=_not_exists(lk),
            names=expression_names(lk.pk.attribute),
            note=f"claims the value of {', '.join(lk.entities[0].unique_columns)}"
            + ("; skipped when the value is NULL" if _nullable(table, lk.entities[0].unique_columns) else ""),
        )
        for lk in lookups
    )
    return _plan(rp, (PlanStep(operation="TransactWriteItems", table=table.name, items=(put, *claims)),), 1.0)


def _set_clause(columns: Sequence[str], bindings: Sequence[Binding]) -> tuple[str, dict[str, str], dict[str, str]]:
    parts, values, names = [], {}, {}
    for col in columns:
        value = binding_for(bindings, col, ("set",)) or f":{col}"
        ph = f":v_{placeholder(col)}"
        parts.append(f"#{placeholder(col)} = {ph}")
        values[ph] = "{" + value + "}" if value.startswith(":") else value.strip("'")
        names.update(expression_names(col))
    return "SET " + ", ".join(parts), values, names


def update_plan(
    rp: ResolvedPattern,
    table: TableSpec,
    lookups: Sequence[TableSpec],
    by_key: bool,
    finder: PlanStep | None,
    copies: Sequence[tuple[TableSpec, IndexSpec | None, str]],  # (table, index, partition key value template)
    checks: WriteConditions = WriteConditions(),
) -> AccessPlan:
    """UPDATE: UpdateItem by key (found first through an index when the SQL does not give the key)."""
    shape = rp.shape
    assert shape is not None
    bindings = shape.bindings
    update, values, names = _set_clause(shape.set_columns, bindings)
    key = key_values(table, bindings) if by_key else _found_key(table)
    names.update(expression_names(table.pk.attribute))
    names.update(checks.names)
    values.update(checks.values)
    condition = _exists(table) + (f" AND {checks.expression}" if checks.expression else "")
    step = PlanStep(
        operation="UpdateItem",
        table=table.name,
        key=key,
        update=update,
        values=values,
        names=names,
        condition=condition,
        note=_write_note(by_key, checks, "once per item the query found (keys taken from its results)"),
    )
    changed = [lk for lk in lookups if set(lk.entities[0].unique_columns) & set(shape.set_columns)]
    steps: list[PlanStep] = [finder] if finder else []
    if changed:
        steps.append(
            PlanStep(
                operation="GetItem",
                table=table.name,
                key=key,
                consistent_read=True,
                note="reads the old unique values, to release their claims",
            )
        )
        claims: list[PlanStep] = [step]
        for lk in changed:
            claims.append(
                PlanStep(
                    operation="DeleteItem",
                    table=lk.name,
                    key=_lookup_key(lk, old=True),
                    note="releases the old value",
                )
            )
            claims.append(
                PlanStep(
                    operation="PutItem",
                    table=lk.name,
                    item_entity=lk.entities[0].source_table,
                    condition=_not_exists(lk),
                    names=expression_names(lk.pk.attribute),
                    note="claims the new value",
                )
            )
        steps.append(PlanStep(operation="TransactWriteItems", table=table.name, items=tuple(claims)))
    else:
        steps.append(step)
    for target, index, pk_value in copies:
        pk = index.pk if index else target.pk
        condition = f"#{placeholder(pk.attribute)} = :pk"
        names = expression_names(pk.attribute)
        values = {":pk": pk_value}
        sk = None if index else target.sk
        if sk is not None and "{" in sk.template and not sk.template.startswith("{"):
            # The parent's partition holds other entities too (single-table): select the copies' entity only.
            condition += f" AND begins_with(#{placeholder(sk.attribute)}, :sk_prefix)"
            names.update(expression_names(sk.attribute))
            values[":sk_prefix"] = sk.template.split("{")[0]
        steps.append(
            PlanStep(
                operation="Query",
                table=target.name,
                index=index.name if index else None,
                key_condition=condition,
                names=names,
                values=values,
                note="finds the items holding a denormalized copy of the changed columns; each gets an UpdateItem",
            )
        )
    return _plan(rp, tuple(steps), 1.0)


def delete_plan(
    rp: ResolvedPattern,
    table: TableSpec,
    lookups: Sequence[TableSpec],
    by_key: bool,
    finder: PlanStep | None,
    ttl: bool,
    checks: WriteConditions = WriteConditions(),
) -> AccessPlan:
    """DELETE: DeleteItem (with lookup claims released), or nothing when TTL expires the rows."""
    shape = rp.shape
    assert shape is not None
    if ttl:
        return AccessPlan(
            pattern_id=rp.id,
            description=rp.pattern.description,
            kind="write",
            supported=True,
            steps=(),
            expected_items=0.0,
            rcu_per_call=0.0,
            wcu_per_call=0.0,
            reason=f"served by TTL on {table.name}: DynamoDB deletes expired items itself, at no write cost",
        )
    key = key_values(table, shape.bindings) if by_key else _found_key(table)
    delete = PlanStep(
        operation="DeleteItem",
        table=table.name,
        key=key,
        condition=checks.expression,
        names=dict(checks.names),
        values=dict(checks.values),
        note=_write_note(by_key, checks, "once per item the query found"),
    )
    steps: list[PlanStep] = [finder] if finder else []
    if lookups:
        releases = tuple(
            PlanStep(
                operation="DeleteItem",
                table=lk.name,
                key=_lookup_key(lk),
                note="releases the unique value (taken from the item read first)",
            )
            for lk in lookups
        )
        steps.append(
            PlanStep(
                operation="GetItem",
                table=table.name,
                key=key,
                consistent_read=True,
                note="reads the unique values whose claims the delete releases",
            )
        )
        steps.append(PlanStep(operation="TransactWriteItems", table=table.name, items=(delete, *releases)))
    else:
        steps.append(delete)
    return _plan(rp, tuple(steps), 1.0)


def _write_note(by_key: bool, checks: WriteConditions, found: str) -> str | None:
    """What the step does per item, and what a false condition means."""
    parts = [] if by_key else [found]
    if checks.expression:
        parts.append(
            "the condition is the rest of the SQL's WHERE: when it is false nothing is written (0 rows)"
            + ("; the runtime raises ConditionFailed" if by_key else "; that item is skipped")
        )
    return "; ".join(parts) or None


def _found_key(table: TableSpec) -> dict[str, str]:
    """The item's key from the row a finder step found (a lookup item holds the key columns, an index item all)."""
    out = {table.pk.attribute: table.pk.template}
    if table.sk:
        out[table.sk.attribute] = table.sk.template
    return out


def _lookup_key(lk: TableSpec, *, old: bool = False) -> dict[str, str]:
    """A lookup item's whole key (single-table lookups have a constant sort key too)."""
    key = {lk.pk.attribute: lk.pk.template.replace("{", "{old.") if old else lk.pk.template}
    if lk.sk:
        key[lk.sk.attribute] = lk.sk.template.replace("{", "{old.") if old else lk.sk.template
    return key


def _plan(rp: ResolvedPattern, steps: tuple[PlanStep, ...], items: float) -> AccessPlan:
    return AccessPlan(
        pattern_id=rp.id,
        description=rp.pattern.description,
        kind="write",
        supported=True,
        steps=steps,
        expected_items=items,
        rcu_per_call=0.0,
        wcu_per_call=0.0,
    )


__all__ = ["WriteConditions", "assignment_uses", "delete_plan", "insert_plan", "update_plan"]
