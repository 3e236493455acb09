"""One DynamoDB call with the project's retry policy, its cost metered, its failures typed.

Throttling and transient failures are retried by :func:`sql2dynamo.target.retry.retry_call`
(exponential backoff, full jitter); a transaction cancelled only by
throttling or a conflicting transaction counts as throttled and is retried
too.  What persists becomes :class:`Throttled`; a refused condition,
:class:`ConditionFailed` (a cancelled transaction, :class:`Cancelled` with
DynamoDB's reasons per action); a request DynamoDB rejects,
:class:`InvalidRequest`.  Every error names the pattern, the table and the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sql2dynamo.common.errors import TargetError, TransientError
from sql2dynamo.runtime.errors import ConditionFailed, InvalidRequest, Throttled
from sql2dynamo.runtime.types import plain
from sql2dynamo.target.client_errors import error_message
from sql2dynamo.target.retry import RetryPolicy, error_code, retry_call

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from sql2dynamo.design.model import AccessPlan
    from sql2dynamo.runtime.entities import TableCodecs

_RETRYABLE_REASONS = frozenset({"ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded"})
_METHODS = {
    "GetItem": "get_item",
    "Query": "query",
    "BatchGetItem": "batch_get_item",
    "PutItem": "put_item",
    "UpdateItem": "update_item",
    "DeleteItem": "delete_item",
    "TransactWriteItems": "transact_write_items",
}


class Cancelled(ConditionFailed):
    """A transaction DynamoDB cancelled; ``reasons`` holds one code (or None) per action, in order."""

    kind = "transaction-cancelled"

    def __init__(self, message: str, *, reasons: list[str | None], **kwargs: Any) -> None:
        super().__init__(message, reasons=reasons, **kwargs)
        self.reasons = reasons


@dataclass
class Meter:
    """Calls made and capacity consumed by one read or write (one per call of the repository: no sharing)."""

    calls: int = 0
    capacity: float = 0.0

    def add(self, response: Mapping[str, Any]) -> None:
        """Add the consumed capacity of one answer."""
        consumed = response.get("ConsumedCapacity")
        entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        for entry in entries:
            self.capacity += float(entry.get("CapacityUnits", 0.0) or 0.0)


class PlanCall:
    """One execution of one plan: what a read and a write both hold (never shared between threads)."""

    def __init__(
        self,
        client: DynamoDBClient,
        codecs: Mapping[str, TableCodecs],
        policy: RetryPolicy,
        plan: AccessPlan,
        params: Mapping[str, Any],
    ) -> None:
        self.client = client
        self.codecs = codecs
        self.policy = policy
        self.plan = plan
        self.params = dict(params)  # a write adds the values it reads on the way
        self.pattern_id = plan.pattern_id
        self.meter = Meter()

    def _call(
        self, operation: str, request: dict[str, Any], table: str, key: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """One DynamoDB call of this plan: retried, metered, its errors naming pattern, table and key."""
        return call(
            self.client,
            operation,
            request,
            policy=self.policy,
            meter=self.meter,
            pattern_id=self.pattern_id,
            table=table,
            key=key,
        )


def plain_key(key: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A low-level key as plain values, for error messages and contexts."""
    if key is None:
        return None
    return {name: plain(av) if isinstance(av, dict) else av for name, av in key.items()}


def cancellation_reasons(exc: ClientError) -> list[str | None]:
    """The code per action of a cancelled transaction (from the answer, else its message)."""
    reasons = exc.response.get("CancellationReasons")
    if isinstance(reasons, list):
        return [r.get("Code") if r.get("Code") not in (None, "None") else None for r in reasons]
    message = error_message(exc)
    m = re.search(r"\[([^\]]*)\]", message)
    if m is None:
        return []
    return [None if p.strip() in ("None", "") else p.strip() for p in m.group(1).split(",")]


def call(
    client: DynamoDBClient,
    operation: str,
    request: dict[str, Any],
    *,
    policy: RetryPolicy,
    meter: Meter,
    pattern_id: str,
    table: str,
    key: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Make one DynamoDB call with retries; raise the runtime's typed errors."""
    method = getattr(client, _METHODS[operation])
    request = {**request, "ReturnConsumedCapacity": "TOTAL"}

    def once() -> dict[str, Any]:
        meter.calls += 1
        try:
            response: dict[str, Any] = method(**request)
        except ClientError as exc:
            if error_code(exc) == "TransactionCanceledException":
                reasons = cancellation_reasons(exc)
                found = {r for r in reasons if r is not None}
                if found and found <= _RETRYABLE_REASONS:
                    raise TransientError(str(exc), table=table, code="ThrottlingException") from exc
            raise
        meter.add(response)
        return response

    shown = plain_key(key)
    try:
        return retry_call(once, policy=policy, operation=operation, table=table, where=pattern_id)
    except TransientError as exc:
        raise Throttled(
            f"{pattern_id}: {operation} on {table} still throttled or failing after {policy.max_attempts} attempts",
            hint="the table is over its capacity or unavailable; retry later or raise its capacity",
            table=table,
            key=shown,
            pattern_id=pattern_id,
            code=error_code(exc),
        ) from exc
    except TargetError as exc:
        cause = exc.__cause__
        code = error_code(cause) if cause is not None else error_code(exc)
        if code == "ConditionalCheckFailedException":
            raise ConditionFailed(
                f"{pattern_id}: {operation} on {table}: the condition failed for key {shown}",
                table=table,
                key=shown,
                pattern_id=pattern_id,
            ) from exc
        if code == "TransactionCanceledException" and isinstance(cause, ClientError):
            reasons = cancellation_reasons(cause)
            raise Cancelled(
                f"{pattern_id}: the transaction on {table} was cancelled ({reasons})",
                reasons=reasons,
                table=table,
                key=shown,
                pattern_id=pattern_id,
            ) from exc
        if code == "ValidationException":
            raise InvalidRequest(
                f"{pattern_id}: DynamoDB rejected {operation} on {table} (key {shown}): {exc.message}",
                table=table,
                key=shown,
                pattern_id=pattern_id,
            ) from exc
        raise TargetError(
            f"{pattern_id}: {exc.message}", hint=exc.hint, table=table, key=shown, pattern_id=pattern_id, code=code
        ) from exc


__all__ = ["Cancelled", "Meter", "call", "cancellation_reasons", "plain_key"]
