"""Canonical item hashing: what DynamoDB treats as equal hashes equal; differences read attribute by attribute."""

from __future__ import annotations

from typing import Any

import pytest

from sql2dynamo.sync.changes import POSITION_ATTRIBUTE
from sql2dynamo.verify.canonical import BOOKKEEPING_ATTRIBUTES, canonical_hash, canonical_number, diff_items

ITEM: dict[str, Any] = {
    "PK": {"S": "USER#1"},
    "price": {"N": "12.50"},
    "tags": {"SS": ["b", "a"]},
    "sizes": {"NS": ["1", "2.0"]},
    "doc": {"M": {"x": {"N": "1"}, "y": {"L": [{"S": ""}, {"NULL": True}, {"BOOL": False}]}}},
    "blob": {"B": b"\x00\x01"},
}

EQUAL = [
    # a spelling of ITEM that DynamoDB stores identically
    {**ITEM, "price": {"N": "12.5"}},
    {**ITEM, "price": {"N": "1.25E1"}},
    {**ITEM, "price": {"N": "+012.500"}},
    {**ITEM, "tags": {"SS": ["a", "b", "a"]}},
    {**ITEM, "sizes": {"NS": ["2", "1.00"]}},
    {**ITEM, "doc": {"M": {"y": ITEM["doc"]["M"]["y"], "x": {"N": "1.0"}}}},
    {**ITEM, "blob": {"B": bytearray(b"\x00\x01")}},
    {**ITEM, "blob": {"B": memoryview(b"\x00\x01")}},
    {**ITEM, "blob": {"B": "AAE="}},  # DynamoDB JSON spells binaries in base64
    dict(reversed(list(ITEM.items()))),
]

DIFFERENT = [
    {**ITEM, "price": {"N": "12.51"}},
    {**ITEM, "price": {"S": "12.5"}},
    {**ITEM, "tags": {"SS": ["a"]}},
    {**ITEM, "doc": {"M": {"x": {"N": "1"}, "y": {"L": [{"NULL": True}, {"S": ""}, {"BOOL": False}]}}}},  # list order
    {**ITEM, "doc": {"M": {"x": {"N": "1"}, "y": {"L": [{"S": ""}, {"NULL": True}, {"BOOL": True}]}}}},
    {**ITEM, "blob": {"B": b"\x00\x02"}},
    {**ITEM, "extra": {"NULL": True}},
    {k: v for k, v in ITEM.items() if k != "tags"},
    {**ITEM, "PK": {"S": "USER#1 "}},
]


@pytest.mark.parametrize("other", EQUAL)
def test_equal_items_hash_equal(other: dict[str, Any]) -> None:
    assert canonical_hash(other) == canonical_hash(ITEM)
    assert diff_items(ITEM, other) == []


@pytest.mark.parametrize("other", DIFFERENT)
def test_different_items_hash_differently(other: dict[str, Any]) -> None:
    assert canonical_hash(other) != canonical_hash(ITEM)
    assert diff_items(ITEM, other) != []


def test_hash_is_stable() -> None:
    # a change here invalidates stored hashes: change it only with a format version
    assert canonical_hash({"a": {"N": "1"}}) == canonical_hash({"a": {"N": "1.0"}})
    assert len(canonical_hash(ITEM)) == 64


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("12.50", "125e-1"), ("1.25E1", "125e-1"), ("-0.0", "0"), ("100", "1e2"), ("-7", "-7e0"), ("0.001", "1e-3")],
)
def test_canonical_number(text: str, canonical: str) -> None:
    assert canonical_number(text) == canonical


def test_38_digit_numbers_compare_exactly() -> None:
    a = "12345678901234567890123456789012345678"
    b = "12345678901234567890123456789012345679"
    assert canonical_number(a) != canonical_number(b)  # no rounding to Decimal's 28-digit context


@pytest.mark.parametrize(
    "bad", [{"a": {"X": "1"}}, {"a": {"N": "NaN"}}, {"a": {"N": "abc"}}, {"a": {"S": "x", "N": "1"}}]
)
def test_invalid_items(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        canonical_hash(bad)


def test_diff_messages() -> None:
    expected: dict[str, Any] = {
        "PK": {"S": "USER#1"},
        "price": {"N": "12.5"},
        "email": {"S": "a@x.org"},
        "address": {"M": {"city": {"S": "Oslo"}, "zip": {"S": "0150"}}},
        "tags": {"SS": ["a", "b"]},
        "scores": {"L": [{"N": "1"}, {"N": "2"}]},
        "active": {"BOOL": True},
    }
    actual: dict[str, Any] = {
        "PK": {"S": "USER#1"},
        "price": {"N": "12.0"},
        "address": {"M": {"city": {"S": "Bergen"}}},
        "tags": {"SS": ["b", "c"]},
        "scores": {"L": [{"N": "1"}, {"S": "2"}, {"N": "3"}]},
        "active": {"N": "1"},
        "x": {"S": ""},
    }
    assert diff_items(expected, actual) == [
        "price: N 12.5 != N 12.0",
        "missing attribute email",
        'address.city: S "Oslo" != S "Bergen"',
        "missing attribute address.zip",
        'tags: SS missing ["a"], extra ["c"]',
        "scores: L of 2 != L of 3",
        'scores[1]: N 2 != S "2"',
        "active: BOOL true != N 1",
        "extra attribute x",
    ]
    assert diff_items(expected, actual, limit=2) == ["price: N 12.5 != N 12.0", "missing attribute email"]


def test_diff_shows_binaries_and_long_text() -> None:
    long = "x" * 100
    assert diff_items({"b": {"B": b"\x01"}}, {"b": {"B": b"\x02"}}) == ["b: B 1 bytes 01 != B 1 bytes 02"]
    [line] = diff_items({"s": {"S": long}}, {"s": {"S": long + "y"}})
    assert line.startswith('s: S "xxx') and "..." in line and len(line) < 150


def test_sync_position_is_not_data() -> None:
    assert POSITION_ATTRIBUTE in BOOKKEEPING_ATTRIBUTES
    plain = {"pk": {"S": "a"}, "n": {"N": "1"}}
    stamped = {**plain, POSITION_ATTRIBUTE: {"S": "pg:0000000000000001:000001"}}
    assert canonical_hash(plain) == canonical_hash(stamped)
    assert diff_items(plain, stamped) == []
    assert diff_items(plain, {**stamped, "n": {"N": "2"}}) == ["n: N 1 != N 2"]
