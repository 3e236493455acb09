"""Each ``access_patterns.yaml`` (and AlgoItny's query log): valid, rated, and true to the schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlglot
from sqlglot import exp

from sql2dynamo.examples import EXAMPLES, Example
from sql2dynamo.source.dialects import get_dialect
from sql2dynamo.workload.patterns.read import load_patterns
from sql2dynamo.workload.querylog import parse_query_log
from sql2dynamo.workload.shape.parse import parse_shape

NAMES = sorted(EXAMPLES)
COUNTS = {"algoitny": 33, "hustle_hub": 24, "decision_data": 8, "chinook": 23}


def _columns(metadata: sa.MetaData) -> dict[str, set[str]]:
    return {name.lower(): {c.name.lower() for c in t.columns} for name, t in metadata.tables.items()}


def unknown_names(sql: str, dialect: str, metadata: sa.MetaData) -> list[str]:
    """Tables and columns ``sql`` names that the metadata lacks (case-insensitive); [] when all exist."""
    columns = _columns(metadata)
    tree = sqlglot.parse_one(sql, read=get_dialect(dialect).sqlglot)
    tables = {t.alias_or_name.lower(): t.name.lower() for t in tree.find_all(exp.Table)}
    missing = [f"table {t}" for t in tables.values() if t not in columns]
    if missing:
        return missing
    select_aliases = {a.alias.lower() for a in tree.find_all(exp.Alias)}
    for col in tree.find_all(exp.Column):
        name = col.name.lower()
        if col.table:
            table = tables.get(col.table.lower())
            if table is None:
                missing.append(f"qualifier {col.table}")
            elif not isinstance(col.this, exp.Star) and name not in columns[table]:
                missing.append(f"{table}.{name}")
        elif name not in select_aliases and not any(name in columns[t] for t in tables.values()):
            missing.append(name)
    for schema in tree.find_all(exp.Schema):  # INSERT INTO t (a, b): identifiers, not columns
        table = schema.this.name.lower()
        missing += [f"{table}.{i.name}" for i in schema.expressions if i.name.lower() not in columns[table]]
    return missing


@pytest.fixture(scope="module", params=NAMES)
def example(request: pytest.FixtureRequest) -> Example:
    return EXAMPLES[request.param]


def test_patterns_file_loads_with_the_examples_name_and_dialect(example: Example) -> None:
    patterns = load_patterns(Path(str(example.access_patterns)))
    assert patterns == example.patterns()
    assert patterns.application == example.name
    assert patterns.dialect == example.dialect
    assert len(patterns.patterns) == COUNTS[example.name]
    assert [p.id for p in patterns.patterns] == [f"AP{i:02d}" for i in range(1, len(patterns.patterns) + 1)]


def test_every_pattern_is_described_rated_and_sourced(example: Example) -> None:
    for p in example.patterns().patterns:
        assert p.description, p.id
        assert p.source == "user", p.id
        assert p.rps is not None and p.rps.avg is not None and p.rps.peak is not None, p.id
        assert 0 < p.rps.avg <= p.rps.peak, p.id
        assert p.notes, f"{p.id}: say where the rate comes from"


def test_every_sql_parses_and_names_only_existing_tables_and_columns(example: Example) -> None:
    for p in example.patterns().patterns:
        shape = parse_shape(p.sql, example.dialect, pattern_id=p.id)
        assert shape.operation in {"select", "insert", "update", "delete"}, p.id
        assert unknown_names(p.sql, example.dialect, example.metadata) == [], p.id
        assert re.search(r"\?|\$\d", p.sql) is None, f"{p.id}: parameters are :name"


def test_every_table_is_used_by_some_pattern(example: Example) -> None:
    used = {t.lower() for p in example.patterns().patterns for t in parse_shape(p.sql, example.dialect).tables}
    assert used == set(example.metadata.tables)


def test_the_check_catches_a_wrong_column() -> None:
    metadata = EXAMPLES["chinook"].metadata
    assert unknown_names("SELECT * FROM track WHERE titel = :t", "postgresql", metadata) == ["titel"]
    assert unknown_names("SELECT t.nme FROM track AS t", "postgresql", metadata) == ["track.nme"]
    assert unknown_names("INSERT INTO genre (genre_id, nam) VALUES (1, 'x')", "postgresql", metadata) == ["genre.nam"]
    assert unknown_names("SELECT * FROM tracks", "postgresql", metadata) == ["table tracks"]


def test_algoitny_seed_figures() -> None:
    patterns = {p.id: p for p in EXAMPLES["algoitny"].patterns().patterns}
    by_sql = {p.sql: p for p in patterns.values()}
    login = by_sql["SELECT * FROM users WHERE email = :email"]
    assert login.rps is not None and login.rps.avg == pytest.approx(5000 / 60, rel=1e-2)
    timeline = by_sql["SELECT * FROM search_history WHERE is_public = TRUE ORDER BY created_at DESC LIMIT :limit"]
    assert timeline.rps is not None and timeline.rps.avg == pytest.approx(800 / 60, rel=1e-2)
    count = next(p for p in patterns.values() if p.sql.startswith("SELECT COUNT(*) FROM usage_logs"))
    assert " ".join(count.sql.split()) == (
        "SELECT COUNT(*) FROM usage_logs WHERE user_id = :user_id AND action = :action AND created_at >= :day_start"
    )
    assert count.consistency == "strong"
    assert count.rps is not None and login.rps.avg is not None and count.rps.avg is not None
    assert count.rps.avg >= max(p.rps.avg or 0 for p in patterns.values() if p.rps)  # "most frequent"


def test_unsuitable_patterns_stay_in() -> None:
    shapes = {p.id: parse_shape(p.sql, "postgresql") for p in EXAMPLES["chinook"].patterns().patterns}
    assert any(lk.kind == "contains" for s in shapes.values() for lk in s.like)
    assert any(s.aggregates and s.group_by for s in shapes.values())
    algoitny = [parse_shape(p.sql, "mysql") for p in EXAMPLES["algoitny"].patterns().patterns]
    assert any(lk.kind == "contains" for s in algoitny for lk in s.like)


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_algoitny_query_log_matches_the_schema(dialect: str) -> None:
    """The demo mines the log from SQLite; the example's own dialect is MySQL: it must read in both."""
    log = EXAMPLES["algoitny"].query_log
    assert log is not None
    workload = parse_query_log(log.read_text(encoding="utf-8"), dialect)
    assert len(workload.statements) == 11
    assert workload.window_seconds == 86400
    for statement in workload.statements:
        assert unknown_names(statement.sql_normalized, dialect, EXAMPLES["algoitny"].metadata) == []
