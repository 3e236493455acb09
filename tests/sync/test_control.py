"""The control table on DynamoDB Local: created once, documents round-trip, versions guard concurrent writers."""

from __future__ import annotations

import uuid

import pytest

from sql2dynamo.sync.control import ControlTable, VersionConflict
from sql2dynamo.sync.stream import update_control
from sql2dynamo.testing.dynamodb import boto_client

pytestmark = pytest.mark.dynamodb


def test_documents_and_versions(endpoint: str) -> None:
    control = ControlTable(boto_client(endpoint), f"s2d_control_{uuid.uuid4().hex[:6]}")
    control.ensure()
    control.ensure()  # idempotent
    assert control.get("sync:a") is None
    doc = {"start": {"lsn": 12}, "nested": [1, 2.5, "x"], "none": None}
    assert control.put("sync:a", doc, expected_version=0) == 1
    stored = control.get("sync:a")
    assert stored == {**doc, "_version": 1}
    with pytest.raises(VersionConflict) as caught:
        control.put("sync:a", {"other": True}, expected_version=0)
    assert caught.value.exit_code == 6
    assert control.put("sync:a", {**stored, "more": 1}, expected_version=1) == 2
    with pytest.raises(VersionConflict):
        control.put("sync:a", {"stale": True}, expected_version=1)
    merged = update_control(control, "sync:a", {"checkpoint": {"position": "pg:0000000000000010:000001"}})
    assert merged["more"] == 1 and control.get("sync:a")["_version"] == 3  # type: ignore[index]
    control.delete("sync:a")
    assert control.get("sync:a") is None
    control.client.delete_table(TableName=control.table_name)
