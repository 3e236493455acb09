"""The migrate stage's transform: source rows -> DynamoDB items, exactly as the DataModel says.

* :mod:`~sql2dynamo.migrate.values`: the value conversion rule table (driver value -> attribute value);
* :mod:`~sql2dynamo.migrate.templates`: key templates (``{col}``, ``{col:date}``, ``{col:pad}``, ``{:param}``);
* :mod:`~sql2dynamo.migrate.transform`: :class:`ItemBuilder`, one row -> its items or its rejects.
"""

from __future__ import annotations

from sql2dynamo.migrate.templates import (
    EmptyKey,
    Field,
    compile_key,
    parse_template,
    render_key,
    render_value_template,
)
from sql2dynamo.migrate.transform import ItemBuilder, Reject, RowResult, item_size, value_size
from sql2dynamo.migrate.values import (
    DEFAULT_RULES,
    AttributeValue,
    ValueConverter,
    ValueRejected,
    ValueRule,
    When,
)

__all__ = [
    "DEFAULT_RULES",
    "AttributeValue",
    "EmptyKey",
    "Field",
    "ItemBuilder",
    "Reject",
    "RowResult",
    "ValueConverter",
    "ValueRejected",
    "ValueRule",
    "When",
    "compile_key",
    "item_size",
    "parse_template",
    "render_key",
    "render_value_template",
    "value_size",
]
