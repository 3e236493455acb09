"""Two rows whose key columns join to the same text stay two items, on every source (issue 14, item 1).

``comp3(a, b, c)`` with ``('t', 'x#y', 'z')`` and ``('t', 'x', 'y#z')``: the sort key ``{b}#{c}``
used to be ``x#y#z`` for both, so the second put silently overwrote the first.  Now migrate writes two
items, verify finds both, and the runtime's GetItem for each row's parameters returns exactly that row.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.runtime import Repository
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client
from tests.helpers.databases import empty_database
from tests.migrate.test_run import count_items, entity_tables, fresh_tables, make_model

pytestmark = pytest.mark.dynamodb

PATTERNS = """\
application: comp
patterns:
  - id: AP01
    description: One row by its whole key
    sql: SELECT * FROM comp3 WHERE a = :a AND b = :b AND c = :c
    rps: {avg: 5, peak: 10}
  - id: AP02
    description: The row whose b is the literal 'x#y' (the plan spells the literal as the key does)
    sql: SELECT * FROM comp3 WHERE a = :a AND b = 'x#y' AND c = :c
    rps: {avg: 5, peak: 10}
"""
ROWS = [("t", "x#y", "z", 1), ("t", "x", "y#z", 2), ("t", "x\\", "#z", 3), ("t", "x\\#", "z", 4)]


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def comp_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url = empty_database(request, str(request.param), tmp_path, "comp")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "CREATE TABLE comp3 (a VARCHAR(10), b VARCHAR(10), c VARCHAR(10), v INTEGER, PRIMARY KEY (a, b, c))"
                )
            )
            conn.execute(
                sa.text("INSERT INTO comp3 (a, b, c, v) VALUES (:a, :b, :c, :v)"),
                [dict(zip("abcv", row, strict=True)) for row in ROWS],
            )
    finally:
        engine.dispose()
    return url


def test_rows_whose_keys_join_alike_stay_apart(
    comp_url: str,
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    endpoint = shared_local[0].endpoint_url
    model_dir = make_model(comp_url, tmp_path / "model", PATTERNS)
    fresh_tables(model_dir, endpoint)

    result = migrate(comp_url, model_dir, endpoint, reporter=RecordingReporter())
    total = result.totals()
    assert (total["read"], total["items"], total["rejected"], total["failed"]) == (4, 4, 0, 0), result.summary()
    client = boto_client(endpoint)
    (table,) = entity_tables(model_dir)
    assert count_items(client, table) == len(ROWS)

    checked = verify(comp_url, model_dir, endpoint, reporter=RecordingReporter())
    assert checked.ok, checked.summary()
    assert checked.totals()["actual"] == len(ROWS)

    repo = Repository.from_model_dir(model_dir, client)
    for a, b, c, v in ROWS:
        page = repo.read("AP01", {"a": a, "b": b, "c": c})
        assert [(r["a"], r["b"], r["c"], r["v"]) for r in page.rows] == [(a, b, c, v)], page.rows
    page = repo.read("AP02", {"a": "t", "c": "z"})
    assert [(r["b"], r["v"]) for r in page.rows] == [("x#y", 1)], page.rows
