"""The writes a plan step becomes: one action per item, and the requests DynamoDB takes for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sql2dynamo.design.model import PlanStep
from sql2dynamo.items.templates import render_key as render_part
from sql2dynamo.runtime.entities import EntityCodec, Item, Row, TableCodecs
from sql2dynamo.runtime.render import bound_step, expression_names


class Action:
    """One write of a transaction (or a single call) and what a refusal of it means."""

    def __init__(
        self,
        operation: str,
        request: dict[str, Any],
        role: str,
        codec: EntityCodec,
        row: Row,
        *,
        where: str | None = None,
    ) -> None:
        self.operation = operation  # PutItem, UpdateItem, DeleteItem
        self.request = request
        self.role = role  # "put", "claim", "update", "delete", "release"
        self.codec = codec
        self.row = row
        # The rest of the SQL's WHERE checked by the write's condition: a refusal then means "0 rows".
        self.where = where


TRANSACT = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete"}


def key_of(action: Action) -> Item:
    item = action.request.get("Item", {})
    table = action.codec.table
    names = [table.pk.attribute, *([table.sk.attribute] if table.sk else [])]
    return {n: item[n] for n in names if n in item}


def same_key(codecs: TableCodecs, item: Item, key: Item) -> bool:
    return all(item.get(name) == av for name, av in key.items())


def entity_key(codec: EntityCodec, row: Mapping[str, Any]) -> Item:
    converters = {c: codec.column_converter(c) for c in codec.columns}
    key = {codec.mapping.pk.attribute: render_part(codec.mapping.pk, row, converters=converters)}
    if codec.mapping.sk is not None:
        key[codec.mapping.sk.attribute] = render_part(codec.mapping.sk, row, converters=converters)
    return key


def update_request(
    table: str,
    key: Item,
    sets: Mapping[str, dict[str, Any]],
    step: PlanStep | None,
    condition_values: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An UpdateItem request: SET the present values, REMOVE the NULL ones, under the step's condition."""
    names: dict[str, str] = {}
    values: dict[str, Any] = dict(condition_values or {})
    set_parts: list[str] = []
    remove_parts: list[str] = []
    for i, (attribute, av) in enumerate(sets.items()):
        names[f"#u{i}"] = attribute
        if "NULL" in av:
            remove_parts.append(f"#u{i}")
        else:
            values[f":u{i}"] = av
            set_parts.append(f"#u{i} = :u{i}")
    expression = " ".join(
        part
        for part in (
            "SET " + ", ".join(set_parts) if set_parts else "",
            "REMOVE " + ", ".join(remove_parts) if remove_parts else "",
        )
        if part
    )
    request: dict[str, Any] = {"TableName": table, "Key": key, "UpdateExpression": expression}
    if step is not None and step.condition:
        request["ConditionExpression"] = step.condition
        names.update(expression_names(step, step.condition))
    else:
        # A copy holder found by a query: update it only while it still exists.
        names["#k0"] = next(iter(key))
        request["ConditionExpression"] = "attribute_exists(#k0)"
    request["ExpressionAttributeNames"] = names
    if values:
        request["ExpressionAttributeValues"] = values
    return request


def condition_values(
    codecs: TableCodecs, step: PlanStep, params: Mapping[str, Any], row: Mapping[str, Any], pattern_id: str
) -> tuple[PlanStep, dict[str, Any]]:
    """The step with its ConditionExpression fitted to NULL parameters, and that expression's ``:values``.

    The condition holds the WHERE conjuncts the key does not fix; a comparison with a NULL
    parameter in it is false, as SQL's is unknown (see :func:`~sql2dynamo.runtime.render.bound_step`).
    """
    if not step.condition:
        return step, {}
    return bound_step(codecs, step, params, row, pattern_id)


__all__ = ["TRANSACT", "Action", "condition_values", "entity_key", "key_of", "same_key", "update_request"]
