"""Deploy's second phase and destroy's calls: the requests that change the target, and the waits for them.

Each function carries out what a :class:`~sql2dynamo.target.deploy.plan.TablePlan`
says (create the table, wait until it and its GSIs are ACTIVE, switch on TTL
and point-in-time recovery) and records on the plan what happened; the
deletes and the wait for them serve ``destroy``.  Deadlines are
``time.monotonic`` values set by the caller, so one deadline covers every table.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.common.errors import TargetError
from sql2dynamo.common.reporting import Progress
from sql2dynamo.target.client_errors import error_code
from sql2dynamo.target.deploy.calls import (
    MAX_POLL_S,
    UNSUPPORTED,
    TargetSupport,
    describe_table,
    failure,
    is_active,
    pause,
)
from sql2dynamo.target.deploy.plan import Setting, TablePlan
from sql2dynamo.target.endpoint import TargetSpec

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["apply_settings", "create_table", "delete_table", "wait_active", "wait_gone"]


def create_table(client: DynamoDBClient, spec: TargetSpec, plan: TablePlan, done: list[str]) -> None:
    """Send the plan's ``CreateTable`` request; ``done`` names the tables created before, for the error.

    Raises ``TargetError`` when someone else created the table since it was
    inspected, or the target's error when it refuses.
    """
    try:
        client.create_table(**plan.request)
    except ClientError as exc:
        if error_code(exc) == "ResourceInUseException":
            raise TargetError(
                f"table {plan.name} was created on {spec.display} by someone else while deploy ran",
                hint="run deploy again: it compares the table with the model",
                table=plan.name,
                created=done,
            ) from exc
        raise failure(exc, spec, plan.name, "creating", done) from exc
    except BotoCoreError as exc:
        raise failure(exc, spec, plan.name, "creating", done) from exc
    plan.created = True


def wait_active(
    client: DynamoDBClient, spec: TargetSpec, waiting: Sequence[TablePlan], deadline: float, progress: Progress
) -> None:
    """Poll until every table of ``waiting`` and its GSIs are ACTIVE, advancing ``progress`` for each.

    Raises ``TargetError`` naming the tables still pending at ``deadline``.
    """
    pending = list(waiting)
    delay = 0.1
    while pending:
        for plan in list(pending):
            try:
                described = client.describe_table(TableName=plan.name)["Table"]
            except ClientError as exc:
                # AWS may not know a table for a moment after CreateTable returned.
                if error_code(exc) == "ResourceNotFoundException" and plan.created:
                    continue
                raise failure(exc, spec, plan.name, "waiting for") from exc
            except BotoCoreError as exc:
                raise failure(exc, spec, plan.name, "waiting for") from exc
            if is_active(described):
                plan.active = True
                plan.seconds += time.monotonic() - plan.waiting_since
                pending.remove(plan)
                progress.advance()
        if not pending:
            return
        if time.monotonic() >= deadline:
            names = ", ".join(p.name for p in pending)
            raise TargetError(
                f"table(s) {names} on {spec.display} did not become ACTIVE in time",
                hint=(
                    "they are still being created; run deploy again later (with a larger --wait-timeout): "
                    "it waits for them and finishes TTL and point-in-time recovery"
                ),
                table=pending[0].name,
            )
        delay = pause(delay, deadline)


def apply_settings(
    client: DynamoDBClient, spec: TargetSpec, plan: TablePlan, support: TargetSupport, deadline: float
) -> None:
    """Switch on the TTL and point-in-time recovery the plan marks; an existing table switched becomes ``updated``."""
    if plan.enable_ttl:
        plan.ttl = _enable_ttl(client, spec, plan, support)
        if plan.ttl == "enabled":
            plan.switched.append(f"TTL on {plan.spec.ttl_attribute}")
    if plan.enable_pitr:
        plan.pitr = _enable_pitr(client, spec, plan, support, deadline)
        if plan.pitr == "enabled":
            plan.switched.append("point-in-time recovery")
    if plan.exists and plan.switched:
        plan.status = "updated"


def delete_table(client: DynamoDBClient, spec: TargetSpec, name: str) -> None:
    """Send ``DeleteTable``; a table already gone is not an error."""
    try:
        client.delete_table(TableName=name)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise failure(exc, spec, name, "deleting") from exc
        # Gone between the describe and the delete: what destroy wanted anyway.


def wait_gone(client: DynamoDBClient, spec: TargetSpec, names: list[str], deadline: float) -> Iterable[str]:
    """Yield each of ``names`` once DescribeTable no longer finds it.

    Raises ``TargetError`` naming the tables still there at ``deadline``.
    """
    pending = list(names)
    delay = 0.1
    while pending:
        for name in list(pending):
            if describe_table(client, spec, name) is None:
                pending.remove(name)
                yield name
        if not pending:
            return
        if time.monotonic() >= deadline:
            raise TargetError(
                f"table(s) {', '.join(pending)} on {spec.display} were not deleted in time",
                hint="they are still being deleted; check again later",
                table=pending[0],
            )
        delay = pause(delay, deadline)


def _enable_ttl(client: DynamoDBClient, spec: TargetSpec, plan: TablePlan, support: TargetSupport) -> Setting:
    if not support.has("TTL"):
        return "not supported by the target"
    attribute = plan.spec.ttl_attribute
    assert attribute is not None
    try:
        client.update_time_to_live(
            TableName=plan.name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )
    except ClientError as exc:
        if error_code(exc) != UNSUPPORTED:
            raise failure(exc, spec, plan.name, "enabling TTL on") from exc
        support.lacks("TTL", exc)
        return "not supported by the target"
    except BotoCoreError as exc:
        raise failure(exc, spec, plan.name, "enabling TTL on") from exc
    return "enabled"


def _enable_pitr(
    client: DynamoDBClient, spec: TargetSpec, plan: TablePlan, support: TargetSupport, deadline: float
) -> Setting:
    if not support.has("point-in-time recovery"):
        return "not supported by the target"
    delay = 1.0
    while True:
        try:
            client.update_continuous_backups(
                TableName=plan.name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
            return "enabled"
        except ClientError as exc:
            code = error_code(exc)
            if code == UNSUPPORTED:
                support.lacks("point-in-time recovery", exc)
                return "not supported by the target"
            # AWS turns continuous backups on by itself shortly after a table becomes ACTIVE and
            # refuses PITR until then.
            if code == "ContinuousBackupsUnavailableException" and time.monotonic() + delay < deadline:
                time.sleep(delay)
                delay = min(delay * 2, MAX_POLL_S)
                continue
            raise failure(exc, spec, plan.name, "enabling point-in-time recovery on") from exc
        except BotoCoreError as exc:
            raise failure(exc, spec, plan.name, "enabling point-in-time recovery on") from exc
