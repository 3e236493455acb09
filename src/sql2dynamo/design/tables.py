"""Table, index and lookup-table specs of a multi-table design, from the layout."""

from __future__ import annotations

import hashlib
import unicodedata

from sql2dynamo.design.keys import DDB_TYPES, BaseKey, key_part
from sql2dynamo.design.layout import Layout, Need, index_keys, needs_for_table
from sql2dynamo.design.model import (
    AttributeSpec,
    DesignDecision,
    EntityMapping,
    IndexSpec,
    KeyPart,
    TableSpec,
    TtlSpec,
)
from sql2dynamo.source.model import Table, UniqueConstraint

TTL_ATTRIBUTE = "expires_at"


def safe_table_name(name: str) -> str:
    """A valid DynamoDB table name (3-255 of ``[A-Za-z0-9_.-]``) close to the source's, deterministically.

    Accents are folded (``ürünler`` -> ``urunler``), anything else outside
    the allowed characters becomes ``_``; a name that had to change ends with
    ``_`` and six hex digits of its SHA-256, so two source names never share
    a DynamoDB table (``ürün`` and ``urun`` stay apart).
    """
    folded = unicodedata.normalize("NFKD", name)
    out = "".join(
        c if c.isascii() and (c.isalnum() or c in "_.-") else "_" for c in folded if not unicodedata.combining(c)
    )
    if out == name and 3 <= len(out) <= 255:
        return out
    tag = "_" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:6]
    return out[: 255 - len(tag)] + tag


def name_note(source_name: str, table_name: str) -> str:
    """What the model says about a table whose name had to be changed ("" when it kept its name)."""
    if source_name == table_name:
        return ""
    return (
        f"; named {table_name} because DynamoDB table names are 3-255 of A-Z a-z 0-9 _ . - "
        f"(source table {source_name!r})"
    )


def attributes(table: Table) -> tuple[AttributeSpec, ...]:
    """One attribute per column, named as the column, typed by its normalized type."""
    return tuple(
        AttributeSpec(
            name=c.name,
            type=DDB_TYPES.get(c.normalized_type, "S"),
            source_table=table.name,
            source_column=c.name,
            transform=c.normalized_type,
            nullable=c.nullable,
        )
        for c in table.columns
    )


def ttl_for(table: Table, retention_days: int | None, range_column: str | None) -> TtlSpec | None:
    """A TTL when the patterns file bounds the table's retention."""
    if not retention_days:
        return None
    candidates = [range_column] if range_column else []
    candidates += [c.name for c in table.columns if c.normalized_type in ("datetime", "datetime_tz", "date")]
    column = next((c for c in candidates if c), None)
    if column is None:
        return None
    return TtlSpec(
        attribute=TTL_ATTRIBUTE,
        source_column=column,
        retention_days=retention_days,
        reason=f"rows matter for {retention_days} days after {column}; DynamoDB deletes expired items "
        "for free instead of a delete job paying write units",
    )


def lookup_table(table: Table, base: BaseKey, unique: UniqueConstraint, name: str) -> TableSpec:
    """The lookup table guarding one unique rule: its key is the unique value, it points to the item."""
    attr = unique.columns[0] if len(unique.columns) == 1 else "_".join(unique.columns)
    pk = key_part(table, attr, unique.columns)
    target = [c for c in (*base.pk.columns, *(base.sk.columns if base.sk else ())) if c not in unique.columns]
    attrs = tuple(a for a in attributes(table) if a.source_column in target)
    entity = EntityMapping(
        source_table=table.name,
        item_type=None,
        pk=pk,
        sk=None,
        attributes=attrs,
        kind="lookup",
        unique_columns=unique.columns,
    )
    return TableSpec(
        name=name,
        role="lookup",
        pk=pk,
        sk=None,
        indexes=(),
        entities=(entity,),
        satisfies=(),
        estimated_item_size_bytes=0,
        purpose=f"enforces UNIQUE ({', '.join(unique.columns)}) of {table.name}: written in the same "
        "transaction as the item, with attribute_not_exists",
    )


def unique_decision(table: Table, unique: UniqueConstraint, lookup: str) -> DesignDecision:
    """Why a unique rule became a lookup table (the data-modeling method's Unique Constraint Handling)."""
    cols = ", ".join(unique.columns)
    return DesignDecision(
        decision_type="UNIQUE_CONSTRAINT",
        subject=f"{table.name}({cols})",
        alternatives_considered=(
            "a global secondary index on the column (indexes do not enforce uniqueness)",
            "a conditional put on the base table (only guards the base key)",
        ),
        chosen_approach=f"lookup table {lookup} keyed by {cols}, written with the item in one "
        "TransactWriteItems with attribute_not_exists",
        justification="DynamoDB enforces uniqueness only on a table's key; the transaction makes the "
        "item and its claim on the value succeed or fail together",
        trade_offs=(
            "inserts and updates of the value cost 2x write units (transactions)",
            "changing the value deletes the old claim and adds the new one in the same transaction",
        ),
        rollback_strategy=f"drop {lookup}: the base table keeps every item",
        monitoring_requirements=("TransactionConflict and ConditionalCheckFailedRequests on the lookup table",),
    )


def entity_table(
    table: Table,
    base: BaseKey,
    indexes: tuple[IndexSpec, ...],
    index_keys_: tuple[KeyPart, ...],
    ttl: TtlSpec | None,
    extra: tuple[AttributeSpec, ...],
    satisfies: tuple[str, ...],
    purpose: str,
) -> TableSpec:
    sparse = {
        part.attribute: index.sparse
        for index in indexes
        if index.sparse is not None
        for part in (index.pk, index.sk)
        if part is not None and part in index_keys_
    }
    """The table holding one source table's rows."""
    entity = EntityMapping(
        source_table=table.name,
        item_type=None,
        pk=base.pk,
        sk=base.sk,
        attributes=attributes(table) + extra,
        index_keys=index_keys_,
        sparse_keys=sparse,
        ttl=ttl,
    )
    name = safe_table_name(table.name)
    return TableSpec(
        name=name,
        role="entity",
        pk=base.pk,
        sk=base.sk,
        indexes=indexes,
        entities=(entity,),
        satisfies=satisfies,
        estimated_item_size_bytes=0,
        ttl_attribute=ttl.attribute if ttl else None,
        purpose=purpose + name_note(table.name, name),
    )


def build_indexes(layout: Layout, table: Table) -> list[tuple[Need, KeyPart, KeyPart | None, object]]:
    """(need, pk, sk, sparse) for each index of ``table``."""
    return [(need, *index_keys(table, need)) for need in needs_for_table(layout, table.name)]
