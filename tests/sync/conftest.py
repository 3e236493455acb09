"""Shared setup of the sync tests: Decision Data (users, a unique e-mail, audio files) on a real source.

The model and the filled source come from :mod:`sql2dynamo.testing.sync_world` (``decision_model``,
``fill``); the slot cleanup from ``tests/helpers/sync.py``.  Every replication slot a test creates is
dropped by a finalizer: a slot left behind keeps WAL on the server forever.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.target import local
from tests.helpers.sync import SLOT_PREFIX, drop_slots
from tests.migrate.test_run import fresh_tables


@pytest.fixture
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    """The module's DynamoDB Local, as an endpoint URL."""
    return shared_local[0].endpoint_url


@pytest.fixture
def deployed(endpoint: str) -> Callable[[Path], None]:
    """Deploy a model's tables, empty, as the only tables on the instance (the control table too is dropped)."""

    def make(model_dir: Path) -> None:
        fresh_tables(model_dir, endpoint)

    return make


@pytest.fixture
def slot_name(pg_admin: sa.Engine) -> Iterator[str]:
    """A unique slot name for one test; the slot and its copies are dropped afterwards, whatever happened.

    (Publications live in the test database, which the session drops; a slot would block that drop.)
    """
    name = f"{SLOT_PREFIX}{uuid.uuid4().hex[:10]}"
    yield name
    drop_slots(pg_admin, name)
