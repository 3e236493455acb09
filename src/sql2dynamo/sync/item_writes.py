"""The conditional item writes of an applied batch: TransactWriteItems groups of distinct items, or one call each.

Every write is conditional on the item's position (:data:`POSITION_ATTRIBUTE`):
a put only if ``attribute_not_exists(_s2d_pos) OR _s2d_pos < :pos``, a delete
only if ``... OR _s2d_pos <= :pos``.  The items of one call are distinct (the
applier coalesced the batch to one write per item), so they need no order
among themselves and the calls may run in parallel.

Why transactions: one conditional ``PutItem`` per item cost the client
about 1.5 ms of CPU (botocore's request building, signing and HTTP, per
item) and DynamoDB Local about 2 ms; in a ``TransactWriteItems`` of 10 to
100 items an item costs the client about a tenth of that and DynamoDB Local
about half (measured side by side on one DynamoDB Local, issue 17; a plain
BatchWriteItem put costs it about a quarter, but cannot be conditional).
Nothing here needs the all-or-nothing: when conditions fail, DynamoDB
cancels the whole call and says per item why; an item whose condition failed
already holds this change or a later one (counted ``skipped``) and the
others are sent again without it.  A call refused as a whole for a reason
that names no item (a validation error) is repeated one item per call, so
the refusal names the item.  On AWS a transactional write costs twice the
capacity of a plain one; ``transact_items=1`` writes one item per call.

Bodies are encoded with one ``json`` call from the low-level items and handed
to botocore through its documented ``before-call`` event (as the backfill's
writer does): signing, the HTTP pool and response parsing stay botocore's,
its per-attribute validation and serialization, the larger part of its CPU
per item, are skipped.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from sql2dynamo.common.errors import TargetError
from sql2dynamo.sync.changes import POSITION_ATTRIBUTE
from sql2dynamo.target.client_errors import error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = [
    "MAX_TRANSACT_BYTES",
    "MAX_TRANSACT_ITEMS",
    "Abandoned",
    "ConditionalWriter",
    "ItemKey",
    "ItemOp",
    "WriteCounts",
]

MAX_TRANSACT_ITEMS = 100
"""DynamoDB's limit of actions in one TransactWriteItems call."""
MAX_TRANSACT_BYTES = 4_000_000
"""DynamoDB refuses a transaction over 4 MB of items; a body's JSON is never smaller than its items."""

ItemKey = tuple[str, tuple[tuple[str, str, Any], ...]]  # DynamoDB table, (attribute, type, payload) per key part

_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",  # DynamoDB Local too: "timed out ... waiting for a lock" under concurrent transactions
    "ServiceUnavailable",
    "TransactionConflictException",
    "TransactionInProgressException",
}
# Per item of a cancelled transaction: sent again (after a pause for the busy ones), or already newer.
_NOT_THE_CAUSE = {"None", ""}
_BUSY = {"TransactionConflict", "ProvisionedThroughputExceeded", "ThrottlingError"}
_MAX_ATTEMPTS = 10
_PUT_CONDITION = "attribute_not_exists(#p) OR #p < :p"
_DELETE_CONDITION = "attribute_not_exists(#p) OR #p <= :p"
_NAMES = {"#p": POSITION_ATTRIBUTE}
_OPERATION = "TransactWriteItems"


@dataclass
class WriteCounts:
    """What the writes of one call (or several) did."""

    puts: int = 0
    deletes: int = 0
    skipped: int = 0  # conditions that failed: the item already held this change or a later one
    fanout: int = 0  # of the puts, items of child rows written for a parent's denormalized copies
    calls: int = 0
    retries: int = 0


class Abandoned(Exception):
    """Raised before a call once another part of the batch failed (the whole batch is applied again)."""


@dataclass(slots=True)
class ItemOp:
    """The one write an item gets in a batch: the last change's put (the item) or delete, at its position."""

    kind: Literal["put", "delete"]
    key: ItemKey
    item: dict[str, Any] | None
    position: str
    fanout: bool = False  # a put of a child row's item for a parent's denormalized copy
    action: str = ""  # the TransactWriteItems action as JSON text (set by ConditionalWriter.chunks)


def _binary(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not a low-level DynamoDB value")


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=_binary, check_circular=False)


class ConditionalWriter:
    """Writes coalesced :class:`ItemOp` chunks; thread-safe (one chunk per thread)."""

    def __init__(self, client: DynamoDBClient, *, transact_items: int, abandon: threading.Event) -> None:
        """``transact_items``: items per TransactWriteItems call (1: one PutItem/DeleteItem per item)."""
        self.client = client
        self.transact_items = max(1, min(MAX_TRANSACT_ITEMS, transact_items))
        self.abandon = abandon
        self._tls = threading.local()
        self._hook_id = f"sql2dynamo-sync-{id(self)}"
        self._hooked = False
        if self.transact_items > 1:
            client.meta.events.register(f"before-call.dynamodb.{_OPERATION}", self._inject, unique_id=self._hook_id)
            self._hooked = True

    def close(self) -> None:
        """Remove the body hook from the client (which may be shared with the application)."""
        if self._hooked:
            self.client.meta.events.unregister(f"before-call.dynamodb.{_OPERATION}", unique_id=self._hook_id)
            self._hooked = False

    # -------------------------------------------------------------- chunks

    def chunks(self, ops: Sequence[ItemOp], parallel: int) -> list[list[ItemOp]]:
        """``ops`` cut into calls: at most ``transact_items`` and 4 MB each, spread over ``parallel`` calls.

        A small batch is cut into up to ``parallel`` calls of at least ``_MIN_SPREAD`` items, so its
        latency is one call's; a large one into full calls, the cheapest per item.
        """
        if not ops:
            return []
        if self.transact_items == 1:
            return [[op] for op in ops]
        per_call = min(self.transact_items, max(_MIN_SPREAD, -(-len(ops) // max(1, parallel))))
        out: list[list[ItemOp]] = []
        current: list[ItemOp] = []
        size = 0
        for op in ops:
            op.action = _ENCODER.encode(_action(op))
            if current and (len(current) >= per_call or size + len(op.action) > MAX_TRANSACT_BYTES):
                out.append(current)
                current, size = [], 0
            current.append(op)
            size += len(op.action) + 1
        out.append(current)
        return out

    # -------------------------------------------------------------- one call's items

    def write(self, ops: Sequence[ItemOp], stats: WriteCounts) -> None:
        """Write ``ops`` (distinct items); returns once DynamoDB confirmed or refused each condition."""
        if len(ops) == 1 or self.transact_items == 1:
            for op in ops:
                self._single(op, stats)
            return
        pending = list(ops)
        attempt = 0
        delay = 0.05
        while pending:
            self._check()
            stats.calls += 1
            try:
                self._transact(pending)
            except ClientError as exc:
                code = error_code(exc)
                if code == "TransactionCanceledException":
                    reasons = exc.response.get("CancellationReasons")
                    if not isinstance(reasons, list) or len(reasons) != len(pending):
                        # No per-item answer (not every DynamoDB-compatible endpoint gives one): one by one.
                        for op in pending:
                            self._single(op, stats)
                        return
                    pending, busy = self._sort_out(pending, reasons, stats)
                    if not busy:
                        continue  # the rest is sent again at once: the call made progress
                elif code == "ValidationException":
                    # Refused as a whole: one call per item names the one DynamoDB refuses.
                    for op in pending:
                        self._single(op, stats)
                    return
                elif code not in _RETRYABLE:
                    raise _refused(_OPERATION, code or str(exc), pending[0].key[0]) from None
                attempt += 1
                if attempt >= _MAX_ATTEMPTS:
                    raise _refused(_OPERATION, code, pending[0].key[0]) from None
                stats.retries += 1
                self.abandon.wait(delay)
                delay = min(delay * 2, 2.0)
                continue
            for op in pending:
                _count(op, stats)
            return

    def _sort_out(self, pending: list[ItemOp], reasons: list[Any], stats: WriteCounts) -> tuple[list[ItemOp], bool]:
        """What to send again after a cancellation, and whether to pause first (an item was busy)."""
        again: list[ItemOp] = []
        busy = False
        for op, reason in zip(pending, reasons, strict=True):
            code = str((reason or {}).get("Code") or "")
            if code == "ConditionalCheckFailed":
                stats.skipped += 1  # the item already holds this change or a later one
            elif code in _NOT_THE_CAUSE:
                again.append(op)
            elif code in _BUSY:
                again.append(op)
                busy = True
            else:
                self._single(op, stats)  # its own call names DynamoDB's reason
        return again, busy

    def _transact(self, ops: Sequence[ItemOp]) -> None:
        actions = ",".join(op.action or _ENCODER.encode(_action(op)) for op in ops)
        body = ('{"TransactItems":[' + actions + "]}").encode()
        tls = self._tls
        tls.body, tls.used = body, False
        try:
            # A minimal valid request for botocore to validate and sign; the hook swaps in the real body.
            first = ops[0]
            placeholder: Any = [{"ConditionCheck": {"TableName": first.key[0], "Key": {}, "ConditionExpression": "x"}}]
            self.client.transact_write_items(TransactItems=placeholder)
        finally:
            tls.body = None
        if not tls.used:
            # Something answered before botocore sent our body (a stub, another hook): never trust it.
            raise RuntimeError("the TransactWriteItems body hook was bypassed; use transact_items=1 with this client")

    def _inject(self, params: dict[str, Any], **_: Any) -> None:
        body = getattr(self._tls, "body", None)
        if body is not None:
            params["body"] = body
            self._tls.used = True

    # -------------------------------------------------------------- one item per call

    def _single(self, op: ItemOp, stats: WriteCounts) -> None:
        table = op.key[0]
        request: dict[str, Any] = {
            "TableName": table,
            "ExpressionAttributeNames": _NAMES,
            "ExpressionAttributeValues": {":p": {"S": op.position}},
        }
        if op.kind == "put":
            assert op.item is not None
            request["Item"] = _with_position(op)
            request["ConditionExpression"] = _PUT_CONDITION
            method: Any = self.client.put_item
            operation = "put_item"
        else:
            request["Key"] = _key(op.key)
            request["ConditionExpression"] = _DELETE_CONDITION
            method = self.client.delete_item
            operation = "delete_item"
        delay = 0.05
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            self._check()
            stats.calls += 1
            try:
                method(**request)
            except ClientError as exc:
                code = error_code(exc)
                if code == "ConditionalCheckFailedException":
                    stats.skipped += 1
                    return
                if code not in _RETRYABLE or attempt == _MAX_ATTEMPTS:
                    raise _refused(operation, code or str(exc), table) from None
                stats.retries += 1
                self.abandon.wait(delay)
                delay = min(delay * 2, 2.0)
                continue
            _count(op, stats)
            return

    def _check(self) -> None:
        if self.abandon.is_set():
            raise Abandoned


_MIN_SPREAD = 10


def _count(op: ItemOp, stats: WriteCounts) -> None:
    if op.kind == "delete":
        stats.deletes += 1
        return
    stats.puts += 1
    if op.fanout:
        stats.fanout += 1


def _key(key: ItemKey) -> dict[str, Any]:
    return {name: {kind: str(payload) if kind == "N" else payload} for name, kind, payload in key[1]}


def _with_position(op: ItemOp) -> dict[str, Any]:
    assert op.item is not None
    body = dict(op.item)
    body[POSITION_ATTRIBUTE] = {"S": op.position}
    return body


def _action(op: ItemOp) -> dict[str, Any]:
    values = {":p": {"S": op.position}}
    if op.kind == "put":
        return {
            "Put": {
                "TableName": op.key[0],
                "Item": _with_position(op),
                "ConditionExpression": _PUT_CONDITION,
                "ExpressionAttributeNames": _NAMES,
                "ExpressionAttributeValues": values,
            }
        }
    return {
        "Delete": {
            "TableName": op.key[0],
            "Key": _key(op.key),
            "ConditionExpression": _DELETE_CONDITION,
            "ExpressionAttributeNames": _NAMES,
            "ExpressionAttributeValues": values,
        }
    }


def _refused(operation: str, code: str, table: str) -> TargetError:
    return TargetError(
        f"{operation} on {table} failed: {code}",
        hint="the batch was not acknowledged: sync resumes from its checkpoint",
        table=table,
    )
