"""Property: any model either form can hold survives the trip through both forms.

Hypothesis builds models in the space ``design`` writes (one source table per
table with natural or templated keys, derived and plain GSI keys, sparse
indexes, TTL, denormalized copies, unique-constraint lookup tables; and
single tables holding typed entities
with an overloaded GSI that some entities write, some sparsely), then checks
that each form is valid against its schema, reads back into the same
migration model, and that Modernizr -> seed -> Modernizr is exact.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from sql2dynamo.design.contract.build import build_contract
from sql2dynamo.design.contract.modernizr import build_modernizr
from sql2dynamo.design.contract.modernizr_validate import modernizr_schema
from sql2dynamo.design.contract.read import read_contract
from sql2dynamo.design.contract.validate import validate_contract
from sql2dynamo.design.keys import DDB_TYPES
from sql2dynamo.design.model import (
    AttributeSpec,
    DataModel,
    EntityMapping,
    IndexSpec,
    Join,
    KeyPart,
    SparseCondition,
    TableSpec,
    TtlSpec,
)
from tests.contract.views import migration_view, plain

COLUMNS = ("id", "name", "created_at", "price", "flag", "doc", "owner_id", "code")
KEY_TRANSFORMS = ("integer", "decimal", "string", "uuid", "enum", "date", "datetime", "datetime_tz", "binary")
ALL_TRANSFORMS = (*KEY_TRANSFORMS, "float", "boolean", "time", "interval", "json", "set", "array")


def _key_type(transform: str) -> Any:
    kind = DDB_TYPES[transform]
    return kind if kind in ("S", "N", "B") else "S"


@st.composite
def _columns(draw: st.DrawFn, source: str) -> tuple[AttributeSpec, ...]:
    """A source table's columns: the first is its key (a key type), the others anything."""
    names = draw(st.lists(st.sampled_from(COLUMNS), min_size=2, max_size=6, unique=True))
    out = []
    for i, name in enumerate(names):
        transform = draw(st.sampled_from(KEY_TRANSFORMS if i == 0 else ALL_TRANSFORMS))
        out.append(AttributeSpec(name, DDB_TYPES[transform], source, name, transform))
    return tuple(out)


def _template_key(draw: st.DrawFn, attribute: str, columns: tuple[AttributeSpec, ...]) -> KeyPart:
    """A key built from a template: a prefix and one column, or two columns, or a constant."""
    first = columns[0].source_column
    shape = draw(st.sampled_from(("prefix", "pair", "constant", "bare")))
    if shape == "prefix":
        return KeyPart(attribute, "S", f"P#{{{first}}}", (first,))
    if shape == "pair":
        other = columns[1].source_column
        return KeyPart(attribute, "S", f"{{{first}}}#{{{other}}}", (first, other))
    if shape == "constant":
        return KeyPart(attribute, "S", "META", ())
    return KeyPart(attribute, _key_type(columns[0].transform), f"{{{first}}}", (first,))


def _sparse(draw: st.DrawFn, columns: tuple[AttributeSpec, ...]) -> SparseCondition | None:
    if not draw(st.booleans()):
        return None
    return SparseCondition(
        draw(st.sampled_from([c.source_column for c in columns])), draw(st.sampled_from(["TRUE", None])), ""
    )


@st.composite
def _single_entity_table(draw: st.DrawFn, n: int) -> TableSpec:
    source = f"src{n}"
    columns = draw(_columns(source))
    first = columns[0]
    if draw(st.booleans()):
        pk = KeyPart(first.name, _key_type(first.transform), f"{{{first.name}}}", (first.name,))
    else:
        pk = _template_key(draw, "PK", columns)
    sk = _template_key(draw, "SK", columns) if draw(st.booleans()) else None
    indexes: list[IndexSpec] = []
    index_keys: list[KeyPart] = []
    sparse_keys: dict[str, SparseCondition] = {}
    for i in range(draw(st.integers(0, 2))):
        name = f"ix{i}"
        if draw(st.booleans()):  # a plain column as the index key: written by the attribute itself
            ipk = KeyPart(first.name, _key_type(first.transform), f"{{{first.name}}}", (first.name,))
            sparse = None
        else:
            ipk = _template_key(draw, f"{name}_pk", columns)
            index_keys.append(ipk)
            sparse = _sparse(draw, columns)
            if sparse is not None:
                sparse_keys[ipk.attribute] = sparse
        projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = draw(st.sampled_from(["ALL", "KEYS_ONLY", "INCLUDE"]))
        non_key = (columns[-1].name,) if projection == "INCLUDE" else ()
        indexes.append(IndexSpec(name, ipk, None, projection, non_key, (), sparse))
    attributes = list(columns)
    if draw(st.booleans()):
        attributes.append(
            AttributeSpec(
                "parent_name", "S", "parent", "name", "string", True, True, "read together", Join(first.name, "id")
            )
        )
    ttl = None
    if draw(st.booleans()):
        ttl = TtlSpec("expires_at", columns[-1].source_column, draw(st.integers(0, 400)), "")
    lookup = draw(st.booleans()) and not any(a.denormalized for a in attributes)
    entity = EntityMapping(
        source,
        None,
        pk,
        sk,
        tuple(attributes),
        tuple(index_keys),
        sparse_keys,
        ttl,
        kind="lookup" if lookup else "entity",
        unique_columns=(columns[-1].source_column,) if lookup else (),
    )
    return TableSpec(
        f"table{n}",
        "lookup" if lookup else "entity",
        pk,
        sk,
        tuple(indexes),
        (entity,),
        ("AP01",),
        draw(st.integers(1, 400_000)),
        ttl_attribute=ttl.attribute if ttl else None,
    )


@st.composite
def _multi_entity_table(draw: st.DrawFn, n: int) -> TableSpec:
    has_sk = draw(st.booleans())
    entities = []
    writers: list[SparseCondition | None] = []
    for i in range(draw(st.integers(1, 3))):
        source = f"src{n}_{i}"
        columns = draw(_columns(source))
        key = columns[0].source_column
        pk = KeyPart("PK", "S", f"T{i}#{{{key}}}", (key,))
        sk = _template_key(draw, "SK", columns) if has_sk else None
        index_keys: tuple[KeyPart, ...] = ()
        sparse_keys: dict[str, SparseCondition] = {}
        if draw(st.booleans()):  # this entity writes the overloaded index
            index_keys = (_template_key(draw, "GSI1PK", columns), KeyPart("GSI1SK", "S", f"T{i}", ()))
            condition = _sparse(draw, columns)
            if condition is not None:
                sparse_keys["GSI1PK"] = condition
            writers.append(condition)
        entities.append(EntityMapping(source, f"TYPE{i}", pk, sk, columns, index_keys, sparse_keys))
    indexes: tuple[IndexSpec, ...] = ()
    if writers:
        # The index's keys as its first writer builds them; sparse when every writer is, alike (as design records it).
        gsi1pk, gsi1sk = next(e.index_keys for e in entities if e.index_keys)
        shared = writers[0] if all(w is not None and w == writers[0] for w in writers) else None
        indexes = (IndexSpec("GSI1", gsi1pk, gsi1sk, "ALL", (), (), shared),)
    first = entities[0]
    return TableSpec(f"table{n}", "entity", first.pk, first.sk, indexes, tuple(entities), ("AP02",), 100)


@st.composite
def models(draw: st.DrawFn) -> DataModel:
    tables = [
        draw(_multi_entity_table(n) if draw(st.booleans()) else _single_entity_table(n))
        for n in range(draw(st.integers(1, 3)))
    ]
    return DataModel("generated", "multi-table", "on-demand", "", tuple(tables), (), (), (), None, ())


def _consistent(model: DataModel) -> bool:
    """Models whose key attributes of one name agree on their type, as a DynamoDB table needs."""
    for t in model.tables:
        types: dict[str, str] = {}
        for e in t.entities:
            for kp in (e.pk, e.sk, *e.index_keys):
                if kp is not None and types.setdefault(kp.attribute, kp.type) != kp.type:
                    return False
    return True


@settings(max_examples=150, deadline=None)
@given(models())
def test_both_forms_hold_any_model_and_round_trip(model: DataModel) -> None:
    if not _consistent(model):
        return
    seed = plain(build_contract(model))
    validate_contract(seed)
    modernizr = plain(build_modernizr(model))
    jsonschema.Draft7Validator(modernizr_schema()).validate(modernizr)
    assert migration_view(read_contract(seed), modernizr=False) == migration_view(model, modernizr=False)
    from_modernizr = read_contract(modernizr)
    assert migration_view(from_modernizr, modernizr=True) == migration_view(model, modernizr=True)
    again = plain(build_modernizr(read_contract(plain(build_contract(from_modernizr)))))
    assert json.dumps(again, sort_keys=True) == json.dumps(modernizr, sort_keys=True)
