"""What every control-plane call of ``deploy`` and ``destroy`` shares: errors, DescribeTable, support, polling.

* :func:`failure` turns a botocore failure into the sql2dynamo error that
  names the table, the step and what was already created;
* :func:`describe_table` is ``DescribeTable`` with "does not exist" as None;
* :class:`TargetSupport` remembers the operations a target does not implement
  (DynamoDB Local 3.x answers ``UnknownOperationException`` to point-in-time
  recovery), so each is asked once and reported once;
* :func:`pause` is the capped exponential back-off of the wait loops.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.common.errors import Sql2DynamoError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.target.client_errors import error_code, error_message
from sql2dynamo.target.endpoint import TargetSpec, explain_error

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["MAX_POLL_S", "UNSUPPORTED", "TargetSupport", "describe_table", "failure", "is_active", "pause"]

MAX_POLL_S = 5.0
"""The longest pause between two polls of a table's status."""

UNSUPPORTED = "UnknownOperationException"
"""The error code of a target that does not implement an operation."""


class TargetSupport:
    """Operations the target answered ``UnknownOperationException`` to: asked once, reported once."""

    def __init__(self, spec: TargetSpec, reporter: Reporter) -> None:
        self._spec = spec
        self._reporter = reporter
        self._missing: dict[str, str] = {}

    def has(self, feature: str) -> bool:
        """False once the target answered that it does not implement ``feature``."""
        return feature not in self._missing

    def lacks(self, feature: str, exc: ClientError) -> None:
        """Record that the target does not implement ``feature`` (``exc`` says so); warn the first time."""
        if feature in self._missing:
            return
        message = error_message(exc)
        reason = f"{feature}: {self._spec.display} answered {error_code(exc)} ({message})"
        self._missing[feature] = reason
        self._reporter.warning(
            f"{self._spec.display} does not support {feature} (it answered {error_code(exc)}): "
            "deploy goes on without it; Amazon DynamoDB supports it"
        )

    def reasons(self) -> tuple[str, ...]:
        """One line per feature the target lacks: which, and what it answered."""
        return tuple(self._missing.values())


def describe_table(client: DynamoDBClient, spec: TargetSpec, name: str) -> dict[str, Any] | None:
    """DescribeTable's ``Table``, or None when the table does not exist."""
    try:
        return dict(client.describe_table(TableName=name)["Table"])
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise failure(exc, spec, name, "describing") from exc
    except BotoCoreError as exc:
        raise failure(exc, spec, name, "describing") from exc


def failure(
    exc: BotoCoreError | ClientError, spec: TargetSpec, table: str, doing: str, done: Sequence[str] = ()
) -> Sql2DynamoError:
    """``explain_error``'s error, its message saying which table and step failed and what was already done."""
    base = explain_error(exc, spec)
    message = f"{doing} table {table}: {base.message}"
    if done:
        message += f" (tables created before: {', '.join(done)}; run deploy again to finish)"
    return type(base)(message, hint=base.hint, table=table, **base.context.extra)


def is_active(table: Mapping[str, Any]) -> bool:
    """Whether a DescribeTable ``Table`` and all its GSIs are ACTIVE."""
    if table.get("TableStatus") != "ACTIVE":
        return False
    return all(g.get("IndexStatus", "ACTIVE") == "ACTIVE" for g in table.get("GlobalSecondaryIndexes", []))


def pause(delay: float, deadline: float) -> float:
    """Sleep ``delay`` seconds, never past ``deadline`` (``time.monotonic``); return the next, doubled delay."""
    time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
    return min(delay * 2, MAX_POLL_S)
