"""The model's tables as DynamoDB requests, and how an existing table differs from them.

Pure functions: :func:`table_requests` renders the exact ``CreateTable``
request of every :class:`~sql2dynamo.design.model.TableSpec` (the plan as
data), :func:`compare_table` lists what a ``DescribeTable`` answer has that the
request does not.  The executor (:mod:`sql2dynamo.target.deploy.run`) and the
CloudFormation writer (:mod:`sql2dynamo.target.cloudformation`) both start
from these requests, so the API and the template cannot drift apart.

Provisioned capacity
--------------------
With ``billing: provisioned`` every table and GSI gets ``ProvisionedThroughput``
from the model's cost estimate, each figure ``ceil`` of a peak per second and
at least 1.  The estimate's per-table peaks (``TableCost``) cover the table
*with* its indexes and the model keeps no per-index figures, so:

* reads: each table or index gets the peak RCU of every pattern whose plan
  reads it (``CostEstimate.patterns`` joined to the plans' steps).  A plan
  that reads several tables or indexes counts in full on each of them: an
  upper bound, exact for the usual one-read plan;
* writes: the table and each of its GSIs get the table's whole peak WCU.
  Index writes are part of that figure but cannot be told apart without the
  item sizes the model does not keep, and a GSI with less write capacity than
  its table's writes need throttles the table's writes; so this errs high.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sql2dynamo.common.errors import InputError
from sql2dynamo.design.model import DataModel, IndexSpec, KeyPart, TableSpec, flat_steps
from sql2dynamo.design.pricing import DEFAULT_TARGET_UTILIZATION

STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"
"""What ``stream: true`` means: sync and CDC consumers need both images of a change."""

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")
_KEY_TYPES = ("S", "N", "B")
_PROJECTIONS = ("ALL", "KEYS_ONLY", "INCLUDE")
_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem"})
_RERUN_DESIGN = "run sql2dynamo design again to regenerate data_model.json"


@dataclass(frozen=True)
class Capacity:
    """Provisioned read and write capacity units of one table or index."""

    read: int
    write: int

    def as_request(self) -> dict[str, int]:
        """The ``ProvisionedThroughput`` member of a request."""
        return {"ReadCapacityUnits": self.read, "WriteCapacityUnits": self.write}


@dataclass(frozen=True)
class TableComparison:
    """How an existing table compares with the model's request.

    ``differences`` block the deploy (keys, indexes, projections, billing,
    stream); ``notes`` are told but accepted (capacity figures, which auto
    scaling changes anyway).
    """

    differences: tuple[str, ...]
    notes: tuple[str, ...]


def table_requests(model: DataModel, *, tags: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The ``CreateTable`` request of every table of ``model``, in model order.

    ``tags`` (optional) are added as ``Tags``, sorted by key.  Raises
    ``InputError`` when the model cannot be created as it is: a name DynamoDB
    refuses, a key attribute with two types, an unknown key type or
    projection, or provisioned billing without a cost estimate for a table.
    """
    capacities = provisioned_capacities(model) if model.billing == "provisioned" else None
    return [
        _request(table, None if capacities is None else capacities[table.name], tags or {}) for table in model.tables
    ]


def provisioned_capacities(model: DataModel) -> dict[str, tuple[Capacity, dict[str, Capacity]]]:
    """Table name -> (the table's capacity, index name -> capacity), by the rules in the module docstring.

    Raises ``InputError`` when the model has no cost estimate for a table.
    """
    costs = {c.table: c for c in model.cost.tables} if model.cost is not None else {}
    reads = _read_peaks(model)
    out: dict[str, tuple[Capacity, dict[str, Capacity]]] = {}
    for table in model.tables:
        cost = costs.get(table.name)
        if cost is None:
            raise InputError(
                f"data_model.json asks for provisioned billing but has no cost estimate for table {table.name}",
                hint=f"{_RERUN_DESIGN} (with --billing provisioned)",
                table=table.name,
            )
        write = _units(cost.wcu_peak)
        base = Capacity(_units(reads.get((table.name, None), 0.0)), write)
        indexes = {i.name: Capacity(_units(reads.get((table.name, i.name), 0.0)), write) for i in table.indexes}
        out[table.name] = (base, indexes)
    return out


def key_attributes(request: Mapping[str, Any]) -> list[str]:
    """The table's own key attribute names (partition key first) in a request or description."""
    return [k["AttributeName"] for k in _ordered_keys(request.get("KeySchema", []))]


def compare_table(request: Mapping[str, Any], table: Mapping[str, Any]) -> TableComparison:
    """What ``table`` (``DescribeTable``'s ``Table``) has that differs from ``request`` (``CreateTable``'s).

    Each difference reads ``what: model != target``, e.g. ``GSI by_email:
    projection ALL != KEYS_ONLY``.  Attribute order, index order and key
    attributes listed as projected do not count.
    """
    diffs: list[str] = []
    notes: list[str] = []
    want_types = _attribute_types(request)
    have_types = _attribute_types(table)
    diffs += _key_differences("", request.get("KeySchema", []), want_types, table.get("KeySchema", []), have_types)

    want_billing = request.get("BillingMode", "PROVISIONED")
    have_billing = _billing(table)
    if want_billing != have_billing:
        diffs.append(f"billing {want_billing} != {have_billing}")
    elif want_billing == "PROVISIONED":
        notes += _capacity_notes("table", request.get("ProvisionedThroughput"), table.get("ProvisionedThroughput"))

    want_gsis = {g["IndexName"]: g for g in request.get("GlobalSecondaryIndexes", [])}
    have_gsis = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}
    table_keys = key_attributes(request)
    for name, want in want_gsis.items():
        have = have_gsis.get(name)
        if have is None:
            diffs.append(f"GSI {name}: missing on the target")
            continue
        diffs += _key_differences(f"GSI {name}: ", want["KeySchema"], want_types, have["KeySchema"], have_types)
        diffs += _projection_differences(name, want, have, table_keys)
        if want_billing == "PROVISIONED" and have_billing == "PROVISIONED":
            notes += _capacity_notes(
                f"GSI {name}", want.get("ProvisionedThroughput"), have.get("ProvisionedThroughput")
            )
    for name in have_gsis:
        if name not in want_gsis:
            diffs.append(f"GSI {name}: on the target but not in the model")
    for lsi in table.get("LocalSecondaryIndexes", []):
        diffs.append(f"LSI {lsi['IndexName']}: on the target but not in the model")

    want_stream = _stream(request)
    have_stream = _stream(table)
    if want_stream is not None and want_stream != have_stream:
        diffs.append(f"stream {want_stream} != {have_stream or 'none'}")
    elif want_stream is None and have_stream is not None:
        notes.append(f"the target has a {have_stream} stream the model does not ask for (left as it is)")
    return TableComparison(tuple(diffs), tuple(notes))


# ------------------------------------------------------------------ rendering


def _request(
    table: TableSpec, capacity: tuple[Capacity, dict[str, Capacity]] | None, tags: Mapping[str, str]
) -> dict[str, Any]:
    _check_name("table", table.name, table.name)
    definitions: dict[str, str] = {}
    _define(definitions, table.pk, table.name, "its partition key")
    if table.sk is not None:
        _define(definitions, table.sk, table.name, "its sort key")
    gsis: list[dict[str, Any]] = []
    for index in table.indexes:
        _check_name("index", index.name, table.name)
        if any(g["IndexName"] == index.name for g in gsis):
            raise InputError(
                f"table {table.name} has two indexes called {index.name}", hint=_RERUN_DESIGN, table=table.name
            )
        _define(definitions, index.pk, table.name, f"the partition key of GSI {index.name}")
        if index.sk is not None:
            _define(definitions, index.sk, table.name, f"the sort key of GSI {index.name}")
        gsi: dict[str, Any] = {
            "IndexName": index.name,
            "KeySchema": _key_schema(index.pk, index.sk),
            "Projection": _projection(table, index),
        }
        if capacity is not None:
            gsi["ProvisionedThroughput"] = capacity[1][index.name].as_request()
        gsis.append(gsi)
    request: dict[str, Any] = {
        "TableName": table.name,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in definitions.items()],
        "KeySchema": _key_schema(table.pk, table.sk),
    }
    if gsis:
        request["GlobalSecondaryIndexes"] = gsis
    if capacity is None:
        request["BillingMode"] = "PAY_PER_REQUEST"
    else:
        request["BillingMode"] = "PROVISIONED"
        request["ProvisionedThroughput"] = capacity[0].as_request()
    if table.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE}
    if tags:
        request["Tags"] = [{"Key": k, "Value": tags[k]} for k in sorted(tags)]
    return request


def _key_schema(pk: KeyPart, sk: KeyPart | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": pk.attribute, "KeyType": "HASH"}]
    if sk is not None:
        schema.append({"AttributeName": sk.attribute, "KeyType": "RANGE"})
    return schema


def _define(definitions: dict[str, str], key: KeyPart, table: str, role: str) -> None:
    if key.type not in _KEY_TYPES:
        raise InputError(
            f"table {table}: {role} {key.attribute} has type {key.type!r}; key attributes are S, N or B",
            hint=_RERUN_DESIGN,
            table=table,
        )
    if not key.attribute or len(key.attribute.encode()) > 255:
        raise InputError(
            f"table {table}: {role} has the name {key.attribute!r}; key attribute names are 1 to 255 bytes",
            hint=_RERUN_DESIGN,
            table=table,
        )
    known = definitions.setdefault(key.attribute, key.type)
    if known != key.type:
        # One attribute has one type per table: DynamoDB refuses two definitions of it.
        raise InputError(
            f"table {table}: key attribute {key.attribute} is {known} in one key and {key.type} in {role}",
            hint=_RERUN_DESIGN,
            table=table,
        )


def _projection(table: TableSpec, index: IndexSpec) -> dict[str, Any]:
    if index.projection not in _PROJECTIONS:
        raise InputError(
            f"table {table.name}: GSI {index.name} has projection {index.projection!r}; use ALL, KEYS_ONLY or INCLUDE",
            hint=_RERUN_DESIGN,
            table=table.name,
        )
    if index.projection != "INCLUDE":
        return {"ProjectionType": index.projection}
    # Key attributes (the table's and the index's) are always projected; DynamoDB
    # refuses them in NonKeyAttributes, so they are left out here.
    keys = {k.attribute for k in (table.pk, table.sk, index.pk, index.sk) if k is not None}
    extra = list(dict.fromkeys(a for a in index.non_key_attributes if a not in keys))
    if not extra:
        return {"ProjectionType": "KEYS_ONLY"}
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": extra}


def _check_name(kind: str, name: str, table: str) -> None:
    if not _NAME.match(name):
        raise InputError(
            f"{kind} name {name!r} is not valid for DynamoDB (3 to 255 of a-z, A-Z, 0-9, '_', '-', '.')",
            hint=_RERUN_DESIGN,
            table=table,
        )


def _units(peak: float) -> int:
    # Sized as the cost estimate priced it: the peak at the target utilization (headroom for bursts).
    # Rounded first: the estimate keeps 6 decimals, and float noise must not add a unit.
    return max(1, math.ceil(round(peak / DEFAULT_TARGET_UTILIZATION, 6)))


def _read_peaks(model: DataModel) -> dict[tuple[str, str | None], float]:
    if model.cost is None:
        return {}
    plans = {p.pattern_id: p for p in model.plans}
    peaks: dict[tuple[str, str | None], float] = {}
    for capacity in model.cost.patterns:
        plan = plans.get(capacity.pattern_id)
        if plan is None or capacity.rcu_peak <= 0:
            continue
        for target in {(s.table, s.index) for s in flat_steps(plan.steps) if s.operation in _READS}:
            peaks[target] = peaks.get(target, 0.0) + capacity.rcu_peak
    return peaks


# ------------------------------------------------------------------ comparing


def _ordered_keys(schema: Iterable[Mapping[str, str]]) -> list[Mapping[str, str]]:
    return sorted(schema, key=lambda k: 0 if k.get("KeyType") == "HASH" else 1)


def _attribute_types(source: Mapping[str, Any]) -> dict[str, str]:
    return {d["AttributeName"]: d["AttributeType"] for d in source.get("AttributeDefinitions", [])}


def _key_text(schema: Iterable[Mapping[str, str]], kind: str, types: Mapping[str, str]) -> str:
    for key in schema:
        if key.get("KeyType") == kind:
            name = key["AttributeName"]
            return f"{name} ({types.get(name, '?')})"
    return "none"


def _key_differences(
    prefix: str,
    want: Iterable[Mapping[str, str]],
    want_types: Mapping[str, str],
    have: Iterable[Mapping[str, str]],
    have_types: Mapping[str, str],
) -> list[str]:
    want, have = list(want), list(have)
    out = []
    for kind, label in (("HASH", "partition key"), ("RANGE", "sort key")):
        a, b = _key_text(want, kind, want_types), _key_text(have, kind, have_types)
        if a != b:
            out.append(f"{prefix}{label} {a} != {b}")
    return out


def _projection_text(projection: Mapping[str, Any], keys: set[str]) -> tuple[str, tuple[str, ...]]:
    kind = projection.get("ProjectionType", "ALL")
    if kind != "INCLUDE":
        return kind, ()
    extra = tuple(sorted(set(projection.get("NonKeyAttributes", [])) - keys))
    # INCLUDE of key attributes only projects what KEYS_ONLY projects.
    return ("INCLUDE", extra) if extra else ("KEYS_ONLY", ())


def _projection_differences(
    name: str, want: Mapping[str, Any], have: Mapping[str, Any], table_keys: list[str]
) -> list[str]:
    keys = set(table_keys) | {k["AttributeName"] for k in want["KeySchema"]}
    want_kind, want_extra = _projection_text(want.get("Projection", {}), keys)
    have_kind, have_extra = _projection_text(have.get("Projection", {}), keys)
    if want_kind != have_kind:
        return [f"GSI {name}: projection {want_kind} != {have_kind}"]
    if want_extra != have_extra:
        return [f"GSI {name}: projected attributes {', '.join(want_extra)} != {', '.join(have_extra)}"]
    return []


def _billing(table: Mapping[str, Any]) -> str:
    # Tables created before on-demand existed have no BillingModeSummary: they are provisioned.
    summary = table.get("BillingModeSummary") or {}
    return str(summary.get("BillingMode", "PROVISIONED"))


def _stream(source: Mapping[str, Any]) -> str | None:
    spec = source.get("StreamSpecification") or {}
    if not spec.get("StreamEnabled"):
        return None
    return str(spec.get("StreamViewType", "?"))


def _capacity_notes(what: str, want: Mapping[str, int] | None, have: Mapping[str, int] | None) -> list[str]:
    if not want or not have:
        return []
    a = (want.get("ReadCapacityUnits"), want.get("WriteCapacityUnits"))
    b = (have.get("ReadCapacityUnits"), have.get("WriteCapacityUnits"))
    if a == b:
        return []
    return [
        f"{what}: provisioned {b[0]} RCU / {b[1]} WCU on the target, the model's estimate is "
        f"{a[0]} RCU / {a[1]} WCU (left as it is)"
    ]
