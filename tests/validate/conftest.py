"""Fixtures for validate: an empty database of each kind, and DynamoDB Local with no table left over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sql2dynamo.target import local
from tests.target.conftest import boto_client, dynamodb_jar, shared_local  # noqa: F401  (fixtures)

SOURCES = ("sqlite", "postgresql", "mysql")


@pytest.fixture
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """Factory: the URL of an empty database of the kind named (sqlite, postgresql, mysql)."""

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / 'source.sqlite'}"
        factory = request.getfixturevalue("new_pg_db" if kind == "postgresql" else "new_maria_db")
        return str(factory("val"))

    return make


@pytest.fixture
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:  # noqa: F811
    """The shared DynamoDB Local, every table dropped (examples share table names such as ``users``)."""
    url = shared_local[0].endpoint_url
    client = boto_client(url)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return url
