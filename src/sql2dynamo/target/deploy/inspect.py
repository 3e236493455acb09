"""Deploy's first phase: read what the target has and plan each table, changing nothing.

:func:`inspect_table` describes one table and returns its
:class:`~sql2dynamo.target.deploy.plan.TablePlan`: missing (to be created),
or existing and compared with the model's request
(:func:`~sql2dynamo.target.tablespec.compare_table`), its TTL and
point-in-time recovery read and marked for switching on where the model asks
for them.  Only ``Describe*`` calls are made here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.design.model import TableSpec
from sql2dynamo.target.client_errors import error_code
from sql2dynamo.target.deploy.calls import UNSUPPORTED, TargetSupport, describe_table, failure, is_active
from sql2dynamo.target.deploy.plan import TablePlan
from sql2dynamo.target.endpoint import TargetSpec
from sql2dynamo.target.tablespec import compare_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["inspect_table"]


def inspect_table(
    client: DynamoDBClient, spec: TargetSpec, table: TableSpec, request: dict[str, Any], support: TargetSupport
) -> TablePlan:
    """The plan of ``table`` (``request`` is its ``CreateTable`` request) from what the target has.

    A table that exists in another state than ACTIVE, CREATING or UPDATING
    gets that as its only difference.  Raises the target's error (see
    :func:`~sql2dynamo.target.deploy.calls.failure`) when a read is refused.
    """
    described = describe_table(client, spec, table.name)
    if described is None:
        plan = TablePlan(table, request, exists=False, status="created")
        plan.enable_ttl = table.ttl_attribute is not None
        plan.enable_pitr = table.point_in_time_recovery
        return plan
    plan = TablePlan(table, request, exists=True)
    status = described.get("TableStatus", "ACTIVE")
    if status not in ("ACTIVE", "CREATING", "UPDATING"):
        plan.differences.append(f"the table is {status}; wait until that ends, then deploy again")
        return plan
    plan.active = is_active(described)
    comparison = compare_table(request, described)
    plan.differences += comparison.differences
    plan.notes += comparison.notes
    _inspect_ttl(client, spec, plan, support)
    if table.point_in_time_recovery:
        _inspect_pitr(client, spec, plan, support)
    return plan


def _inspect_ttl(client: DynamoDBClient, spec: TargetSpec, plan: TablePlan, support: TargetSupport) -> None:
    want = plan.spec.ttl_attribute
    if not support.has("TTL"):
        plan.ttl = "not supported by the target" if want else "not in the model"
        return
    try:
        description = client.describe_time_to_live(TableName=plan.name)["TimeToLiveDescription"]
    except ClientError as exc:
        if error_code(exc) != UNSUPPORTED:
            raise failure(exc, spec, plan.name, "reading the TTL of") from exc
        support.lacks("TTL", exc)
        plan.ttl = "not supported by the target" if want else "not in the model"
        return
    except BotoCoreError as exc:
        raise failure(exc, spec, plan.name, "reading the TTL of") from exc
    have = description.get("AttributeName")
    on = description.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
    if on and have != want:
        # Items would expire by another attribute than the model's (or expire at all).
        plan.differences.append(f"TTL {want or 'none'} != {have}")
    elif want is None:
        plan.ttl = "not in the model"
    elif on:
        plan.ttl = "already enabled"
    else:
        plan.enable_ttl = True


def _inspect_pitr(client: DynamoDBClient, spec: TargetSpec, plan: TablePlan, support: TargetSupport) -> None:
    if not support.has("point-in-time recovery"):
        plan.pitr = "not supported by the target"
        return
    try:
        answer = client.describe_continuous_backups(TableName=plan.name)["ContinuousBackupsDescription"]
    except ClientError as exc:
        if error_code(exc) != UNSUPPORTED:
            raise failure(exc, spec, plan.name, "reading the point-in-time recovery of") from exc
        support.lacks("point-in-time recovery", exc)
        plan.pitr = "not supported by the target"
        return
    except BotoCoreError as exc:
        raise failure(exc, spec, plan.name, "reading the point-in-time recovery of") from exc
    status = answer.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
    if status == "ENABLED":
        plan.pitr = "already enabled"
    else:
        plan.enable_pitr = True
