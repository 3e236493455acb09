"""The Modernizr contract format: the DataModel as the ``{"tables": [...]}`` contract of AWS's Modernizr workshop.

The Modernizr contract format is the evolved form of the migration contract
format (whose top-level array :mod:`~sql2dynamo.design.contract.build`
writes).  Its JSON Schema ships unmodified in
``data/modernizr_migration_contract_schema.json`` (MIT No Attribution,
``data/LICENSE-modernizr.txt``).  It has no place for sql2dynamo's extras, so
everything below uses only the keys that schema declares; what it cannot
say is listed in :data:`NOT_CARRIED` (the design document repeats it).

How the model is spelled (:mod:`~sql2dynamo.design.contract.read` reads it back):

* one entry per DynamoDB table.  A table holding one source table's rows
  without an item type (a multi-table design) is ``single-entity``: its keys
  and the entity's attributes are under ``attributes``.  Any other table (a
  single-table design) is ``multi-entity``: every entity under ``entities``
  with ``entity_type`` (the item-type value), ``source_table``,
  ``pk_template``, ``sk_template`` (``""`` when the table has no sort key)
  and its attributes, while the table's ``attributes`` declare its key
  attributes (name and type, as the first entity writing them builds them);
* a key attribute built from a template rather than copied from one column
  (``USER#{id:pad}``, ``{platform}#{problem_id}``, a constant ``METADATA``)
  is an attribute whose ``transformation`` is
  ``{"type": "string-format", "format": TEMPLATE}`` and whose
  ``source_column`` lists the template's columns (a string for one);
* every other attribute's ``transformation`` names how the migration
  converts the value: ``type`` is the family (``number-format``,
  ``date-format``, ``json-parse``, ``string-format``) and ``source_format``
  the source column's normalized type (``integer``, ``datetime_tz``, ...);
* a denormalized attribute keeps ``denormalized`` and ``justification``, and
  its join is a ``foreign-key`` join: ``target_table`` the table the value
  comes from, ``join_condition`` ``"<entity table>.<local column> =
  <target_table>.<column>"``, ``select_column`` the copied column;
* an index key written only for some rows (a sparse index) carries a
  ``case`` calculation: ``{"type": "case", "cases": [{"when": "is_public =
  TRUE", "then": TEMPLATE}]}`` (``"<column> IS NOT NULL"`` when any value
  qualifies), with no ``else``: no attribute otherwise;
* a unique-constraint lookup item (one per unique value, written with its
  item in one transaction) marks each attribute pointing at the item it
  guards with a ``lookup-table`` join: ``target_table`` the DynamoDB table
  holding that item, ``join_condition`` ``"<source table>.<unique column> =
  <target_table>.<unique column>"`` (``AND`` between several columns),
  ``select_column`` the pointer's column;
* a time-to-live attribute has a ``date-math`` calculation and the
  transformation ``{"type": "date-format", "format": "epoch seconds + N
  days"}`` on the source column it counts from;
* GSIs are ``index_name``, ``pk``, ``sk``, ``projection`` and, for INCLUDE,
  ``projected_attributes``; ``satisfies`` lists every pattern the table and
  its indexes serve (``ID: description``); ``estimated_item_size_bytes`` is
  the model's estimate.
"""

from __future__ import annotations

from typing import Any

from sql2dynamo.design.contract.build import main_entity, pattern_ref
from sql2dynamo.design.contract.lookups import Relations
from sql2dynamo.design.model import AttributeSpec, DataModel, EntityMapping, KeyPart, SparseCondition, TableSpec

__all__ = [
    "FAMILIES",
    "NOT_CARRIED",
    "TEMPLATE_TRANSFORMATION",
    "TTL_FORMAT",
    "build_modernizr",
    "is_multi_entity",
    "lookup_condition",
    "not_carried_markdown",
    "sparse_when",
    "ttl_format",
]

TEMPLATE_TRANSFORMATION = "string-format"
"""The transformation type of a key attribute built from a template (``format`` is the template)."""

FAMILIES: dict[str, str] = {
    "integer": "number-format",
    "decimal": "number-format",
    "float": "number-format",
    "date": "date-format",
    "datetime": "date-format",
    "datetime_tz": "date-format",
    "time": "date-format",
    "interval": "date-format",
    "json": "json-parse",
    "array": "json-parse",
}
"""Normalized source type -> the Modernizr transformation type naming its conversion (else ``string-format``)."""

TTL_FORMAT = "epoch seconds + {days} days"
"""The ``format`` of a time-to-live attribute's ``date-format`` transformation."""

NOT_CARRIED: tuple[str, ...] = (
    "the access plans of the patterns (operations, key conditions, filters, capacity per call): "
    "validate, the runtime Repository, codegen and sync need data_model.json",
    "which patterns each GSI serves (the table's satisfies lists them all)",
    "the TransactWriteItems that keep a unique-constraint lookup and its item together, and the write patterns "
    "that run it (the lookup items themselves, and the columns they guard, are carried)",
    "the reasons of projections, sparse indexes and TTL, and the design decisions and warnings",
    "whether an attribute is nullable",
    "billing mode, provisioned capacity, cost, streams and point-in-time recovery (deploy uses on-demand, "
    "no stream, recovery on)",
)
"""What the model knows that the Modernizr contract format has no place for (shown in the design document)."""


def ttl_format(days: int) -> str:
    """The transformation ``format`` of a TTL attribute that expires ``days`` after its column."""
    return TTL_FORMAT.format(days=days)


def sparse_when(condition: SparseCondition) -> str:
    """A sparse condition as a ``case`` calculation's ``when``: ``col = VALUE`` or ``col IS NOT NULL``."""
    if condition.value is None:
        return f"{condition.column} IS NOT NULL"
    return f"{condition.column} = {condition.value}"


def build_modernizr(model: DataModel) -> dict[str, Any]:
    """The Modernizr contract of ``model`` (not validated; the contract gate does that)."""
    guards = {source: t.name for source, t in Relations.of(model).guards.items()}
    return {"tables": [_table(model, guards, t) for t in model.tables]}


def is_multi_entity(t: TableSpec) -> bool:
    """Whether ``t`` is written as a ``multi-entity`` table (several entities, or typed items)."""
    return len(t.entities) != 1 or any(e.item_type is not None for e in t.entities)


def _table(model: DataModel, guards: dict[str, str], t: TableSpec) -> dict[str, Any]:
    main = main_entity(t)
    multi = is_multi_entity(t)
    entry: dict[str, Any] = {
        "table": t.name,
        "type": "multi-entity" if multi else "single-entity",
        "source_table": main.source_table,
        "pk": t.pk.attribute,
    }
    if t.sk is not None:
        entry["sk"] = t.sk.attribute
    if t.indexes:
        entry["gsis"] = [_gsi(ix.name, ix.pk, ix.sk, ix.projection, ix.non_key_attributes) for ix in t.indexes]
    if multi:
        entry["entities"] = [_entity(t, e, guards) for e in t.entities]
        entry["attributes"] = [_key_declaration(t, main, kp) for kp in _table_keys(t)]
    else:
        entry["attributes"] = _single_attributes(t, main, guards)
    entry["satisfies"] = [pattern_ref(model, pid) for pid in t.satisfies]
    entry["estimated_item_size_bytes"] = t.estimated_item_size_bytes
    return entry


def _gsi(name: str, pk: KeyPart, sk: KeyPart | None, projection: str, non_key: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"index_name": name, "pk": pk.attribute}
    if sk is not None:
        out["sk"] = sk.attribute
    out["projection"] = projection
    if projection == "INCLUDE":
        out["projected_attributes"] = list(non_key)
    return out


def _table_keys(t: TableSpec) -> list[KeyPart]:
    """The table's key attributes, once each: pk, sk, then every GSI's pk and sk."""
    keys = [t.pk, *([t.sk] if t.sk is not None else [])]
    for ix in t.indexes:
        keys += [ix.pk, *([ix.sk] if ix.sk is not None else [])]
    first: dict[str, KeyPart] = {}
    for kp in keys:
        first.setdefault(kp.attribute, kp)
    return list(first.values())


def _is_column(kp: KeyPart, e: EntityMapping) -> bool:
    """Whether the key attribute is one of the entity's attributes, copied as it is (no template needed)."""
    return kp.template == f"{{{kp.attribute}}}" and any(
        a.name == kp.attribute and a.source_column == kp.attribute and not a.denormalized for a in e.attributes
    )


def _entity_key(e: EntityMapping, attribute: str) -> KeyPart | None:
    """The key part ``e`` writes for ``attribute`` (table or index key), if any."""
    return next((kp for kp in (e.pk, e.sk, *e.index_keys) if kp is not None and kp.attribute == attribute), None)


def _key_declaration(t: TableSpec, main: EntityMapping, declared: KeyPart) -> dict[str, Any]:
    """A multi-entity table's key attribute: its name and type, as the first entity that writes it builds it."""
    for e in (main, *(e for e in t.entities if e is not main)):
        part = _entity_key(e, declared.attribute)
        if part is not None:
            return _template_attribute(e, part)
    return _template_attribute(main, declared)


def _single_attributes(t: TableSpec, main: EntityMapping, guards: dict[str, str]) -> list[dict[str, Any]]:
    """Key attributes first (those that are not plain columns), then the entity's own, in mapping order."""
    out = [_key_declaration(t, main, kp) for kp in _table_keys(t) if not _is_column(kp, main)]
    taken = {a["name"] for a in out}
    out += [_attribute(main, a, guards) for a in main.attributes if a.name not in taken]
    if main.ttl is not None and main.ttl.attribute not in taken:
        out.append(_ttl_attribute(main))
    return out


def _entity(t: TableSpec, e: EntityMapping, guards: dict[str, str]) -> dict[str, Any]:
    index_keys = [kp for kp in e.index_keys if not _is_column(kp, e)]
    attributes = [_template_attribute(e, kp) for kp in index_keys]
    taken = {kp.attribute for kp in index_keys}
    attributes += [_attribute(e, a, guards) for a in e.attributes if a.name not in taken]
    if e.ttl is not None:
        attributes.append(_ttl_attribute(e))
    return {
        "entity_type": e.item_type if e.item_type is not None else e.source_table,
        "source_table": e.source_table,
        "pk_template": e.pk.template,
        "sk_template": e.sk.template if e.sk is not None else "",
        "attributes": attributes,
    }


def _columns(kp: KeyPart) -> str | list[str]:
    return kp.columns[0] if len(kp.columns) == 1 else list(kp.columns)


def _template_attribute(e: EntityMapping, kp: KeyPart) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": kp.attribute,
        "type": kp.type,
        "source_table": e.source_table,
        "source_column": _columns(kp),
    }
    condition = e.sparse_keys.get(kp.attribute)
    if condition is not None:
        out["calculation"] = {"type": "case", "cases": [{"when": sparse_when(condition), "then": kp.template}]}
    out["transformation"] = {"type": TEMPLATE_TRANSFORMATION, "format": kp.template}
    return out


def lookup_condition(source_table: str, guarded: str, columns: tuple[str, ...]) -> str:
    """A lookup item's ``lookup-table`` join condition: the unique columns it guards, in the table it guards."""
    return " AND ".join(f"{source_table}.{c} = {guarded}.{c}" for c in columns)


def _attribute(e: EntityMapping, a: AttributeSpec, guards: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": a.name,
        "type": a.type,
        "source_table": a.source_table,
        "source_column": a.source_column,
    }
    if e.kind == "lookup" and e.unique_columns and a.join is None:
        # A unique-constraint lookup item points at the item holding that unique value.
        guarded = guards.get(e.source_table, e.source_table)
        out["join"] = {
            "type": "lookup-table",
            "target_table": guarded,
            "join_condition": lookup_condition(e.source_table, guarded, e.unique_columns),
            "select_column": a.source_column,
        }
    if a.join is not None:
        out["join"] = {
            "type": "foreign-key",
            "target_table": a.source_table,
            "join_condition": f"{e.source_table}.{a.join.local_column} = {a.source_table}.{a.join.source_column}",
            "select_column": a.source_column,
        }
    out["transformation"] = {"type": FAMILIES.get(a.transform, "string-format"), "source_format": a.transform}
    if a.denormalized:
        out["denormalized"] = True
    if a.justification is not None:
        out["justification"] = a.justification
    return out


def _ttl_attribute(e: EntityMapping) -> dict[str, Any]:
    assert e.ttl is not None
    return {
        "name": e.ttl.attribute,
        "type": "N",
        "source_table": e.source_table,
        "source_column": e.ttl.source_column,
        "calculation": {"type": "date-math"},
        "transformation": {"type": "date-format", "format": ttl_format(e.ttl.retention_days)},
    }


def not_carried_markdown() -> str:
    """The design document's section on what the Modernizr contract format leaves out (starts with a blank line)."""
    lines = [
        "",
        "## What the Modernizr Contract Leaves Out",
        "",
        "`migrationContract.json` is in the Modernizr contract format. Its schema has no place for the "
        "following, which only `data_model.json` keeps:",
        "",
        *(f"- {item}" for item in NOT_CARRIED),
        "",
        "`deploy`, `migrate` and `verify` can run from the contract alone (types and nullability then come "
        "from the source database).",
        "",
    ]
    return "\n".join(lines)
