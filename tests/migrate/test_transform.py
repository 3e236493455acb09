"""Rows -> items on the golden designs of the four examples (both strategies), and the rejects."""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.design.keys import DDB_TYPES
from sql2dynamo.design.model import (
    AttributeSpec,
    DataModel,
    EntityMapping,
    IndexSpec,
    KeyPart,
    SparseCondition,
    TableSpec,
)
from sql2dynamo.design.sizing import values as sizing_values
from sql2dynamo.design.sizing.values import ITEM_SIZE_LIMIT
from sql2dynamo.examples import get_example
from sql2dynamo.items.size import item_size, value_size
from sql2dynamo.items.templates import parse_template
from sql2dynamo.items.transform import ItemBuilder, RowResult
from sql2dynamo.items.values import ValueRule, When
from sql2dynamo.verify.canonical import canonical
from tests.helpers.data import golden_model

EXAMPLES = ("algoitny", "hustle_hub", "decision_data", "chinook")
STRATEGIES = ("multi-table", "single-table")
Row = dict[str, Any]


@pytest.fixture(scope="module")
def example_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[Row]]]:
    """example -> source table -> its rows, as sqlite3 returns them (SELECT * of generated data)."""
    out: dict[str, dict[str, list[Row]]] = {}
    for name in EXAMPLES:
        engine = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp(name) / 'source.sqlite'}")
        counts = get_example(name).generate(engine, 20)
        with engine.connect() as conn:
            out[name] = {t: [dict(r._mapping) for r in conn.exec_driver_sql(f'SELECT * FROM "{t}"')] for t in counts}
        engine.dispose()
    return out


# ------------------------------------------------------------------ an independent oracle for the examples' data


def iso(text: str) -> str:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").isoformat()


def transforms(model: DataModel, table: str) -> dict[str, str]:
    return {
        a.source_column: a.transform
        for t in model.tables
        for e in t.entities
        for a in e.attributes
        if a.source_table == table and not a.denormalized
    }


def expected_text(value: Any, fmt: str | None, transform: str) -> str:
    if fmt == "pad":
        return f"{value:020d}"
    if fmt == "date":
        return iso(value)[:10]
    if transform == "boolean":
        return "true" if value else "false"
    if transform in ("datetime", "datetime_tz"):
        return iso(value)
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return str(value)


def expected_key(part: KeyPart, row: Row, types: dict[str, str]) -> dict[str, str] | None:
    pieces = []
    for p in parse_template(part.template):
        if isinstance(p, str):
            pieces.append(p)
        elif row[p.name] is None:
            return None
        else:
            pieces.append(expected_text(row[p.name], p.format, types.get(p.name, "string")))
    text = "".join(pieces)
    return {part.type: text} if text else None


def sparse_holds(condition: SparseCondition | None, row: Row) -> bool:
    if condition is None:
        return True
    value = row[condition.column]  # sqlite3 returns booleans as 0/1
    return bool(value == {"TRUE": 1, "FALSE": 0}[str(condition.value)])


def expected_attribute(transform: str, value: Any) -> dict[str, Any]:
    kind = DDB_TYPES[transform]
    if kind == "N":
        return {"N": format(Decimal(str(value)).normalize(), "f")}
    if kind == "BOOL":
        return {"BOOL": bool(value)}
    return {"S": iso(value) if transform == "datetime" else value}


def mappings(model: DataModel, table: str) -> Iterator[tuple[TableSpec, EntityMapping]]:
    for spec in model.tables:
        for entity in spec.entities:
            if entity.source_table == table:
                yield spec, entity


def run(builder: ItemBuilder, rows: dict[str, list[Row]]) -> dict[str, list[tuple[Row, RowResult]]]:
    out: dict[str, list[tuple[Row, RowResult]]] = {}
    for table in builder.source_tables:
        by_key = {parent: {r[j.source_column]: r for r in rows[parent]} for parent, j in builder.joins(table).items()}
        for row in rows[table]:
            related = {p: by_key[p].get(row[j.local_column]) for p, j in builder.joins(table).items()}
            out.setdefault(table, []).append((row, builder.items_for(table, row, related)))
    return out


# ------------------------------------------------------------------ the golden designs


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_golden_models(example: str, strategy: str, example_rows: dict[str, dict[str, list[Row]]]) -> None:
    model = golden_model(example, strategy)
    rows = example_rows[example]
    builder = ItemBuilder(model)
    results = run(builder, rows)
    assert set(results) == {e.source_table for t in model.tables for e in t.entities}
    seen_keys: dict[str, set[str]] = {}
    sparse_seen = {True: 0, False: 0}
    for table, pairs in results.items():
        types = transforms(model, table)
        for row, result in pairs:
            assert result.rejects == []
            wanted = [
                (spec, e)
                for spec, e in mappings(model, table)
                if e.kind == "entity" or all(row[c] is not None for c in e.unique_columns)
            ]
            assert [t for t, _ in result.items] == [spec.name for spec, _ in wanted]
            for (spec, entity), (_, item) in zip(wanted, result.items, strict=True):
                check_item(spec, entity, row, item, types, rows, sparse_seen)
                key = json.dumps([canonical(item[k.attribute]) for k in (spec.pk, spec.sk) if k is not None])
                assert key not in seen_keys.setdefault(spec.name, set()), f"two items share the key {key}"
                seen_keys[spec.name].add(key)
    if any(e.sparse_keys for t in model.tables for e in t.entities):
        assert sparse_seen[True] and sparse_seen[False], "the data should exercise both sides of a sparse index"


def check_item(
    spec: TableSpec,
    entity: EntityMapping,
    row: Row,
    item: dict[str, Any],
    types: dict[str, str],
    rows: dict[str, list[Row]],
    sparse_seen: dict[bool, int],
) -> None:
    keys = [entity.pk] + ([entity.sk] if entity.sk else [])
    for part in keys:
        assert item[part.attribute] == expected_key(part, row, types), part
    for part in entity.index_keys:
        # the entity's condition, else its index's (as sizing estimates it): a GSI's sort key goes with its pk
        condition = entity.sparse_keys.get(part.attribute) or next(
            (i.sparse for i in spec.indexes if part.attribute in (i.pk.attribute, i.sk and i.sk.attribute)), None
        )
        holds = sparse_holds(condition, row)
        if condition is not None:
            sparse_seen[holds] += 1
        want = expected_key(part, row, types) if holds else None
        assert item.get(part.attribute) == want, part
    if entity.item_type is not None:
        assert item["entity_type"] == {"S": entity.item_type}
    else:
        assert "entity_type" not in item
    key_names = {p.attribute for p in keys} | {p.attribute for p in entity.index_keys}
    for attr in entity.attributes:
        if attr.name in key_names:
            continue
        source: Row | None = row
        if attr.denormalized and attr.join is not None:
            local = row[attr.join.local_column]
            source = next((r for r in rows[attr.source_table] if r[attr.join.source_column] == local), None)
        value = None if source is None else source[attr.source_column]
        if value is None:
            assert attr.name not in item
        else:
            assert item[attr.name] == expected_attribute(attr.transform, value), attr.name
    if entity.ttl is not None:
        start = row[entity.ttl.source_column]
        if start is None:
            assert entity.ttl.attribute not in item
        else:
            moment = datetime.strptime(start, "%Y-%m-%d %H:%M:%S.%f")
            expires = calendar.timegm(moment.timetuple()) + entity.ttl.retention_days * 86400
            assert item[entity.ttl.attribute] == {"N": str(expires)}
    names = set(keys_of(spec, entity)) | {"entity_type"} | {a.name for a in entity.attributes}
    names |= {entity.ttl.attribute} if entity.ttl else set()
    assert set(item) <= names


def keys_of(spec: TableSpec, entity: EntityMapping) -> list[str]:
    parts = [spec.pk, spec.sk, entity.pk, entity.sk, *entity.index_keys]
    return [p.attribute for p in parts if p is not None]


def test_lookups_only_for_non_null_unique_values(example_rows: dict[str, dict[str, list[Row]]]) -> None:
    model = golden_model("algoitny", "multi-table")
    results = run(ItemBuilder(model), example_rows["algoitny"])
    jobs = results["script_generation_jobs"]
    lookups = [i for _, r in jobs for t, i in r.items if t == "script_generation_jobs_celery_task_id_unique"]
    with_task = [row for row, _ in jobs if row["celery_task_id"] is not None]
    assert 0 < len(lookups) == len(with_task) < len(jobs)
    assert {i["celery_task_id"]["S"] for i in lookups} == {row["celery_task_id"] for row in with_task}
    assert all(set(i) == {"celery_task_id", "id"} for i in lookups)


def test_denormalized_copies_need_their_parent(example_rows: dict[str, dict[str, list[Row]]]) -> None:
    model = golden_model("hustle_hub", "single-table")
    builder = ItemBuilder(model)
    entity = next(e for e in model.table("hustle_hub").entities if e.source_table == "listing_slug_history")
    copied = next(a for a in entity.attributes if a.denormalized and a.source_column == "title")
    assert copied.join is not None and builder.joins("listing_slug_history") == {"listings": copied.join}
    row = example_rows["hustle_hub"]["listing_slug_history"][0]
    listing = next(r for r in example_rows["hustle_hub"]["listings"] if r["id"] == row["listing_id"])
    items = builder.items_for("listing_slug_history", row, {"listings": listing}).items
    item = next(i for _, i in items if copied.name in i)
    assert item[copied.name] == {"S": listing["title"]}
    bare = builder.items_for("listing_slug_history", row, {"listings": None}).items  # no parent row: no copies
    assert not any(name.startswith("listings_") for _, i in bare for name in i)
    with pytest.raises(ValueError, match="related listings row"):
        builder.items_for("listing_slug_history", row)


def test_model_type_warnings() -> None:
    # The design types denormalized copies like their source columns, so the shipped models are consistent.
    for example in ("hustle_hub", "chinook", "algoitny", "decision_data"):
        assert ItemBuilder(golden_model(example, "multi-table")).warnings == [], example
    # A model whose attribute type disagrees with its transform is reported, not silently written.
    model = golden_model("hustle_hub", "multi-table")
    table = next(t for t in model.tables if any(a.denormalized for e in t.entities for a in e.attributes))
    entity = table.entities[0]
    bad = tuple(replace(a, type="S") if a.transform == "boolean" else a for a in entity.attributes)
    broken = replace(
        model,
        tables=tuple(
            replace(t, entities=(replace(entity, attributes=bad),)) if t is table else t for t in model.tables
        ),
    )
    assert any("BOOL" in w for w in ItemBuilder(broken).warnings)


# ------------------------------------------------------------------ rejects


def small_model(*, lookup: bool = False, index_on_city: bool = False) -> DataModel:
    cols = [("id", "integer"), ("email", "string"), ("city", "string"), ("score", "float"), ("bio", "string")]
    attrs = tuple(AttributeSpec(n, DDB_TYPES[t], "people", n, t) for n, t in cols)
    pk = KeyPart("id", "N", "{id}", ("id",))
    city = KeyPart("city", "S", "{city}", ("city",))
    indexes = (IndexSpec("by_city", city, None, "ALL", (), ()),) if index_on_city else ()
    tables = [
        TableSpec("people", "entity", pk, None, indexes, (EntityMapping("people", None, pk, None, attrs),), (), 1)
    ]
    if lookup:
        email = KeyPart("email", "S", "{email}", ("email",))
        pointer = attrs[:1]
        unique = EntityMapping("people", None, email, None, pointer, kind="lookup", unique_columns=("email",))
        tables.append(TableSpec("people_email_unique", "lookup", email, None, (), (unique,), (), 1))
    return DataModel("t", "multi-table", "on-demand", "sqlite", tuple(tables), (), (), (), None, ())


def person(**values: Any) -> Row:
    return {"id": 1, "email": "a@x.org", "city": "Oslo", "score": 0.5, "bio": None} | values


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"bio": "x" * 410_000}, "over DynamoDB's 409600 (400 KB)"),
        ({"id": None}, "empty key id: id is NULL"),
        ({"score": float("nan")}, "score (float): nan has no DynamoDB number form"),
        ({"score": "n/a"}, "score (float): 'n/a' is not a number"),
    ],
)
def test_rejects(values: dict[str, Any], words: str) -> None:
    result = ItemBuilder(small_model()).items_for("people", person(**values))
    assert result.items == []
    [reject] = result.rejects
    assert (reject.source_table, reject.table, reject.key) == ("people", "people", {"id": values.get("id", 1)})
    assert words in reject.reason


def test_key_limits_and_index_keys() -> None:
    builder = ItemBuilder(small_model(lookup=True, index_on_city=True))
    too_long = builder.items_for("people", person(email="e" * 2049))
    assert [r.table for r in too_long.rejects] == ["people_email_unique"]
    assert "2049 bytes, over DynamoDB's 2048" in too_long.rejects[0].reason
    assert too_long.items == []  # a row migrates whole or not at all
    empty_city = builder.items_for("people", person(city=""))
    assert "index key" in empty_city.rejects[0].reason
    no_city = builder.items_for("people", person(city=None))
    assert no_city.rejects == [] and "city" not in no_city.items[0][1]
    empty_email = builder.items_for("people", person(email=""))
    assert [r.reason for r in empty_email.rejects] == ["empty key email: email is empty"]


def test_lookup_skipped_for_null_unique_value() -> None:
    builder = ItemBuilder(small_model(lookup=True), primary_keys={"people": ["id", "email"]})
    assert [t for t, _ in builder.items_for("people", person(email=None)).items] == ["people"]
    assert [t for t, _ in builder.items_for("people", person()).items] == ["people", "people_email_unique"]
    reject = builder.items_for("people", person(score=float("inf"))).rejects[0]
    assert reject.key == {"id": 1, "email": "a@x.org"}


def test_size_is_exact_near_the_limit() -> None:
    # 150 000 two-byte characters: 300 KB, though the cheap bound (4 bytes a character) says 600 KB
    accented = person(bio="é" * 150_000)
    assert ItemBuilder(small_model()).items_for("people", accented).rejects == []
    over = person(bio="é" * 205_000)
    assert "400 KB" in ItemBuilder(small_model()).items_for("people", over).rejects[0].reason


def test_user_rules_reach_the_items() -> None:
    nan_absent = ValueRule("nan-absent", When(frozenset({"float"}), (float,), lambda v: v != v), lambda v: None, "")
    builder = ItemBuilder(small_model(), value_rules=[nan_absent])
    [(_, item)] = builder.items_for("people", person(score=float("nan"))).items
    assert "score" not in item
    assert "400 KB" in builder.items_for("people", person(bio="x" * 410_000)).rejects[0].reason


# ------------------------------------------------------------------ item size


def test_item_size_matches_dynamodb() -> None:
    # DynamoDB Local accepted exactly this item and refused it with one character more
    assert item_size({"pk": {"S": "a"}, "b": {"S": "x" * 409_596}}) == ITEM_SIZE_LIMIT
    low_level: dict[str, Any] = {
        "n": {"N": "-0.000123"},
        "s": {"S": "café"},
        "b": {"B": b"\x00\x01\x02"},
        "t": {"BOOL": True},
        "z": {"NULL": True},
        "m": {"M": {"k": {"N": "100"}, "l": {"L": [{"S": ""}, {"N": "0"}]}}},
        "ss": {"SS": ["a", "bc"]},
        "ns": {"NS": ["1", "22.5"]},
        "bs": {"BS": [b"\x01", b"\x02\x03"]},
    }
    python: dict[str, Any] = {
        "n": Decimal("-0.000123"),
        "s": "café",
        "b": b"\x00\x01\x02",
        "t": True,
        "z": None,
        "m": {"k": 100, "l": ["", 0]},
        "ss": {"a", "bc"},
        "ns": {Decimal(1), Decimal("22.5")},
        "bs": {b"\x01", b"\x02\x03"},
    }
    assert item_size(low_level) == sizing_values.item_size(python)
    assert all(value_size(low_level[k]) == sizing_values.value_size(python[k]) for k in low_level)
