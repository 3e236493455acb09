"""Run a read pattern's SQL on the SQLite source and its plan through the Repository; compare the rows."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from ruamel.yaml import YAML

from sql2dynamo.runtime import Repository

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "sql2dynamo" / "examples"


def pattern_sql(example: str) -> dict[str, str]:
    """Pattern id -> SQL, from the example's access_patterns.yaml."""
    doc = YAML(typ="safe", pure=True).load((EXAMPLES / example / "access_patterns.yaml").read_text())
    return {p["id"]: p["sql"] for p in doc["patterns"]}


def norm(value: Any) -> Any:
    """One value in a form both sides agree on (SQLite keeps dates as text, flags as 0/1, JSON as text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, Decimal)):
        return Decimal(value).normalize()
    if isinstance(value, float):
        return Decimal(repr(value)).normalize()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d\d-\d\d([ T]\d\d:\d\d:\d\d(\.\d+)?)?", value):
            return datetime.fromisoformat(value)
        if value[:1] in "{[":
            try:
                return norm(json.loads(value, parse_float=Decimal))
            except ValueError:
                return value
        return value
    if isinstance(value, dict):
        return tuple(sorted((k, norm(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(norm(v) for v in value)
    return value


def project(row: Mapping[str, Any], columns: Sequence[str], renames: Mapping[str, str]) -> tuple[Any, ...]:
    """The repository row's values for the SQL's columns (joined columns are ``table.column``)."""
    out = []
    for column in columns:
        name = renames.get(column, column)
        if name not in row:
            matches = [k for k in row if k.endswith("." + name)]
            assert len(matches) == 1, f"column {column} not in row {sorted(row)}"
            name = matches[0]
        out.append(norm(row[name]))
    return tuple(out)


def sql_rows(engine: sa.Engine, sql: str, params: Mapping[str, Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The SQL's columns and normalized rows on the source."""
    sql = sql.replace("CONCAT('%', :query, '%')", "'%' || :query || '%'")
    with engine.connect() as conn:
        result = conn.execute(sa.text(sql), dict(params))
        columns = list(result.keys())
        return columns, [tuple(norm(v) for v in row) for row in result]


def read_all(repo: Repository, pattern_id: str, params: Mapping[str, Any], page: int | None) -> list[dict[str, Any]]:
    """Every row of a read, following the cursor page by page."""
    rows: list[dict[str, Any]] = []
    result = repo.read(pattern_id, params, limit=page)
    rows.extend(result.rows)
    while result.cursor is not None:
        assert page is not None
        assert len(result.rows) <= page
        result = repo.read(pattern_id, params, limit=page, cursor=result.cursor)
        rows.extend(result.rows)
    return rows


def order_columns(sql: str, columns: Sequence[str], renames: Mapping[str, str]) -> list[int]:
    """Positions, among the SQL's columns, of its ORDER BY columns (aliases dropped)."""
    m = re.search(r"ORDER BY (.*?)(?: LIMIT |$)", sql, re.IGNORECASE | re.DOTALL)
    if m is None:
        return []
    out = []
    for term in m.group(1).split(","):
        name = term.strip().split()[0].split(".")[-1]
        inverse = {v: k for k, v in renames.items()}
        name = inverse.get(name, name)
        if name in columns:
            out.append(list(columns).index(name))
    return out


def assert_same_rows(
    got: list[tuple[Any, ...]], expected: list[tuple[Any, ...]], order: list[int], limited: bool, what: str
) -> None:
    """Same rows; in the same order of the ORDER BY columns; ties may come in any order.

    With a LIMIT, rows tied on the last ORDER BY value may be any of the tied ones.
    """
    assert len(got) == len(expected), f"{what}: {len(got)} rows, the SQL gives {len(expected)}"
    if not order:
        assert sorted(got, key=repr) == sorted(expected, key=repr), what
        return

    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(row[i] for i in order)

    assert [key(r) for r in got] == [key(r) for r in expected], f"{what}: order differs"
    last = key(expected[-1]) if expected else None
    for keep in (r for r in expected if not (limited and key(r) == last)):
        assert keep in got, f"{what}: row {keep} missing"
