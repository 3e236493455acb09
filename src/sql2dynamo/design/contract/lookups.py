"""The contract's uniqueness part: which lookup table guards which entity table, and the transaction that keeps them.

A ``lookup`` table holds one item per unique value of a source table's
columns; the entity table that stores that source table's rows is the one it
guards.  :class:`Relations` works out, once per contract, who guards what and
which ``TransactWriteItems`` write each lookup table; :func:`lookup_tables`
renders an entity table's ``lookup_tables`` extra and :func:`unique_lookup` a
lookup table's ``unique_lookup`` extra, with the transaction as a
``ddb_query_plan`` in DynamoDB's own parameter names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sql2dynamo.design.model import DataModel, EntityMapping, PlanStep, TableSpec, flat_steps

__all__ = ["Relations", "lookup_tables", "unique_lookup"]


@dataclass(frozen=True)
class Relations:
    """Who guards what and which transactions write where, built once per contract."""

    # source table -> the entity table whose items a lookup on it protects: the first that stores it
    guards: dict[str, TableSpec]
    # entity table name -> (lookup table, its entity) for every lookup entity guarding it, in model order
    lookups: dict[str, list[tuple[TableSpec, EntityMapping]]]
    # lookup table name -> (ids of the patterns whose transactions write it, the first such transaction)
    transactions: dict[str, tuple[list[str], PlanStep]]

    @classmethod
    def of(cls, model: DataModel) -> Relations:
        """The relations of ``model``'s tables and write plans."""
        guards: dict[str, TableSpec] = {}
        for t in model.tables:
            if t.role == "entity":
                for e in t.entities:
                    if e.kind == "entity":
                        guards.setdefault(e.source_table, t)
        lookups: dict[str, list[tuple[TableSpec, EntityMapping]]] = {}
        for other in model.tables:
            if other.role == "lookup":
                for e in other.entities:
                    guarded = guards.get(e.source_table)
                    if guarded is not None:
                        lookups.setdefault(guarded.name, []).append((other, e))
        transactions: dict[str, tuple[list[str], PlanStep]] = {}
        for plan in model.plans:
            for step in flat_steps(plan.steps):
                if step.operation == "TransactWriteItems":
                    for table in dict.fromkeys(i.table for i in step.items):
                        patterns, _ = transactions.setdefault(table, ([], step))
                        if plan.pattern_id not in patterns:
                            patterns.append(plan.pattern_id)
        return cls(guards, lookups, transactions)


def lookup_tables(relations: Relations, t: TableSpec) -> list[dict[str, Any]]:
    """The lookup tables guarding a source table this entity table stores (its ``lookup_tables`` extra)."""
    return [
        {"table": other.name, "columns": _guarded_columns(e)}
        for other, e in relations.lookups.get(t.name, [])
        if relations.guards[e.source_table] is t
    ]


def unique_lookup(model: DataModel, relations: Relations, t: TableSpec, lookup: EntityMapping) -> dict[str, Any]:
    """The ``unique_lookup`` extra of lookup table ``t``, whose entity mapping is ``lookup``.

    The transaction is the first write pattern's that writes ``t``; when no
    pattern shows one, the data-modeling method's canonical pair of conditional puts.
    """
    guarded = relations.guards.get(lookup.source_table)
    patterns: list[str] = []
    actions: list[dict[str, Any]] | None = None
    if t.name in relations.transactions:
        writers, first = relations.transactions[t.name]
        patterns = list(writers)
        actions = [_action(model, item) for item in first.items]
    if actions is None:
        # No write pattern shows the transaction: state the method's canonical one.
        actions = []
        if guarded is not None:
            owner = next(e for e in guarded.entities if e.kind == "entity" and e.source_table == lookup.source_table)
            actions.append(_put(guarded.name, _mapping_item(owner), f"attribute_not_exists({guarded.pk.attribute})"))
        actions.append(_put(t.name, _mapping_item(lookup), f"attribute_not_exists({t.pk.attribute})"))
    out: dict[str, Any] = {"source_table": lookup.source_table, "columns": _guarded_columns(lookup)}
    if guarded is not None:
        out["guards_table"] = guarded.name
    if patterns:
        out["patterns"] = patterns
    out["ddb_query_plan"] = {"TransactWriteItems": actions}
    return out


def _guarded_columns(e: EntityMapping) -> list[str]:
    return list(e.unique_columns or e.pk.columns or (e.pk.attribute,))


def _put(table: str, item: dict[str, str], condition: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"Table": table, "Item": item}
    if condition:
        body["ConditionExpression"] = condition
    return {"PutItem": body}


def _mapping_item(e: EntityMapping) -> dict[str, str]:
    """The item an entity mapping writes, as templates; denormalized copies are filled by the migration."""
    item = {e.pk.attribute: e.pk.template}
    if e.sk is not None:
        item[e.sk.attribute] = e.sk.template
    for kp in e.index_keys:
        item.setdefault(kp.attribute, kp.template)
    for a in e.attributes:
        if not a.denormalized:
            item.setdefault(a.name, f"{{{a.source_column}}}")
    return item


def _action(model: DataModel, step: PlanStep) -> dict[str, Any]:
    if step.operation == "PutItem":
        action = _put(step.table, _step_item(model, step), step.condition)
        _placeholders(action["PutItem"], step)
        return action
    body: dict[str, Any] = {"Table": step.table, "Key": dict(step.key or {})}
    if step.operation == "UpdateItem" and step.update:
        body["UpdateExpression"] = step.update
    if step.condition:
        body["ConditionExpression"] = step.condition
    _placeholders(body, step)
    # Inside a transaction anything but a write only checks a condition.
    name = step.operation if step.operation in ("UpdateItem", "DeleteItem") else "ConditionCheck"
    return {name: body}


def _placeholders(body: dict[str, Any], step: PlanStep) -> None:
    """``#name``/``:value`` placeholders the expressions use, under DynamoDB's own parameter names."""
    if step.names:
        body["ExpressionAttributeNames"] = dict(step.names)
    if step.values:
        body["ExpressionAttributeValues"] = dict(step.values)


def _step_item(model: DataModel, step: PlanStep) -> dict[str, str]:
    if step.item_entity is not None:
        try:
            target = model.table(step.table)
        except KeyError:
            target = None
        for e in target.entities if target is not None else ():
            if e.source_table == step.item_entity:
                return _mapping_item(e)
    return dict(step.key or {})
