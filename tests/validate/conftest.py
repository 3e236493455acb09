"""Fixtures for validate: an empty database of each kind, and DynamoDB Local with no table left over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sql2dynamo.target import local
from tests.helpers.databases import empty_database
from tests.helpers.dynamodb import drop_tables


@pytest.fixture
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """Factory: the URL of an empty database of the kind named (sqlite, postgresql, mysql)."""
    return lambda kind: empty_database(request, kind, tmp_path, "source")


@pytest.fixture
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    """The shared DynamoDB Local, every table dropped (examples share table names such as ``users``)."""
    url = shared_local[0].endpoint_url
    drop_tables(url)
    return url
