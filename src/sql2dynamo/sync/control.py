"""A small control table in the target: where sync stands, what the backfill started from, cut-over phases.

One item per name (partition key ``name``, a string).  Its value is a JSON
document in the attribute ``value`` (so any JSON-ready dict round-trips
exactly, whatever DynamoDB would make of nested numbers), with a ``version``
number for optimistic concurrency: :meth:`ControlTable.put` with
``expected_version`` only succeeds if nobody wrote in between.  The table
lives in the target account because the state it keeps (the stream's
checkpoint) must be as durable as the items it describes.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sql2dynamo.common.errors import ConfirmationRequired, TargetError
from sql2dynamo.target.client_errors import error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["DEFAULT_CONTROL_TABLE", "ControlTable", "VersionConflict"]

DEFAULT_CONTROL_TABLE = "sql2dynamo_control"


class VersionConflict(ConfirmationRequired):
    """Someone else wrote the control item since it was read (``expected_version`` did not match)."""


class ControlTable:
    """Read and write named JSON documents in the target's control table."""

    def __init__(self, client: DynamoDBClient, table_name: str = DEFAULT_CONTROL_TABLE) -> None:
        self.client = client
        self.table_name = table_name

    def ensure(self) -> None:
        """Create the table (on-demand, key ``name``) when it is missing and wait until it is ACTIVE."""
        try:
            status = self.client.describe_table(TableName=self.table_name)["Table"]["TableStatus"]
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise _target_error(exc, self.table_name) from None
            try:
                self.client.create_table(
                    TableName=self.table_name,
                    AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
                    KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
                    BillingMode="PAY_PER_REQUEST",
                )
            except ClientError as again:
                if error_code(again) != "ResourceInUseException":  # created meanwhile by another process
                    raise _target_error(again, self.table_name) from None
            status = "CREATING"
        deadline = time.monotonic() + 120
        while status != "ACTIVE":
            if time.monotonic() > deadline:
                raise TargetError(f"control table {self.table_name} did not become ACTIVE in 120 s")
            time.sleep(0.2)
            status = self.client.describe_table(TableName=self.table_name)["Table"]["TableStatus"]

    def get(self, name: str) -> dict[str, Any] | None:
        """The document stored under ``name`` (strongly consistent), with its ``_version``; None when absent."""
        try:
            item = self.client.get_item(TableName=self.table_name, Key={"name": {"S": name}}, ConsistentRead=True).get(
                "Item"
            )
        except ClientError as exc:
            raise _target_error(exc, self.table_name) from None
        if item is None:
            return None
        value = json.loads(item["value"]["S"])
        if not isinstance(value, dict):
            raise TargetError(f"control item {name!r} in {self.table_name} is not a JSON object")
        value["_version"] = int(item["version"]["N"])
        return value

    def put(self, name: str, value: dict[str, Any], *, expected_version: int | None = None) -> int:
        """Store ``value`` under ``name``; returns the new version.

        With ``expected_version`` the write succeeds only if the stored
        version is that one (0: the item must not exist yet), else
        :class:`VersionConflict`.  Without it the write is unconditional.
        A ``_version`` key in ``value`` is ignored.
        """
        body = {k: v for k, v in value.items() if k != "_version"}
        if expected_version is None:
            current = self.get(name)
            new_version = (current["_version"] if current else 0) + 1
        else:
            new_version = expected_version + 1
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": {
                "name": {"S": name},
                "value": {"S": json.dumps(body, sort_keys=True, default=str)},
                "version": {"N": str(new_version)},
                "updated": {"N": f"{time.time():.3f}"},
            },
        }
        if expected_version is not None:
            if expected_version == 0:
                request["ConditionExpression"] = "attribute_not_exists(#n)"
                request["ExpressionAttributeNames"] = {"#n": "name"}
            else:
                request["ConditionExpression"] = "version = :v"
                request["ExpressionAttributeValues"] = {":v": {"N": str(expected_version)}}
        try:
            self.client.put_item(**request)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise VersionConflict(
                    f"control item {name!r} changed since version {expected_version} was read",
                    hint="another sql2dynamo process is working on the same target; read it again and retry",
                ) from None
            raise _target_error(exc, self.table_name) from None
        return new_version

    def delete(self, name: str) -> None:
        """Remove the document stored under ``name`` (nothing happens when there is none)."""
        try:
            self.client.delete_item(TableName=self.table_name, Key={"name": {"S": name}})
        except ClientError as exc:
            raise _target_error(exc, self.table_name) from None


def _target_error(exc: ClientError, table: str) -> TargetError:
    return TargetError(f"control table {table}: {error_code(exc) or 'error'}: {exc}", table=table)
