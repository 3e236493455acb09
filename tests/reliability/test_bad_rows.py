"""Bad rows land in ``rejects/<table>.jsonl`` with their reason and key while the rest migrates, on every source.

One table of 40 notes in SQLite, PostgreSQL and MariaDB, with three rows no DynamoDB item can hold: a
500,000-character body (over 400 KB), an empty string in a unique column (the key of its lookup item) and an
amount DynamoDB cannot store (41 significant digits where the server keeps them; SQLite, which turns a
number that long into a float, stores the text ``n/a`` in its numeric column instead).  Every other row is
migrated, verify passes with the three rejects counted, and ``--on-error-stop`` stops at the first one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client
from tests.helpers.databases import empty_database
from tests.migrate.test_run import NOTE_PATTERNS, count_items, entity_tables, fresh_tables, make_model

pytestmark = pytest.mark.dynamodb

PATTERNS = (
    NOTE_PATTERNS
    + """\
  - id: AP02
    description: Find a note by its code
    sql: SELECT * FROM note WHERE code = :code
    rps: {avg: 5, peak: 10}
"""
)

BODY_TYPE = {"sqlite": "TEXT", "postgresql": "TEXT", "mysql": "MEDIUMTEXT"}
TOO_LONG = "1" * 41  # DECIMAL(50, 0) holds it; DynamoDB keeps 38 significant digits
# The amount of row 21 in each source, and the reason its reject must give.
BAD_AMOUNT = {
    "sqlite": ("n/a", "is not a number"),
    "postgresql": (TOO_LONG, "significant digits"),
    "mysql": (TOO_LONG, "significant digits"),
}


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def notes_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> tuple[str, str]:
    """The notes table with its three bad rows in one source database; ``(dialect, url)``."""
    dialect = str(request.param)
    url = empty_database(request, dialect, tmp_path, "notes")
    rows = [
        {
            "id": i,
            "code": "" if i == 13 else f"N-{i:03d}",
            "title": f"note {i}",
            "body": "x" * (500_000 if i == 7 else 10),
            "amount": BAD_AMOUNT[dialect][0] if i == 21 else str(i * 100),
        }
        for i in range(1, 41)
    ]
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "CREATE TABLE note (id INTEGER PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE, "
                    f"title VARCHAR(100) NOT NULL, body {BODY_TYPE[dialect]}, amount DECIMAL(50, 0))"
                )
            )
            conn.execute(
                sa.text("INSERT INTO note (id, code, title, body, amount) VALUES (:id, :code, :title, :body, :amount)"),
                rows,
            )
    finally:
        engine.dispose()
    return dialect, url


def test_bad_rows_land_in_rejects_while_the_rest_migrates(
    notes_url: tuple[str, str],
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    dialect, url = notes_url
    endpoint = shared_local[0].endpoint_url
    model_dir = make_model(url, tmp_path / "model", PATTERNS)
    fresh_tables(model_dir, endpoint)

    result = migrate(url, model_dir, endpoint, reporter=RecordingReporter(), segments=2, batch_size=8)
    (note,) = result.tables
    assert (note.rows_read, note.rejected, note.failed) == (40, 3, 0), result.summary()
    lines = [json.loads(line) for line in (result.rejects_dir / "note.jsonl").read_text().splitlines()]
    by_id = {line["key"]["id"]: line["reason"] for line in lines}
    reasons = {7: "400 KB", 13: "empty key code: code is empty", 21: BAD_AMOUNT[dialect][1]}
    assert sorted(by_id) == sorted(reasons) and len(lines) == 3, lines
    for key, words in reasons.items():
        assert words in by_id[key], (key, by_id[key])

    # The 37 good rows are there, each with its code's lookup item; no trace of a rejected row.
    client = boto_client(endpoint)
    (table,) = entity_tables(model_dir)
    assert count_items(client, table) == 37
    lookups = [name for name in client.list_tables()["TableNames"] if name != table]
    assert lookups and all(count_items(client, name) == 37 for name in lookups), lookups

    checked = verify(url, model_dir, endpoint, reporter=RecordingReporter())
    totals = checked.totals()
    assert checked.ok, checked.summary()
    assert totals["rejects"] == 3, totals
    assert (totals["missing"], totals["extra"], totals["different"]) == (0, 0, 0)

    with pytest.raises(InputError, match="cannot be an item"):
        migrate(url, model_dir, endpoint, reporter=RecordingReporter(), on_error_stop=True)
