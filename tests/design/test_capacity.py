"""Read/write unit rounding, per-operation metering and GSI write amplification."""

from __future__ import annotations

import pytest

from sql2dynamo.common.errors import InputError
from sql2dynamo.design.capacity import (
    pattern_rps,
    plan_capacity,
    read_units,
    step_units,
    step_usage,
    updated_attributes,
    write_units,
)
from sql2dynamo.design.model import AccessPlan
from sql2dynamo.design.sizing.items import ItemSize, Sizes
from tests.design.fixtures import attr, entity, gsi, kp, pattern, plan, spec, step

READ_CASES = [
    # bytes, strong, transactional, units, why
    (0, True, False, 1.0, "a miss still costs the minimum unit"),
    (100, False, False, 0.5, "eventual is half a unit"),
    (4096, True, False, 1.0, "exactly 4 KB is one unit"),
    (4097, True, False, 2.0, "one byte over rounds up"),
    (4097, False, False, 1.0, "eventual halves the rounded units"),
    (12_000, False, False, 1.5, "3 units, halved"),
    (1, False, True, 2.0, "transactional is twice a strong read"),
    (8192, True, True, 4.0, "2 units x 2"),
]


@pytest.mark.parametrize(("size", "strong", "txn", "expected", "why"), READ_CASES, ids=[c[4] for c in READ_CASES])
def test_read_units(size: int, strong: bool, txn: bool, expected: float, why: str) -> None:
    assert read_units(size, strong=strong, transactional=txn) == expected, why


WRITE_CASES = [
    # bytes, transactional, units, why
    (0, False, 1.0, "the minimum unit"),
    (1024, False, 1.0, "exactly 1 KB"),
    (1025, False, 2.0, "one byte over"),
    (3000, False, 3.0, "3 KB"),
    (3000, True, 6.0, "transactional doubles"),
]


@pytest.mark.parametrize(("size", "txn", "expected", "why"), WRITE_CASES, ids=[c[3] for c in WRITE_CASES])
def test_write_units(size: int, txn: bool, expected: float, why: str) -> None:
    assert write_units(size, transactional=txn) == expected, why


UPDATE_CASES = [
    # expression, names, attributes
    (
        "SET a = :a, #b = list_append(#b, :x) REMOVE c ADD d :n DELETE e :s",
        {"#b": "b"},
        {"a", "b", "c", "d", "e"},
    ),
    ("set a.b[0] = :v", {}, {"a"}),
    ("SET #n = if_not_exists(#n, :zero) + :one", {"#n": "count"}, {"count"}),
    ("REMOVE x, y", {}, {"x", "y"}),
]


@pytest.mark.parametrize(("expression", "names", "expected"), UPDATE_CASES)
def test_updated_attributes(expression: str, names: dict[str, str], expected: set[str]) -> None:
    assert updated_attributes(expression, names) == frozenset(expected)


def test_no_update_expression_is_unknown() -> None:
    assert updated_attributes(None) is None
    assert updated_attributes("  ") is None


# orders: 1,500-byte items (2 write units, 1 read unit); two GSIs:
#   by_customer (ALL, every item: 1,500 B) and by_status (KEYS_ONLY, 100 B, sparse: a quarter of the items)
ORDER = entity(
    "orders",
    kp("id", "{id}", "N"),
    [
        attr("customer_id", "orders", type_="N", transform="integer"),
        attr("status", "orders"),
        attr("note", "orders"),
    ],
)
BY_CUSTOMER = gsi("by_customer", kp("customer_id", "{customer_id}", "N"))
BY_STATUS = gsi("by_status", kp("status", "{status}"), projection="KEYS_ONLY")
ORDERS = spec("orders", [ORDER], indexes=[BY_CUSTOMER, BY_STATUS])
SIZES: Sizes = {
    ("orders", "orders"): ItemSize(
        bytes=1500,
        index_bytes={"by_customer": 1500, "by_status": 100},
        index_share={"by_customer": 1.0, "by_status": 0.25},
    )
}

WRITE_STEP_CASES = [
    # operation, step kwargs, (base WCU, by_customer WCU, by_status WCU), why
    ("PutItem", {"item_entity": "orders"}, (2.0, 2.0, 0.25), "puts every index holding the item"),
    ("DeleteItem", {"key": {"id": "{:id}"}}, (2.0, 2.0, 0.25), "deletes from every index"),
    (
        "UpdateItem",
        {"update": "SET #s = :s", "names": {"#s": "status"}},
        (2.0, 2.0, 0.5),
        "status is by_status's key: delete + put there; by_customer projects ALL: 1 write",
    ),
    (
        "UpdateItem",
        {"update": "SET note = :n"},
        (2.0, 2.0, 0.0),
        "note is projected by ALL, not by KEYS_ONLY",
    ),
    (
        "UpdateItem",
        {"update": "SET customer_id = :c"},
        (2.0, 4.0, 0.0),
        "changing by_customer's key costs it 2 writes",
    ),
    ("UpdateItem", {}, (2.0, 4.0, 0.5), "no expression: assume every key changes"),
]


@pytest.mark.parametrize(
    ("operation", "kwargs", "expected", "why"), WRITE_STEP_CASES, ids=[c[3] for c in WRITE_STEP_CASES]
)
def test_gsi_write_amplification(
    operation: str, kwargs: dict[str, object], expected: tuple[float, float, float], why: str
) -> None:
    usages = step_usage(step(operation, "orders", **kwargs), [ORDERS], SIZES, 1, strong=True)
    by_index = {u.index: u.wcu for u in usages}
    got = (by_index[None], by_index.get("by_customer", 0.0), by_index.get("by_status", 0.0))
    assert got == expected, why
    assert step_units(step(operation, "orders", **kwargs), [ORDERS], SIZES, 1, True) == (0.0, sum(expected))


def test_transaction_doubles_the_base_write_only() -> None:
    txn = step("TransactWriteItems", "orders", items=(step("PutItem", "orders", item_entity="orders"),))
    # base 2 x 2 = 4; the indexes are written outside the transaction protocol: 2 + 0.25
    assert step_units(txn, [ORDERS], SIZES, 1, True) == (0.0, 6.25)


def test_sparse_keys_only_index_from_item_sizes() -> None:
    # the same numbers without ItemSize details: a bare int counts the whole item in every index
    sizes: Sizes = {("orders", "orders"): 1500}
    assert step_units(step("PutItem", "orders", item_entity="orders"), [ORDERS], sizes, 1, True) == (0.0, 6.0)


READ_STEP_CASES = [
    # operation, step kwargs, expected items, strong, RCU, why
    ("GetItem", {}, 1, True, 1.0, "1,500 B rounds up to one 4 KB unit"),
    ("GetItem", {}, 1, False, 0.5, "eventual: half"),
    ("Query", {}, 10, False, 2.0, "10 x 1,500 = 15,000 B summed: 4 units, halved"),
    ("Query", {}, 10, True, 4.0, "strong: 4 units"),
    ("Query", {"select": "COUNT"}, 10, False, 2.0, "COUNT still reads the items"),
    ("Query", {"limit": 3}, 10, False, 1.0, "Limit 3: 4,500 B -> 2 units, halved"),
    ("Query", {"limit": ":n"}, 10, False, 2.0, "a parameter limit is unknown: all expected items"),
    ("Query", {"consistent_read": True}, 10, False, 4.0, "the step asks for a strong read"),
    ("BatchGetItem", {}, 10, False, 5.0, "rounded per item: 10 x 0.5"),
    ("Scan", {}, 1000, False, 183.5, "1,000 x 1,500 = 1,500,000 B / 4,096 -> 367 units, halved"),
    ("Query", {"index": "by_status"}, 10, True, 0.5, "KEYS_ONLY 100 B x 10 = 1 unit, GSIs are eventual"),
    ("Query", {"index": "by_customer"}, 10, False, 2.0, "ALL projection: the whole items"),
]


@pytest.mark.parametrize(
    ("operation", "kwargs", "items", "strong", "expected", "why"),
    READ_STEP_CASES,
    ids=[c[5] for c in READ_STEP_CASES],
)
def test_read_metering(
    operation: str, kwargs: dict[str, object], items: float, strong: bool, expected: float, why: str
) -> None:
    assert step_units(step(operation, "orders", **kwargs), [ORDERS], SIZES, items, strong) == (
        expected,
        0.0,
    ), why


def test_the_largest_entity_of_a_shared_table_is_assumed() -> None:
    small = entity("notes", kp("PK", "N#{id}"), [])
    big = entity("orders", kp("PK", "O#{id}"), [])
    shared = spec("main", [small, big])
    sizes: Sizes = {("main", "notes"): 100, ("main", "orders"): 5000}
    assert step_units(step("GetItem", "main"), [shared], sizes, 1, True) == (2.0, 0.0)
    assert step_units(step("GetItem", "main", item_entity="notes"), [shared], sizes, 1, True) == (1.0, 0.0)


def test_missing_size_falls_back_to_the_table_estimate() -> None:
    table_spec = spec("orders", [ORDER], item_bytes=5000)
    assert step_units(step("GetItem", "orders"), [table_spec], {}, 1, True) == (2.0, 0.0)


def test_plan_capacity_per_call_and_per_second() -> None:
    p = plan(
        "AP01",
        [step("GetItem", "orders"), step("Query", "orders", index="by_customer")],
        expected_items=10,
    )
    cap = plan_capacity(p, [ORDERS], SIZES, pattern("AP01", 20, 50, "eventual"))
    # GetItem 0.5 + Query 10 x 1,500 B -> 2.0 = 2.5 RCU a call; x 20 avg = 50, x 50 peak = 125
    assert (cap.rcu_per_call, cap.wcu_per_call) == (2.5, 0.0)
    assert (cap.rcu_avg, cap.rcu_peak, cap.wcu_avg, cap.wcu_peak) == (50.0, 125.0, 0.0, 0.0)
    strong = plan_capacity(p, [ORDERS], SIZES, pattern("AP01", 20, 50, "strong"))
    # the GetItem doubles; the GSI Query stays eventual
    assert strong.rcu_per_call == 3.0


def test_plan_without_steps_keeps_its_figures() -> None:
    unsupported = AccessPlan("AP9", "x", "read", False, (), 0, 1.5, 0.0, reason="LIKE '%x%'")
    cap = plan_capacity(unsupported, [ORDERS], SIZES, pattern("AP9", 2, 4))
    assert (cap.rcu_per_call, cap.rcu_avg, cap.rcu_peak) == (1.5, 3.0, 6.0)


RPS_CASES = [
    ((20, 80), (20.0, 80.0)),
    ((None, 10), (10.0, 10.0)),
    ((10, None), (10.0, 10.0)),
    ((None, None), (0.0, 0.0)),
    ((30, 10), (30.0, 30.0)),
]


@pytest.mark.parametrize(("rps", "expected"), RPS_CASES)
def test_pattern_rps(rps: tuple[float | None, float | None], expected: tuple[float, float]) -> None:
    assert pattern_rps(pattern("P", *rps)) == expected


def test_unknown_names_are_input_errors() -> None:
    with pytest.raises(InputError, match="table 'nope'"):
        step_units(step("GetItem", "nope"), [ORDERS], SIZES, 1, True)
    with pytest.raises(InputError, match="index 'nope'"):
        step_units(step("Query", "orders", index="nope"), [ORDERS], SIZES, 1, True)
    with pytest.raises(InputError, match="entity 'nope'"):
        step_units(step("PutItem", "orders", item_entity="nope"), [ORDERS], SIZES, 1, True)
