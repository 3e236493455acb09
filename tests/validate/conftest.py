"""Fixtures for validate: an empty database of each kind, and DynamoDB Local with no table left over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client
from tests.helpers.databases import empty_database


@pytest.fixture
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """Factory: the URL of an empty database of the kind named (sqlite, postgresql, mysql)."""
    return lambda kind: empty_database(request, kind, tmp_path, "source")


@pytest.fixture
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    """The shared DynamoDB Local, every table dropped (examples share table names such as ``users``)."""
    url = shared_local[0].endpoint_url
    client = boto_client(url)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return url
