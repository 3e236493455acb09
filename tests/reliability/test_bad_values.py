"""One value DynamoDB cannot hold becomes a reject with its reason; the rest migrates (issue 14, item 4).

These values used to stop the whole run: a JSON document with an empty key (DynamoDB refused the batch,
exit 7 "Empty attribute name"), PostgreSQL ``infinity`` and BC timestamps and dates (the driver raised on
the fetch, exit 1), SQLite text that is not valid UTF-8 (likewise).  Now each is one line in the run's
rejects file, every other row is migrated, and verify agrees (the rejects counted, nothing missing).
"""

from __future__ import annotations

import json
import sqlite3
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

PATTERNS = """\
application: values
patterns:
  - id: AP01
    description: One thing
    sql: SELECT * FROM thing WHERE id = :id
    rps: {avg: 5, peak: 10}
"""
EMPTY_KEY = '{"a": {"": 1}}'
ROWS = 20

# Per source: the table, the bad rows (id -> column values) and the words each reject's reason holds.
CASES = {
    "postgresql": (
        "CREATE TABLE thing (id INTEGER PRIMARY KEY, doc JSONB, at TIMESTAMP, day DATE)",
        {
            3: {"doc": EMPTY_KEY},
            5: {"at": "infinity"},
            6: {"at": "0044-03-15 BC"},
            7: {"day": "-infinity"},
        },
        {3: "map key is empty", 5: "outside the years", 6: "outside the years", 7: "outside the years"},
    ),
    "mysql": (
        "CREATE TABLE thing (id INTEGER PRIMARY KEY, doc JSON, at DATETIME, day DATE)",
        {3: {"doc": EMPTY_KEY}},
        {3: "map key is empty"},
    ),
    "sqlite": (
        "CREATE TABLE thing (id INTEGER PRIMARY KEY, doc TEXT, at DATETIME, day DATE)",
        {4: {"doc": b"caf\xe9 \xff"}},
        {4: "not valid UTF-8"},
    ),
}


@pytest.fixture(params=sorted(CASES))
def bad_values_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    dialect = str(request.param)
    ddl, bad, _ = CASES[dialect]
    url = empty_database(request, dialect, tmp_path, "values")
    rows = []
    for i in range(1, ROWS + 1):
        row = {"id": i, "doc": json.dumps({"n": i}), "at": "2024-05-01 10:00:00", "day": "2024-05-01"}
        row.update(bad.get(i, {}))
        rows.append(row)
    if dialect == "sqlite":
        path = url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            conn.execute(ddl)
            for row in rows:
                doc = row["doc"]
                # invalid UTF-8 can only be stored as a blob cast to text
                value_sql = "CAST(? AS TEXT)" if isinstance(doc, bytes) else "?"
                conn.execute(
                    f"INSERT INTO thing VALUES (?, {value_sql}, ?, ?)", (row["id"], doc, row["at"], row["day"])
                )
        return dialect, url
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(ddl))
            conn.execute(sa.text("INSERT INTO thing VALUES (:id, :doc, :at, :day)"), rows)
    finally:
        engine.dispose()
    return dialect, url


def test_each_bad_value_is_a_reject_and_the_rest_migrates(
    bad_values_url: tuple[str, str],
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    dialect, url = bad_values_url
    _, bad, reasons = CASES[dialect]
    endpoint = shared_local[0].endpoint_url
    model_dir = make_model(url, tmp_path / "model", PATTERNS)
    fresh_tables(model_dir, endpoint)

    result = migrate(url, model_dir, endpoint, reporter=RecordingReporter(), batch_size=4)
    total = result.totals()
    assert (total["read"], total["rejected"], total["failed"]) == (ROWS, len(bad), 0), result.summary()
    lines = [json.loads(line) for line in (result.rejects_dir / "thing.jsonl").read_text().splitlines()]
    by_id = {line["key"]["id"]: line["reason"] for line in lines}
    assert sorted(by_id) == sorted(reasons), lines
    for key, words in reasons.items():
        assert words in by_id[key], (key, by_id[key])

    (table,) = entity_tables(model_dir)
    assert count_items(boto_client(endpoint), table) == ROWS - len(bad)
    checked = verify(url, model_dir, endpoint, reporter=RecordingReporter())
    totals = checked.totals()
    assert checked.ok, checked.summary()
    assert (totals["rejects"], totals["missing"], totals["extra"], totals["different"]) == (len(bad), 0, 0, 0)
