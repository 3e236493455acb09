"""The model and the optional run results -> one :class:`~sql2dynamo.report.data.ReportData`.

Nothing here renders or writes: :func:`gather` only turns the design's
frozen :class:`~sql2dynamo.design.model.DataModel`, the patterns' SQL and
the parsed ``validate``/``verify``/``migrate`` results into the report's
data, in the order the report shows it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sql2dynamo.design.model import (
    AccessPlan,
    DataModel,
    DesignDecision,
    DesignWarning,
    KeyPart,
    PatternCapacity,
    PlanStep,
    TableSpec,
)
from sql2dynamo.report.costs import split_cost
from sql2dynamo.report.data import (
    Collection,
    CostView,
    DecisionView,
    EntityView,
    IndexView,
    KeyView,
    Link,
    MigrationView,
    PartitionView,
    PatternCheck,
    PatternView,
    ReportData,
    SampleItem,
    SampleSource,
    StepView,
    TableCostView,
    TableView,
    ValidationView,
    VerificationView,
    WarningView,
)
from sql2dynamo.report.samples import collections_of, entity_label

_WORD = re.compile(r"[A-Za-z0-9_.\-]+")


def gather(
    model: DataModel,
    *,
    sql: Mapping[str, str] | None = None,
    samples: Mapping[str, Sequence[SampleItem]] | None = None,
    sample_source: SampleSource = "synthesized",
    validation: tuple[ValidationView, Mapping[str, PatternCheck]] | None = None,
    verification: VerificationView | None = None,
    migration: MigrationView | None = None,
    title: str | None = None,
) -> ReportData:
    """Everything the report shows; ``sql`` maps pattern ids to their SQL, ``samples`` tables to items."""
    checks = validation[1] if validation is not None else {}
    rates = {c.pattern_id: c for c in model.cost.patterns} if model.cost else {}
    linker = _Linker(model)
    return ReportData(
        application=model.application,
        strategy=model.strategy,
        billing=model.billing,
        source_dialect=model.source_dialect,
        tables=tuple(_table(t, (samples or {}).get(t.name, ()), sample_source) for t in model.tables),
        patterns=tuple(
            _pattern(p, rates.get(p.pattern_id), (sql or {}).get(p.pattern_id), checks.get(p.pattern_id))
            for p in model.plans
        ),
        cost=_cost(model),
        decisions=tuple(_decision(linker, d) for d in model.decisions),
        warnings=tuple(_warning(linker, w) for w in model.warnings),
        migration=migration,
        verification=verification,
        validation=validation[0] if validation is not None else None,
        title=title or f"{model.application}: {model.strategy} DynamoDB model",
    )


def _key(part: KeyPart) -> KeyView:
    return KeyView(part.attribute, part.type, part.template)


def _table(spec: TableSpec, samples: Sequence[SampleItem], source: SampleSource) -> TableView:
    colours: dict[str, int] = {}
    entities: list[EntityView] = []
    for e in spec.entities:
        label = entity_label(e)
        colour = colours.setdefault(label, len(colours))
        entities.append(
            EntityView(
                label=label,
                source_table=e.source_table,
                kind=e.kind,
                pk_template=e.pk.template,
                sk_template=e.sk.template if e.sk else None,
                colour=colour,
            )
        )
    indexes = tuple(
        IndexView(
            name=i.name,
            kind="GSI",
            pk=_key(i.pk),
            sk=_key(i.sk) if i.sk else None,
            projection=i.projection + (f" ({', '.join(i.non_key_attributes)})" if i.non_key_attributes else ""),
            sparse=(f"{i.sparse.column} = {i.sparse.value}" if i.sparse.value is not None else f"{i.sparse.column} set")
            if i.sparse
            else None,
            serves=i.serves,
        )
        for i in spec.indexes
    )
    collections: tuple[Collection, ...] = collections_of(spec, samples)
    return TableView(
        name=spec.name,
        role=spec.role,
        purpose=spec.purpose,
        pk=_key(spec.pk),
        sk=_key(spec.sk) if spec.sk else None,
        indexes=indexes,
        entities=tuple(entities),
        ttl_attribute=spec.ttl_attribute,
        stream=spec.stream,
        item_bytes=spec.estimated_item_size_bytes,
        satisfies=spec.satisfies,
        samples=collections,
        sample_source=source,
    )


def _steps(steps: Sequence[PlanStep], depth: int = 0) -> list[StepView]:
    out: list[StepView] = []
    for s in steps:
        key = ", ".join(f"{k} = {v}" for k, v in s.key.items()) if s.key else None
        extra = [f"LIMIT {s.limit}"] if s.limit is not None else []
        if s.scan_forward is False:
            extra.append("descending")
        if s.select == "COUNT":
            extra.append("Select=COUNT")
        if s.consistent_read:
            extra.append("strongly consistent")
        note = "; ".join([*extra, *([s.note] if s.note else [])]) or None
        out.append(
            StepView(
                operation=s.operation,
                table=s.table,
                index=s.index,
                key=key,
                key_condition=s.key_condition,
                filter=s.filter,
                condition=s.condition,
                update=s.update,
                note=note,
                depth=depth,
            )
        )
        out += _steps(s.items, depth + 1)
    return out


def _pattern(
    plan: AccessPlan, rate: PatternCapacity | None, sql: str | None, check: PatternCheck | None
) -> PatternView:
    steps = _steps(plan.steps)
    return PatternView(
        pattern_id=plan.pattern_id,
        description=plan.description,
        kind=plan.kind,
        sql=sql,
        rps_avg=rate.rps_avg if rate else None,
        rps_peak=rate.rps_peak if rate else None,
        supported=plan.supported,
        reason=plan.reason,
        alternative=plan.alternative,
        steps=tuple(steps),
        expected_items=plan.expected_items,
        rcu_per_call=plan.rcu_per_call,
        wcu_per_call=plan.wcu_per_call,
        tables=tuple(dict.fromkeys(s.table for s in steps)),
        check=check,
    )


def _cost(model: DataModel) -> CostView | None:
    if model.cost is None:
        return None
    specs = {t.name: t for t in model.tables}
    tables = tuple(
        TableCostView(
            table=c.table,
            on_demand=c.on_demand_monthly,
            provisioned=c.provisioned_monthly,
            storage_gb=c.storage_gb,
            rcu_avg=c.rcu_avg,
            wcu_avg=c.wcu_avg,
            rcu_peak=c.rcu_peak,
            wcu_peak=c.wcu_peak,
            parts=split_cost(specs[c.table], c) if c.table in specs else (),
        )
        for c in model.cost.tables
    )
    partitions = tuple(
        PartitionView(
            table=p.table,
            index=p.index,
            key=p.key,
            distinct_keys=p.distinct_keys,
            skew=p.skew,
            rcu=p.rcu_per_partition,
            wcu=p.wcu_per_partition,
            hot=p.hot,
            sharding_plan=p.sharding_plan,
            pattern_ids=p.pattern_ids,
        )
        for p in sorted(
            model.partitions, key=lambda p: (not p.hot, -(p.rcu_per_partition / 3000 + p.wcu_per_partition / 1000))
        )
    )
    return CostView(
        pricing=model.cost.pricing,
        billing=model.cost.billing,
        total_on_demand=model.cost.total_on_demand_monthly,
        total_provisioned=model.cost.total_provisioned_monthly,
        tables=tables,
        partitions=partitions,
    )


class _Linker:
    """Finds the tables (and indexes) a decision's or warning's subject names, directly or through a source table."""

    def __init__(self, model: DataModel) -> None:
        self.by_source: dict[str, list[str]] = {}
        self.indexes: dict[str, str] = {}
        for t in model.tables:
            for e in t.entities:
                self.by_source.setdefault(e.source_table, []).append(t.name)
            for i in t.indexes:
                self.indexes.setdefault(i.name, t.name)
        self.tables = {t.name for t in model.tables}

    def links(self, subject: str) -> tuple[Link, ...]:
        """The links, in the order the subject names them, each once."""
        out: list[Link] = []
        for word in _WORD.findall(subject):
            for part in dict.fromkeys([word, *word.split(".")]):
                if part in self.tables:
                    out.append(Link(part))
                out += [Link(table) for table in self.by_source.get(part, ())]
                if part in self.indexes:
                    out.append(Link(self.indexes[part], part))
        return tuple(dict.fromkeys(out))


def _decision(linker: _Linker, d: DesignDecision) -> DecisionView:
    return DecisionView(
        decision_type=d.decision_type,
        subject=d.subject,
        chosen=d.chosen_approach,
        justification=d.justification,
        alternatives=d.alternatives_considered,
        trade_offs=d.trade_offs,
        rollback=d.rollback_strategy,
        monitoring=d.monitoring_requirements,
        links=linker.links(d.subject),
        pattern_ids=d.pattern_ids,
    )


def _warning(linker: _Linker, w: DesignWarning) -> WarningView:
    return WarningView(
        kind=w.kind,
        message=w.message,
        condition=w.condition,
        subject=w.subject,
        links=linker.links(w.subject),
        pattern_ids=w.pattern_ids,
    )
