"""Single-table designs (as the AlgoItny and Hustle Hub teams built theirs): every entity in one table.

The multi-table layout is re-keyed, not re-derived: each source table gets an
*entity view* -- a TableSpec naming the one shared table, with generic ``PK``
and ``SK`` attributes whose templates carry the entity prefix
(``USER#{id}``), children grouped under their parent's partition
(``PROBLEM#{problem_id}`` / ``TEST_CASE#{id:pad}``), and indexes overloaded as
``GSI1PK/GSI1SK``...  Plans are built on the views exactly as on separate
tables; :func:`merge_views` then folds the views into the one table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sql2dynamo.design.keys import field
from sql2dynamo.design.model import DesignDecision, EntityMapping, IndexSpec, KeyPart, TableSpec
from sql2dynamo.design.tables import safe_table_name
from sql2dynamo.source.model import Schema, Table

PK, SK, TYPE_ATTRIBUTE = "PK", "SK", "entity_type"
ROOT_SK = "METADATA"


def entity_label(name: str) -> str:
    """``users`` -> ``USER``, ``categories`` -> ``CATEGORY``, ``search_history`` -> ``SEARCH_HISTORY``."""
    label = re.sub(r"[^A-Za-z0-9]+", "_", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)).upper().strip("_")
    if label.endswith("IES") and len(label) > 4:
        return label[:-3] + "Y"
    if label.endswith("S") and not label.endswith("SS") and len(label) > 3:
        return label[:-1]
    return label


def _fields(table: Table, columns: tuple[str, ...]) -> str:
    # Numbers in a string key must be zero-padded to sort as numbers do.
    return "#".join("{" + c + ":pad}" if table.column(c).normalized_type == "integer" else field(c) for c in columns)


def _key(attribute: str, prefix: str, table: Table, columns: tuple[str, ...]) -> KeyPart:
    body = _fields(table, columns)
    return KeyPart(attribute, "S", f"{prefix}#{body}" if body else prefix, columns)


def entity_views(tables: Mapping[str, TableSpec], schema: Schema, application: str) -> dict[str, TableSpec]:
    """Per source table (and lookup), the view of the single table its items live in."""
    name = safe_table_name(application)
    views: dict[str, TableSpec] = {}
    for key, spec in tables.items():
        entity = spec.entities[0]
        source = schema.table(entity.source_table)
        label = entity_label(source.name)
        if spec.role == "lookup":
            cols = entity.unique_columns
            pk = _key(PK, f"UNIQUE#{label}#{'#'.join(c.upper() for c in cols)}", source, cols)
            sk = KeyPart(SK, "S", "UNIQUE", ())
        else:
            pk, sk = _base_keys(spec, source, schema, label)
        indexes = tuple(_overload(i, n, label, source, spec) for n, i in enumerate(spec.indexes, start=1))
        index_keys = tuple(k for i in indexes for k in (i.pk, i.sk) if k is not None)
        sparse = {i.pk.attribute: i.sparse for i in indexes if i.sparse is not None}
        view_entity = EntityMapping(
            source_table=entity.source_table,
            item_type=label if spec.role == "entity" else f"UNIQUE_{label}",
            pk=pk,
            sk=sk,
            attributes=entity.attributes,
            index_keys=index_keys,
            sparse_keys=sparse,
            ttl=entity.ttl,
            kind=entity.kind,
            unique_columns=entity.unique_columns,
        )
        views[key] = TableSpec(
            name=name,
            role=spec.role,
            pk=pk,
            sk=sk,
            indexes=indexes,
            entities=(view_entity,),
            satisfies=spec.satisfies,
            estimated_item_size_bytes=spec.estimated_item_size_bytes,
            ttl_attribute=spec.ttl_attribute,
            purpose=spec.purpose,
        )
    return views


def _base_keys(spec: TableSpec, source: Table, schema: Schema, label: str) -> tuple[KeyPart, KeyPart]:
    if (
        spec.sk is not None
        and spec.pk.columns
        and len(source.primary_key) == 1
        and spec.pk.columns[0] not in (source.primary_key)
    ):
        # An item collection: children live in their parent's partition.
        fk = next((f for f in source.foreign_keys if f.columns == spec.pk.columns), None)
        # Keyed by the columns its reads fix (keys.py, a surrogate key nothing reads): its own partitions.
        owner = entity_label(schema.table(fk.referred_table).name) if fk else label
        return _key(PK, owner, source, spec.pk.columns), _key(SK, label, source, spec.sk.columns)
    if spec.sk is None:
        return _key(PK, label, source, spec.pk.columns), KeyPart(SK, "S", ROOT_SK, ())
    return _key(PK, label, source, spec.pk.columns), _key(SK, label, source, spec.sk.columns)


def _overload(index: IndexSpec, slot: int, label: str, source: Table, spec: TableSpec) -> IndexSpec:
    pk = KeyPart(f"GSI{slot}PK", "S", f"{label}#{_retemplate(index.pk, source)}", index.pk.columns)
    non_key = index.non_key_attributes
    if index.projection == "INCLUDE":
        # The separate table's key columns (its own and the index's) were projected as keys; here
        # PK/SK and GSInPK/GSInSK replace them, so the columns themselves must be listed to reach the index.
        was_key = {part.attribute for part in (spec.pk, spec.sk, index.pk, index.sk) if part is not None}
        non_key = tuple(c.name for c in source.columns if c.name in set(non_key) or c.name in was_key)
    # An overloaded slot has a sort key as soon as one entity's index has one, and a GSI holds only items
    # that carry both of its key attributes: an entity that needs no order still writes a constant sort key.
    sk = KeyPart(f"GSI{slot}SK", "S", label, ())
    if index.sk is not None:
        sk = KeyPart(f"GSI{slot}SK", "S", _retemplate(index.sk, source), index.sk.columns)
    return IndexSpec(
        name=f"GSI{slot}",
        pk=pk,
        sk=sk,
        projection=index.projection,
        non_key_attributes=non_key,
        serves=index.serves,
        sparse=index.sparse,
        projection_reason=index.projection_reason,
    )


def _retemplate(key: KeyPart, source: Table) -> str:
    def pad(m: re.Match[str]) -> str:
        col, fmt = m.group(1), m.group(2) or ""
        if not fmt and col in {c.name for c in source.columns} and source.column(col).normalized_type == "integer":
            return "{" + col + ":pad}"
        return m.group(0)

    return re.sub(r"\{([^{}:]+)(:[a-z]+)?\}", pad, key.template)


def merge_views(views: Mapping[str, TableSpec], application: str) -> TableSpec:
    """The one table: every entity, and per GSI slot the union of the patterns it serves and what they read."""
    specs = list(views.values())
    slots: dict[str, list[tuple[IndexSpec, EntityMapping]]] = {}
    for spec in specs:
        for index in spec.indexes:
            slots.setdefault(index.name, []).append((index, spec.entities[0]))
    indexes = [_merge_slot(slots[k]) for k in sorted(slots, key=lambda s: int(s[3:]))]
    return TableSpec(
        name=safe_table_name(application),
        role="entity",
        pk=KeyPart(PK, "S", "<entity>#<key>", ()),
        sk=KeyPart(SK, "S", "<entity>#<key> | METADATA", ()),
        indexes=tuple(indexes),
        entities=tuple(e for spec in specs for e in spec.entities),
        satisfies=tuple(dict.fromkeys(p for spec in specs for p in spec.satisfies)),
        estimated_item_size_bytes=max((s.estimated_item_size_bytes for s in specs), default=0),
        ttl_attribute=next((s.ttl_attribute for s in specs if s.ttl_attribute), None),
        purpose=f"every entity of {application} in one table (single-table design); "
        f"the {TYPE_ATTRIBUTE} attribute names each item's entity",
    )


def _merge_slot(shares: list[tuple[IndexSpec, EntityMapping]]) -> IndexSpec:
    """One overloaded GSI from each entity's share of it.

    Every pattern that reads the index reads the items of its own entity from
    it, so the projection must hold what each of them reads: the union of the
    INCLUDE lists.  A KEYS_ONLY share fetches its items from the table (its
    plan has the BatchGetItem) and adds nothing; an ALL share makes the index
    ALL.  When the union lists every attribute of every entity in the index,
    ALL stores the same bytes and is what DynamoDB is told.  The sizing and
    pricing passes run on the merged index, so the cost follows the union.
    """
    first = shares[0][0]
    if len(shares) == 1:
        return first
    rank = {"KEYS_ONLY": 0, "INCLUDE": 1, "ALL": 2}
    widest = max((index.projection for index, _ in shares), key=rank.__getitem__)
    union = tuple(dict.fromkeys(a for index, _ in shares for a in index.non_key_attributes))
    reads = "; ".join(
        f"{entity.source_table} ({', '.join(index.serves)}): "
        + (", ".join(index.non_key_attributes) if index.projection == "INCLUDE" else index.projection)
        for index, entity in shares
    )
    projection = widest
    if widest == "INCLUDE" and all({a.name for a in entity.attributes} <= set(union) for _, entity in shares):
        projection = "ALL"
        reason = f"overloaded by several entities ({reads}): the union is every attribute they have, so ALL"
    elif widest == "INCLUDE":
        reason = f"overloaded by several entities ({reads}): projects the union of what their patterns read"
    else:
        reason = f"overloaded by several entities ({reads}): the widest projection ({widest}) serves them all"
    return IndexSpec(
        name=first.name,
        pk=first.pk,
        sk=next((index.sk for index, _ in shares if index.sk is not None), None),
        projection=projection,
        non_key_attributes=union if projection == "INCLUDE" else (),
        serves=tuple(p for index, _ in shares for p in index.serves),
        sparse=None,
        projection_reason=reason,
    )


def strategy_decision(tables: Mapping[str, TableSpec], schema: Schema, application: str, chosen: str) -> DesignDecision:
    """The multi- vs single-table choice (``--strategy``), with what each would deploy.

    ``tables`` are the multi-table specs; the single-table counts come from the same views the
    single-table design is built from, so the figures are the ones each choice deploys.
    """
    multi_tables = len(tables)
    multi_gsis = sum(len(t.indexes) for t in tables.values())
    one = merge_views(entity_views(tables, schema, application), application)
    entities = len(one.entities)
    single = f"single-table: 1 table holding {entities} item types, {len(one.indexes)} overloaded GSIs"
    multi = f"multi-table: {multi_tables} tables (one per source table and per unique rule), {multi_gsis} GSIs"
    return DesignDecision(
        decision_type="TABLE_STRUCTURE",
        subject=application,
        alternatives_considered=(multi, single),
        chosen_approach=multi if chosen == "multi-table" else single,
        justification=f"chosen with --strategy {chosen}: {multi_tables} tables and {multi_gsis} GSIs against 1 table "
        f"and {len(one.indexes)} GSIs; both serve the same patterns, and the cost section prices the one chosen "
        "(bench/design_vs_seeds.py prices both side by side)",
        trade_offs=(
            "multi-table: per-table capacity, alarms and IAM; an index per access path; items read as rows",
            "single-table: related items share a partition (one Query reads a collection); overloaded indexes "
            "carry every item type that has their keys; keys carry entity prefixes",
        ),
        rollback_strategy="design again with the other --strategy, deploy it beside this one and migrate again",
        monitoring_requirements=("consumed capacity and throttling per table and per index",),
    )
