"""Create and delete the model's tables on a DynamoDB target: the executor side of ``deploy``.

Deploying runs in two phases so that a refusal never leaves half a model behind:

1. inspect (:mod:`~sql2dynamo.target.deploy.inspect`): every table is
   described; an existing table is compared with the model's request
   (:func:`~sql2dynamo.target.tablespec.compare_table`), its TTL and
   point-in-time recovery read.  Any difference stops the deploy here
   (:func:`~sql2dynamo.target.deploy.plan.refuse_differences`), before
   anything is created or changed: a table that differs is never dropped,
   altered or written to.
2. apply (:mod:`~sql2dynamo.target.deploy.apply`): missing tables are created,
   all are waited for until ACTIVE (with a deadline), then TTL
   (``UpdateTimeToLive``) and point-in-time recovery
   (``UpdateContinuousBackups``) are switched on where the model asks for them
   and the table does not have them yet.  Switching them on for an existing,
   matching table is what lets a deploy that was interrupted after
   ``CreateTable`` be finished by running it again.

Between the two, the plan is data (:mod:`~sql2dynamo.target.deploy.plan`): a
dry run reports it without applying it.  Targets that do not implement an
operation (DynamoDB Local 3.x answers ``UnknownOperationException`` to
``UpdateContinuousBackups`` and ``DescribeContinuousBackups``; it implements
TTL) get the setting reported as ``not supported by the target`` instead of a
failure.

This module keeps the public names of deploy (reading ``data_model.json`` is
in :mod:`~sql2dynamo.target.model_file`), re-exported from where they live.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sql2dynamo.common.errors import ConfirmationRequired
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.target.deploy.apply import apply_settings, create_table, delete_table, wait_active, wait_gone
from sql2dynamo.target.deploy.calls import TargetSupport, describe_table
from sql2dynamo.target.deploy.inspect import inspect_table
from sql2dynamo.target.deploy.plan import (
    Deployment,
    TablePlan,
    TableRemoval,
    refuse_differences,
)
from sql2dynamo.target.endpoint import TargetSpec

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["DEFAULT_WAIT_S", "Confirm", "deploy_tables", "destroy_tables", "is_local_target"]

DEFAULT_WAIT_S = 600.0
"""How long tables may take to become ACTIVE (AWS: seconds to minutes, more with many GSIs)."""

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

# gate name, question -> confirmed?  As in ``sql2dynamo.commands.design``.
Confirm = Callable[[str, str], bool]


def is_local_target(spec: TargetSpec) -> bool:
    """Whether ``spec`` is this machine: ``local``, ``local:PORT`` or an endpoint on localhost/127.0.0.1/::1."""
    if spec.kind == "local":
        return True
    if spec.kind != "endpoint" or spec.endpoint_url is None:
        return False
    host = (urlsplit(spec.endpoint_url).hostname or "").lower()
    return host in _LOCAL_HOSTS or host.startswith("127.")


def deploy_tables(
    client: DynamoDBClient,
    spec: TargetSpec,
    model: DataModel,
    requests: Sequence[dict[str, Any]],
    *,
    reporter: Reporter,
    confirm: Confirm | None = None,
    dry_run: bool = False,
    wait_timeout_s: float = DEFAULT_WAIT_S,
) -> Deployment:
    """Create the tables of ``model`` missing on the target (``requests`` from ``table_requests``).

    Raises ``TargetError`` listing every difference when an existing table
    does not match (nothing is then created or changed), when tables do not
    become ACTIVE within ``wait_timeout_s``, or when the target refuses a
    request; ``ConfirmationRequired`` when ``confirm`` declines creating
    tables on a non-local target.
    """
    support = TargetSupport(spec, reporter)
    plans = []
    for table, request in zip(model.tables, requests, strict=True):
        started = time.monotonic()
        plan = inspect_table(client, spec, table, request, support)
        plan.seconds += time.monotonic() - started
        plans.append(plan)
    refuse_differences(spec, plans)
    if dry_run:
        for p in plans:
            p.preview()
        return Deployment(tuple(p.outcome() for p in plans), support.reasons())

    creating = [p for p in plans if not p.exists]
    changing = [p for p in plans if p.exists and (p.enable_ttl or p.enable_pitr)]
    if confirm is not None and not is_local_target(spec) and (creating or changing):
        _ask(confirm, spec, creating, changing)

    deadline = time.monotonic() + wait_timeout_s
    waiting = [p for p in plans if not p.exists or not p.active]
    if waiting:
        title = f"Creating {len(creating)} table(s)" if creating else f"Waiting for {len(waiting)} table(s)"
        with reporter.task(f"{title} on {spec.display}", total=len(waiting)) as progress:
            for p in waiting:
                p.waiting_since = time.monotonic()
                if not p.exists:
                    create_table(client, spec, p, [c.name for c in creating if c.created])
            wait_active(client, spec, waiting, deadline, progress)
    for p in plans:
        started = time.monotonic()
        apply_settings(client, spec, p, support, deadline)
        p.seconds += time.monotonic() - started
        if p.created:
            reporter.info(f"created table {p.name}{_index_text(p)} in {p.seconds:.1f} s")
        elif p.status == "updated":
            reporter.info(f"table {p.name} already matched the model; switched on {', '.join(p.switched)}")
    return Deployment(tuple(p.outcome() for p in plans), support.reasons())


def destroy_tables(
    client: DynamoDBClient,
    spec: TargetSpec,
    names: Sequence[str],
    *,
    reporter: Reporter,
    confirm: Confirm,
    wait_timeout_s: float = DEFAULT_WAIT_S,
) -> tuple[TableRemoval, ...]:
    """Delete the tables ``names`` that exist on ``spec`` after ``confirm("destroy", question)`` agrees.

    Missing tables are skipped (status ``missing``).  The caller checks the
    target is local.  Raises ``ConfirmationRequired`` (nothing deleted) when
    ``confirm`` declines, ``TargetError`` when the target refuses.
    """
    found: dict[str, dict[str, Any]] = {}
    for name in names:
        described = describe_table(client, spec, name)
        if described is not None:
            found[name] = described
    removals: dict[str, TableRemoval] = {n: TableRemoval(n, "missing", 0.0) for n in names if n not in found}
    if found:
        question = f"Delete {len(found)} table(s) on {spec.display} with every item in them: {', '.join(found)}?"
        if not confirm("destroy", question):
            raise ConfirmationRequired(
                "the destroy gate was not confirmed: nothing was deleted",
                hint="run destroy again and confirm (add --yes to confirm without asking)",
            )
        deadline = time.monotonic() + wait_timeout_s
        with reporter.task(f"Deleting {len(found)} tables on {spec.display}", total=len(found)) as progress:
            started: dict[str, float] = {}
            for name in found:
                started[name] = time.monotonic()
                delete_table(client, spec, name)
            for name in wait_gone(client, spec, list(found), deadline):
                count = found[name].get("ItemCount")
                removals[name] = TableRemoval(
                    name, "deleted", time.monotonic() - started[name], count if isinstance(count, int) else None
                )
                progress.advance()
                reporter.info(f"deleted table {name}")
    return tuple(removals[n] for n in names)


def _ask(confirm: Confirm, spec: TargetSpec, creating: Sequence[TablePlan], changing: Sequence[TablePlan]) -> None:
    parts = []
    if creating:
        parts.append(f"create {len(creating)} table(s) ({', '.join(p.name for p in creating)})")
    if changing:
        parts.append(f"switch on TTL/point-in-time recovery of {', '.join(p.name for p in changing)}")
    billed = " New tables are billed from now on." if creating and spec.kind == "aws" else ""
    question = f"On {spec.display}: {' and '.join(parts)}?{billed}"
    if not confirm("deploy", question):
        raise ConfirmationRequired(
            "the deploy gate was not confirmed: nothing was created or changed",
            hint="review with --dry-run, then deploy again and confirm (add --yes to confirm without asking)",
        )


def _index_text(plan: TablePlan) -> str:
    indexes = plan.indexes
    return f" ({len(indexes)} GSI: {', '.join(indexes)})" if indexes else ""
