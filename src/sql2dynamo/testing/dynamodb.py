"""DynamoDB Local for the tests and benchmarks: free ports, a plain boto3 client, instances that always stop."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from sql2dynamo.common.reporting import Reporter
from sql2dynamo.target import local, prerequisites, process
from sql2dynamo.target.prerequisites import HOME_ENV, JAR_ENV

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KILL_AFTER_S = 5.0
"""How long a JVM that ``local.stop`` left behind gets after SIGTERM before SIGKILL."""


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def stop(instance: local.LocalInstance) -> None:
    """Stop ``instance`` (its state lives in the current ``SQL2DYNAMO_HOME``); its JVM is gone afterwards."""
    try:
        local.stop(instance.port)
    finally:
        # Belt and braces: never leave a JVM behind, even if stop() failed.
        if process.is_alive(instance.pid):
            process.terminate_group(instance.pid, KILL_AFTER_S)


@contextlib.contextmanager
def running_local(
    *,
    port: int | None = None,
    data_dir: Path | None = None,
    in_memory: bool = False,
    reporter: Reporter | None = None,
) -> Iterator[local.LocalInstance]:
    """DynamoDB Local on ``port`` (default: a free one) in the current home, stopped at the end whatever happens."""
    instance = local.start(port=port or free_port(), data_dir=data_dir, in_memory=in_memory, reporter=reporter)
    try:
        yield instance
    finally:
        stop(instance)


def use_throwaway_home(home: Path) -> None:
    """Point ``SQL2DYNAMO_HOME`` at ``home`` for the rest of this process, keeping the user's jar.

    The jar is looked up in the user's home before it is swapped for ``home``, and the extra JVM
    options are cleared so that every instance a benchmark starts runs with the same (default) options.
    """
    os.environ[JAR_ENV] = str(prerequisites.find_jar())
    os.environ[HOME_ENV] = str(home)
    os.environ.pop(local.JAVA_OPTS_ENV, None)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process so far, from ``/proc`` (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
