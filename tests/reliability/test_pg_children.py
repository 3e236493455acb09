"""PostgreSQL inheritance children and partitions move as their parent's rows (issue 14, item 11).

``payment_p2007_01 (...) INHERITS (payment)`` has no primary key of its own and used to stop analyze
("no primary key"); partitions of a declaratively partitioned table were analyzed as tables of their own.
Now analyze lists only the parents, names each child under ``attention`` with its parent, and migrate and
verify carry every row, the children's included, through the parent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client
from tests.helpers.databases import empty_database
from tests.migrate.test_run import count_items, entity_tables, fresh_tables, make_model

pytestmark = pytest.mark.dynamodb

DDL = [
    "CREATE TABLE payment (payment_id INTEGER PRIMARY KEY, amount NUMERIC(5, 2) NOT NULL, paid DATE NOT NULL)",
    "CREATE TABLE payment_p2007_01 (CHECK (paid < DATE '2007-02-01')) INHERITS (payment)",
    "CREATE TABLE measure (id INTEGER, day DATE, v INTEGER, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
    "CREATE TABLE measure_2024 PARTITION OF measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE TABLE measure_2025 PARTITION OF measure FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    "INSERT INTO payment SELECT g, g, DATE '2007-03-01' FROM generate_series(1, 5) g",
    "INSERT INTO payment_p2007_01 SELECT g, g, DATE '2007-01-15' FROM generate_series(6, 12) g",
    "INSERT INTO measure SELECT g, DATE '2024-06-01' + (g * 40), g FROM generate_series(1, 9) g",
]
PATTERNS = """\
application: children
patterns:
  - id: AP01
    description: A payment
    sql: SELECT * FROM payment WHERE payment_id = :payment_id
    rps: {avg: 5, peak: 10}
  - id: AP02
    description: A measure
    sql: SELECT * FROM measure WHERE id = :id AND day = :day
    rps: {avg: 5, peak: 10}
"""


@pytest.fixture
def children_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = empty_database(request, "postgresql", tmp_path, "children")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in DDL:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
    return url


def test_children_are_read_through_their_parent(
    children_url: str, tmp_path: Path, shared_local: tuple[local.LocalInstance, Path]
) -> None:
    endpoint = shared_local[0].endpoint_url
    model_dir = make_model(children_url, tmp_path / "model", PATTERNS)
    schema = json.loads((model_dir / "schema.json").read_text())
    assert sorted(t["name"] for t in schema["tables"]) == ["measure", "payment"]
    children = {a["name"]: a for a in schema["attention"] if a["kind"] == "table"}
    assert sorted(children) == ["measure_2024", "measure_2025", "payment_p2007_01"], schema["attention"]
    assert children["payment_p2007_01"]["table"] == "payment"
    assert "read and migrated through payment" in children["payment_p2007_01"]["reason"]
    assert "a partition of measure" in children["measure_2025"]["reason"]

    fresh_tables(model_dir, endpoint)
    result = migrate(children_url, model_dir, endpoint, reporter=RecordingReporter())
    totals = result.totals()
    assert (totals["read"], totals["rejected"], totals["failed"]) == (12 + 9, 0, 0), result.summary()
    client = boto_client(endpoint)
    counts = {source: count_items(client, table) for table, source in entity_tables(model_dir).items()}
    assert counts == {"payment": 12, "measure": 9}
    checked = verify(children_url, model_dir, endpoint, reporter=RecordingReporter())
    assert checked.ok, checked.summary()
