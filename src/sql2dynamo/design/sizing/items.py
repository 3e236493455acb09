"""Item sizes by DynamoDB's sizing rules, from sampled column statistics or declared types.

DynamoDB bills reads in 4 KB units and writes in 1 KB units of *item size*,
and refuses items above 400 KB, so every capacity and cost figure starts here.

The work is layered: :mod:`~sql2dynamo.design.sizing.values` holds DynamoDB's
exact value rules (:func:`value_size`), :mod:`~sql2dynamo.design.sizing.columns`
estimates one attribute value from a source column (statistics, else the
declared type, see :data:`TYPE_ESTIMATES`; key templates; sparse-index
coverage), and this module assembles those into items: every attribute of an
entity (:func:`attribute_estimates`), an item as a table or an index stores
it, and the sizes of a whole design.  Every public name of the layers below
stays importable from here.

The ``sizes`` mapping the capacity, cost and hot-partition code reads is
:data:`Sizes`: ``(DynamoDB table name, source table) -> ItemSize``;
:func:`item_sizes` builds it for a whole design.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sql2dynamo.design.model import (
    AttributeSpec,
    EntityMapping,
    IndexSpec,
    KeyPart,
    TableSpec,
)
from sql2dynamo.design.sizing.columns import (
    column_max_bytes,
    column_presence,
    column_value_bytes,
    find_column,
    key_max_bytes,
    key_value_bytes,
    sparse_share,
)
from sql2dynamo.design.sizing.values import (
    string_size,
)
from sql2dynamo.source.model import Schema, Table

__all__ = [
    "ITEM_TYPE_ATTRIBUTE",
    "TTL_VALUE_BYTES",
    "AttributeEstimate",
    "ItemSize",
    "SizeKey",
    "Sizes",
    "as_item_size",
    "attribute_estimates",
    "entity_in_index",
    "entity_item_size",
    "item_sizes",
    "max_item_size",
    "projected_size",
]

ITEM_TYPE_ATTRIBUTE = "entity_type"  # default name of the item-type attribute in single-table designs
TTL_VALUE_BYTES = 6  # epoch seconds: 10 digits -> 5 + 1

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
                presence = min(presence, column_presence(find_column(table, col_name)))
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
        col = find_column(source, attr.source_column)
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
