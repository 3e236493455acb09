"""decode_value inverts migrate's encoding, transform by transform (a table: source value -> value read back)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from sql2dynamo.items.values import ValueConverter
from sql2dynamo.runtime import PYTHON_TYPES, decode_value, python_annotation
from sql2dynamo.runtime.errors import InvalidRequest
from sql2dynamo.runtime.types import parse_duration
from sql2dynamo.source.types import NORMALIZED_TYPES

_CONVERT = ValueConverter()
_PLUS2 = timezone(timedelta(hours=2))

# transform, the value a driver returns, the value the runtime gives back
ROUND_TRIPS: list[tuple[str, Any, Any]] = [
    ("integer", 5, 5),
    ("integer", -3, -3),
    ("integer", 0, 0),
    ("integer", 10**30, 10**30),
    ("integer", Decimal("7"), 7),
    ("integer", "42", 42),
    ("integer", True, 1),
    ("integer", b"\x01\x00", 256),
    ("decimal", Decimal("12.50"), Decimal("12.5")),
    ("decimal", Decimal("-0.001"), Decimal("-0.001")),
    ("decimal", Decimal("1E+30"), Decimal("1E+30")),
    ("decimal", 3, Decimal(3)),
    ("float", 1.5, 1.5),
    ("float", 0.1, 0.1),
    ("float", -2.0, -2.0),
    ("float", 1e100, 1e100),
    ("boolean", True, True),
    ("boolean", False, False),
    ("boolean", 1, True),
    ("boolean", "f", False),
    ("string", "héllo 😀", "héllo 😀"),
    ("string", "", ""),
    ("string", 12, "12"),
    ("enum", "pending", "pending"),
    ("uuid", UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678"),
    ("uuid", "12345678-1234-5678-1234-567812345678", "12345678-1234-5678-1234-567812345678"),
    ("date", date(2024, 2, 29), date(2024, 2, 29)),
    ("date", "2024-01-05", date(2024, 1, 5)),
    ("datetime", datetime(2025, 1, 1, 10, 0, 0, 123456), datetime(2025, 1, 1, 10, 0, 0, 123456)),
    ("datetime", datetime(2025, 1, 1, 10, 0), datetime(2025, 1, 1, 10, 0)),
    ("datetime", "2025-01-01 10:00:00", datetime(2025, 1, 1, 10, 0)),
    ("datetime", date(2025, 3, 1), datetime(2025, 3, 1)),
    ("datetime_tz", datetime(2025, 1, 1, 11, 0, tzinfo=_PLUS2), datetime(2025, 1, 1, 9, 0, tzinfo=UTC)),
    ("datetime_tz", datetime(2025, 6, 1, 0, 0, 0, 5, tzinfo=UTC), datetime(2025, 6, 1, 0, 0, 0, 5, tzinfo=UTC)),
    ("time", time(10, 30, 5), time(10, 30, 5)),
    ("time", time(1, 2, 3, 4), time(1, 2, 3, 4)),
    ("time", timedelta(hours=-5, minutes=-1), -timedelta(hours=5, minutes=1)),
    ("time", timedelta(hours=30, microseconds=7), timedelta(hours=30, microseconds=7)),
    ("interval", timedelta(days=1, hours=2, minutes=30), timedelta(days=1, hours=2, minutes=30)),
    ("interval", timedelta(0), timedelta(0)),
    ("interval", -timedelta(days=1), -timedelta(days=1)),
    ("interval", timedelta(microseconds=500000), timedelta(microseconds=500000)),
    ("interval", timedelta(days=3, seconds=59, microseconds=1), timedelta(days=3, seconds=59, microseconds=1)),
    ("interval", "1 day 02:00:00", "1 day 02:00:00"),
    ("json", {"a": 1, "b": [1.5, None, "x"], "c": True}, {"a": 1, "b": [Decimal("1.5"), None, "x"], "c": True}),
    ("json", '{"a": 2, "b": {"c": 0.25}}', {"a": 2, "b": {"c": Decimal("0.25")}}),
    ("json", [1, 2], [1, 2]),
    ("json", "not json", "not json"),
    ("binary", b"\x00\xff", b"\x00\xff"),
    ("binary", memoryview(b"ab"), b"ab"),
    ("set", {"a", "b"}, frozenset({"a", "b"})),
    ("set", "x,y", frozenset({"x", "y"})),
    ("array", [1, 2, None], [1, 2, None]),
    ("array", ["x", ["y"]], ["x", ["y"]]),
    ("array", "[1, 2.5]", [1, Decimal("2.5")]),
]


@pytest.mark.parametrize(("transform", "source", "expected"), ROUND_TRIPS)
def test_decode_inverts_migrate_encoding(transform: str, source: Any, expected: Any) -> None:
    av = _CONVERT.convert(transform, source)
    assert av is not None
    back = decode_value(transform, av)
    assert back == expected
    assert type(back) is type(expected)


def test_every_normalized_type_is_covered() -> None:
    assert {t for t, _, _ in ROUND_TRIPS} == set(NORMALIZED_TYPES)
    assert set(PYTHON_TYPES) == set(NORMALIZED_TYPES)
    assert python_annotation("integer") == "int" and python_annotation("no such type") == "Any"


@pytest.mark.parametrize("transform", NORMALIZED_TYPES)
def test_null_is_none(transform: str) -> None:
    assert decode_value(transform, {"NULL": True}) is None


def test_unknown_transform_decodes_by_dynamodb_type() -> None:
    assert decode_value("custom", {"N": "3"}) == 3
    assert decode_value("custom", {"N": "3.5"}) == Decimal("3.5")
    assert decode_value("custom", {"NS": ["1", "2"]}) == frozenset({1, 2})
    assert decode_value("custom", {"M": {"k": {"L": [{"S": "v"}]}}}) == {"k": ["v"]}


def test_integer_stored_as_text_key_comes_back_as_int() -> None:
    assert decode_value("integer", {"S": "17"}) == 17


def test_not_an_attribute_value_is_rejected() -> None:
    with pytest.raises(InvalidRequest):
        decode_value("string", {})
    with pytest.raises(InvalidRequest):
        decode_value("string", {"S": "a", "N": "1"})


@pytest.mark.parametrize("text", ["P", "PT", "1D", "P1X", ""])
def test_not_a_duration(text: str) -> None:
    assert parse_duration(text) is None
