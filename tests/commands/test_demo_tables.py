"""The demo drops only DynamoDB tables it created: a table named like the example's is someone's data.

A DynamoDB Local the user runs on the demo's port may hold a ``users`` table of their own; the demo must
stop (exit 2) before deleting anything, and still replace the tables an earlier demo made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sql2dynamo.commands.demo import demo
from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client

pytestmark = pytest.mark.dynamodb


def _run(out: Path, endpoint: str) -> RecordingReporter:
    reporter = RecordingReporter()
    demo(out_dir=out, rows=4, reporter=reporter, example="decision_data", target=endpoint)
    return reporter


def test_the_demo_refuses_tables_it_did_not_create(
    tmp_path: Path, shared_local: tuple[local.LocalInstance, Path]
) -> None:
    endpoint = shared_local[0].endpoint_url
    client = boto_client(endpoint)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    client.create_table(
        TableName="users",
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="users", Item={"user_id": {"S": "someone's"}})

    with pytest.raises(UsageError) as refused:
        _run(tmp_path / "first", endpoint)
    assert refused.value.exit_code == 2
    assert "did not create" in str(refused.value) and "users" in str(refused.value)
    assert client.get_item(TableName="users", Key={"user_id": {"S": "someone's"}}).get("Item")  # untouched

    client.delete_table(TableName="users")
    _run(tmp_path / "second", endpoint)
    reporter = _run(tmp_path / "third", endpoint)  # its own tables from the run before: replaced without asking
    # verify's verdict comes first, then the counts (a lower count of items expired by TTL is no failure).
    (verified,) = [m for m in reporter.messages("info") if m.startswith("verify: ")]
    assert verified.startswith("verify: match: ") and verified.endswith("0 missing, 0 extra, 0 different")
    assert sorted(client.list_tables()["TableNames"]) == ["audio_files", "users", "users_email_unique"]
