"""Fixtures of the CLI tests: the shared DynamoDB Local, emptied (a module may override ``endpoint``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sql2dynamo.target import local
from tests.helpers.dynamodb import drop_tables


@pytest.fixture
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    """The module's DynamoDB Local, every table dropped (examples share table names such as ``users``)."""
    url = shared_local[0].endpoint_url
    drop_tables(url)
    return url
