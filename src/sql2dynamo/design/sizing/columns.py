"""Per-value size estimates from one source column: sampled statistics, else the declared type.

Each estimate here sizes a single attribute value (a plain column, a key
built from a template, or the share of rows a sparse index covers) from the
source :class:`~sql2dynamo.source.model.Table` alone.  Assembling those values
into items, entities and indexes is :mod:`~sql2dynamo.design.sizing.items`'s job;
keeping the column-level heuristics apart lets them be tuned without touching
how items are put together.

A plain attribute costs the column's sampled ``avg_bytes`` (the analyze stage
measured values with DynamoDB's rules, see
:mod:`~sql2dynamo.design.sizing.values`), weighted by ``1 - null_fraction``
because a NULL column is omitted from the item rather than stored.  Without
statistics (DDL input) the value is estimated from the declared type, see
:data:`TYPE_ESTIMATES`.  Key attributes are estimated from their templates:
the literal text plus each field's value rendered as text.
"""

from __future__ import annotations

import math
import re

from sql2dynamo.design.model import KeyPart, SparseCondition
from sql2dynamo.design.sizing.values import NUMBER_MAX_BYTES, string_size
from sql2dynamo.source.model import Column, Table

# ------------------------------------------------------------------ estimates without statistics

STRING_DEFAULT_BYTES = 64.0  # an unbounded text column: a sentence, not a document
STRING_CAP_BYTES = 512.0  # a very wide VARCHAR is mostly empty space
BINARY_DEFAULT_BYTES = 256.0  # an unbounded blob of unknown content
UNBOUNDED_MAX_BYTES = 65_535  # the largest value assumed for a column with no declared bound (MySQL TEXT)

# normalized type -> (estimated bytes, why).  Strings and binaries with a
# declared length use half of it (capped at STRING_CAP_BYTES), enums the mean
# member length, decimals their precision; these are the fallbacks.
TYPE_ESTIMATES: dict[str, tuple[float, str]] = {
    "integer": (8.0, "N: up to 14 significant digits, enough for ids and counters"),
    "decimal": (8.0, "N: precision unknown, assume 14 significant digits"),
    "float": (10.0, "N: a double prints 17 significant digits -> 9 + 1"),
    "boolean": (1.0, "BOOL: one byte"),
    "string": (STRING_DEFAULT_BYTES, "S: no declared length, assume a short text"),
    "uuid": (36.0, "S: the canonical 36-character form"),
    "date": (10.0, "S: ISO-8601 YYYY-MM-DD"),
    "datetime": (26.0, "S: ISO-8601 YYYY-MM-DDTHH:MM:SS.ffffff"),
    "datetime_tz": (32.0, "S: ISO-8601 with microseconds and +00:00"),
    "time": (15.0, "S: ISO-8601 HH:MM:SS.ffffff"),
    "interval": (16.0, "S: an ISO-8601 duration such as P1DT2H30M"),
    "json": (256.0, "M: a small document of unknown shape"),
    "binary": (BINARY_DEFAULT_BYTES, "B: no declared length, assume a small blob"),
    "enum": (16.0, "S: one member, members unknown"),
    "set": (32.0, "SS: a few members, members unknown"),
    "array": (64.0, "L: 3 bytes framing and a few elements"),
}
UNKNOWN_TYPE_BYTES = 32.0  # a type outside NORMALIZED_TYPES: a short value

NUMERIC_TYPES = frozenset({"integer", "decimal", "float"})


def type_estimate(normalized_type: str, column: Column | None = None) -> float:
    """Estimated value bytes of a column without statistics, from its declared type.

    A declared length counts half (columns are sized for their longest value,
    not their typical one), capped at :data:`STRING_CAP_BYTES`; a decimal
    with a declared precision costs ``ceil(precision / 2) + 1``; an enum costs
    the mean length of its members, a set half of all members.
    """
    if column is not None:
        if normalized_type in ("string", "binary") and column.length:
            return max(1.0, min(column.length / 2, STRING_CAP_BYTES))
        if normalized_type == "decimal" and column.precision:
            return float(min(math.ceil(column.precision / 2) + 1, NUMBER_MAX_BYTES))
        if normalized_type == "enum" and column.enum_values:
            return sum(string_size(v) for v in column.enum_values) / len(column.enum_values)
        if normalized_type == "set" and column.enum_values:
            return max(1.0, sum(string_size(v) for v in column.enum_values) / 2)
    return TYPE_ESTIMATES.get(normalized_type, (UNKNOWN_TYPE_BYTES, ""))[0]


def type_max(normalized_type: str, column: Column | None = None) -> int:
    """The largest value bytes a column can hold without statistics, for the 400 KB check.

    A declared length counts four bytes per character (UTF-8's worst case);
    unbounded text, JSON and binaries count :data:`UNBOUNDED_MAX_BYTES`.
    """
    if column is not None:
        if normalized_type == "string" and column.length:
            return column.length * 4
        if normalized_type == "binary" and column.length:
            return column.length
        if normalized_type == "decimal" and column.precision:
            return min(math.ceil(column.precision / 2) + 1, NUMBER_MAX_BYTES)
        if normalized_type == "enum" and column.enum_values:
            return max(string_size(v) for v in column.enum_values)
        if normalized_type == "set" and column.enum_values:
            return sum(string_size(v) for v in column.enum_values)
    if normalized_type in NUMERIC_TYPES:
        return NUMBER_MAX_BYTES
    if normalized_type in ("string", "json", "binary", "array", "set"):
        return UNBOUNDED_MAX_BYTES
    return math.ceil(TYPE_ESTIMATES.get(normalized_type, (UNKNOWN_TYPE_BYTES, ""))[0])


def find_column(table: Table | None, name: str) -> Column | None:
    """The column ``name`` of ``table``, or ``None`` when either is unknown (sizes then fall back to types)."""
    if table is None:
        return None
    try:
        return table.column(name)
    except KeyError:
        return None


def column_value_bytes(column: Column | None, normalized_type: str) -> float:
    """Average bytes of a column's non-null values: sampled ``avg_bytes``, else the type estimate."""
    if column is not None and column.stats is not None and column.stats.avg_bytes is not None:
        return float(column.stats.avg_bytes)
    return type_estimate(column.normalized_type if column is not None else normalized_type, column)


def column_max_bytes(column: Column | None, normalized_type: str) -> int:
    """Largest bytes of a column's values: sampled ``max_bytes``, else the type's bound."""
    if column is not None and column.stats is not None and column.stats.max_bytes is not None:
        return column.stats.max_bytes
    return type_max(column.normalized_type if column is not None else normalized_type, column)


def column_presence(column: Column | None) -> float:
    """Share of rows where the column is not NULL (NULL columns are omitted from items).

    Without statistics a nullable column is assumed present: sizes err high.
    """
    if column is None or column.stats is None or not column.nullable:
        return 1.0
    return max(0.0, 1.0 - column.stats.null_fraction)


# ------------------------------------------------------------------ key templates

_FIELD = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
TEMPLATE_DATE_BYTES = 10  # {col:date} renders YYYY-MM-DD
TEMPLATE_PARAM_BYTES = 8  # a {:param} field in an item template: should not happen, a short value


def template_fields(template: str) -> list[tuple[str, str | None]]:
    """The ``(name, format)`` fields of a key template, in order."""
    return [(m.group(1), m.group(2)) for m in _FIELD.finditer(template)]


def is_single_field(template: str) -> bool:
    """Whether the template is exactly one ``{column}`` field (the value keeps its type)."""
    m = _FIELD.fullmatch(template)
    return m is not None and m.group(2) is None


def _text_bytes(column: Column | None, type_hint: str) -> float:
    """Bytes of a column's value rendered as text inside a composite key."""
    ntype = column.normalized_type if column is not None else type_hint
    if ntype in NUMERIC_TYPES:
        stats = column.stats if column is not None else None
        if stats is not None and stats.avg_bytes is not None:
            # avg_bytes = ceil(digits / 2) + 1, so the printed digits are about 2 * (avg - 1)
            return max(1.0, 2 * (stats.avg_bytes - 1))
        if ntype == "decimal" and column is not None and column.precision:
            return float(column.precision + 1)
        return {"integer": 10.0, "decimal": 12.0, "float": 17.0}[ntype]
    if ntype == "boolean":
        return 5.0  # "true" / "false"
    return column_value_bytes(column, ntype)


def key_value_bytes(part: KeyPart, table: Table | None) -> float:
    """Estimated bytes of a key attribute's value built from ``part.template``."""
    literal = string_size(_FIELD.sub("", part.template))
    if is_single_field(part.template) and part.type == "N":
        name = template_fields(part.template)[0][0]
        col = find_column(table, name)
        return literal + column_value_bytes(col, col.normalized_type if col else "integer")
    total = float(literal)
    for name, fmt in template_fields(part.template):
        if not name or name.startswith(":"):
            total += TEMPLATE_PARAM_BYTES
        elif fmt == "date":
            total += TEMPLATE_DATE_BYTES
        else:
            total += _text_bytes(find_column(table, name), "string")
    return total


def key_max_bytes(part: KeyPart, table: Table | None) -> int:
    """Largest bytes of a key attribute's value (for the 400 KB check)."""
    literal = string_size(_FIELD.sub("", part.template))
    total = literal
    for name, fmt in template_fields(part.template):
        col = find_column(table, name)
        if fmt == "date":
            total += TEMPLATE_DATE_BYTES
        elif col is not None and col.normalized_type in NUMERIC_TYPES and part.type == "S":
            total += 2 * column_max_bytes(col, col.normalized_type)
        else:
            total += column_max_bytes(col, col.normalized_type if col else "string")
    return total


# ------------------------------------------------------------------ sparse indexes


def sparse_share(condition: SparseCondition | None, table: Table | None) -> float:
    """Share of a source table's rows that carry a sparse index's key.

    ``value is None`` (column is not null): ``1 - null_fraction``.  A value:
    the rows holding it, assumed uniform over the column's distinct values
    (sampled, else 2 for a boolean, the member count for an enum, and 1/2
    when nothing is known: a flag-like column).
    """
    if condition is None:
        return 1.0
    col = find_column(table, condition.column)
    present = column_presence(col)
    if condition.value is None:
        return present
    distinct: int | None = None
    if col is not None and col.stats is not None and col.stats.distinct_estimate > 0:
        distinct = col.stats.distinct_estimate
    elif col is not None and col.normalized_type == "boolean":
        distinct = 2
    elif col is not None and col.enum_values:
        distinct = len(col.enum_values)
    if distinct is None:
        return 0.5 * present
    return present / distinct
