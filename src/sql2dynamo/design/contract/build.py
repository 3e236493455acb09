"""Building ``migrationContract.json``'s entries from the DataModel, one per DynamoDB table (not validated).

Each entry has the migration contract format's fields first (``table``, ``type``, ``source_table``,
``pk``, ``sk``, ``gsis``, ``attributes``, ``satisfies``,
``estimated_item_size_bytes``), then the extras infrastructure and migration
automation need (``role``, ``key_templates``, ``ttl``, ``entities`` with their ``sparse_keys``; the
uniqueness extras ``lookup_tables`` and ``unique_lookup`` come from
:mod:`~sql2dynamo.design.contract.lookups`).  In ``attributes`` the key
attributes come first (table pk, table sk, then each GSI's pk and sk), then
the main entity's attributes in mapping order.
"""

from __future__ import annotations

from typing import Any

from sql2dynamo.common.errors import InputError
from sql2dynamo.design.contract.lookups import Relations, lookup_tables, unique_lookup
from sql2dynamo.design.model import (
    AttributeSpec,
    DataModel,
    EntityMapping,
    IndexSpec,
    KeyPart,
    SparseCondition,
    TableSpec,
    TtlSpec,
)

__all__ = ["build_contract", "main_entity", "pattern_ref"]


def build_contract(model: DataModel) -> list[dict[str, Any]]:
    """The migration contract (array format) for ``model``: one object per table (GSIs inside their table's ``gsis``).

    A table without any entity mapping has no source table, which the format
    forbids: that raises :class:`InputError`.  The result is not validated;
    :func:`~sql2dynamo.design.contract.write.contract_json` does that.
    """
    relations = Relations.of(model)
    return [_table_entry(model, relations, t) for t in model.tables]


def _table_entry(model: DataModel, relations: Relations, t: TableSpec) -> dict[str, Any]:
    main = main_entity(t)
    entry: dict[str, Any] = {
        "table": t.name,
        "type": "Table",
        "source_table": main.source_table,
        "pk": t.pk.attribute,
    }
    if t.sk is not None:
        entry["sk"] = t.sk.attribute
    if t.indexes:
        entry["gsis"] = [_gsi(model, ix) for ix in t.indexes]
    entry["attributes"] = _table_attributes(t, main)
    entry["satisfies"] = [pattern_ref(model, pid) for pid in t.satisfies]
    entry["estimated_item_size_bytes"] = t.estimated_item_size_bytes
    # Extras, after the format's fields so that its part reads first.
    entry["role"] = t.role
    entry["key_templates"] = _templates(main.pk, main.sk)
    ttl = _table_ttl(t)
    if ttl is not None:
        entry["ttl"] = ttl
    if len(t.entities) > 1 or any(e.item_type for e in t.entities):
        entry["entities"] = [_entity(t, e) for e in t.entities]
    lookups = lookup_tables(relations, t)
    if lookups:
        entry["lookup_tables"] = lookups
    if t.role == "lookup":
        entry["unique_lookup"] = unique_lookup(model, relations, t, main)
    return entry


def main_entity(t: TableSpec) -> EntityMapping:
    """The entity that names the table's ``source_table``: the first real entity, else the first mapping."""
    for e in t.entities:
        if e.kind == "entity":
            return e
    if t.entities:
        return t.entities[0]
    raise InputError(
        f"table {t.name!r} stores no entity, so the contract has no source_table for it",
        hint="the design must map at least one source table to every DynamoDB table",
        table=t.name,
    )


def _templates(pk: KeyPart, sk: KeyPart | None) -> dict[str, str]:
    out = {"pk": pk.template}
    if sk is not None:
        out["sk"] = sk.template
    return out


def pattern_ref(model: DataModel, pattern_id: str) -> str:
    """``AP01: description``, the format's "access pattern description" with its id kept parseable."""
    try:
        description = model.plan(pattern_id).description
    except KeyError:
        description = ""
    return f"{pattern_id}: {description}" if description else pattern_id


def _gsi(model: DataModel, ix: IndexSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": ix.name, "pk": ix.pk.attribute}
    if ix.sk is not None:
        out["sk"] = ix.sk.attribute
    out["key_templates"] = _templates(ix.pk, ix.sk)
    projection: dict[str, Any] = {"type": ix.projection}
    if ix.projection == "INCLUDE":
        projection["non_key_attributes"] = list(ix.non_key_attributes)
    if ix.projection_reason:
        projection["reason"] = ix.projection_reason
    out["projection"] = projection
    if ix.sparse is not None:
        out["sparse"] = _sparse(ix.sparse)
    out["satisfies"] = [pattern_ref(model, pid) for pid in ix.serves]
    return out


def _table_attributes(t: TableSpec, main: EntityMapping) -> dict[str, dict[str, Any]]:
    """Key attributes first (so their types are found where the format's readers look), then the main entity's."""
    by_name = {a.name: a for a in main.attributes}
    keys: list[KeyPart] = [t.pk]
    if t.sk is not None:
        keys.append(t.sk)
    for ix in t.indexes:
        keys.append(ix.pk)
        if ix.sk is not None:
            keys.append(ix.sk)
    out: dict[str, dict[str, Any]] = {}
    for kp in keys:
        if kp.attribute in out:
            continue
        spec = by_name.get(kp.attribute)
        out[kp.attribute] = _attribute(spec) if spec is not None else _key_attribute(t, main, kp)
    for a in main.attributes:
        if a.name not in out:
            out[a.name] = _attribute(a)
    return out


def _key_attribute(t: TableSpec, main: EntityMapping, fallback: KeyPart) -> dict[str, Any]:
    """A key attribute no mapped attribute describes: built from the first entity that writes it."""
    entity, part = main, fallback
    for e in (main, *(e for e in t.entities if e is not main)):
        found = next(
            (kp for kp in (e.pk, e.sk, *e.index_keys) if kp is not None and kp.attribute == fallback.attribute),
            None,
        )
        if found is not None:
            entity, part = e, found
            break
    out: dict[str, Any] = {
        "type": part.type,
        "source_table": entity.source_table,
        "source_column": part.columns[0] if part.columns else "",
    }
    if len(part.columns) == 1 and part.template == f"{{{part.columns[0]}}}":
        # The key is the column itself: it is converted like that column's own attribute.
        same = next((a for a in entity.attributes if a.source_column == part.columns[0]), None)
        if same is not None and same.transform:
            out["transform"] = same.transform
    out["key_template"] = part.template
    return out


def _attribute(a: AttributeSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"type": a.type, "source_table": a.source_table, "source_column": a.source_column}
    if a.denormalized:
        out["denormalized"] = True
    if a.justification is not None:
        out["justification"] = a.justification
    if a.join is not None:
        out["join"] = {"local_column": a.join.local_column, "source_column": a.join.source_column}
    if a.transform:
        out["transform"] = a.transform
    out["nullable"] = a.nullable
    return out


def _ttl(e: EntityMapping, ttl: TtlSpec) -> dict[str, Any]:
    return {
        "attribute": ttl.attribute,
        "source_table": e.source_table,
        "source_column": ttl.source_column,
        "retention_days": ttl.retention_days,
        "reason": ttl.reason,
    }


def _table_ttl(t: TableSpec) -> dict[str, Any] | None:
    """DynamoDB allows one TTL attribute per table: the table's, with the first entity that fills it."""
    specs = [(e, e.ttl) for e in t.entities if e.ttl is not None]
    for e, ttl in specs:
        if t.ttl_attribute is None or ttl.attribute == t.ttl_attribute:
            return _ttl(e, ttl)
    if t.ttl_attribute is not None:
        return {"attribute": t.ttl_attribute}
    return None


def _sparse(condition: SparseCondition) -> dict[str, Any]:
    return {"column": condition.column, "value": condition.value, "reason": condition.reason}


def _own_sparse_keys(t: TableSpec, e: EntityMapping) -> dict[str, dict[str, Any]]:
    """The entity's sparse index keys that its index's own ``sparse`` does not imply (overloaded GSIs)."""
    implied = {ix.pk.attribute: ix.sparse for ix in t.indexes if ix.sparse is not None}
    return {attr: _sparse(c) for attr, c in e.sparse_keys.items() if implied.get(attr) != c}


def _entity(t: TableSpec, e: EntityMapping) -> dict[str, Any]:
    out: dict[str, Any] = {
        "source_table": e.source_table,
        "item_type": e.item_type,
        "kind": e.kind,
        "key_templates": _templates(e.pk, e.sk),
    }
    if e.index_keys:
        out["index_key_templates"] = {kp.attribute: kp.template for kp in e.index_keys}
    out["attributes"] = {a.name: _attribute(a) for a in e.attributes}
    if e.ttl is not None:
        out["ttl"] = _ttl(e, e.ttl)
    own = _own_sparse_keys(t, e)
    if own:
        out["sparse_keys"] = own
    if e.unique_columns:
        out["unique_columns"] = list(e.unique_columns)
    return out
