"""decode_value gives back what the real drivers (psycopg 3, PyMySQL) returned, through migrate's encoding."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from sql2dynamo.items.values import ValueConverter
from sql2dynamo.runtime import decode_value

_CONVERT = ValueConverter()

# column, SQL type, transform, SQL literal of the value
PG_COLUMNS = [
    ("i", "bigint", "integer", "-9000000000"),
    ("d", "numeric(12,3)", "decimal", "12.500"),
    ("f", "double precision", "float", "0.1"),
    ("b", "boolean", "boolean", "true"),
    ("s", "text", "string", "'héllo'"),
    ("u", "uuid", "uuid", "'12345678-1234-5678-1234-567812345678'"),
    ("dt", "date", "date", "'2024-02-29'"),
    ("ts", "timestamp(6)", "datetime", "'2025-01-01 10:00:00.123456'"),
    ("tz", "timestamptz", "datetime_tz", "'2025-01-01 10:00:00+02'"),
    ("t", "time", "time", "'10:30:05.5'"),
    ("iv", "interval", "interval", "'1 day 02:30:00.25'"),
    ("j", "jsonb", "json", """'{"a": 1, "b": [1.5, null, "x"], "c": {"d": true}}'"""),
    ("by", "bytea", "binary", "'\\x00ff'::bytea"),
    ("ar", "integer[]", "array", "'{3,1,2}'"),
]

MARIA_COLUMNS = [
    ("i", "bigint", "integer", "-9000000000"),
    ("d", "decimal(12,3)", "decimal", "12.500"),
    ("f", "double", "float", "0.1"),
    ("b", "tinyint(1)", "boolean", "1"),
    ("s", "varchar(40)", "string", "'héllo'"),
    ("e", "enum('new','done')", "enum", "'done'"),
    ("dt", "date", "date", "'2024-02-29'"),
    ("ts", "datetime(6)", "datetime", "'2025-01-01 10:00:00.123456'"),
    ("t", "time(6)", "time", "'-30:15:00.000001'"),
    ("j", "json", "json", """'{"a": 1, "b": [1.5, null, "x"]}'"""),
    ("by", "blob", "binary", "x'00ff'"),
    ("st", "set('a','b','c')", "set", "'a,c'"),
]


def _expected(transform: str, value: Any) -> Any:
    """What the runtime gives for a driver's value: the same value, in the documented Python type."""
    if transform == "uuid" and isinstance(value, UUID):
        return str(value)
    if transform == "datetime_tz":
        return value.astimezone(UTC)
    if transform == "boolean":
        return bool(value)
    if transform == "json" and isinstance(value, str):
        return json.loads(value, parse_float=Decimal)
    if transform == "json":
        return json.loads(json.dumps(value), parse_float=Decimal)
    if transform == "set":
        return frozenset(value.split(",")) if isinstance(value, str) else frozenset(value)
    if transform == "binary":
        return bytes(value)
    if transform == "decimal":
        return Decimal(value)
    return value


def _round_trip(url: str, columns: list[tuple[str, str, str, str]], quote: Callable[[str], str]) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE TABLE r ({', '.join(f'{quote(c)} {t}' for c, t, _, _ in columns)})"))
            conn.execute(sa.text(f"INSERT INTO r VALUES ({', '.join(v for _, _, _, v in columns)})"))
            row = conn.execute(sa.text("SELECT * FROM r")).mappings().one()
        for column, _, transform, _ in columns:
            value = row[column]
            av = _CONVERT.convert(transform, value)
            assert av is not None, column
            back = decode_value(transform, av)
            assert back == _expected(transform, value), f"{column}: {value!r} -> {av} -> {back!r}"
            if transform == "datetime_tz":
                assert back == value  # the same instant
    finally:
        engine.dispose()


def test_postgresql_values_come_back(new_pg_db: Callable[[str], str]) -> None:
    _round_trip(new_pg_db("rt"), PG_COLUMNS, lambda c: f'"{c}"')


def test_mariadb_values_come_back(new_maria_db: Callable[[str], str]) -> None:
    _round_trip(new_maria_db("rt"), MARIA_COLUMNS, lambda c: f"`{c}`")


@pytest.mark.parametrize("transform", ["datetime", "datetime_tz"])
def test_decoded_datetimes_sort_as_their_text(transform: str) -> None:
    values = [datetime(2025, 1, 1, 9, tzinfo=UTC if transform == "datetime_tz" else None), datetime(2025, 1, 2)]
    if transform == "datetime_tz":
        values[1] = values[1].replace(tzinfo=UTC)
    texts = [_CONVERT.convert(transform, v) for v in values]
    assert [decode_value(transform, t) for t in texts if t is not None] == values
