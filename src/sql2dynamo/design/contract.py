"""``migrationContract.json``: seed 002's exact contract, built from the DataModel and validated.

The file is a JSON array with one object per DynamoDB table in seed 002's
structure (``table``, ``type``, ``source_table``, ``pk``, ``sk``, ``gsis``,
``attributes``, ``satisfies``, ``estimated_item_size_bytes``).  What
infrastructure and migration automation also need is carried in optional,
clearly named extras (``role``, ``key_templates``, ``ttl``, ``entities``,
``lookup_tables``, ``unique_lookup``; per GSI ``key_templates``,
``projection``, ``sparse``, ``satisfies``; per attribute ``transform``,
``nullable``, ``key_template``) so that a reader written for the seed reads
the file unchanged.  ``data/migration_contract.schema.json`` documents every
field.

Ordering is deterministic: tables in model order; GSIs in index order; in
``attributes`` the key attributes first (table pk, table sk, then each GSI's
pk and sk), then the main entity's attributes in mapping order.

:func:`contract_json` is the contract gate: it refuses to produce a file that
fails either the shipped JSON Schema or an independent seed-002 shape check.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, NoReturn

import fastjsonschema

from sql2dynamo.design.model import (
    AttributeSpec,
    DataModel,
    EntityMapping,
    IndexSpec,
    KeyPart,
    PlanStep,
    TableSpec,
    TtlSpec,
)
from sql2dynamo.errors import InputError
from sql2dynamo.frozen import json_text

if TYPE_CHECKING:
    import jsonschema

SCHEMA_RESOURCE = "data/migration_contract.schema.json"
FILE_NAME = "migrationContract.json"
DDB_TYPES = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})
KEY_TYPES = frozenset({"S", "N", "B"})
ENTRY_TYPES = frozenset({"Table", "GSI"})
_Fail = Callable[[str, str], NoReturn]
_HINT = (
    "the contract is generated from data_model.json: fix the design and generate it again, or correct "
    "the field by hand (every field is described in sql2dynamo/design/data/migration_contract.schema.json)"
)


# ------------------------------------------------------------------------ building


def build_contract(model: DataModel) -> list[dict[str, Any]]:
    """Seed 002's contract for ``model``: one object per table (GSIs inside their table's ``gsis``).

    A table without any entity mapping has no source table, which the seed
    forbids: that raises :class:`InputError`.  The result is not validated;
    :func:`contract_json` does that.
    """
    relations = _Relations.of(model)
    return [_table_entry(model, relations, t) for t in model.tables]


@dataclass(frozen=True)
class _Relations:
    """Who guards what and which transactions write where, built once per :func:`build_contract` call."""

    # source table -> the entity table whose items a lookup on it protects: the first that stores it
    guards: dict[str, TableSpec]
    # entity table name -> (lookup table, its entity) for every lookup entity guarding it, in model order
    lookups: dict[str, list[tuple[TableSpec, EntityMapping]]]
    # lookup table name -> (ids of the patterns whose transactions write it, the first such transaction)
    transactions: dict[str, tuple[list[str], PlanStep]]

    @classmethod
    def of(cls, model: DataModel) -> _Relations:
        guards: dict[str, TableSpec] = {}
        for t in model.tables:
            if t.role == "entity":
                for e in t.entities:
                    if e.kind == "entity":
                        guards.setdefault(e.source_table, t)
        lookups: dict[str, list[tuple[TableSpec, EntityMapping]]] = {}
        for other in model.tables:
            if other.role == "lookup":
                for e in other.entities:
                    guarded = guards.get(e.source_table)
                    if guarded is not None:
                        lookups.setdefault(guarded.name, []).append((other, e))
        transactions: dict[str, tuple[list[str], PlanStep]] = {}
        for plan in model.plans:
            for step in _flat(plan.steps):
                if step.operation == "TransactWriteItems":
                    for table in dict.fromkeys(i.table for i in step.items):
                        patterns, _ = transactions.setdefault(table, ([], step))
                        if plan.pattern_id not in patterns:
                            patterns.append(plan.pattern_id)
        return cls(guards, lookups, transactions)


def _table_entry(model: DataModel, relations: _Relations, t: TableSpec) -> dict[str, Any]:
    main = _main_entity(t)
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
    entry["satisfies"] = [_pattern_ref(model, pid) for pid in t.satisfies]
    entry["estimated_item_size_bytes"] = t.estimated_item_size_bytes
    # Extras, after the seed's fields so that the seed's part reads first.
    entry["role"] = t.role
    entry["key_templates"] = _templates(main.pk, main.sk)
    ttl = _table_ttl(t)
    if ttl is not None:
        entry["ttl"] = ttl
    if len(t.entities) > 1 or any(e.item_type for e in t.entities):
        entry["entities"] = [_entity(e) for e in t.entities]
    lookups = _lookups_for(relations, t)
    if lookups:
        entry["lookup_tables"] = lookups
    if t.role == "lookup":
        entry["unique_lookup"] = _unique_lookup(model, relations, t, main)
    return entry


def _main_entity(t: TableSpec) -> EntityMapping:
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


def _pattern_ref(model: DataModel, pattern_id: str) -> str:
    """``AP01: description``, the seed's "access pattern description" with its id kept parseable."""
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
        out["sparse"] = {"column": ix.sparse.column, "value": ix.sparse.value, "reason": ix.sparse.reason}
    out["satisfies"] = [_pattern_ref(model, pid) for pid in ix.serves]
    return out


def _table_attributes(t: TableSpec, main: EntityMapping) -> dict[str, dict[str, Any]]:
    """Key attributes first (so their types are found where the seed looks), then the main entity's."""
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


def _entity(e: EntityMapping) -> dict[str, Any]:
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
    if e.unique_columns:
        out["unique_columns"] = list(e.unique_columns)
    return out


def _guarded_columns(e: EntityMapping) -> list[str]:
    return list(e.unique_columns or e.pk.columns or (e.pk.attribute,))


def _lookups_for(relations: _Relations, t: TableSpec) -> list[dict[str, Any]]:
    """The lookup tables guarding a source table this entity table stores."""
    return [
        {"table": other.name, "columns": _guarded_columns(e)}
        for other, e in relations.lookups.get(t.name, [])
        if relations.guards[e.source_table] is t
    ]


def _unique_lookup(model: DataModel, relations: _Relations, t: TableSpec, lookup: EntityMapping) -> dict[str, Any]:
    guarded = relations.guards.get(lookup.source_table)
    patterns: list[str] = []
    actions: list[dict[str, Any]] | None = None
    if t.name in relations.transactions:
        writers, first = relations.transactions[t.name]
        patterns = list(writers)
        actions = [_action(model, item) for item in first.items]
    if actions is None:
        # No write pattern shows the transaction: state the canonical one of seed 002.
        actions = []
        if guarded is not None:
            owner = next(e for e in guarded.entities if e.kind == "entity" and e.source_table == lookup.source_table)
            actions.append(_put(guarded.name, _mapping_item(owner), f"attribute_not_exists({guarded.pk.attribute})"))
        actions.append(_put(t.name, _mapping_item(lookup), f"attribute_not_exists({t.pk.attribute})"))
    out: dict[str, Any] = {"source_table": lookup.source_table, "columns": _guarded_columns(lookup)}
    if guarded is not None:
        out["guards_table"] = guarded.name
    if patterns:
        out["patterns"] = patterns
    out["ddb_query_plan"] = {"TransactWriteItems": actions}
    return out


def _flat(steps: tuple[PlanStep, ...]) -> list[PlanStep]:
    out: list[PlanStep] = []
    for step in steps:
        out.append(step)
        out += _flat(step.items)
    return out


def _put(table: str, item: dict[str, str], condition: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"Table": table, "Item": item}
    if condition:
        body["ConditionExpression"] = condition
    return {"PutItem": body}


def _mapping_item(e: EntityMapping) -> dict[str, str]:
    """The item an entity mapping writes, as templates; denormalized copies are filled by the migration."""
    item = {e.pk.attribute: e.pk.template}
    if e.sk is not None:
        item[e.sk.attribute] = e.sk.template
    for kp in e.index_keys:
        item.setdefault(kp.attribute, kp.template)
    for a in e.attributes:
        if not a.denormalized:
            item.setdefault(a.name, f"{{{a.source_column}}}")
    return item


def _action(model: DataModel, step: PlanStep) -> dict[str, Any]:
    if step.operation == "PutItem":
        action = _put(step.table, _step_item(model, step), step.condition)
        _placeholders(action["PutItem"], step)
        return action
    body: dict[str, Any] = {"Table": step.table, "Key": dict(step.key or {})}
    if step.operation == "UpdateItem" and step.update:
        body["UpdateExpression"] = step.update
    if step.condition:
        body["ConditionExpression"] = step.condition
    _placeholders(body, step)
    # Inside a transaction anything but a write only checks a condition.
    name = step.operation if step.operation in ("UpdateItem", "DeleteItem") else "ConditionCheck"
    return {name: body}


def _placeholders(body: dict[str, Any], step: PlanStep) -> None:
    """``#name``/``:value`` placeholders the expressions use, under DynamoDB's own parameter names."""
    if step.names:
        body["ExpressionAttributeNames"] = dict(step.names)
    if step.values:
        body["ExpressionAttributeValues"] = dict(step.values)


def _step_item(model: DataModel, step: PlanStep) -> dict[str, str]:
    if step.item_entity is not None:
        try:
            target = model.table(step.table)
        except KeyError:
            target = None
        for e in target.entities if target is not None else ():
            if e.source_table == step.item_entity:
                return _mapping_item(e)
    return dict(step.key or {})


# ---------------------------------------------------------------------- validation


@cache
def _schema_text() -> str:
    return resources.files("sql2dynamo.design").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


def contract_schema() -> dict[str, Any]:
    """The shipped JSON Schema (draft 2020-12) of ``migrationContract.json``, a fresh copy."""
    return copy.deepcopy(_schema())


@cache
def _schema() -> dict[str, Any]:
    data = json.loads(_schema_text())
    if not isinstance(data, dict):  # pragma: no cover - the shipped file is an object
        raise TypeError("migration_contract.schema.json is not a JSON object")
    return data


@cache
def _fast_validator() -> Callable[[Any], Any]:
    # Compiled to Python code: valid contracts (the usual case) are checked in milliseconds.
    return fastjsonschema.compile(_schema())


@cache
def _validator() -> jsonschema.protocols.Validator:
    # Imported here: only an invalid contract needs it (it takes a tenth of a second to import).
    import jsonschema

    return jsonschema.Draft202012Validator(_schema())


def validate_contract(contract: Any) -> None:
    """Check ``contract`` against seed 002's shape and the shipped JSON Schema.

    The seed check runs first (its messages are the clearest), then the
    schema, which also catches unknown keys.  The first problem found raises
    :class:`InputError` naming the table and the JSON path, e.g.
    ``table 'Orders': $[2].attributes.customer_name: denormalized is true but join is missing``.
    """
    _check_seed_shape(contract)
    try:
        _fast_validator()(contract)
        return
    except fastjsonschema.JsonSchemaException:
        pass  # jsonschema below finds every error and names the path
    errors = sorted(_validator().iter_errors(contract), key=lambda e: (e.json_path, e.validator, e.message))
    if errors:
        first = errors[0]
        index = first.absolute_path[0] if first.absolute_path else None
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        _fail(contract, index if isinstance(index, int) else None, first.json_path, first.message + more)


def _fail(contract: Any, index: int | None, path: str, problem: str) -> NoReturn:
    if index is None:
        raise InputError(f"{FILE_NAME}: {path}: {problem}", hint=_HINT, path=path)
    entry = contract[index] if isinstance(contract, list) and index < len(contract) else None
    raw = entry.get("table") if isinstance(entry, dict) else None
    name = raw if isinstance(raw, str) and raw else None
    # A table without a usable name is named by its position, as a person counts.
    label = repr(name) if name else f"#{index + 1}"
    raise InputError(f"{FILE_NAME}: table {label}: {path}: {problem}", hint=_HINT, table=name, path=path)


def _member(path: str, key: str) -> str:
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _check_seed_shape(contract: Any) -> None:
    """Seed 002's rules, checked by hand so that they hold whatever the schema file says."""
    if not isinstance(contract, list):
        _fail(contract, None, "$", "the contract must be a JSON array with one object per table")
    if not contract:
        _fail(contract, None, "$", "the contract lists no table")
    names: dict[str, int] = {}
    for i, entry in enumerate(contract):
        path = f"$[{i}]"

        def fail(where: str, problem: str, index: int = i) -> NoReturn:
            _fail(contract, index, where, problem)

        if not isinstance(entry, dict):
            fail(path, "each table must be a JSON object")
        for key in ("table", "type", "source_table", "pk"):
            value = entry.get(key)
            if key not in entry:
                fail(_member(path, key), f"{key} is missing")
            if not isinstance(value, str) or not value.strip():
                fail(_member(path, key), f"{key} must be a non-empty string")
        if entry["type"] not in ENTRY_TYPES:
            fail(_member(path, "type"), f'type is {entry["type"]!r}; it must be "Table" or "GSI"')
        if entry["table"] in names:
            fail(_member(path, "table"), f"table name used twice (first at $[{names[entry['table']]}])")
        names[entry["table"]] = i
        if "sk" in entry and (not isinstance(entry["sk"], str) or not entry["sk"].strip()):
            fail(_member(path, "sk"), "sk, when present, must be a non-empty string")
        keys: list[tuple[str, str]] = [(entry["pk"], _member(path, "pk"))]
        if "sk" in entry:
            keys.append((entry["sk"], _member(path, "sk")))
        keys += _check_gsis(entry, path, fail)
        _check_attributes(entry, path, fail)
        attributes = entry["attributes"]
        for attribute, where in keys:
            if attribute not in attributes:
                fail(where, f"key attribute {attribute!r} is not described in attributes")
            if attributes[attribute].get("type") not in KEY_TYPES:
                fail(
                    _member(_member(path, "attributes"), attribute) + ".type",
                    f"key attribute {attribute!r} must be of type S, N or B",
                )
        satisfies = entry.get("satisfies")
        if not isinstance(satisfies, list) or not all(isinstance(s, str) and s for s in satisfies):
            fail(_member(path, "satisfies"), "satisfies must be a list of access pattern descriptions")
        size = entry.get("estimated_item_size_bytes")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            fail(
                _member(path, "estimated_item_size_bytes"),
                "estimated_item_size_bytes must be a positive integer",
            )


def _check_gsis(entry: dict[str, Any], path: str, fail: _Fail) -> list[tuple[str, str]]:
    if "gsis" not in entry:
        return []
    gsis = entry["gsis"]
    where = _member(path, "gsis")
    if not isinstance(gsis, list):
        fail(where, "gsis, when present, must be a list")
    keys: list[tuple[str, str]] = []
    seen: set[str] = set()
    for j, gsi in enumerate(gsis):
        at = f"{where}[{j}]"
        if not isinstance(gsi, dict):
            fail(at, "each GSI must be a JSON object")
        for key in ("name", "pk"):
            if not isinstance(gsi.get(key), str) or not gsi[key].strip():
                fail(_member(at, key), f"GSI {key} must be a non-empty string")
        if "sk" in gsi and (not isinstance(gsi["sk"], str) or not gsi["sk"].strip()):
            fail(_member(at, "sk"), "GSI sk, when present, must be a non-empty string")
        if gsi["name"] in seen:
            fail(_member(at, "name"), f"GSI name {gsi['name']!r} used twice in this table")
        seen.add(gsi["name"])
        keys.append((gsi["pk"], _member(at, "pk")))
        if "sk" in gsi:
            keys.append((gsi["sk"], _member(at, "sk")))
    return keys


def _check_attributes(entry: dict[str, Any], path: str, fail: _Fail) -> None:
    attributes = entry.get("attributes")
    where = _member(path, "attributes")
    if not isinstance(attributes, dict) or not attributes:
        fail(where, "attributes must be a non-empty object of attribute name -> description")
    for name, spec in attributes.items():
        at = _member(where, name)
        if not isinstance(spec, dict):
            fail(at, "each attribute must be a JSON object")
        if spec.get("type") not in DDB_TYPES:
            fail(
                _member(at, "type"),
                f"type {spec.get('type')!r} is not a DynamoDB type ({', '.join(sorted(DDB_TYPES))})",
            )
        if not isinstance(spec.get("source_table"), str) or not spec["source_table"].strip():
            fail(_member(at, "source_table"), "source_table must be a non-empty string")
        column = spec.get("source_column")
        if not isinstance(column, str) or (not column.strip() and "key_template" not in spec):
            fail(_member(at, "source_column"), "source_column must be a non-empty string")
        if "denormalized" in spec and not isinstance(spec["denormalized"], bool):
            fail(_member(at, "denormalized"), "denormalized must be true or false")
        if spec.get("denormalized") is True:
            justification = spec.get("justification")
            if not isinstance(justification, str) or not justification.strip():
                fail(_member(at, "justification"), "denormalized is true but justification is missing")
            join = spec.get("join")
            if not isinstance(join, dict):
                fail(_member(at, "join"), "denormalized is true but join is missing")
            for key in ("local_column", "source_column"):
                if not isinstance(join.get(key), str) or not join[key].strip():
                    fail(_member(_member(at, "join"), key), f"join.{key} must be a non-empty string")


# ------------------------------------------------------------------------- output


def contract_json(model: DataModel) -> str:
    """The validated text of ``migrationContract.json``: indent 2, a trailing newline (the contract gate)."""
    contract = build_contract(model)
    validate_contract(contract)
    return json_text(contract) + "\n"


def render_data_model_json(model: DataModel) -> str:
    """The text of ``data_model.json``: :func:`~sql2dynamo.design.model.model_to_dict`, in dataclass order.

    Indent 2 and a trailing newline, like every stage file.  (:func:`json_text`
    writes the model as ``model_to_dict`` would, without building the dicts.)
    """
    return json_text(model) + "\n"
