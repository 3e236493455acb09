"""Plan values rendered for one call: keys, expression values and names, spelled as the stored attributes.

A plan's value templates (``{:param}`` from the pattern's parameters,
``{column}`` from a row found by an earlier step) go through migrate's
:func:`~sql2dynamo.items.templates.render_value_template` with the
converter of the column each field stands for, so a parameter given as a
``datetime`` (or ISO text, or ``1`` for ``TRUE``) becomes exactly the text or
number migrate wrote.  Only the ``#names`` and ``:values`` an expression uses
are sent: DynamoDB refuses unused ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sql2dynamo.design.model import PlanStep
from sql2dynamo.items.converters import AttributeValue, Converter, ValueRejected
from sql2dynamo.items.templates import EmptyKey, render_value_template
from sql2dynamo.runtime.entities import Item, TableCodecs, used_placeholders
from sql2dynamo.runtime.errors import InvalidRequest

_SCALAR_KINDS = frozenset({"S", "N", "B", "BOOL"})
_COMPARISON = re.compile(r"(#\w+)\s*(?:=|<>|<=|>=|<|>)\s*(:\w+)")
_BETWEEN = re.compile(r"(#\w+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+)", re.IGNORECASE)
_FUNCTION = re.compile(r"\w+\(\s*(#\w+)\s*,\s*(:\w+)\s*\)")
_IN = re.compile(r"(#\w+)\s+IN\s*\(([^()]*)\)", re.IGNORECASE)


class MissingValue(InvalidRequest):
    """A template names a parameter (or a column of the row found first) that was not given."""


class NullKey(InvalidRequest):
    """A key field is NULL or empty: like SQL's ``= NULL``, it matches nothing."""


def render(
    template: str,
    params: Mapping[str, Any],
    *,
    row: Mapping[str, Any] | None,
    kind: str | None,
    converters: Mapping[str, Converter],
    pattern_id: str,
) -> AttributeValue:
    """One value template as an attribute value (``{"NULL": True}`` for a NULL)."""
    try:
        return render_value_template(
            template,
            params,
            row=row,
            kind=kind if kind in _SCALAR_KINDS else None,
            converters=converters,
        )
    except KeyError as exc:
        raise MissingValue(f"{pattern_id}: {exc.args[0]}", pattern_id=pattern_id) from None
    except EmptyKey as exc:
        raise NullKey(f"{pattern_id}: {exc.reason}", pattern_id=pattern_id) from None
    except ValueRejected as exc:
        if exc.reason.startswith("empty value"):
            raise NullKey(f"{pattern_id}: {exc.reason}", pattern_id=pattern_id) from None
        raise InvalidRequest(f"{pattern_id}: {exc.reason} (template {template!r})", pattern_id=pattern_id) from None


def render_key(
    codecs: TableCodecs,
    key: Mapping[str, str],
    params: Mapping[str, Any],
    row: Mapping[str, Any] | None,
    pattern_id: str,
) -> Item:
    """A GetItem/UpdateItem/DeleteItem key from the step's key templates."""
    out: Item = {}
    for attribute, template in key.items():
        converters, _ = codecs.key_converters(attribute, template)
        av = render(
            template,
            params,
            row=row,
            kind=codecs.key_type(attribute),
            converters=converters,
            pattern_id=pattern_id,
        )
        if "NULL" in av or av.get("S") == "" or av.get("B") == b"":
            raise NullKey(f"{pattern_id}: key {attribute} has no value ({template!r})", pattern_id=pattern_id)
        out[attribute] = av
    return out


def placeholder_attributes(step: PlanStep) -> dict[str, str]:
    """``:value`` placeholder -> the attribute it is compared with in the key condition or filter."""
    out: dict[str, str] = {}
    for text in (step.key_condition, step.filter, step.condition):
        if not text:
            continue
        listed = [(name, *re.findall(r":\w+", inside)) for name, inside in _IN.findall(text)]
        for name, *values in [*_BETWEEN.findall(text), *_COMPARISON.findall(text), *_FUNCTION.findall(text), *listed]:
            attribute = step.names.get(name, name.lstrip("#"))
            for value in values:
                out.setdefault(value, attribute)
    return out


def bound_step(
    codecs: TableCodecs,
    step: PlanStep,
    params: Mapping[str, Any],
    row: Mapping[str, Any] | None,
    pattern_id: str,
) -> tuple[PlanStep, dict[str, AttributeValue]]:
    """The step with its filter and condition fitted to NULL parameters, and its ``:values``.

    A NULL in the key condition matches nothing (:class:`NullKey`).  In a filter or a write
    condition a comparison with NULL is unknown, which (NOT being pushed down to the comparisons
    by the design) keeps no row: that comparison becomes false, so ``c IS NULL OR c = :p`` with a
    NULL ``:p`` still keeps the rows whose ``c`` is NULL, as the SQL does.
    """
    nulls: set[str] = set()
    values = expression_values(codecs, step, params, row, pattern_id, nulls=nulls)
    if not nulls:
        return step, values
    if nulls & used_placeholders(step.key_condition):
        raise NullKey(f"{pattern_id}: a key value is NULL", pattern_id=pattern_id)
    fitted = replace(
        step,
        filter=without_nulls(step.filter, nulls) if step.filter else None,
        condition=without_nulls(step.condition, nulls) if step.condition else None,
    )
    return fitted, values


def _false(name: str) -> str:
    return f"(attribute_exists({name}) AND attribute_not_exists({name}))"


def without_nulls(text: str, nulls: set[str]) -> str:
    """``text`` with each comparison of a NULL placeholder made false (``x IN (1, NULL)``: ``x IN (1)``)."""

    def has_null(inside: str) -> bool:
        return any(v in nulls for v in re.findall(r":\w+", inside))

    def in_list(m: re.Match[str]) -> str:
        kept = [v for v in re.findall(r":\w+", m[2]) if v not in nulls]
        return f"{m[1]} IN ({', '.join(kept)})" if kept else _false(m[1])

    # NOT IN and NOT LIKE with a NULL are never true in SQL (false or unknown).
    text = re.sub(r"NOT \((#\w+) IN \(([^()]*)\)\)", lambda m: _false(m[1]) if has_null(m[2]) else m[0], text)
    text = re.sub(r"NOT begins_with\((#\w+), (:\w+)\)", lambda m: _false(m[1]) if m[2] in nulls else m[0], text)
    text = re.sub(r"(#\w+) IN \(([^()]*)\)", lambda m: in_list(m) if has_null(m[2]) else m[0], text)
    text = re.sub(r"begins_with\((#\w+), (:\w+)\)", lambda m: _false(m[1]) if m[2] in nulls else m[0], text)
    text = re.sub(r"(#\w+) BETWEEN (:\w+) AND (:\w+)", lambda m: _false(m[1]) if has_null(m[0]) else m[0], text)
    return re.sub(r"(#\w+) (?:=|<>|<=|>=|<|>) (:\w+)", lambda m: _false(m[1]) if m[2] in nulls else m[0], text)


def expression_values(
    codecs: TableCodecs,
    step: PlanStep,
    params: Mapping[str, Any],
    row: Mapping[str, Any] | None,
    pattern_id: str,
    *,
    nulls: set[str] | None = None,
) -> dict[str, AttributeValue]:
    """The step's ``:values`` (those its expressions use), each spelled as its attribute is stored.

    A NULL value raises :class:`NullKey`, unless ``nulls`` collects the placeholders that are NULL
    (left out of the values; see :func:`bound_step`).
    """
    used = used_placeholders(step.key_condition, step.filter, step.condition)
    attributes = placeholder_attributes(step)
    out: dict[str, AttributeValue] = {}
    for placeholder, template in step.values.items():
        if placeholder not in used:
            continue
        attribute = attributes.get(placeholder)
        converters: Mapping[str, Converter] = {}
        kind: str | None = None
        if attribute is not None:
            converters, _ = codecs.key_converters(attribute, template)
            kind = codecs.attribute_type(attribute)
        if placeholder.endswith("_prefix"):
            kind = "S"
        av = render(template, params, row=row, kind=kind, converters=converters, pattern_id=pattern_id)
        if "NULL" in av:
            if nulls is not None:
                nulls.add(placeholder)
                continue
            # SQL's "= NULL" (or "> NULL") is never true: no item can match
            raise NullKey(f"{pattern_id}: {placeholder} ({template}) is NULL", pattern_id=pattern_id)
        out[placeholder] = av
    return out


def expression_names(step: PlanStep, *expressions: str | None) -> dict[str, str]:
    """The step's ``#names`` the expressions use."""
    used = used_placeholders(*expressions)
    return {k: v for k, v in step.names.items() if k in used}


__all__ = [
    "MissingValue",
    "NullKey",
    "bound_step",
    "expression_names",
    "expression_values",
    "placeholder_attributes",
    "render",
    "render_key",
    "without_nulls",
]
