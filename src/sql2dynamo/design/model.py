"""The design stage's output: a frozen DataModel, written as ``data_model.json``.

This is the boundary every later stage reads: ``deploy`` creates ``tables``,
``migrate`` builds items with each table's ``entities`` (key templates and
attribute transforms), ``validate`` and the runtime execute ``plans``.

Key templates
-------------
A :class:`KeyPart` says how one key attribute's value is built from a row:
``template`` is text with ``{column}`` fields, e.g. ``{customer_id}`` (the
value itself, typed ``N`` or ``S``), ``USER#{id}`` (entity-prefixed string),
``{platform}#{problem_id}`` (composite), ``{created_at:date}`` (the
``YYYY-MM-DD`` day of a date-time, for date-bucketed keys), ``{id:pad}`` (an
integer as 20 zero-padded digits, so string keys sort as numbers; a negative
number is ``-`` and the 20-digit complement 10^20 + n, so -10 < -5 < 3 as text).  A template that
is exactly one field keeps the column's type; anything else is a string.

Plan values
-----------
In a :class:`PlanStep`, ``key`` and ``values`` map attribute names or
``:placeholders`` to the same template language, with ``{:param}`` fields
naming the access pattern's SQL parameters (``{:email}``) and ``{column}``
fields naming columns of the row being written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from sql2dynamo.common.frozen import from_dict, to_dict

DATA_MODEL_FORMAT_VERSION = 1

ScalarType = Literal["S", "N", "B"]
Select = Literal["ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "COUNT", "SPECIFIC_ATTRIBUTES"]
Operation = Literal[
    "GetItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "TransactWriteItems",
]


@dataclass(frozen=True)
class KeyPart:
    """One key attribute (table or index key) and how its value is built from a row."""

    attribute: str
    type: ScalarType
    template: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Join:
    """How a denormalized attribute is found: local column = column of the other table."""

    local_column: str
    source_column: str


@dataclass(frozen=True)
class AttributeSpec:
    """One item attribute and the source column (and transform) it comes from."""

    name: str
    type: str  # S, N, B, BOOL, M, L, SS
    source_table: str
    source_column: str
    transform: str  # the normalized source type: how migrate turns the value into DynamoDB's
    nullable: bool = True
    denormalized: bool = False
    justification: str | None = None
    join: Join | None = None


@dataclass(frozen=True)
class TtlSpec:
    """Items expire ``retention_days`` after ``source_column``; DynamoDB deletes them."""

    attribute: str
    source_column: str
    retention_days: int
    reason: str


@dataclass(frozen=True)
class SparseCondition:
    """An index holds an item only when ``column`` equals ``value`` (or is not null when value is None)."""

    column: str
    value: str | None
    reason: str


@dataclass(frozen=True)
class EntityMapping:
    """How rows of one source table become items of one DynamoDB table."""

    source_table: str
    item_type: str | None  # the item-type attribute's value (single-table designs)
    pk: KeyPart
    sk: KeyPart | None
    attributes: tuple[AttributeSpec, ...]
    # Extra attributes written for indexes (GSI keys); a sparse index's key is
    # written only when ``condition`` holds (column = value), see IndexSpec.sparse.
    index_keys: tuple[KeyPart, ...] = ()
    # Index-key attribute -> the condition under which it is written (sparse indexes).
    sparse_keys: dict[str, SparseCondition] = field(default_factory=dict)
    ttl: TtlSpec | None = None
    kind: Literal["entity", "lookup"] = "entity"
    # For a lookup item: the unique columns it guards and the item it points to.
    unique_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexSpec:
    """A global secondary index."""

    name: str
    pk: KeyPart
    sk: KeyPart | None
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"]
    non_key_attributes: tuple[str, ...]
    serves: tuple[str, ...]  # pattern ids
    sparse: SparseCondition | None = None
    projection_reason: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One DynamoDB table, its indexes, and the entities stored in it."""

    name: str
    role: Literal["entity", "lookup"]
    pk: KeyPart  # the attribute name and type; the template is the first entity's
    sk: KeyPart | None
    indexes: tuple[IndexSpec, ...]
    entities: tuple[EntityMapping, ...]
    satisfies: tuple[str, ...]  # pattern ids served by the table (its indexes included)
    estimated_item_size_bytes: int
    ttl_attribute: str | None = None
    stream: bool = False
    point_in_time_recovery: bool = True
    purpose: str = ""


@dataclass(frozen=True)
class PlanStep:
    """One DynamoDB call of a plan."""

    operation: Operation
    table: str
    index: str | None = None
    key: dict[str, str] | None = None  # GetItem/DeleteItem/UpdateItem: attribute -> value template
    key_condition: str | None = None  # Query: "customer_id = :customer_id AND invoice_date > :since"
    filter: str | None = None
    values: dict[str, str] = field(default_factory=dict)  # ":placeholder" -> value template
    names: dict[str, str] = field(default_factory=dict)  # "#placeholder" -> attribute name
    item_entity: str | None = None  # PutItem: the source table whose mapping builds the item
    update: str | None = None  # UpdateItem: "SET #name = :name"
    condition: str | None = None  # "attribute_not_exists(email)"
    select: Literal["ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "COUNT", "SPECIFIC_ATTRIBUTES"] | None = None
    scan_forward: bool | None = None
    limit: int | str | None = None
    consistent_read: bool = False
    items: tuple[PlanStep, ...] = ()  # TransactWriteItems: its actions
    note: str | None = None


Enforcement = Literal[
    "key",  # GetItem/UpdateItem/DeleteItem key
    "batch_key",  # one BatchGetItem key per value
    "lookup",  # the key of a unique-value lookup item
    "partition_key",  # the Query's partition key
    "sort_key",  # the Query's sort-key condition
    "sparse_index",  # only matching items are in the index
    "filter",  # FilterExpression: read capacity is spent on the items read, not the ones returned
    "condition",  # ConditionExpression of the write: a false condition writes nothing
    "join",  # the step reading the joined table
    "ttl",  # DynamoDB's TTL deletes the items
    "update",  # UpdateItem's SET / REMOVE
    "item",  # the PutItem's item, built by the entity mapping
    "unsupported",
]


@dataclass(frozen=True)
class PredicateUse:
    """Where a plan enforces one conjunct of its pattern's WHERE, or one assigned (SET / VALUES) column."""

    clause: Literal["where", "set", "values"]
    text: str  # the conjunct as written, or the assigned column
    enforced_by: Enforcement
    expression: str | None = None  # the DynamoDB expression (or key template) that enforces it
    position: int = 0  # the conjunct's place among the WHERE's top-level conjuncts (or the column's in SET/VALUES)
    reason: str = ""  # why it is enforced there, or (unsupported) why it cannot be
    alternative: str | None = None


@dataclass(frozen=True)
class AccessPlan:
    """How one access pattern runs on DynamoDB, and what it costs per call."""

    pattern_id: str
    description: str
    kind: Literal["read", "write"]
    supported: bool
    steps: tuple[PlanStep, ...]
    expected_items: float
    rcu_per_call: float
    wcu_per_call: float
    reason: str = ""
    alternative: str | None = None  # for unsupported patterns: what to use instead
    # Where every WHERE conjunct and every assigned column is enforced (see PredicateUse).
    predicates: tuple[PredicateUse, ...] = ()


def flat_steps(steps: Iterable[PlanStep]) -> list[PlanStep]:
    """Every step of a plan, each followed by its nested items (a transaction's or batch's), in plan order."""
    out: list[PlanStep] = []
    for step in steps:
        out.append(step)
        out += flat_steps(step.items)
    return out


@dataclass(frozen=True)
class DesignDecision:
    """The data-modeling method's DesignDecision: every choice with its alternatives, reasons and exits."""

    decision_type: str  # TABLE_STRUCTURE, KEY_DESIGN, GSI_DESIGN, UNIQUE_CONSTRAINT, DENORMALIZATION, ...
    subject: str
    alternatives_considered: tuple[str, ...]
    chosen_approach: str
    justification: str
    trade_offs: tuple[str, ...]
    rollback_strategy: str
    monitoring_requirements: tuple[str, ...]
    pattern_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DesignWarning:
    """A production warning, raised because ``condition`` holds."""

    kind: str  # gsi_throttling_cascade, hot_partition, entity_boundary_violation, ...
    message: str
    condition: str
    subject: str
    pattern_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PatternCapacity:
    """Capacity one pattern consumes, per call and per second."""

    pattern_id: str
    rps_avg: float
    rps_peak: float
    rcu_per_call: float
    wcu_per_call: float
    rcu_avg: float
    wcu_avg: float
    rcu_peak: float
    wcu_peak: float


@dataclass(frozen=True)
class TableCost:
    """Monthly cost of one table with its indexes."""

    table: str
    storage_gb: float
    rcu_avg: float
    wcu_avg: float
    rcu_peak: float
    wcu_peak: float
    on_demand_monthly: float
    provisioned_monthly: float
    storage_monthly: float
    arithmetic: tuple[str, ...]


@dataclass(frozen=True)
class CostEstimate:
    """Monthly cost for both billing modes, from the price table named."""

    pricing: str
    billing: Literal["on-demand", "provisioned"]
    tables: tuple[TableCost, ...]
    patterns: tuple[PatternCapacity, ...]
    total_on_demand_monthly: float
    total_provisioned_monthly: float


@dataclass(frozen=True)
class PartitionLoad:
    """The load on the hottest partition of one key."""

    table: str
    index: str | None
    key: str
    pattern_ids: tuple[str, ...]
    distinct_keys: int | None
    skew: float
    rcu_per_partition: float
    wcu_per_partition: float
    hot: bool
    sharding_plan: str | None = None


@dataclass(frozen=True)
class DataModel:
    """The whole design: tables, plans, decisions, warnings, cost, partition analysis."""

    application: str
    strategy: Literal["multi-table", "single-table"]
    billing: Literal["on-demand", "provisioned"]
    source_dialect: str
    tables: tuple[TableSpec, ...]
    plans: tuple[AccessPlan, ...]
    decisions: tuple[DesignDecision, ...]
    warnings: tuple[DesignWarning, ...]
    cost: CostEstimate | None
    partitions: tuple[PartitionLoad, ...]
    format_version: int = DATA_MODEL_FORMAT_VERSION

    def table(self, name: str) -> TableSpec:
        """The table called ``name``; KeyError if absent."""
        return self._tables_by_name[name]

    def plan(self, pattern_id: str) -> AccessPlan:
        """The plan of one pattern; KeyError if absent."""
        return self._plans_by_id[pattern_id]

    @cached_property
    def _tables_by_name(self) -> dict[str, TableSpec]:
        return {t.name: t for t in self.tables}

    @cached_property
    def _plans_by_id(self) -> dict[str, AccessPlan]:
        return {p.pattern_id: p for p in self.plans}


def model_to_dict(model: DataModel) -> dict[str, Any]:
    """A JSON-ready dict (tuples become lists)."""
    return to_dict(model)


def model_from_dict(data: dict[str, Any]) -> DataModel:
    """Rebuild a :class:`DataModel` from ``data_model.json`` content."""
    return from_dict(DataModel, data)
