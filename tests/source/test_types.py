"""The type rule table, tested as a table: (dialect, source type) -> (normalized, rule, params)."""

from __future__ import annotations

import pytest

from sql2dynamo.common.errors import UsageError
from sql2dynamo.source.types import DEFAULT_RULES, NORMALIZED_TYPES, TypeMapper, parse_cast_rules

CASES = [
    # dialect, source type, normalized, rule, length, precision, scale
    ("mysql", "tinyint(1)", "boolean", "mysql-tinyint1", None, None, None),
    ("mysql", "tinyint(4)", "integer", "integer", None, None, None),
    ("mysql", "int(10) unsigned", "integer", "integer", None, None, None),
    ("mysql", "bigint(20)", "integer", "integer", None, None, None),
    ("mysql", "bit(1)", "boolean", "mysql-bit1", None, None, None),
    ("mysql", "bit(8)", "integer", "mysql-bit", None, None, None),
    ("mysql", "decimal(10,2)", "decimal", "decimal", None, 10, 2),
    ("mysql", "double", "float", "float", None, None, None),
    ("mysql", "varchar(255)", "string", "string", 255, None, None),
    ("mysql", "longtext", "string", "string", None, None, None),
    ("mysql", "datetime(6)", "datetime", "datetime", None, 6, None),
    ("mysql", "timestamp", "datetime", "datetime", None, None, None),
    ("mysql", "date", "date", "date", None, None, None),
    ("mysql", "time", "time", "time", None, None, None),
    ("mysql", "year(4)", "integer", "integer", None, None, None),
    ("mysql", "json", "json", "json", None, None, None),
    ("mysql", "longblob", "binary", "binary", None, None, None),
    ("mysql", "varbinary(16)", "binary", "binary", 16, None, None),
    ("mysql", "enum('a','b')", "enum", "mysql-enum", None, None, None),
    ("mysql", "set('x','y')", "set", "mysql-set", None, None, None),
    ("postgresql", "boolean", "boolean", "boolean", None, None, None),
    ("postgresql", "smallint", "integer", "integer", None, None, None),
    ("postgresql", "bigint", "integer", "integer", None, None, None),
    ("postgresql", "numeric(12,4)", "decimal", "decimal", None, 12, 4),
    ("postgresql", "numeric", "decimal", "decimal", None, None, None),
    ("postgresql", "money", "decimal", "decimal", None, None, None),
    ("postgresql", "double precision", "float", "float", None, None, None),
    ("postgresql", "real", "float", "float", None, None, None),
    ("postgresql", "character varying(20)", "string", "string", 20, None, None),
    ("postgresql", "character(2)", "string", "string", 2, None, None),
    ("postgresql", "text", "string", "string", None, None, None),
    ("postgresql", "uuid", "uuid", "uuid", None, None, None),
    ("postgresql", "timestamp without time zone", "datetime", "datetime", None, None, None),
    ("postgresql", "timestamp(3) with time zone", "datetime_tz", "datetime-tz", None, 3, None),
    ("postgresql", "time without time zone", "time", "time", None, None, None),
    ("postgresql", "interval", "interval", "interval", None, None, None),
    ("postgresql", "jsonb", "json", "json", None, None, None),
    ("postgresql", "bytea", "binary", "binary", None, None, None),
    ("postgresql", "integer[]", "array", "pg-array", None, None, None),
    ("postgresql", "bit(3)", "string", "pg-bitstring", 3, None, None),
    ("postgresql", "inet", "string", "pg-network", None, None, None),
    ("sqlite", "INTEGER", "integer", "integer", None, None, None),
    ("sqlite", "NVARCHAR(20)", "string", "string", 20, None, None),
    ("sqlite", "NUMERIC(10,2)", "decimal", "decimal", None, 10, 2),
    ("sqlite", "DATETIME", "datetime", "datetime", None, None, None),
    ("sqlite", "UNSIGNED BIG INT", "integer", "sqlite-int-affinity", None, None, None),
    ("sqlite", "VARYING CHARACTER(255)", "string", "sqlite-text-affinity", 255, None, None),
    ("sqlite", "", "binary", "sqlite-blob-affinity", None, None, None),
    # SQLite's own quirk: "FLOATING POINT" contains "INT", so it has INTEGER affinity.
    ("sqlite", "FLOATING POINT", "integer", "sqlite-int-affinity", None, None, None),
    ("sqlite", "REAL NUMBER", "float", "sqlite-real-affinity", None, None, None),
    ("sqlite", "WHATEVER", "decimal", "sqlite-numeric-affinity", None, None, None),
]


@pytest.mark.parametrize(("dialect", "source", "normalized", "rule", "length", "precision", "scale"), CASES)
def test_rule_table(
    dialect: str,
    source: str,
    normalized: str,
    rule: str,
    length: int | None,
    precision: int | None,
    scale: int | None,
) -> None:
    m = TypeMapper().classify(dialect, source)
    assert m is not None
    assert (m.normalized, m.rule, m.length, m.precision, m.scale) == (
        normalized,
        rule,
        length,
        precision,
        scale,
    )


@pytest.mark.parametrize(
    ("dialect", "source"),
    [
        ("postgresql", "point"),
        ("postgresql", "tsvector"),
        ("mysql", "geometry"),
        ("postgresql", "bit(3) extra"),
    ],
)
def test_unsupported_types_have_no_rule(dialect: str, source: str) -> None:
    assert TypeMapper().classify(dialect, source) is None


def test_postgres_enum_types_are_enums() -> None:
    m = TypeMapper().classify("postgresql", "mood", is_enum=True)
    assert m is not None and (m.normalized, m.rule) == ("enum", "enum-type")


def test_user_rules_come_first() -> None:
    mapper = TypeMapper(parse_cast_rules(["point=string", "tinyint\\(1\\)=integer"]))
    assert mapper.classify("postgresql", "point").normalized == "string"  # type: ignore[union-attr]
    assert mapper.classify("mysql", "tinyint(1)").normalized == "integer"  # type: ignore[union-attr]
    m = mapper.classify("postgresql", "mood", is_enum=True)
    assert m is not None and m.normalized == "enum"


@pytest.mark.parametrize("spec", ["point", "point=geometry", "=string", "([=string"])
def test_bad_cast_rules(spec: str) -> None:
    with pytest.raises(UsageError, match="bad --cast"):
        parse_cast_rules([spec])


def test_every_rule_has_a_reason_and_a_known_type() -> None:
    for rule in DEFAULT_RULES:
        assert rule.reason and rule.normalized in NORMALIZED_TYPES, rule.name
    assert len({r.name for r in DEFAULT_RULES}) == len(DEFAULT_RULES)
