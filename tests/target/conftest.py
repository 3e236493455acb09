"""Fixtures of the target tests: a private SQL2DYNAMO_HOME per test, and instances it starts.

Every test gets its own ``SQL2DYNAMO_HOME`` (so state files never touch the user's) and free ports;
every instance a test starts is stopped afterwards, whatever the outcome.  ``dynamodb_jar`` and
``shared_local`` are in ``tests/conftest.py``; the logic in ``tests/helpers/dynamodb.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.target.prerequisites import HOME_ENV, JAR_ENV
from sql2dynamo.testing.dynamodb import free_port
from tests.helpers.dynamodb import StartLocal, stop_all, use_home


@pytest.fixture
def bare_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private, empty SQL2DYNAMO_HOME and no jar override: for tests that start no JVM."""
    home = tmp_path / "home"
    monkeypatch.setenv(HOME_ENV, str(home))
    monkeypatch.delenv(JAR_ENV, raising=False)
    return home


@pytest.fixture
def s2d_home(bare_home: Path, monkeypatch: pytest.MonkeyPatch, dynamodb_jar: Path) -> Path:
    """A private SQL2DYNAMO_HOME for this test, with the jar pointed to by the env override."""
    use_home(monkeypatch, bare_home, dynamodb_jar)
    return bare_home


@pytest.fixture
def start_local(s2d_home: Path) -> Iterator[StartLocal]:
    """Factory: ``start_local(port=None, data_dir=None, in_memory=False)``; all stopped afterwards."""
    started: list[tuple[Path, local.LocalInstance]] = []

    def start(port: int | None = None, data_dir: Path | None = None, in_memory: bool = False) -> local.LocalInstance:
        instance = local.start(
            port=port or free_port(), data_dir=data_dir, in_memory=in_memory, reporter=RecordingReporter()
        )
        started.append((Path(os.environ[HOME_ENV]), instance))
        return instance

    yield start
    stop_all(started)
