"""The deploy plan as data: what inspecting found for each table, and the outcomes reported.

A :class:`TablePlan` carries one table from the inspect phase
(:mod:`~sql2dynamo.target.deploy.inspect`) through the apply phase
(:mod:`~sql2dynamo.target.deploy.apply`); :meth:`TablePlan.outcome` turns it
into the frozen :class:`TableDeployment` that ``deploy`` reports.  Nothing
here calls DynamoDB: :func:`refuse_differences` is the difference report that
stops a deploy before anything is created or changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from sql2dynamo.common.errors import TargetError
from sql2dynamo.design.model import TableSpec
from sql2dynamo.target.endpoint import TargetSpec

__all__ = [
    "DeployStatus",
    "Deployment",
    "RemovalStatus",
    "Setting",
    "TableDeployment",
    "TablePlan",
    "TableRemoval",
    "refuse_differences",
]

Setting = Literal["not in the model", "enabled", "already enabled", "would enable", "not supported by the target"]
DeployStatus = Literal["created", "unchanged", "updated", "would create", "would update"]
RemovalStatus = Literal["deleted", "missing"]

_MAX_SHOWN = 10


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


@dataclass
class TablePlan:
    """One table through both phases (mutable: the phases fill it in).

    ``request`` is the table's ``CreateTable`` request
    (:func:`~sql2dynamo.target.tablespec.table_requests`); ``differences``
    block the deploy, ``notes`` are reported and accepted.
    """

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
        """The table's name."""
        return self.spec.name

    @property
    def indexes(self) -> tuple[str, ...]:
        """The names of the GSIs the request creates, in request order."""
        return tuple(g["IndexName"] for g in self.request.get("GlobalSecondaryIndexes", []))

    def preview(self) -> None:
        """Turn what applying would do into the dry run's ``would ...`` statuses and settings."""
        if not self.exists:
            self.status = "would create"
        elif self.enable_ttl or self.enable_pitr:
            self.status = "would update"
        if self.enable_ttl:
            self.ttl = "would enable"
        if self.enable_pitr:
            self.pitr = "would enable"

    def outcome(self) -> TableDeployment:
        """The frozen report of this table, as it stands now."""
        capacity = None
        if self.request.get("BillingMode") == "PROVISIONED":
            capacity = {"table": _units(self.request["ProvisionedThroughput"])}
            for gsi in self.request.get("GlobalSecondaryIndexes", []):
                capacity[gsi["IndexName"]] = _units(gsi["ProvisionedThroughput"])
        return TableDeployment(
            table=self.name,
            status=self.status,
            seconds=self.seconds,
            indexes=self.indexes,
            billing=str(self.request.get("BillingMode")),
            capacity=capacity,
            ttl_attribute=self.spec.ttl_attribute,
            ttl=self.ttl,
            point_in_time_recovery=self.pitr,
            stream=self.spec.stream,
            notes=tuple(self.notes),
        )


def refuse_differences(spec: TargetSpec, plans: Iterable[TablePlan]) -> None:
    """Raise ``TargetError`` listing every difference of every table when any plan has one.

    The error's context carries ``differences`` (table -> its differences)
    and the first differing ``table``; the message shows the first ten.
    """
    differing = {p.name: p.differences for p in plans if p.differences}
    if not differing:
        return
    lines = [f"table {name}: {d}" for name, diffs in differing.items() for d in diffs]
    shown = "; ".join(lines[:_MAX_SHOWN])
    if len(lines) > _MAX_SHOWN:
        shown += f"; (and {len(lines) - _MAX_SHOWN} more)"
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


def _units(throughput: dict[str, int]) -> dict[str, int]:
    return {"read": int(throughput["ReadCapacityUnits"]), "write": int(throughput["WriteCapacityUnits"])}
