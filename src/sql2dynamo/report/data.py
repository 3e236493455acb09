"""What the HTML report shows, as frozen data: gathered once (see :mod:`.gather`), rendered separately.

Every figure here is already computed and every text is the raw user text
(SQL, values, names): the renderer only escapes and lays it out, so two
gatherings of the same inputs render to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["pass", "fail", "unsupported"]
SampleSource = Literal["migrated", "synthesized"]


# ------------------------------------------------------------------ model view


@dataclass(frozen=True)
class KeyView:
    """One key attribute: its name, DynamoDB type and the template(s) that build it."""

    attribute: str
    type: str
    template: str


@dataclass(frozen=True)
class IndexView:
    """A secondary index: its keys, projection, sparseness and the patterns it serves."""

    name: str
    kind: Literal["GSI", "LSI"]
    pk: KeyView
    sk: KeyView | None
    projection: str
    sparse: str | None
    serves: tuple[str, ...]


@dataclass(frozen=True)
class EntityView:
    """One entity (or unique-lookup item) stored in a table, with its colour slot and key templates."""

    label: str  # the item-type value, or the source table
    source_table: str
    kind: str  # entity | lookup
    pk_template: str
    sk_template: str | None
    colour: int  # index into the palette, stable per label within the table


@dataclass(frozen=True)
class Cell:
    """One attribute of a sample item, as shown: name, DynamoDB type, text."""

    name: str
    type: str
    text: str


@dataclass(frozen=True)
class SampleItem:
    """One item of a sample, its keys shown as text, ``entity`` naming an :class:`EntityView` label."""

    entity: str
    pk: str
    sk: str | None
    attributes: tuple[Cell, ...]


@dataclass(frozen=True)
class Collection:
    """The sample items sharing one partition key value (an item collection), in sort-key order."""

    pk: str
    items: tuple[SampleItem, ...]


@dataclass(frozen=True)
class TableView:
    """One DynamoDB table: keys, indexes, entities and sample items grouped by partition."""

    name: str
    role: str
    purpose: str
    pk: KeyView
    sk: KeyView | None
    indexes: tuple[IndexView, ...]
    entities: tuple[EntityView, ...]
    ttl_attribute: str | None
    stream: bool
    item_bytes: int
    satisfies: tuple[str, ...]
    samples: tuple[Collection, ...]
    sample_source: SampleSource


# ------------------------------------------------------------------ patterns


@dataclass(frozen=True)
class StepView:
    """One DynamoDB call of a plan (nested transaction actions have depth 1)."""

    operation: str
    table: str
    index: str | None
    key: str | None
    key_condition: str | None
    filter: str | None
    condition: str | None
    update: str | None
    note: str | None
    depth: int


@dataclass(frozen=True)
class FailedCase:
    """A validate case whose rows differ: its parameters and the first differing rows."""

    label: str
    params: str
    reason: str
    expected: int
    actual: int
    expected_rows: tuple[str, ...]
    actual_rows: tuple[str, ...]


@dataclass(frozen=True)
class PatternCheck:
    """What validate found for one pattern."""

    status: Status
    reason: str
    cases: int
    cases_ok: int
    calls: int
    capacity: float
    p50_ms: float | None
    p99_ms: float | None
    failures: tuple[FailedCase, ...]


@dataclass(frozen=True)
class PatternView:
    """One access pattern: its SQL, rate, plan, capacity per call and validate's verdict."""

    pattern_id: str
    description: str
    kind: str
    sql: str | None
    rps_avg: float | None
    rps_peak: float | None
    supported: bool
    reason: str
    alternative: str | None
    steps: tuple[StepView, ...]
    expected_items: float
    rcu_per_call: float
    wcu_per_call: float
    tables: tuple[str, ...]
    check: PatternCheck | None


# ------------------------------------------------------------------ cost


@dataclass(frozen=True)
class CostPart:
    """Monthly dollars of one table or one of its indexes, split by reads, writes and storage."""

    table: str
    index: str | None
    on_demand_reads: float
    on_demand_writes: float
    provisioned_reads: float
    provisioned_writes: float
    storage: float

    @property
    def label(self) -> str:
        """``table`` or ``table/index``."""
        return self.table if self.index is None else f"{self.table}/{self.index}"

    @property
    def on_demand(self) -> float:
        """On-demand total (storage included)."""
        return self.on_demand_reads + self.on_demand_writes + self.storage

    @property
    def provisioned(self) -> float:
        """Provisioned total (storage included)."""
        return self.provisioned_reads + self.provisioned_writes + self.storage


@dataclass(frozen=True)
class TableCostView:
    """One table's monthly cost as the design priced it, and its split by table and index.

    ``parts`` is empty when the design's arithmetic could not be split (the
    totals are then shown for the table alone).
    """

    table: str
    on_demand: float
    provisioned: float
    storage_gb: float
    rcu_avg: float
    wcu_avg: float
    rcu_peak: float
    wcu_peak: float
    parts: tuple[CostPart, ...]


@dataclass(frozen=True)
class PartitionView:
    """The hottest partition of one key, and whether it is over DynamoDB's per-partition limits."""

    table: str
    index: str | None
    key: str
    distinct_keys: int | None
    skew: float
    rcu: float
    wcu: float
    hot: bool
    sharding_plan: str | None
    pattern_ids: tuple[str, ...]


@dataclass(frozen=True)
class CostView:
    """The design's cost estimate and partition analysis."""

    pricing: str
    billing: str
    total_on_demand: float
    total_provisioned: float
    tables: tuple[TableCostView, ...]
    partitions: tuple[PartitionView, ...]


# ------------------------------------------------------------------ decisions and warnings


@dataclass(frozen=True)
class Link:
    """A reference from a decision or warning to a table (or one of its indexes)."""

    table: str
    index: str | None = None


@dataclass(frozen=True)
class DecisionView:
    """A DesignDecision, linked to the tables and patterns it concerns."""

    decision_type: str
    subject: str
    chosen: str
    justification: str
    alternatives: tuple[str, ...]
    trade_offs: tuple[str, ...]
    rollback: str
    monitoring: tuple[str, ...]
    links: tuple[Link, ...]
    pattern_ids: tuple[str, ...]


@dataclass(frozen=True)
class WarningView:
    """A production warning: which of the five, why it was raised, and what it concerns."""

    kind: str
    message: str
    condition: str
    subject: str
    links: tuple[Link, ...]
    pattern_ids: tuple[str, ...]


# ------------------------------------------------------------------ migration and proof


@dataclass(frozen=True)
class MigratedTable:
    """migrate's figures for one source table."""

    table: str
    read: int
    items: int
    rejected: int
    failed: int
    seconds: float
    items_per_second: float


@dataclass(frozen=True)
class RejectView:
    """A row that could not become an item, and why."""

    source_table: str
    key: str
    reason: str
    table: str | None


@dataclass(frozen=True)
class MigrationView:
    """What ``migrate --summary`` said."""

    source: str
    target: str | None
    dry_run: bool
    seconds: float
    tables: tuple[MigratedTable, ...]
    total_items: int
    total_items_per_second: float
    rejects: tuple[RejectView, ...]


@dataclass(frozen=True)
class VerifiedTable:
    """verify's counts for one DynamoDB table."""

    table: str
    ok: bool
    expected: int
    actual: int
    missing: int
    extra: int
    different: int
    expired: int


@dataclass(frozen=True)
class DifferenceView:
    """One item verify found missing, extra or different, with its first attribute differences."""

    table: str
    kind: str
    key: str
    diff: tuple[str, ...]


@dataclass(frozen=True)
class VerificationView:
    """What ``verify --report`` (or ``--summary``: no keys) said."""

    source: str
    target: str
    ok: bool
    tables: tuple[VerifiedTable, ...]
    differences: tuple[DifferenceView, ...]
    differences_known: bool  # False for a summary, which lists no keys
    rejects: tuple[RejectView, ...]


@dataclass(frozen=True)
class ValidationView:
    """The run-level facts of ``validate --report``/``--summary`` (per pattern: :class:`PatternCheck`)."""

    source: str
    target: str
    strategy: str | None
    ok: bool
    passed: int
    failed: int
    unsupported: int


# ------------------------------------------------------------------ the whole report


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, in the order it shows it."""

    application: str
    strategy: str
    billing: str
    source_dialect: str
    tables: tuple[TableView, ...]
    patterns: tuple[PatternView, ...]
    cost: CostView | None
    decisions: tuple[DecisionView, ...]
    warnings: tuple[WarningView, ...]
    migration: MigrationView | None
    verification: VerificationView | None
    validation: ValidationView | None
    title: str
