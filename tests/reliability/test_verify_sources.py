"""verify on SQLite, PostgreSQL (snake_case) and MariaDB (PascalCase) Chinook: a clean copy passes, changes are found.

Each source gets a model designed from its own ``schema.json``, migrated into DynamoDB Local with
``migrate``; then, behind verify's back, one item is altered, another deleted and one added, and verify
must name each of their keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import boto_client
from tests.reliability import assert_items_match_rows, design_subset, fresh_tables

pytestmark = pytest.mark.dynamodb


def _plain(value: dict[str, Any]) -> Any:
    """A low-level key value as verify shows it (numbers as int)."""
    ((kind, payload),) = value.items()
    return int(payload) if kind == "N" else payload


def test_verify_passes_then_finds_changes(
    chinook_url: str,
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    url = chinook_url
    endpoint = shared_local[0].endpoint_url
    model_dir = design_subset(url, tmp_path / "model")
    fresh_tables(model_dir, endpoint)
    moved = migrate(url, model_dir, endpoint, reporter=RecordingReporter(), segments=2, batch_size=200)
    assert moved.totals()["failed"] == moved.totals()["rejected"] == 0

    assert_items_match_rows(url, model_dir, endpoint)
    clean = verify(url, model_dir, endpoint, reporter=RecordingReporter())
    assert clean.ok, clean.summary()
    totals = clean.totals()
    assert (totals["missing"], totals["extra"], totals["different"]) == (0, 0, 0)
    assert totals["expected"] == totals["actual"] == moved.totals()["items"] > 0

    # Alter one customer's e-mail, delete one genre and add a genre no row has, in DynamoDB only.
    _, model = load_model(model_dir)
    by_name = {t.name.lower(): t for t in model.tables}
    customer, genre = by_name["customer"], by_name["genre"]
    client = boto_client(endpoint)
    item = client.scan(TableName=customer.name, Limit=1)["Items"][0]
    email = next(a for a in item if a.lower() == "email")
    client.update_item(
        TableName=customer.name,
        Key={customer.pk.attribute: item[customer.pk.attribute]},
        UpdateExpression="SET #e = :v",
        ExpressionAttributeNames={"#e": email},
        ExpressionAttributeValues={":v": {"S": "changed@example.com"}},
    )
    gone = client.scan(TableName=genre.name, Limit=1)["Items"][0]
    client.delete_item(TableName=genre.name, Key={genre.pk.attribute: gone[genre.pk.attribute]})
    added = {**gone, genre.pk.attribute: {"N": "9999"}}
    client.put_item(TableName=genre.name, Item=added)

    changed = verify(url, model_dir, endpoint, reporter=RecordingReporter())
    assert not changed.ok
    totals = changed.totals()
    assert (totals["missing"], totals["extra"], totals["different"]) == (1, 1, 1), changed.summary()
    found = {(d.kind, d.table, str(d.key)) for d in changed.comparison.differences}
    assert found == {
        ("missing", genre.name, str({genre.pk.attribute: _plain(gone[genre.pk.attribute])})),
        ("extra", genre.name, str({genre.pk.attribute: 9999})),
        ("different", customer.name, str({customer.pk.attribute: _plain(item[customer.pk.attribute])})),
    }, found
    (different,) = (d for d in changed.comparison.differences if d.kind == "different")
    assert any(email in line and "changed@example.com" in line for line in different.diff), different.diff
