"""Hand-built schema and design pieces for the sizing, capacity, cost, hot-partition and warning tests.

Short builders with the defaults these tests need, so each test states only
the figures its arithmetic uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sql2dynamo.design.model import (
    AccessPlan,
    AttributeSpec,
    EntityMapping,
    IndexSpec,
    Join,
    KeyPart,
    PlanStep,
    SparseCondition,
    TableSpec,
)
from sql2dynamo.source.model import (
    Column,
    ColumnStats,
    ForeignKey,
    Schema,
    SourceInfo,
    Table,
    TableStats,
    UniqueConstraint,
)
from sql2dynamo.workload.patterns.model import AccessPattern, Rps

_FIELD = re.compile(r"\{([^{}:]+)(?::[^{}]*)?\}")


def stats(avg: float, *, distinct: int = 1000, null: float = 0.0, max_bytes: int | None = None) -> ColumnStats:
    """Column statistics as analyze samples them."""
    return ColumnStats(
        null_fraction=null,
        distinct_estimate=distinct,
        sampled_rows=1000,
        exact=True,
        avg_bytes=avg,
        max_bytes=max_bytes if max_bytes is not None else int(avg * 2),
    )


def col(
    name: str,
    ntype: str = "string",
    *,
    nullable: bool = False,
    length: int | None = None,
    precision: int | None = None,
    enum_values: tuple[str, ...] | None = None,
    st: ColumnStats | None = None,
) -> Column:
    """A source column."""
    return Column(
        name=name,
        source_type=ntype,
        normalized_type=ntype,
        nullable=nullable,
        length=length,
        precision=precision,
        enum_values=enum_values,
        stats=st,
    )


def table(
    name: str,
    columns: Sequence[Column],
    pk: Sequence[str] = ("id",),
    *,
    fks: Sequence[tuple[str, str, str]] = (),
    uniques: Sequence[Sequence[str]] = (),
    rows: int | None = None,
) -> Table:
    """A source table; ``fks`` are ``(column, referred table, referred column)``."""
    return Table(
        name=name,
        columns=tuple(columns),
        primary_key=tuple(pk),
        foreign_keys=tuple(ForeignKey(None, (c,), t, (rc,)) for c, t, rc in fks),
        unique_constraints=tuple(UniqueConstraint(None, tuple(u), "constraint") for u in uniques),
        stats=(TableStats(rows, True, None, None, min(rows, 1000), "full") if rows is not None else None),
    )


def schema(*tables: Table) -> Schema:
    """A schema holding ``tables``."""
    return Schema(source=SourceInfo("postgresql", None, "test"), tables=tuple(tables))


def kp(attribute: str, template: str, type_: str = "S") -> KeyPart:
    """A key part; its columns are the template's fields."""
    return KeyPart(attribute, type_, template, tuple(_FIELD.findall(template)))  # type: ignore[arg-type]


def attr(
    name: str,
    source_table: str,
    column: str | None = None,
    *,
    type_: str = "S",
    transform: str = "string",
    nullable: bool = True,
    denormalized: bool = False,
    join: tuple[str, str] | None = None,
) -> AttributeSpec:
    """An item attribute from ``source_table.column`` (column defaults to the name)."""
    return AttributeSpec(
        name=name,
        type=type_,
        source_table=source_table,
        source_column=column or name,
        transform=transform,
        nullable=nullable,
        denormalized=denormalized,
        justification="read together" if denormalized else None,
        join=Join(*join) if join else None,
    )


def entity(
    source_table: str,
    pk: KeyPart,
    attributes: Sequence[AttributeSpec] = (),
    *,
    sk: KeyPart | None = None,
    index_keys: Sequence[KeyPart] = (),
    item_type: str | None = None,
    sparse_keys: dict[str, SparseCondition] | None = None,
) -> EntityMapping:
    """How rows of ``source_table`` become items."""
    return EntityMapping(
        source_table=source_table,
        item_type=item_type,
        pk=pk,
        sk=sk,
        attributes=tuple(attributes),
        index_keys=tuple(index_keys),
        sparse_keys=sparse_keys or {},
    )


def gsi(
    name: str,
    pk: KeyPart,
    *,
    sk: KeyPart | None = None,
    projection: str = "ALL",
    include: Sequence[str] = (),
    sparse: SparseCondition | None = None,
) -> IndexSpec:
    """A global secondary index."""
    return IndexSpec(
        name=name,
        pk=pk,
        sk=sk,
        projection=projection,  # type: ignore[arg-type]
        non_key_attributes=tuple(include),
        serves=(),
        sparse=sparse,
    )


def spec(
    name: str,
    entities: Sequence[EntityMapping],
    *,
    indexes: Sequence[IndexSpec] = (),
    sk: KeyPart | None = None,
    item_bytes: int = 100,
) -> TableSpec:
    """A DynamoDB table; its key is its first entity's."""
    return TableSpec(
        name=name,
        role="entity",
        pk=entities[0].pk,
        sk=sk if sk is not None else entities[0].sk,
        indexes=tuple(indexes),
        entities=tuple(entities),
        satisfies=(),
        estimated_item_size_bytes=item_bytes,
    )


def pattern(pid: str, avg: float | None, peak: float | None, consistency: str = "eventual") -> AccessPattern:
    """An access pattern with its RPS."""
    return AccessPattern(id=pid, description=pid, sql="SELECT 1", rps=Rps(avg, peak), consistency=consistency)


def plan(pid: str, steps: Sequence[PlanStep], *, kind: str = "read", expected_items: float = 1.0) -> AccessPlan:
    """An access plan; its per-call figures are left at 0 (the code under test computes them)."""
    return AccessPlan(
        pattern_id=pid,
        description=pid,
        kind=kind,  # type: ignore[arg-type]
        supported=True,
        steps=tuple(steps),
        expected_items=expected_items,
        rcu_per_call=0.0,
        wcu_per_call=0.0,
    )


def step(operation: str, table_name: str, **kwargs: object) -> PlanStep:
    """A plan step."""
    return PlanStep(operation=operation, table=table_name, **kwargs)  # type: ignore[arg-type]
