"""Item sizes by DynamoDB's sizing rules, from sampled column statistics or declared types.

DynamoDB bills reads in 4 KB units and writes in 1 KB units of *item size*,
and refuses items above 400 KB, so every capacity and cost figure starts here.

Value rules (:func:`value_size`), as DynamoDB documents them:

==============  ==========================================  ===================================
DynamoDB type   bytes                                       why
==============  ==========================================  ===================================
attribute name  UTF-8 length                                names are stored in every item
S (string)      UTF-8 length                                stored as UTF-8
N (number)      ceil(significant digits / 2) + 1, max 21    base-100 digits plus an exponent byte
B (binary)      length                                      raw bytes
BOOL, NULL      1                                           one flag byte
M (map)         3 + per entry (1 + name + value)            3 bytes framing, 1 per element
L (list)        3 + per element (1 + value)                 3 bytes framing, 1 per element
SS / NS / BS    sum of the members                          sets carry no per-member overhead
==============  ==========================================  ===================================

Estimating an item from a source row (:func:`attribute_estimates`): each
attribute costs its name plus the column's sampled ``avg_bytes`` (the
analyze stage measured values with the same rules), weighted by
``1 - null_fraction`` because a NULL column is omitted from the item rather
than stored.  Without statistics (DDL input) the value is estimated from the
declared type, see :data:`TYPE_ESTIMATES`.  Key attributes (table key, index
keys) are estimated from their templates: the literal text plus each field's
value rendered as text.

The ``sizes`` mapping the capacity, cost and hot-partition code reads is
:data:`Sizes`: ``(DynamoDB table name, source table) -> ItemSize``;
:func:`item_sizes` builds it for a whole design.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sql2dynamo.design.model import (
    AttributeSpec,
    EntityMapping,
    IndexSpec,
    KeyPart,
    SparseCondition,
    TableSpec,
)
from sql2dynamo.source.model import Column, Schema, Table

ITEM_SIZE_LIMIT = 400 * 1024  # DynamoDB refuses larger items
ITEM_TYPE_ATTRIBUTE = "entity_type"  # default name of the item-type attribute in single-table designs
NUMBER_MAX_BYTES = 21  # 38 significant digits: 19 digit bytes + exponent + sign
TTL_VALUE_BYTES = 6  # epoch seconds: 10 digits -> 5 + 1

# ------------------------------------------------------------------ DynamoDB value rules


def string_size(text: str) -> int:
    """Bytes of a string (S) or attribute name: its UTF-8 length."""
    return len(text.encode("utf-8"))


def number_size(value: int | float | Decimal | str) -> int:
    """Bytes of a number (N): one per two significant digits, plus one, at most 21.

    Leading and trailing zeros are not significant (DynamoDB trims them), so
    ``100`` costs as much as ``1``.
    """
    try:
        dec = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not dec.is_finite():
        raise ValueError(f"DynamoDB numbers are finite: {value!r}")
    if dec.is_zero():
        return 2  # "0": one significant digit
    # strip by hand: normalize() would round to the context's 28 digits
    text = "".join(str(d) for d in dec.as_tuple().digits).strip("0")
    return min(math.ceil(len(text) / 2) + 1, NUMBER_MAX_BYTES)


def value_size(value: Any) -> int:
    """Bytes of one attribute value (without its name) by DynamoDB's rules.

    Python values map to DynamoDB types as boto3 does: ``None`` -> NULL,
    ``bool`` -> BOOL, numbers -> N, ``str`` -> S, bytes -> B, ``dict`` -> M,
    ``list``/``tuple`` -> L, ``set``/``frozenset`` -> SS/NS/BS.
    """
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, (int, float, Decimal)):
        return number_size(value)
    if isinstance(value, str):
        return string_size(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(bytes(value))
    if isinstance(value, Mapping):
        return 3 + sum(1 + string_size(str(k)) + value_size(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return 3 + sum(1 + value_size(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return sum(value_size(v) for v in value)
    raise TypeError(f"no DynamoDB type for a {type(value).__name__}")


def item_size(item: Mapping[str, Any]) -> int:
    """Bytes of a whole item: every attribute's name plus its value."""
    return sum(string_size(name) + value_size(v) for name, v in item.items())


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


def _column(table: Table | None, name: str) -> Column | None:
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
        col = _column(table, name)
        return literal + column_value_bytes(col, col.normalized_type if col else "integer")
    total = float(literal)
    for name, fmt in template_fields(part.template):
        if not name or name.startswith(":"):
            total += TEMPLATE_PARAM_BYTES
        elif fmt == "date":
            total += TEMPLATE_DATE_BYTES
        else:
            total += _text_bytes(_column(table, name), "string")
    return total


def key_max_bytes(part: KeyPart, table: Table | None) -> int:
    """Largest bytes of a key attribute's value (for the 400 KB check)."""
    literal = string_size(_FIELD.sub("", part.template))
    total = literal
    for name, fmt in template_fields(part.template):
        col = _column(table, name)
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
    col = _column(table, condition.column)
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


# ------------------------------------------------------------------ per-entity estimates


@dataclass(frozen=True)
class AttributeEstimate:
    """One attribute of an item: its bytes when present (name included) and how often it is."""

    name: str
    bytes: float
    presence: float
    max_bytes: int
    role: str  # "key", "index_key", "attribute", "item_type", "ttl"
    rule: str  # which rule sized it, for explanations

    @property
    def expected(self) -> float:
        """Average bytes this attribute adds to an item."""
        return self.bytes * self.presence


def _source_for(attr: AttributeSpec, entity: EntityMapping, table: Table | None, schema: Schema | None) -> Table | None:
    if attr.source_table == entity.source_table or not attr.source_table:
        return table
    if schema is None:
        return None
    try:
        return schema.table(attr.source_table)
    except KeyError:
        return None


def _index_for_key(attribute: str, indexes: Sequence[IndexSpec]) -> IndexSpec | None:
    for index in indexes:
        if index.pk.attribute == attribute or (index.sk is not None and index.sk.attribute == attribute):
            return index
    return None


def attribute_estimates(
    entity: EntityMapping,
    table: Table | None,
    *,
    indexes: Sequence[IndexSpec] = (),
    schema: Schema | None = None,
    item_type_attribute: str = ITEM_TYPE_ATTRIBUTE,
) -> tuple[AttributeEstimate, ...]:
    """Every attribute an item of ``entity`` may carry, with its size and presence.

    ``table`` is the entity's source table (``None``: no statistics, types
    only); ``indexes`` are the DynamoDB table's GSIs, so that a sparse
    index's key (``entity.sparse_keys``, else ``IndexSpec.sparse``) counts
    only for the rows it covers; ``schema`` finds the
    source tables of denormalized attributes.  An attribute named twice
    (a key that is also a plain attribute) counts once, as the key.
    """
    out: dict[str, AttributeEstimate] = {}

    def add_key(part: KeyPart, role: str) -> None:
        if part.attribute in out:
            return
        presence = 1.0
        if role == "index_key":
            # the entity's own condition for writing this key wins over the index's declaration
            condition = entity.sparse_keys.get(part.attribute)
            if condition is None:
                index = _index_for_key(part.attribute, indexes)
                condition = index.sparse if index is not None else None
            presence = sparse_share(condition, table)
            for col_name in part.columns:
                presence = min(presence, column_presence(_column(table, col_name)))
        name_bytes = string_size(part.attribute)
        out[part.attribute] = AttributeEstimate(
            name=part.attribute,
            bytes=name_bytes + key_value_bytes(part, table),
            presence=presence,
            max_bytes=name_bytes + key_max_bytes(part, table),
            role=role,
            rule=f"template {part.template}",
        )

    add_key(entity.pk, "key")
    if entity.sk is not None:
        add_key(entity.sk, "key")
    for part in entity.index_keys:
        add_key(part, "index_key")
    if entity.item_type is not None and item_type_attribute not in out:
        size = string_size(item_type_attribute) + string_size(entity.item_type)
        out[item_type_attribute] = AttributeEstimate(
            item_type_attribute, float(size), 1.0, size, "item_type", f"literal {entity.item_type!r}"
        )
    for attr in entity.attributes:
        if attr.name in out:
            continue
        source = _source_for(attr, entity, table, schema)
        col = _column(source, attr.source_column)
        name_bytes = string_size(attr.name)
        value = column_value_bytes(col, attr.transform)
        has_stats = col is not None and col.stats is not None and col.stats.avg_bytes is not None
        presence = column_presence(col) if attr.nullable else 1.0
        out[attr.name] = AttributeEstimate(
            name=attr.name,
            bytes=name_bytes + value,
            presence=presence,
            max_bytes=name_bytes + column_max_bytes(col, attr.transform),
            role="attribute",
            rule="sampled avg_bytes" if has_stats else f"type estimate ({attr.transform})",
        )
    if entity.ttl is not None and entity.ttl.attribute not in out:
        size = string_size(entity.ttl.attribute) + TTL_VALUE_BYTES
        out[entity.ttl.attribute] = AttributeEstimate(
            entity.ttl.attribute, float(size), 1.0, size, "ttl", "epoch seconds"
        )
    return tuple(out.values())


def entity_item_size(
    entity: EntityMapping,
    table: Table | None,
    *,
    indexes: Sequence[IndexSpec] = (),
    schema: Schema | None = None,
    item_type_attribute: str = ITEM_TYPE_ATTRIBUTE,
) -> int:
    """Average bytes of one item of ``entity``, rounded up (see :func:`attribute_estimates`)."""
    estimates = attribute_estimates(
        entity, table, indexes=indexes, schema=schema, item_type_attribute=item_type_attribute
    )
    return math.ceil(round(sum(e.expected for e in estimates), 6))


def max_item_size(
    entity: EntityMapping,
    table: Table | None,
    *,
    schema: Schema | None = None,
    item_type_attribute: str = ITEM_TYPE_ATTRIBUTE,
) -> int:
    """Bytes of the largest item of ``entity``: every attribute present at its ``max_bytes``.

    Compare with :data:`ITEM_SIZE_LIMIT` (400 KB).  Summing per-column
    maxima overstates a real row's maximum, which is the safe direction.
    """
    estimates = attribute_estimates(entity, table, schema=schema, item_type_attribute=item_type_attribute)
    return sum(e.max_bytes for e in estimates)


def entity_in_index(entity: EntityMapping, index: IndexSpec) -> bool:
    """Whether items of ``entity`` carry the index's key attributes (so they appear in it)."""
    names = {
        entity.pk.attribute,
        *(p.attribute for p in entity.index_keys),
        *(a.name for a in entity.attributes),
    }
    if entity.sk is not None:
        names.add(entity.sk.attribute)
    return index.pk.attribute in names and (index.sk is None or index.sk.attribute in names)


def projected_size(estimates: Sequence[AttributeEstimate], index: IndexSpec, table_spec: TableSpec) -> int:
    """Average bytes of one item as an index stores it.

    ALL: the whole item.  KEYS_ONLY: the table's and the index's key
    attributes.  INCLUDE: those plus ``non_key_attributes``.  The index's key
    attributes count in full: an item without them is not in the index.
    """
    index_keys = {index.pk.attribute, *([index.sk.attribute] if index.sk else [])}
    table_keys = {table_spec.pk.attribute, *([table_spec.sk.attribute] if table_spec.sk else [])}
    total = 0.0
    for e in estimates:
        projected = (
            e.name in table_keys
            or index.projection == "ALL"
            or (index.projection == "INCLUDE" and e.name in index.non_key_attributes)
        )
        if e.name in index_keys:
            total += e.bytes
        elif projected:
            total += e.expected
    return math.ceil(round(total, 6))


# ------------------------------------------------------------------ the sizes mapping


@dataclass(frozen=True)
class ItemSize:
    """Sizes of one entity's items in one DynamoDB table.

    ``index_bytes`` maps an index name to the projected bytes of the entity's
    item in that index and ``index_share`` to the share of the entity's items
    that appear in it (below 1 for sparse indexes).  Whether an entity is in
    an index at all is decided by the design (:func:`entity_in_index`); an
    index missing from these maps counts the whole item, always present (the
    upper bounds).  Built by :func:`item_sizes`, or by hand in tests.
    """

    bytes: int
    max_bytes: int | None = None
    index_bytes: Mapping[str, int] = field(default_factory=dict)
    index_share: Mapping[str, float] = field(default_factory=dict)


SizeKey = tuple[str, str]  # (DynamoDB table name, source table name)
# A bare int is accepted for an ItemSize: the item's average bytes, nothing else known.
Sizes = Mapping[SizeKey, ItemSize | int]


def _source_table(schema: Schema | None, name: str) -> Table | None:
    if schema is None:
        return None
    try:
        return schema.table(name)
    except KeyError:
        return None


def item_sizes(
    tables: Iterable[TableSpec],
    schema: Schema | None,
    *,
    item_type_attribute: str = ITEM_TYPE_ATTRIBUTE,
) -> dict[SizeKey, ItemSize]:
    """The :data:`Sizes` mapping for a whole design: every entity of every table, with its indexes."""
    out: dict[SizeKey, ItemSize] = {}
    for spec in tables:
        for entity in spec.entities:
            source = _source_table(schema, entity.source_table)
            estimates = attribute_estimates(
                entity, source, indexes=spec.indexes, schema=schema, item_type_attribute=item_type_attribute
            )
            by_name = {e.name: e for e in estimates}
            index_bytes: dict[str, int] = {}
            index_share: dict[str, float] = {}
            for index in spec.indexes:
                if not entity_in_index(entity, index):
                    continue
                index_bytes[index.name] = projected_size(estimates, index, spec)
                key_names = [index.pk.attribute] + ([index.sk.attribute] if index.sk else [])
                # an item is in the index only when it carries every key attribute
                shares = [by_name[a].presence for a in key_names if a in by_name]
                index_share[index.name] = round(min(shares, default=1.0), 6)
            out[(spec.name, entity.source_table)] = ItemSize(
                bytes=math.ceil(round(sum(e.expected for e in estimates), 6)),
                max_bytes=sum(e.max_bytes for e in estimates),
                index_bytes=index_bytes,
                index_share=index_share,
            )
    return out


def as_item_size(value: ItemSize | int) -> ItemSize:
    """An :class:`ItemSize` from a mapping value (a bare int is the item's bytes, in no index)."""
    return value if isinstance(value, ItemSize) else ItemSize(bytes=int(value))
