"""The value rule table, tested as a table: (transform, driver value) -> (attribute value, rule)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from ipaddress import IPv4Address
from typing import Any
from uuid import UUID

import pytest

from sql2dynamo.items.converters import ValueRejected, datetime_text, duration_text, epoch_seconds, infer, number_text
from sql2dynamo.items.values import DEFAULT_RULES, ValueConverter, ValueRule, When
from sql2dynamo.source.types import NORMALIZED_TYPES

U = UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
CEST = timezone(timedelta(hours=2))
BIG = "12345678901234567890123456789012345678"  # 38 digits: DynamoDB's most
DOC = {"a": 1, "b": [None, "", 2.5, True], "c": {}}
DOC_AV = {"M": {"a": {"N": "1"}, "b": {"L": [{"NULL": True}, {"S": ""}, {"N": "2.5"}, {"BOOL": True}]}, "c": {"M": {}}}}
DOC_TEXT = '{"price": 12.50, "tags": [], "n": null}'
DOC_TEXT_AV = {"M": {"price": {"N": "12.5"}, "tags": {"L": []}, "n": {"NULL": True}}}
NESTED_AV = {"M": {"a": {"N": "1.5"}, "b": {"L": [{"NULL": True}, {"S": ""}]}}}

CASES: list[tuple[str, Any, dict[str, Any] | None, str]] = [
    # transform, value as a driver returns it, attribute value (None: omitted), rule
    ("integer", None, None, "null"),
    ("string", None, None, "null"),
    ("integer", 42, {"N": "42"}, "number-int"),  # every driver
    ("integer", -7, {"N": "-7"}, "number-int"),
    ("integer", True, {"N": "1"}, "number-int"),
    ("integer", 10**40, {"N": "1E+40"}, "number-int"),  # 1 significant digit: fine for DynamoDB
    ("integer", b"\x01\x00", {"N": "256"}, "number-bit"),  # PyMySQL BIT(16)
    ("integer", "17", {"N": "17"}, "number-text"),
    ("decimal", Decimal("12.50"), {"N": "12.5"}, "number-decimal"),  # psycopg / PyMySQL numeric
    ("decimal", Decimal("100"), {"N": "100"}, "number-decimal"),
    ("decimal", Decimal("1E+2"), {"N": "100"}, "number-decimal"),
    ("decimal", Decimal("-0.00"), {"N": "0"}, "number-decimal"),
    ("decimal", Decimal("0.000001"), {"N": "0.000001"}, "number-decimal"),
    ("decimal", Decimal("1E-25"), {"N": "1E-25"}, "number-decimal"),
    ("decimal", Decimal(BIG), {"N": BIG}, "number-decimal"),
    ("decimal", 3.96, {"N": "3.96"}, "number-float"),  # SQLite NUMERIC holding a fraction
    ("decimal", 0, {"N": "0"}, "number-int"),  # SQLite NUMERIC holding a whole number
    ("decimal", "12.50", {"N": "12.5"}, "number-text"),
    ("float", 0.1, {"N": "0.1"}, "number-float"),
    ("float", 1.0, {"N": "1"}, "number-float"),
    ("float", -0.0, {"N": "0"}, "number-float"),
    ("float", 1e16, {"N": "10000000000000000"}, "number-float"),
    ("float", 1.5e-7, {"N": "0.00000015"}, "number-float"),
    ("float", 1e100, {"N": "1E+100"}, "number-float"),
    ("boolean", True, {"BOOL": True}, "boolean-bool"),  # psycopg
    ("boolean", 1, {"BOOL": True}, "boolean-number"),  # PyMySQL tinyint(1), sqlite3
    ("boolean", 0, {"BOOL": False}, "boolean-number"),
    ("boolean", Decimal(1), {"BOOL": True}, "boolean-number"),
    ("boolean", b"\x01", {"BOOL": True}, "boolean-bit"),  # PyMySQL BIT(1)
    ("boolean", "t", {"BOOL": True}, "boolean-text"),  # PostgreSQL text output
    ("boolean", "FALSE", {"BOOL": False}, "boolean-text"),
    ("string", "café", {"S": "café"}, "text-str"),
    ("string", "", {"S": ""}, "text-str"),  # empty strings are kept
    ("string", b"caf\xc3\xa9", {"S": "café"}, "text-bytes"),  # binary collation
    ("string", memoryview(b"ab"), {"S": "ab"}, "text-bytes"),
    ("string", 42, {"S": "42"}, "text-scalar"),  # SQLite dynamic typing
    ("string", IPv4Address("10.0.0.1"), {"S": "10.0.0.1"}, "text-scalar"),  # psycopg inet
    ("enum", "active", {"S": "active"}, "text-str"),
    ("enum", "", {"S": ""}, "text-str"),  # MySQL's error member
    ("uuid", U, {"S": str(U)}, "uuid-uuid"),  # psycopg
    ("uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", {"S": str(U)}, "uuid-text"),  # MariaDB UUID / SQLite text
    ("uuid", U.bytes, {"S": str(U)}, "uuid-bytes"),
    ("date", date(2024, 2, 29), {"S": "2024-02-29"}, "date"),  # psycopg / PyMySQL
    ("date", "2024-02-29", {"S": "2024-02-29"}, "date"),  # sqlite3
    ("date", datetime(2024, 2, 29), {"S": "2024-02-29"}, "date"),  # a midnight date-time
    ("datetime", datetime(2025, 1, 1, 10, 0), {"S": "2025-01-01T10:00:00"}, "datetime"),  # naive: as is
    ("datetime", datetime(2025, 1, 1, 10, 0, 0, 500), {"S": "2025-01-01T10:00:00.000500"}, "datetime"),
    ("datetime", "2025-01-01 10:00:00.000000", {"S": "2025-01-01T10:00:00"}, "datetime-text"),  # sqlite3
    ("datetime", "2025-01-01T10:00:00", {"S": "2025-01-01T10:00:00"}, "datetime-text"),
    ("datetime", " 2025-01-01 10:00 ", {"S": "2025-01-01T10:00:00"}, "datetime-text"),
    ("datetime", date(2025, 1, 1), {"S": "2025-01-01T00:00:00"}, "datetime"),
    ("datetime_tz", datetime(2025, 1, 1, 10, tzinfo=CEST), {"S": "2025-01-01T08:00:00.000000Z"}, "datetime"),
    ("datetime_tz", datetime(2025, 1, 1, 10, tzinfo=UTC), {"S": "2025-01-01T10:00:00.000000Z"}, "datetime"),
    ("datetime_tz", "2025-01-01 10:00:00+02:00", {"S": "2025-01-01T08:00:00.000000Z"}, "datetime-text"),
    ("datetime", datetime(2025, 1, 1, 10, tzinfo=CEST), {"S": "2025-01-01T08:00:00.000000Z"}, "datetime"),
    ("time", time(9, 30), {"S": "09:30:00"}, "time"),  # psycopg
    ("time", time(9, 30, 0, 250000), {"S": "09:30:00.250000"}, "time"),
    ("time", time(9, 30, tzinfo=CEST), {"S": "09:30:00+02:00"}, "time"),  # timetz
    ("time", timedelta(hours=9, minutes=30), {"S": "09:30:00"}, "time"),  # PyMySQL TIME
    ("time", timedelta(hours=838, minutes=59, seconds=59), {"S": "838:59:59"}, "time"),
    ("time", -timedelta(hours=1, seconds=1), {"S": "-01:00:01"}, "time"),
    ("time", "09:30:00", {"S": "09:30:00"}, "time"),  # sqlite3
    ("interval", timedelta(days=1, hours=2, minutes=30), {"S": "P1DT2H30M"}, "interval"),  # psycopg
    ("interval", timedelta(0), {"S": "PT0S"}, "interval"),
    ("interval", timedelta(seconds=-90), {"S": "-PT1M30S"}, "interval"),
    ("interval", "1 day 02:30:00", {"S": "1 day 02:30:00"}, "interval-text"),
    ("json", DOC, DOC_AV, "json-document"),  # psycopg
    ("json", [1, "x"], {"L": [{"N": "1"}, {"S": "x"}]}, "json-document"),
    ("json", DOC_TEXT, DOC_TEXT_AV, "json-text"),  # PyMySQL, sqlite3
    ("json", b'{"a": "b"}', {"M": {"a": {"S": "b"}}}, "json-text"),  # JSON as bytes
    ("json", "plain words", {"S": "plain words"}, "json-text"),  # psycopg: a top-level JSON string
    ("json", 42, {"N": "42"}, "json-document"),
    ("binary", b"\x00\xff", {"B": b"\x00\xff"}, "binary"),
    ("binary", memoryview(b"\x00\xff"), {"B": b"\x00\xff"}, "binary"),  # psycopg bytea
    ("binary", bytearray(b"ab"), {"B": b"ab"}, "binary"),
    ("binary", b"", {"B": b""}, "binary"),
    ("binary", "text", {"B": b"text"}, "binary-text"),  # SQLite column without a type
    ("set", {"b", "a"}, {"SS": ["a", "b"]}, "set"),
    ("set", set(), None, "set"),  # DynamoDB has no empty set
    ("set", "a,b", {"SS": ["a", "b"]}, "set-text"),  # PyMySQL
    ("set", "", None, "set-text"),
    ("array", [1, None, 3], {"L": [{"N": "1"}, {"NULL": True}, {"N": "3"}]}, "array"),  # psycopg
    ("array", [[1], []], {"L": [{"L": [{"N": "1"}]}, {"L": []}]}, "array"),
    ("array", "[1, 2]", {"L": [{"N": "1"}, {"N": "2"}]}, "array-text"),
    ("mystery", {"x"}, {"SS": ["x"]}, "infer"),  # a transform the table does not know
    ("mystery", Decimal("1.10"), {"N": "1.1"}, "infer"),
]


@pytest.mark.parametrize(("transform", "value", "expected", "rule"), CASES)
def test_value_rules(transform: str, value: Any, expected: dict[str, Any] | None, rule: str) -> None:
    converter = ValueConverter()
    assert converter.convert(transform, value) == expected
    found = converter.rule_for(transform, value)
    assert found is not None and found.name == rule


REJECTS = [
    # transform, value, words of the reason
    ("float", float("nan"), "no DynamoDB number form"),
    ("float", float("inf"), "no DynamoDB number form"),
    ("decimal", Decimal("NaN"), "no DynamoDB number form"),
    ("decimal", Decimal("1234567890123456789012345678901234567.89"), "39 significant digits"),
    ("integer", 10**38 + 1, "39 significant digits"),
    ("decimal", Decimal("1E+126"), "outside DynamoDB's number range"),
    ("decimal", Decimal("1E-131"), "outside DynamoDB's number range"),
    ("float", 5e-324, "outside DynamoDB's number range"),
    ("integer", "twelve", "not a number"),
    ("boolean", 2, "not a 0/1 flag"),
    ("boolean", "maybe", "not a boolean"),
    ("string", "bad \udcff surrogate", "not valid UTF-8"),
    ("string", b"\xff\xfe", "not valid UTF-8"),
    ("uuid", "not-a-uuid", "not a UUID"),
    ("date", "2024-13-01", "not an ISO-8601 date-time"),
    ("date", datetime(2024, 1, 1, 10, 30), "time of day"),
    ("datetime", "0000-00-00 00:00:00", "MySQL's zero date"),
    ("datetime", "yesterday", "not an ISO-8601 date-time"),
    ("datetime", 1700000000, "no rule converts a int"),  # epoch or Julian day? never guessed
    ("time", "25:99", "not an ISO-8601 time"),
    ("json", {"x": float("nan")}, "no DynamoDB number form"),
    ("json", "[NaN]", "NaN in a JSON document"),
    ("json", {1: "a"}, "map key 1 is not a string"),
    ("json", {"a": set()}, "empty set inside a document"),
    ("array", "{1,2}", "not a JSON array"),
    ("set", {"a", 1}, "mixing strings, numbers and bytes"),
    ("binary", 42, "no rule converts a int"),
    ("integer", [1], "no rule converts a list"),
    ("mystery", object(), "has no DynamoDB form"),
]


@pytest.mark.parametrize(("transform", "value", "words"), REJECTS)
def test_rejections(transform: str, value: Any, words: str) -> None:
    with pytest.raises(ValueRejected) as exc:
        ValueConverter().convert(transform, value)
    assert words in exc.value.reason


def test_nesting_limit() -> None:
    doc: Any = 1
    for _ in range(32):
        doc = [doc]
    assert infer(doc) is not None  # 32 levels: the limit itself
    with pytest.raises(ValueRejected, match="deeper than 32"):
        infer([doc])


def test_every_normalized_type_has_a_rule_and_every_rule_a_reason() -> None:
    names = [r.name for r in DEFAULT_RULES]
    assert len(names) == len(set(names))
    assert all(r.reason for r in DEFAULT_RULES)
    covered = set().union(*(r.applies.transforms for r in DEFAULT_RULES if isinstance(r.applies, When)))
    assert set(NORMALIZED_TYPES) <= covered


def test_user_rules_go_first() -> None:
    zero_date = ValueRule(
        "zero-date-null",
        lambda transform, value: transform == "datetime" and value == "0000-00-00 00:00:00",
        lambda value: None,
        "the application writes the zero date for 'no date'",
    )
    is_nan = When(frozenset({"float"}), (float,), lambda v: v != v)
    nan_null = ValueRule("nan-null", is_nan, lambda v: {"NULL": True}, "NaN means unknown here")
    converter = ValueConverter([zero_date, nan_null])
    assert converter.convert("datetime", "0000-00-00 00:00:00") is None
    assert converter.convert("datetime", "2025-01-01 00:00:00") == {"S": "2025-01-01T00:00:00"}
    assert converter.convert("float", float("nan")) == {"NULL": True}
    assert converter.convert("float", 2.5) == {"N": "2.5"}  # the test fails: the next rule converts
    assert converter.rule_for("float", 2.5).name == "number-float"  # type: ignore[union-attr]


def test_dispatch_matches_converter() -> None:
    converter = ValueConverter()
    by_class, resolve = converter.dispatch("decimal")
    fn = by_class.get(Decimal) or resolve(Decimal)
    assert fn(Decimal("1.50")) == converter.convert("decimal", Decimal("1.50")) == {"N": "1.5"}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (Decimal("0E-10"), "0"),
        (Decimal("-12.340"), "-12.34"),
        (Decimal("1.25E1"), "12.5"),
        (Decimal("12345E-10"), "0.0000012345"),
        (Decimal("1E+39"), "1000000000000000000000000000000000000000"),
        (Decimal("1E+40"), "1E+40"),
        (Decimal("-1.5E-30"), "-1.5E-30"),
        (Decimal("9.9999999999999999999999999999999999999E+125"), "9.9999999999999999999999999999999999999E+125"),
        ("  42.0 ", "42"),
        (2.5e-5, "0.000025"),
    ],
)
def test_number_text(value: Any, text: str) -> None:
    assert number_text(value) == text
    assert Decimal(text) == Decimal(str(value).strip())


def test_date_time_helpers() -> None:
    assert datetime_text(date(2025, 3, 1)) == "2025-03-01T00:00:00"
    assert datetime_text("2025-03-01T23:30:00-02:00") == "2025-03-02T01:30:00.000000Z"
    assert duration_text(timedelta(days=2, seconds=5, microseconds=250000)) == "P2DT5.25S"
    assert duration_text(timedelta(hours=1)) == "PT1H"
    assert epoch_seconds(datetime(1970, 1, 2)) == 86400  # naive: taken as UTC
    assert epoch_seconds(datetime(1970, 1, 2, 2, tzinfo=CEST)) == 86400
    assert epoch_seconds("1970-01-02 00:00:00.000000") == 86400
    assert epoch_seconds(date(1970, 1, 2)) == 86400
    with pytest.raises(ValueRejected):
        epoch_seconds(86400)


def test_aware_text_sorts_as_time() -> None:
    # fixed fractional digits: '…00Z' would otherwise sort after '…00.5Z'
    moments = [datetime(2025, 1, 1, 10, 0, 0, us, tzinfo=UTC) for us in (0, 500000)]
    moments += [datetime(2025, 1, 1, 12, 0, 1, tzinfo=CEST)]  # 10:00:01Z
    texts = [datetime_text(m) for m in moments]
    assert texts == sorted(texts)


# ------------------------------------------------------------------ what the drivers really return

PG_SELECT = """SELECT 12.50::numeric, true, '{"a": 1.5, "b": [null, ""]}'::jsonb, '"abc"'::json,
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '\\x00ff'::bytea, '2025-01-01 10:00'::timestamp,
    '2025-01-01 10:00+02'::timestamptz, '09:30'::time, '1 day 02:30'::interval, ARRAY[1, NULL, 3],
    '10.0.0.1'::inet, 1.5::real, '2024-02-29'::date, NULL::text"""
PG_EXPECTED = [
    ("decimal", {"N": "12.5"}),
    ("boolean", {"BOOL": True}),
    ("json", NESTED_AV),
    ("json", {"S": "abc"}),
    ("uuid", {"S": str(U)}),
    ("binary", {"B": b"\x00\xff"}),
    ("datetime", {"S": "2025-01-01T10:00:00"}),
    ("datetime_tz", {"S": "2025-01-01T08:00:00.000000Z"}),
    ("time", {"S": "09:30:00"}),
    ("interval", {"S": "P1DT2H30M"}),
    ("array", {"L": [{"N": "1"}, {"NULL": True}, {"N": "3"}]}),
    ("string", {"S": "10.0.0.1"}),
    ("float", {"N": "1.5"}),
    ("date", {"S": "2024-02-29"}),
    ("string", None),
]


@pytest.mark.postgres
def test_psycopg_values(pg_admin: Any) -> None:
    psycopg = pytest.importorskip("psycopg")
    url = pg_admin.url
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
    ) as conn:
        row = conn.execute(PG_SELECT).fetchone()
    converter = ValueConverter()
    assert [converter.convert(t, v) for (t, _), v in zip(PG_EXPECTED, row, strict=True)] == [e for _, e in PG_EXPECTED]


MARIA_COLUMNS = [
    # column type, literal, transform, attribute value
    ("tinyint(1)", "1", "boolean", {"BOOL": True}),
    ("bit(1)", "b'1'", "boolean", {"BOOL": True}),
    ("bit(12)", "b'100000000000'", "integer", {"N": "2048"}),
    ("set('x','y')", "'x,y'", "set", {"SS": ["x", "y"]}),
    ("set('x','y')", "''", "set", None),
    ("time", "'-01:00:01'", "time", {"S": "-01:00:01"}),
    ("json", """'{"a": 1.50, "b": [null, ""]}'""", "json", NESTED_AV),
    ("decimal(10,2)", "12.50", "decimal", {"N": "12.5"}),
    ("datetime(6)", "'2025-01-01 10:00:00.5'", "datetime", {"S": "2025-01-01T10:00:00.500000"}),
    ("enum('p','q')", "'q'", "enum", {"S": "q"}),
    ("varbinary(4)", "x'00ff'", "binary", {"B": b"\x00\xff"}),
    ("double", "0.1", "float", {"N": "0.1"}),
    ("year", "2024", "integer", {"N": "2024"}),
    ("date", "'2024-02-29'", "date", {"S": "2024-02-29"}),
    ("varchar(10)", "''", "string", {"S": ""}),
]


@pytest.mark.mariadb
def test_pymysql_values(maria_admin: Any) -> None:
    pymysql = pytest.importorskip("pymysql")
    url = maria_admin.url
    conn = pymysql.connect(
        host=url.host, port=url.port or 3306, user=url.username, password=url.password or "", database=url.database
    )
    try:
        with conn.cursor() as cur:
            columns = ", ".join(f"c{i} {t}" for i, (t, *_) in enumerate(MARIA_COLUMNS))
            cur.execute(f"CREATE TEMPORARY TABLE s2d_values ({columns})")
            cur.execute(f"INSERT INTO s2d_values VALUES ({', '.join(c[1] for c in MARIA_COLUMNS)})")
            cur.execute("SELECT * FROM s2d_values")
            row = cur.fetchone()
    finally:
        conn.close()
    converter = ValueConverter()
    got = [converter.convert(c[2], v) for c, v in zip(MARIA_COLUMNS, row, strict=True)]
    assert got == [c[3] for c in MARIA_COLUMNS]
