"""DynamoDB's item sizing rules, and item-size estimates from statistics or declared types, as tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sql2dynamo.design.model import SparseCondition
from sql2dynamo.design.sizing.columns import UNBOUNDED_MAX_BYTES, key_value_bytes, sparse_share, type_estimate
from sql2dynamo.design.sizing.items import (
    attribute_estimates,
    entity_in_index,
    entity_item_size,
    item_sizes,
    max_item_size,
    projected_size,
)
from sql2dynamo.design.sizing.values import ITEM_SIZE_LIMIT, item_size, number_size, value_size
from tests.design.fixtures import attr, col, entity, gsi, kp, schema, spec, stats, table

VALUE_CASES: list[tuple[Any, int, str]] = [
    # value, bytes, rule
    ("", 0, "empty string: no bytes"),
    ("abc", 3, "ASCII: one byte a character"),
    ("é", 2, "UTF-8: two bytes"),
    ("日本", 6, "UTF-8: three bytes each"),
    (0, 2, "zero: one significant digit"),
    (7, 2, "1 digit -> ceil(1/2) + 1"),
    (12, 2, "2 digits -> 1 + 1"),
    (123, 3, "3 digits -> 2 + 1"),
    (100, 2, "trailing zeros are not significant"),
    (-12345, 4, "the sign is free, 5 digits -> 3 + 1"),
    (Decimal("1.50"), 2, "1.50 has 2 significant digits"),
    (Decimal("0.0015"), 2, "leading zeros are not significant"),
    (3.14159, 4, "6 digits -> 3 + 1"),
    (Decimal("9" * 38), 20, "38 digits -> 19 + 1"),
    (Decimal("1" * 45), 21, "capped at 21 bytes"),
    (True, 1, "BOOL: one byte"),
    (None, 1, "NULL: one byte"),
    (b"\x00\x01\x02", 3, "binary: its length"),
    ({"a": 1}, 7, "map: 3 + (1 + name 1 + value 2)"),
    ([1, "ab"], 9, "list: 3 + (1 + 2) + (1 + 2)"),
    ({"x", "yz"}, 3, "string set: sum of the members"),
    ({1, 22}, 4, "number set: 2 + 2"),
    ({"m": {"n": [True]}}, 15, "nested: 3 + (1 + 1 + (3 + (1 + 1 + (3 + (1 + 1)))))"),
]


@pytest.mark.parametrize(("value", "expected", "rule"), VALUE_CASES, ids=[c[2] for c in VALUE_CASES])
def test_value_size(value: Any, expected: int, rule: str) -> None:
    assert value_size(value) == expected, rule


def test_item_size_counts_names() -> None:
    # "id" 2 + 7 -> 2, "name" 4 + "Ann" 3
    assert item_size({"id": 7, "name": "Ann"}) == 11


def test_number_size_refuses_nan() -> None:
    with pytest.raises(ValueError, match="finite"):
        number_size(float("nan"))


TYPE_CASES = [
    # normalized type, column kwargs, estimate, why
    ("string", {"length": 100}, 50.0, "half the declared length"),
    ("string", {"length": 4000}, 512.0, "capped at 512"),
    ("string", {}, 64.0, "unbounded text"),
    ("binary", {"length": 16}, 8.0, "half the declared length"),
    ("integer", {}, 8.0, "N of 14 digits"),
    ("decimal", {"precision": 8}, 5.0, "ceil(8/2) + 1"),
    ("decimal", {}, 8.0, "precision unknown"),
    ("float", {}, 10.0, "17 digits -> 9 + 1"),
    ("boolean", {}, 1.0, "BOOL"),
    ("uuid", {}, 36.0, "canonical form"),
    ("date", {}, 10.0, "YYYY-MM-DD"),
    ("datetime", {}, 26.0, "ISO-8601 with microseconds"),
    ("enum", {"enum_values": ("a", "bcd")}, 2.0, "mean member length"),
    ("json", {}, 256.0, "small document"),
    ("mystery", {}, 32.0, "unknown type"),
]


@pytest.mark.parametrize(("ntype", "kwargs", "expected", "why"), TYPE_CASES, ids=[c[3] for c in TYPE_CASES])
def test_type_estimate(ntype: str, kwargs: dict[str, Any], expected: float, why: str) -> None:
    assert type_estimate(ntype, col("c", ntype, **kwargs)) == expected, why


CUSTOMER = table(
    "customer",
    [
        col("customer_id", "integer", st=stats(3.0, distinct=5000)),
        col("email", "string", st=stats(22.0, distinct=5000, max_bytes=60)),
        col("company", "string", nullable=True, st=stats(12.0, null=0.5, max_bytes=80)),
    ],
    ("customer_id",),
    rows=5000,
)


def test_entity_item_size_from_statistics() -> None:
    customer = entity(
        "customer",
        kp("customer_id", "{customer_id}", "N"),
        [attr("email", "customer", nullable=False), attr("company", "customer")],
    )
    # customer_id: 11 + 3; email: 5 + 22; company: (7 + 12) x (1 - 0.5) = 9.5  -> 50.5 -> 51
    assert entity_item_size(customer, CUSTOMER) == 51
    # maxima: customer_id 11 + 6, email 5 + 60, company 7 + 80
    assert max_item_size(customer, CUSTOMER) == 169


def test_entity_item_size_from_declared_types() -> None:
    users = table("users", [col("id", "integer"), col("name", "string", length=100)])
    user = entity("users", kp("PK", "USER#{id}"), [attr("name", "users", nullable=False)], item_type="user")
    # PK: 2 + "USER#" 5 + an integer as text 10 = 17; name: 4 + 100/2 = 54; entity_type: 11 + 4 = 15
    assert entity_item_size(user, users) == 86
    rules = {e.name: e.rule for e in attribute_estimates(user, users)}
    assert rules == {
        "PK": "template USER#{id}",
        "entity_type": "literal 'user'",
        "name": "type estimate (string)",
    }


def test_entity_without_a_source_table_uses_transforms() -> None:
    item = entity("gone", kp("id", "{id}", "N"), [attr("at", "gone", transform="datetime", nullable=False)])
    # id: 2 + 8 (an integer); at: 2 + 26
    assert entity_item_size(item, None) == 38


KEY_CASES = [
    # template, type, bytes, why
    ("{customer_id}", "N", 3.0, "a lone numeric field keeps the N size from avg_bytes"),
    ("CUST#{customer_id}", "S", 9.0, "literal 5 + digits 2 x (3 - 1)"),
    ("{email}", "S", 22.0, "a lone string field: avg_bytes"),
    ("{customer_id}#{email}", "S", 27.0, "literal 1 + 4 + 22"),
    ("{created_at:date}", "S", 10.0, "a date bucket is YYYY-MM-DD"),
    ("PUBLIC", "S", 6.0, "a literal key"),
]


@pytest.mark.parametrize(("template", "type_", "expected", "why"), KEY_CASES, ids=[c[3] for c in KEY_CASES])
def test_key_value_bytes(template: str, type_: str, expected: float, why: str) -> None:
    assert key_value_bytes(kp("k", template, type_), CUSTOMER) == expected, why


PROBLEMS = table(
    "problems",
    [
        col("id", "integer", st=stats(4.0, distinct=10_000)),
        col("title", "string", st=stats(40.0)),
        col("is_public", "boolean", st=stats(1.0, distinct=2)),
        col("language", "string", nullable=True, st=stats(6.0, distinct=8, null=0.25)),
    ],
    rows=10_000,
)


def test_sparse_share() -> None:
    # a value: (1 - null) / distinct; not-null: 1 - null; unknown column: a half
    assert sparse_share(SparseCondition("is_public", "true", "public only"), PROBLEMS) == 0.5
    assert sparse_share(SparseCondition("language", None, "has a language"), PROBLEMS) == 0.75
    assert sparse_share(SparseCondition("language", "py", "python"), PROBLEMS) == pytest.approx(0.75 / 8)
    assert sparse_share(SparseCondition("nope", "x", "?"), PROBLEMS) == 0.5
    assert sparse_share(None, PROBLEMS) == 1.0


def _problem_entity() -> tuple[Any, Any, Any, Any]:
    public = gsi("by_public", kp("GSI1PK", "PUBLIC"), sparse=SparseCondition("is_public", "true", "public"))
    keys_only = gsi("by_title", kp("title", "{title}"), projection="KEYS_ONLY")
    include = gsi("by_title_inc", kp("title", "{title}"), projection="INCLUDE", include=("language",))
    problem = entity(
        "problems",
        kp("id", "{id}", "N"),
        [attr("title", "problems", nullable=False), attr("language", "problems")],
        index_keys=[kp("GSI1PK", "PUBLIC")],
    )
    return problem, public, keys_only, include


def test_sparse_index_key_counts_for_its_share() -> None:
    problem, public, _, _ = _problem_entity()
    # id 2 + 4; GSI1PK (6 + 6) x 0.5; title 5 + 40; language (8 + 6) x 0.75 = 10.5 -> 67.5 -> 68
    assert entity_item_size(problem, PROBLEMS, indexes=[public]) == 68
    # without the index's sparse condition the key counts on every item: 6 more
    assert entity_item_size(problem, PROBLEMS) == 74


def test_sparse_keys_of_the_entity_win() -> None:
    problem, _, _, _ = _problem_entity()
    pinned = entity(
        "problems",
        problem.pk,
        problem.attributes,
        index_keys=problem.index_keys,
        sparse_keys={"GSI1PK": SparseCondition("language", None, "has a language")},
    )
    # GSI1PK present on 75 % of items: 12 x 0.75 = 9 instead of 12 -> 71
    assert entity_item_size(pinned, PROBLEMS) == 71


def test_projections() -> None:
    problem, public, keys_only, include = _problem_entity()
    table_spec = spec("problems", [problem], indexes=[public, keys_only, include])
    est = attribute_estimates(problem, PROBLEMS, indexes=table_spec.indexes)
    # ALL: the whole item, its index key in full: 6 + 12 + 45 + 10.5 = 73.5 -> 74
    assert projected_size(est, public, table_spec) == 74
    # KEYS_ONLY: table key id (6) + index key title (45)
    assert projected_size(est, keys_only, table_spec) == 51
    # INCLUDE language: + 10.5 -> 61.5 -> 62
    assert projected_size(est, include, table_spec) == 62
    assert all(entity_in_index(problem, i) for i in (public, keys_only, include))
    assert not entity_in_index(problem, gsi("other", kp("nope", "{nope}")))


def test_item_sizes_mapping() -> None:
    problem, public, keys_only, _ = _problem_entity()
    sizes = item_sizes([spec("problems", [problem], indexes=[public, keys_only])], schema(PROBLEMS))
    size = sizes[("problems", "problems")]
    assert size.bytes == 68
    assert size.index_bytes == {"by_public": 74, "by_title": 51}
    assert size.index_share == {"by_public": 0.5, "by_title": 1.0}


def test_denormalized_attribute_sized_from_its_own_table() -> None:
    orders = table("orders", [col("id", "integer", st=stats(3.0)), col("customer_id", "integer", st=stats(3.0))])
    order = entity(
        "orders",
        kp("id", "{id}", "N"),
        [attr("customer_email", "customer", "email", denormalized=True, join=("customer_id", "customer_id"))],
    )
    # id 2 + 3; customer_email 14 + 22 (customer.email's avg_bytes, found through the schema)
    assert entity_item_size(order, orders, schema=schema(orders, CUSTOMER)) == 41
    # without the schema: a string of unknown length
    assert entity_item_size(order, orders) == 5 + 14 + 64


def test_max_item_size_and_the_400_kb_limit() -> None:
    docs = table("docs", [col("id", "integer"), col("body", "string", st=stats(1000.0, max_bytes=500_000))])
    doc = entity("docs", kp("id", "{id}", "N"), [attr("body", "docs", nullable=False)])
    assert max_item_size(doc, docs) > ITEM_SIZE_LIMIT
    unbounded = table("notes", [col("id", "integer"), col("text", "string")])
    note = entity("notes", kp("id", "{id}", "N"), [attr("text", "notes")])
    # no statistics, no declared length: the unbounded-text guess
    assert max_item_size(note, unbounded) == 2 + 21 + 4 + UNBOUNDED_MAX_BYTES
