"""Least-privilege IAM policies for a model: one per role, scoped to the model's tables and indexes.

``deploy --emit iam-policy FILE`` writes them as one JSON object, role name ->
IAM policy document:

``writer``   what ``migrate`` (and ``sync``, dual-write's drain) does: write
             items (``BatchWriteItem``, conditional ``PutItem``/``DeleteItem``/
             ``UpdateItem``, which ``TransactWriteItems`` is authorized as),
             read them back (``GetItem``) and ``DescribeTable``; on the control
             table (``sql2dynamo_control``) also ``CreateTable``, as ``sync``
             creates it on first use.
``runtime``  what the application's ``Repository`` needs, from the model's
             plans only: each plan step's action on the table or the index it
             reads (a Query on an index needs the index's ARN), nothing else.
``reader``   ``verify`` and the read side of ``validate``: ``Scan``, ``Query``,
             ``GetItem``, ``BatchGetItem``, ``DescribeTable`` on every table
             and index, and the control table's item where verify records its
             verdict for ``cutover``.  ``validate`` of write patterns also
             needs ``writer``.

ARNs name the tables exactly; the region and the account are ``*`` unless
given (``arn:aws:dynamodb:eu-west-1:123456789012:table/orders``).  Every
action is an operation of DynamoDB's API (``dynamodb:<Operation>``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sql2dynamo.design.model import DataModel, PlanStep, flat_steps

__all__ = ["ROLES", "iam_policies", "iam_policy_json", "index_arn", "table_arn"]

ROLES = ("writer", "runtime", "reader")
CONTROL_TABLE = "sql2dynamo_control"  # sync.control.DEFAULT_CONTROL_TABLE: the stream's and cut-over's state

_WRITER_ACTIONS = ("BatchWriteItem", "DeleteItem", "DescribeTable", "GetItem", "PutItem", "UpdateItem")
_READER_ACTIONS = ("BatchGetItem", "DescribeTable", "GetItem", "Query", "Scan")
# TransactWriteItems is authorized per action inside it, as the action itself (IAM has no action of its own)
_TRANSACT = "TransactWriteItems"


def table_arn(name: str, *, region: str = "*", account: str = "*", partition: str = "aws") -> str:
    """The ARN of DynamoDB table ``name``."""
    return f"arn:{partition}:dynamodb:{region}:{account}:table/{name}"


def index_arn(table: str, index: str, *, region: str = "*", account: str = "*", partition: str = "aws") -> str:
    """The ARN of index ``index`` of table ``table``."""
    return table_arn(table, region=region, account=account, partition=partition) + f"/index/{index}"


def iam_policies(
    model: DataModel,
    *,
    region: str = "*",
    account: str = "*",
    partition: str = "aws",
    control_table: str = CONTROL_TABLE,
) -> dict[str, dict[str, Any]]:
    """Role -> IAM policy document (see the module docstring)."""

    def arn(table: str, index: str | None = None) -> str:
        if index is None:
            return table_arn(table, region=region, account=account, partition=partition)
        return index_arn(table, index, region=region, account=account, partition=partition)

    tables = [t.name for t in model.tables]
    indexes = [arn(t.name, i.name) for t in model.tables for i in t.indexes]
    control = arn(control_table)
    writer = _document(
        [
            _statement("WriteModelTables", _WRITER_ACTIONS, [arn(t) for t in tables]),
            _statement("SyncAndCutoverState", ("CreateTable", *_WRITER_ACTIONS), [control]),
        ]
    )
    reader = _document(
        [
            _statement("ReadModelTables", _READER_ACTIONS, [arn(t) for t in tables]),
            _statement("QueryModelIndexes", ("Query", "Scan"), indexes),
            _statement("RecordVerifyForCutover", ("DescribeTable", "GetItem", "PutItem", "UpdateItem"), [control]),
        ]
    )
    needs: dict[str, set[str]] = {}
    for plan in model.plans:
        if not plan.supported:
            continue
        for step in flat_steps(plan.steps):
            for action, resource in _step_needs(step, arn):
                needs.setdefault(action, set()).add(resource)
    runtime = _document(
        [_statement(f"Runtime{action}", (action,), sorted(resources)) for action, resources in sorted(needs.items())]
    )
    return {"writer": writer, "runtime": runtime, "reader": reader}


def _step_needs(step: PlanStep, arn: Any) -> Iterable[tuple[str, str]]:
    if step.operation == _TRANSACT:
        return []  # its nested steps (flat_steps) say what it does
    return [(step.operation, arn(step.table, step.index))]


def _statement(sid: str, actions: Iterable[str], resources: list[str]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": [f"dynamodb:{a}" for a in sorted(set(actions))],
        "Resource": resources,
    }


def _document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    # A statement with no resource (no index in the model) grants nothing: left out, IAM refuses it anyway.
    return {"Version": "2012-10-17", "Statement": [s for s in statements if s["Resource"]]}


def iam_policy_json(model: DataModel, **arn_parts: str) -> str:
    """:func:`iam_policies` as strict, indented JSON (the file ``deploy --emit iam-policy`` writes)."""
    return json.dumps(iam_policies(model, **arn_parts), indent=2, allow_nan=False) + "\n"
