"""Create and delete the model's tables on a DynamoDB target: the executor side of ``deploy``.

Deploying runs in two phases so that a refusal never leaves half a model behind:

1. inspect: every table is described; an existing table is compared with the
   model's request (:func:`~sql2dynamo.target.tablespec.compare_table`), its
   TTL and point-in-time recovery read.  Any difference stops the deploy here,
   before anything is created or changed: a table that differs is never
   dropped, altered or written to.
2. apply: missing tables are created, all are waited for until ACTIVE (with a
   deadline), then TTL (``UpdateTimeToLive``) and point-in-time recovery
   (``UpdateContinuousBackups``) are switched on where the model asks for them
   and the table does not have them yet.  Switching them on for an existing,
   matching table is what lets a deploy that was interrupted after
   ``CreateTable`` be finished by running it again.

Targets that do not implement an operation (DynamoDB Local 3.x answers
``UnknownOperationException`` to ``UpdateContinuousBackups`` and
``DescribeContinuousBackups``; it implements TTL) get the setting reported as
``not supported by the target`` instead of a failure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.design.model import DATA_MODEL_FORMAT_VERSION, DataModel, KeyPart, TableSpec, model_from_dict
from sql2dynamo.errors import ConfirmationRequired, InputError, Sql2DynamoError, TargetError
from sql2dynamo.reporting import Progress, Reporter
from sql2dynamo.target.endpoint import TargetSpec, explain_error
from sql2dynamo.target.tablespec import compare_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DATA_MODEL_FILE = "data_model.json"
"""The file ``design`` writes into its output directory (``commands.design.DATA_MODEL_FILE``)."""

DEFAULT_WAIT_S = 600.0
"""How long tables may take to become ACTIVE (AWS: seconds to minutes, more with many GSIs)."""

_DESIGN_FIRST = "run sql2dynamo design first (it writes data_model.json into its -o directory) and pass that directory"
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_MAX_POLL_S = 5.0
_UNSUPPORTED = "UnknownOperationException"

# gate name, question -> confirmed?  As in ``sql2dynamo.commands.design``.
Confirm = Callable[[str, str], bool]
Setting = Literal["not in the model", "enabled", "already enabled", "would enable", "not supported by the target"]
DeployStatus = Literal["created", "unchanged", "updated", "would create", "would update"]
RemovalStatus = Literal["deleted", "missing"]


@dataclass(frozen=True)
class TableDeployment:
    """What deploy did (or, in a dry run, would do) to one table.

    ``updated`` means the table existed and matched, and TTL or point-in-time
    recovery were switched on to match the model.
    """

    table: str
    status: DeployStatus
    seconds: float
    indexes: tuple[str, ...]
    billing: str
    capacity: dict[str, dict[str, int]] | None
    """Provisioned units: ``{"table": {"read": R, "write": W}, "<index>": {...}}``; None when on-demand."""
    ttl_attribute: str | None
    ttl: Setting
    point_in_time_recovery: Setting
    stream: bool
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "table": self.table,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "indexes": list(self.indexes),
            "billing": self.billing,
            "capacity": self.capacity,
            "ttl_attribute": self.ttl_attribute,
            "ttl": self.ttl,
            "point_in_time_recovery": self.point_in_time_recovery,
            "stream": self.stream,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Deployment:
    """Every table's outcome, and what the target said it does not support."""

    tables: tuple[TableDeployment, ...]
    unsupported: tuple[str, ...]


@dataclass(frozen=True)
class TableRemoval:
    """What destroy did to one table; ``item_count`` is DescribeTable's (approximate on AWS)."""

    table: str
    status: RemovalStatus
    seconds: float
    item_count: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "table": self.table,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "item_count": self.item_count,
        }


def model_file(model_dir: Path) -> Path:
    """``model_dir/data_model.json``, or ``model_dir`` itself when it is a file."""
    return model_dir if model_dir.is_file() else model_dir / DATA_MODEL_FILE


def load_model(model_dir: Path) -> tuple[Path, DataModel]:
    """Read ``data_model.json`` from ``model_dir`` (or the file ``model_dir``); return its path and the model.

    Raises ``InputError`` naming the file when it is missing, unreadable, not
    JSON, not a data model, of another format version, or has no tables.
    """
    path = model_file(model_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint=_DESIGN_FIRST) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} ({exc})", hint=_DESIGN_FIRST) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})", hint=_DESIGN_FIRST) from exc
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a data model (its JSON is not an object)", hint=_DESIGN_FIRST)
    version = data.get("format_version", DATA_MODEL_FORMAT_VERSION)
    if version != DATA_MODEL_FORMAT_VERSION:
        raise InputError(
            f"{path} has format version {version!r}; this sql2dynamo reads version {DATA_MODEL_FORMAT_VERSION}",
            hint="run sql2dynamo design again with this version of sql2dynamo",
        )
    try:
        model = model_from_dict(data)
        _check_keys(model)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise InputError(
            f"{path} is not a data model written by sql2dynamo design ({exc})", hint=_DESIGN_FIRST
        ) from exc
    if not model.tables:
        raise InputError(f"{path} has no tables", hint=_DESIGN_FIRST)
    return path, model


def _check_keys(model: DataModel) -> None:
    # from_dict rebuilds what is there without checking it: a null or missing key
    # would otherwise surface as an internal error halfway through a deploy.
    for table in model.tables:
        keys: list[tuple[str, object, bool]] = [("partition key", table.pk, True), ("sort key", table.sk, False)]
        for index in table.indexes:
            keys += [
                (f"GSI {index.name} partition key", index.pk, True),
                (f"GSI {index.name} sort key", index.sk, False),
            ]
        for role, key, required in keys:
            if (key is None and required) or (key is not None and not isinstance(key, KeyPart)):
                raise ValueError(f"table {table.name}: the {role} is missing or malformed")


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
    support = _Support(spec, reporter)
    plans = []
    for table, request in zip(model.tables, requests, strict=True):
        started = time.monotonic()
        plan = _inspect(client, spec, table, request, support)
        plan.seconds += time.monotonic() - started
        plans.append(plan)
    _refuse_differences(spec, plans)
    if dry_run:
        for p in plans:
            p.status = (
                "would create" if not p.exists else ("would update" if p.enable_ttl or p.enable_pitr else p.status)
            )
            p.ttl = "would enable" if p.enable_ttl else p.ttl
            p.pitr = "would enable" if p.enable_pitr else p.pitr
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
                    _create(client, spec, p, [c.name for c in creating if c.created])
            _wait_active(client, spec, waiting, deadline, progress)
    for p in plans:
        started = time.monotonic()
        _apply_settings(client, spec, p, support, deadline)
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
        described = _describe(client, spec, name)
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
                try:
                    client.delete_table(TableName=name)
                except ClientError as exc:
                    if _code(exc) != "ResourceNotFoundException":
                        raise _failure(exc, spec, name, "deleting") from exc
                    # Gone between the describe and the delete: what destroy wanted anyway.
            for name in _wait_gone(client, spec, list(found), deadline):
                count = found[name].get("ItemCount")
                removals[name] = TableRemoval(
                    name, "deleted", time.monotonic() - started[name], count if isinstance(count, int) else None
                )
                progress.advance()
                reporter.info(f"deleted table {name}")
    return tuple(removals[n] for n in names)


# ------------------------------------------------------------------ inspecting


@dataclass
class _Plan:
    """One table through both phases (mutable: the phases fill it in)."""

    spec: TableSpec
    request: dict[str, Any]
    exists: bool
    active: bool = True
    status: DeployStatus = "unchanged"
    ttl: Setting = "not in the model"
    pitr: Setting = "not in the model"
    enable_ttl: bool = False
    enable_pitr: bool = False
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    switched: list[str] = field(default_factory=list)
    created: bool = False
    seconds: float = 0.0
    """Time spent on this table alone: inspecting, creating until ACTIVE, settings."""
    waiting_since: float = 0.0

    @property
    def name(self) -> str:
        return self.spec.name

    def outcome(self) -> TableDeployment:
        capacity = None
        if self.request.get("BillingMode") == "PROVISIONED":
            capacity = {"table": _units(self.request["ProvisionedThroughput"])}
            for gsi in self.request.get("GlobalSecondaryIndexes", []):
                capacity[gsi["IndexName"]] = _units(gsi["ProvisionedThroughput"])
        return TableDeployment(
            table=self.name,
            status=self.status,
            seconds=self.seconds,
            indexes=tuple(g["IndexName"] for g in self.request.get("GlobalSecondaryIndexes", [])),
            billing=str(self.request.get("BillingMode")),
            capacity=capacity,
            ttl_attribute=self.spec.ttl_attribute,
            ttl=self.ttl,
            point_in_time_recovery=self.pitr,
            stream=self.spec.stream,
            notes=tuple(self.notes),
        )


class _Support:
    """Operations the target answered ``UnknownOperationException`` to: asked once, reported once."""

    def __init__(self, spec: TargetSpec, reporter: Reporter) -> None:
        self._spec = spec
        self._reporter = reporter
        self._missing: dict[str, str] = {}

    def has(self, feature: str) -> bool:
        return feature not in self._missing

    def lacks(self, feature: str, exc: ClientError) -> None:
        if feature in self._missing:
            return
        message = exc.response.get("Error", {}).get("Message", "")
        reason = f"{feature}: {self._spec.display} answered {_code(exc)} ({message})"
        self._missing[feature] = reason
        self._reporter.warning(
            f"{self._spec.display} does not support {feature} (it answered {_code(exc)}): deploy goes on without it; "
            "Amazon DynamoDB supports it"
        )

    def reasons(self) -> tuple[str, ...]:
        return tuple(self._missing.values())


def _inspect(
    client: DynamoDBClient, spec: TargetSpec, table: TableSpec, request: dict[str, Any], support: _Support
) -> _Plan:
    described = _describe(client, spec, table.name)
    if described is None:
        plan = _Plan(table, request, exists=False, status="created")
        plan.enable_ttl = table.ttl_attribute is not None
        plan.enable_pitr = table.point_in_time_recovery
        return plan
    plan = _Plan(table, request, exists=True)
    status = described.get("TableStatus", "ACTIVE")
    if status not in ("ACTIVE", "CREATING", "UPDATING"):
        plan.differences.append(f"the table is {status}; wait until that ends, then deploy again")
        return plan
    plan.active = _is_active(described)
    comparison = compare_table(request, described)
    plan.differences += comparison.differences
    plan.notes += comparison.notes
    _inspect_ttl(client, spec, plan, support)
    if table.point_in_time_recovery:
        _inspect_pitr(client, spec, plan, support)
    return plan


def _inspect_ttl(client: DynamoDBClient, spec: TargetSpec, plan: _Plan, support: _Support) -> None:
    want = plan.spec.ttl_attribute
    if not support.has("TTL"):
        plan.ttl = "not supported by the target" if want else "not in the model"
        return
    try:
        description = client.describe_time_to_live(TableName=plan.name)["TimeToLiveDescription"]
    except ClientError as exc:
        if _code(exc) != _UNSUPPORTED:
            raise _failure(exc, spec, plan.name, "reading the TTL of") from exc
        support.lacks("TTL", exc)
        plan.ttl = "not supported by the target" if want else "not in the model"
        return
    except BotoCoreError as exc:
        raise _failure(exc, spec, plan.name, "reading the TTL of") from exc
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


def _inspect_pitr(client: DynamoDBClient, spec: TargetSpec, plan: _Plan, support: _Support) -> None:
    if not support.has("point-in-time recovery"):
        plan.pitr = "not supported by the target"
        return
    try:
        answer = client.describe_continuous_backups(TableName=plan.name)["ContinuousBackupsDescription"]
    except ClientError as exc:
        if _code(exc) != _UNSUPPORTED:
            raise _failure(exc, spec, plan.name, "reading the point-in-time recovery of") from exc
        support.lacks("point-in-time recovery", exc)
        plan.pitr = "not supported by the target"
        return
    except BotoCoreError as exc:
        raise _failure(exc, spec, plan.name, "reading the point-in-time recovery of") from exc
    status = answer.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
    if status == "ENABLED":
        plan.pitr = "already enabled"
    else:
        plan.enable_pitr = True


def _refuse_differences(spec: TargetSpec, plans: Iterable[_Plan]) -> None:
    differing = {p.name: p.differences for p in plans if p.differences}
    if not differing:
        return
    lines = [f"table {name}: {d}" for name, diffs in differing.items() for d in diffs]
    shown = "; ".join(lines[:10]) + (f"; (and {len(lines) - 10} more)" if len(lines) > 10 else "")
    tables = ", ".join(differing)
    raise TargetError(
        f"{len(differing)} table(s) on {spec.display} already exist and differ from the model "
        f"(model != target), so nothing was created or changed: {shown}",
        hint=(
            f"deploy never alters or drops an existing table: delete or rename {tables} "
            "(`sql2dynamo destroy` does it on a local target), or deploy to another target"
        ),
        table=next(iter(differing)),
        differences=differing,
    )


def _ask(confirm: Confirm, spec: TargetSpec, creating: Sequence[_Plan], changing: Sequence[_Plan]) -> None:
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


# ------------------------------------------------------------------ applying


def _wait_active(
    client: DynamoDBClient, spec: TargetSpec, waiting: Sequence[_Plan], deadline: float, progress: Progress
) -> None:
    pending = list(waiting)
    delay = 0.1
    while pending:
        for plan in list(pending):
            try:
                described = client.describe_table(TableName=plan.name)["Table"]
            except ClientError as exc:
                # AWS may not know a table for a moment after CreateTable returned.
                if _code(exc) == "ResourceNotFoundException" and plan.created:
                    continue
                raise _failure(exc, spec, plan.name, "waiting for") from exc
            except BotoCoreError as exc:
                raise _failure(exc, spec, plan.name, "waiting for") from exc
            if _is_active(described):
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
        time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        delay = min(delay * 2, _MAX_POLL_S)


def _apply_settings(client: DynamoDBClient, spec: TargetSpec, plan: _Plan, support: _Support, deadline: float) -> None:
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


def _enable_ttl(client: DynamoDBClient, spec: TargetSpec, plan: _Plan, support: _Support) -> Setting:
    if not support.has("TTL"):
        return "not supported by the target"
    attribute = plan.spec.ttl_attribute
    assert attribute is not None
    try:
        client.update_time_to_live(
            TableName=plan.name, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )
    except ClientError as exc:
        if _code(exc) != _UNSUPPORTED:
            raise _failure(exc, spec, plan.name, "enabling TTL on") from exc
        support.lacks("TTL", exc)
        return "not supported by the target"
    except BotoCoreError as exc:
        raise _failure(exc, spec, plan.name, "enabling TTL on") from exc
    return "enabled"


def _enable_pitr(client: DynamoDBClient, spec: TargetSpec, plan: _Plan, support: _Support, deadline: float) -> Setting:
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
            code = _code(exc)
            if code == _UNSUPPORTED:
                support.lacks("point-in-time recovery", exc)
                return "not supported by the target"
            # AWS turns continuous backups on by itself shortly after a table becomes ACTIVE and
            # refuses PITR until then.
            if code == "ContinuousBackupsUnavailableException" and time.monotonic() + delay < deadline:
                time.sleep(delay)
                delay = min(delay * 2, _MAX_POLL_S)
                continue
            raise _failure(exc, spec, plan.name, "enabling point-in-time recovery on") from exc
        except BotoCoreError as exc:
            raise _failure(exc, spec, plan.name, "enabling point-in-time recovery on") from exc


def _wait_gone(client: DynamoDBClient, spec: TargetSpec, names: list[str], deadline: float) -> Iterable[str]:
    """Yield each of ``names`` once DescribeTable no longer finds it."""
    pending = list(names)
    delay = 0.1
    while pending:
        for name in list(pending):
            if _describe(client, spec, name) is None:
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
        time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        delay = min(delay * 2, _MAX_POLL_S)


# ------------------------------------------------------------------ helpers


def _describe(client: DynamoDBClient, spec: TargetSpec, name: str) -> dict[str, Any] | None:
    """DescribeTable's ``Table``, or None when the table does not exist."""
    try:
        return dict(client.describe_table(TableName=name)["Table"])
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            return None
        raise _failure(exc, spec, name, "describing") from exc
    except BotoCoreError as exc:
        raise _failure(exc, spec, name, "describing") from exc


def _create(client: DynamoDBClient, spec: TargetSpec, plan: _Plan, done: list[str]) -> None:
    try:
        client.create_table(**plan.request)
    except ClientError as exc:
        if _code(exc) == "ResourceInUseException":
            raise TargetError(
                f"table {plan.name} was created on {spec.display} by someone else while deploy ran",
                hint="run deploy again: it compares the table with the model",
                table=plan.name,
                created=done,
            ) from exc
        raise _failure(exc, spec, plan.name, "creating", done) from exc
    except BotoCoreError as exc:
        raise _failure(exc, spec, plan.name, "creating", done) from exc
    plan.created = True


def _failure(
    exc: BotoCoreError | ClientError, spec: TargetSpec, table: str, doing: str, done: Sequence[str] = ()
) -> Sql2DynamoError:
    """``explain_error``'s error, its message saying which table and step failed and what was already done."""
    base = explain_error(exc, spec)
    message = f"{doing} table {table}: {base.message}"
    if done:
        message += f" (tables created before: {', '.join(done)}; run deploy again to finish)"
    return type(base)(message, hint=base.hint, table=table, **base.context.extra)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_active(table: Mapping[str, Any]) -> bool:
    if table.get("TableStatus") != "ACTIVE":
        return False
    return all(g.get("IndexStatus", "ACTIVE") == "ACTIVE" for g in table.get("GlobalSecondaryIndexes", []))


def _units(throughput: dict[str, int]) -> dict[str, int]:
    return {"read": int(throughput["ReadCapacityUnits"]), "write": int(throughput["WriteCapacityUnits"])}


def _index_text(plan: _Plan) -> str:
    indexes = [g["IndexName"] for g in plan.request.get("GlobalSecondaryIndexes", [])]
    return f" ({len(indexes)} GSI: {', '.join(indexes)})" if indexes else ""
