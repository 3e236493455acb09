"""The predicate rule table: each SQL form and the DynamoDB expression it becomes, then SQL against DynamoDB.

The tables pin every rule of :data:`sql2dynamo.design.predicates.RULES` (and the refusals); the
property test draws random conditions (comparisons, IN, BETWEEN, LIKE, IS [NOT] NULL, boolean
columns, NOT, AND, OR) over rows holding NULLs, runs the SQL on SQLite and the translated
FilterExpression on DynamoDB Local over the same rows, and demands the same rows.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sql2dynamo.design.predicates import RULES, Translator, Untranslatable, rule_for
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.workload.shape.model import Predicate
from sql2dynamo.workload.shape.parse import parse_shape

COLUMNS = {"a": "a", "b": "b", "flag": "flag"}


def _predicate(condition: str, dialect: str = "postgresql") -> Predicate:
    (p,) = parse_shape(f"SELECT * FROM t WHERE {condition}", dialect).conditions
    return p


def _expression(condition: str, dialect: str = "postgresql") -> str:
    return Translator("f", COLUMNS, dialect).expression(_predicate(condition, dialect)).text


# (SQL condition, the rule that applies, the expression it becomes)
TABLE = [
    ("a = 3", "comparison", "#a = :f_a0"),
    ("a < 3", "comparison", "#a < :f_a0"),
    ("a >= :lo", "comparison", "#a >= :f_a0"),
    ("3 > a", "comparison", "#a < :f_a0"),
    ("flag", "comparison", "#flag = :f_flag0"),
    ("NOT flag", "comparison", "#flag = :f_flag0"),
    ("a <> 3", "not-equal", "(attribute_exists(#a) AND #a <> :f_a0)"),
    ("NOT (a = 3)", "not", "(attribute_exists(#a) AND #a <> :f_a0)"),
    ("NOT (a < 3)", "not", "#a >= :f_a0"),
    ("a IN (1, 2)", "in", "#a IN (:f_a0, :f_a1)"),
    ("a NOT IN (1, 2)", "not", "(attribute_exists(#a) AND NOT (#a IN (:f_a0, :f_a1)))"),
    ("a BETWEEN 1 AND :hi", "between", "(#a >= :f_a0 AND #a <= :f_a1)"),
    ("a NOT BETWEEN 1 AND 5", "not", "(#a < :f_a0 OR #a > :f_a1)"),
    ("b IS NULL", "is-null", "attribute_not_exists(#b)"),
    ("b IS NOT NULL", "is-not-null", "attribute_exists(#b)"),
    ("NOT (b IS NULL)", "is-not-null", "attribute_exists(#b)"),
    ("b LIKE 'ab%'", "like-prefix", "begins_with(#b, :f_b0)"),
    ("b LIKE :q || '%'", "like-prefix", "begins_with(#b, :f_b0)"),
    ("b NOT LIKE 'ab%'", "not", "(attribute_exists(#b) AND NOT begins_with(#b, :f_b0))"),
    ("(a = 1 OR a = 2)", "and-or", "(#a = :f_a0 OR #a = :f_a1)"),
    ("NOT (a = 1 OR b IS NULL)", "not", "((attribute_exists(#a) AND #a <> :f_a0) AND attribute_exists(#b))"),
]

# (SQL condition, dialect, words of the refusal's reason)
REFUSED = [
    ("b LIKE '%ab%'", "postgresql", "exactly or by prefix"),
    ("b LIKE 'ab%'", "mysql", "without case"),
    ("b LIKE 'ab%'", "sqlite", "without case"),
    ("a = ANY(:ids)", "postgresql", "number of values"),
    ("a + 1 = 3", "postgresql", "only comparisons"),
    ("a = NOW()", "postgresql", "only comparisons"),
    ("c = 1", "postgresql", "do not hold"),
]


@pytest.mark.parametrize(("condition", "rule", "expression"), TABLE)
def test_rule_table(condition: str, rule: str, expression: str) -> None:
    p = _predicate(condition)
    chosen = rule_for(p, False, "postgresql")
    assert chosen is not None and chosen.name == rule
    assert _expression(condition) == expression


@pytest.mark.parametrize(("condition", "dialect", "why"), REFUSED)
def test_refusals_say_why_and_what_instead(condition: str, dialect: str, why: str) -> None:
    with pytest.raises(Untranslatable) as caught:
        _expression(condition, dialect)
    assert why in caught.value.reason and condition.split()[0] in caught.value.reason
    assert caught.value.alternative


def test_every_rule_has_a_reason_and_the_table_covers_every_translating_rule() -> None:
    assert all(r.reason and r.sql and r.dynamodb for r in RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    translating = {r.name for r in RULES if r.dynamodb != "refused"}
    covered = {rule for _, rule, _ in TABLE}
    negated_only = {"not-in", "not-between", "not-like-prefix"}  # reached through "not"
    assert translating - negated_only <= covered


# ------------------------------------------------------------------ SQL against DynamoDB

ROWS: list[dict[str, Any]] = [
    {"id": i, "a": a, "b": b, "flag": flag}
    for i, (a, b, flag) in enumerate(
        [
            (1, "ab", True),
            (2, "abc", False),
            (3, None, True),
            (None, "b", None),
            (5, "ba", False),
            (None, None, None),
            (2, "ab", None),
            (7, "", True),
            (3, "abd", False),
            (None, "a", True),
        ]
    )
]
ROWS = [{k: v for k, v in r.items() if not (k == "b" and v == "")} for r in ROWS]  # DynamoDB keeps no empty key


@st.composite
def _atom(draw: st.DrawFn) -> str:
    n = st.integers(0, 8)
    kind = draw(st.sampled_from(["cmp", "in", "between", "null", "like", "flag", "text"]))
    if kind == "cmp":
        return f"a {draw(st.sampled_from(['=', '<>', '<', '<=', '>', '>=']))} {draw(n)}"
    if kind == "in":
        values = draw(st.lists(n, min_size=1, max_size=3))
        return f"a {draw(st.sampled_from(['IN', 'NOT IN']))} ({', '.join(map(str, values))})"
    if kind == "between":
        lo, hi = draw(n), draw(n)  # lo > hi too: SQL's BETWEEN is then false, DynamoDB's refused
        return f"a {draw(st.sampled_from(['BETWEEN', 'NOT BETWEEN']))} {lo} AND {hi}"
    if kind == "null":
        return f"{draw(st.sampled_from(['a', 'b', 'flag']))} {draw(st.sampled_from(['IS NULL', 'IS NOT NULL']))}"
    if kind == "like":
        return f"b {draw(st.sampled_from(['LIKE', 'NOT LIKE']))} '{draw(st.sampled_from(['a', 'ab', 'b']))}%'"
    if kind == "text":
        return f"b {draw(st.sampled_from(['=', '<>', '<', '>=']))} '{draw(st.sampled_from(['ab', 'b', 'abc']))}'"
    return draw(st.sampled_from(["flag", "NOT flag", "flag = FALSE", "flag = TRUE"]))


_conditions = st.recursive(
    _atom(),
    lambda inner: st.one_of(
        inner.map(lambda x: f"NOT ({x})"),
        st.tuples(inner, inner, st.sampled_from(["AND", "OR"])).map(lambda t: f"({t[0]} {t[2]} {t[1]})"),
    ),
    max_leaves=4,
)


@pytest.fixture(scope="module")
def both_sides(shared_local: tuple[local.LocalInstance, Path]) -> Iterator[tuple[sqlite3.Connection, Any]]:
    """The rows in SQLite and as items (NULL = absent attribute) in a DynamoDB Local table."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, flag BOOLEAN)")
    db.executemany(
        "INSERT INTO t VALUES (:id, :a, :b, :flag)", [{"a": None, "b": None, "flag": None} | r for r in ROWS]
    )
    client = boto_client(shared_local[0].endpoint_url)
    name = "s2d_predicates_rules"
    if name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for r in ROWS:
        item: dict[str, Any] = {"id": {"N": str(r["id"])}}
        if r.get("a") is not None:
            item["a"] = {"N": str(r["a"])}
        if r.get("b") is not None:
            item["b"] = {"S": r["b"]}
        if r.get("flag") is not None:
            item["flag"] = {"BOOL": r["flag"]}
        client.put_item(TableName=name, Item=item)
    yield db, client
    client.delete_table(TableName=name)


def _value(placeholder: str, template: str) -> dict[str, Any]:
    column = re.match(r":f_(a|b|flag)\d+$", placeholder)
    assert column is not None
    if column.group(1) == "a":
        return {"N": template}
    if column.group(1) == "flag":
        return {"BOOL": template.upper() == "TRUE"}
    return {"S": template}


@pytest.mark.dynamodb
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(condition=_conditions)
def test_filters_keep_exactly_the_rows_sql_keeps(both_sides: tuple[sqlite3.Connection, Any], condition: str) -> None:
    db, client = both_sides
    expected = {row[0] for row in db.execute(f"SELECT id FROM t WHERE {condition}")}
    conjuncts = parse_shape(f"SELECT * FROM t WHERE {condition}", "postgresql").conditions
    whole = conjuncts[0] if len(conjuncts) == 1 else Predicate("and", parts=conjuncts, text=condition)
    expression = Translator("f", COLUMNS, "postgresql").expression(whole)
    request: dict[str, Any] = {
        "TableName": "s2d_predicates_rules",
        "FilterExpression": expression.text,
        "ExpressionAttributeNames": expression.names,
    }
    if expression.values:
        request["ExpressionAttributeValues"] = {k: _value(k, v) for k, v in expression.values.items()}
    got = {int(item["id"]["N"]) for item in client.scan(**request)["Items"]}
    assert got == expected, (condition, expression.text)
