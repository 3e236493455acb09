"""The migrate stage's transform: source rows -> DynamoDB items, exactly as the DataModel says.

* :mod:`~sql2dynamo.items.values`: the value conversion rule table (driver value -> attribute value);
* :mod:`~sql2dynamo.items.templates`: key templates (``{col}``, ``{col:date}``, ``{col:pad}``, ``{:param}``);
* :mod:`~sql2dynamo.items.transform`: :class:`ItemBuilder`, one row -> its items or its rejects.
"""

from __future__ import annotations

from sql2dynamo.items.converters import AttributeValue, ValueRejected
from sql2dynamo.items.size import item_size, value_size
from sql2dynamo.items.templates import EmptyKey, Field, compile_key, parse_template, render_key, render_value_template
from sql2dynamo.items.transform import ItemBuilder, Reject, RowResult
from sql2dynamo.items.values import DEFAULT_RULES, ValueConverter, ValueRule, When

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
