"""Every access pattern of a model, run on both sides: the SQL on the source, the plan on DynamoDB.

:func:`validate_patterns` takes an open source (with its schema), the model,
the patterns file and a repository, and returns one :class:`PatternResult`
per pattern.  Reads run first, then writes (each write restores what it
changed in DynamoDB and rolls back the source), so reads see the migrated
data and every write case starts from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sqlalchemy as sa

from sql2dynamo.common.errors import Sql2DynamoError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.text import shorten
from sql2dynamo.design.model import AccessPlan, DataModel
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.source.connect import Source
from sql2dynamo.source.model import Schema, Table
from sql2dynamo.validate.cases import Case, Tables, adversarial_read_cases, params_of, read_cases
from sql2dynamo.validate.conjuncts import KEYED, ConjunctProbe, exercised, probe_for
from sql2dynamo.validate.reads import ReadSpec, Retention, run_read_case
from sql2dynamo.validate.report import CaseResult, PatternResult
from sql2dynamo.validate.sql import prepare
from sql2dynamo.validate.ttl import run_ttl_case
from sql2dynamo.validate.write_cases import literal_write_cases, write_cases
from sql2dynamo.validate.writes import WriteSpec, run_write_case
from sql2dynamo.verify.source_items import SourceItems
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile
from sql2dynamo.workload.shape.model import StatementShape
from sql2dynamo.workload.shape.parse import parse_shape

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from sql2dynamo.runtime.repository import Repository

DEFAULT_PAGE_SIZE = 2


@dataclass(frozen=True)
class _Run:
    """What every pattern of one validation shares: both sides, the model and how to build its items."""

    dialect: str  # the patterns' SQL dialect
    source: Source
    write_engine: sa.Engine
    schema: Schema
    tables: Tables
    model: DataModel
    builder: ItemBuilder
    parents: SourceItems
    repo: Repository
    client: DynamoDBClient
    page_size: int | None


def validate_patterns(
    source: Source,
    write_engine: sa.Engine,
    schema: Schema,
    model: DataModel,
    patterns: PatternsFile,
    repo: Repository,
    client: DynamoDBClient,
    *,
    reporter: Reporter,
    only: Sequence[str] = (),
    page_size: int | None = DEFAULT_PAGE_SIZE,
) -> tuple[PatternResult, ...]:
    """Run every pattern (or those in ``only``) and compare; never raises for a difference.

    ``write_engine`` runs the write cases (a writable engine: SQLite sources
    are opened read-only, so the caller passes a scratch copy's).
    """
    builder = ItemBuilder(model)
    run = _Run(
        dialect=patterns.dialect or schema.source.dialect,
        source=source,
        write_engine=write_engine,
        schema=schema,
        tables=Tables(schema.tables),
        model=model,
        builder=builder,
        parents=SourceItems(source, {t.name: t for t in schema.tables}, builder),
        repo=repo,
        client=client,
        page_size=page_size,
    )
    chosen = [p for p in patterns.patterns if not only or p.id in only]
    reads = [p for p in chosen if _kind(model, p) == "read"]
    writes = [p for p in chosen if _kind(model, p) != "read"]
    results: dict[str, PatternResult] = {}
    with reporter.task(f"validating {len(chosen)} access patterns", total=len(chosen)) as progress:
        for pattern in [*reads, *writes]:
            results[pattern.id] = _one(run, pattern)
            r = results[pattern.id]
            if r.status == "fail":
                reporter.warning(f"{pattern.id} FAIL: {r.reason}")
            progress.advance()
    return tuple(results[p.id] for p in chosen)


def _kind(model: DataModel, pattern: AccessPattern) -> str:
    try:
        return model.plan(pattern.id).kind
    except KeyError:
        return "read"


def _one(run: _Run, pattern: AccessPattern) -> PatternResult:
    try:
        plan = run.model.plan(pattern.id)
    except KeyError:
        return PatternResult(pattern.id, pattern.description, "read", "fail", (), "the model has no plan for it")
    if not plan.supported:
        return PatternResult(
            pattern.id, pattern.description, plan.kind, "unsupported", (), plan.reason, plan.alternative
        )
    try:
        shape = parse_shape(pattern.sql, run.dialect, pattern_id=pattern.id)
        cases = _cases(run, pattern, plan, shape)
    except (Sql2DynamoError, sa.exc.SQLAlchemyError) as exc:
        text = exc.one_line() if isinstance(exc, Sql2DynamoError) else shorten(str(exc), 300)
        return PatternResult(pattern.id, pattern.description, plan.kind, "fail", (), f"could not run: {text}")
    if not cases:
        return PatternResult(
            pattern.id, pattern.description, plan.kind, "fail", (), "no case could be built from the source's rows"
        )
    bad = next((c for c in cases if not c.ok), None)
    reason = ""
    if bad is not None:
        reason = f"[{bad.label}] {bad.difference.get('reason') if bad.difference else 'differs'}"
    return PatternResult(pattern.id, pattern.description, plan.kind, "fail" if bad else "pass", tuple(cases), reason)


def _cases(run: _Run, pattern: AccessPattern, plan: AccessPlan, shape: StatementShape) -> list[CaseResult]:
    params = params_of(shape, run.tables)
    source_dialect = run.schema.source.dialect
    statement_tables = _statement_tables(shape, run.tables)
    measured = _measured(plan, shape)
    if plan.kind == "read":
        probe = probe_for(pattern.sql, run.dialect, source_dialect, plan)
        with run.source.engine.connect() as conn:
            cases = read_cases(conn, params)
            cases += adversarial_read_cases(conn, params, measured, cases, probe)
        prepared = prepare(pattern.sql, run.dialect, source_dialect, find_table=run.tables.find)
        limit = next((p.name for p in params if p.op == "limit"), None)
        retention = _retention(run.model, statement_tables[0], run.write_engine)
        spec = ReadSpec(pattern.id, prepared, limit, run.page_size, retention)
        results = [run_read_case(run.source.engine, run.repo, spec, c) for c in cases]
        return _with_conjuncts(run.source.engine, probe, cases, results)
    main = statement_tables[0]
    prepared = prepare(pattern.sql, run.dialect, source_dialect, add_order=False)
    if not plan.steps:
        return [run_ttl_case(run.write_engine, run.client, run.model, run.builder, prepared.text, shape, main, params)]
    auto = None
    if shape.operation == "insert" and len(main.primary_key) == 1 and main.primary_key[0] not in shape.insert_columns:
        auto = main.primary_key[0]
    spec_w = WriteSpec(pattern.id, prepared.text, shape.operation, main, auto)
    probe = probe_for(pattern.sql, run.dialect, source_dialect, plan, row_key=main.primary_key)
    with run.write_engine.connect() as conn:
        cases = write_cases(conn, shape, params, main, run.schema.tables, measured)
        if probe is not None and shape.operation in ("update", "delete"):
            cases += literal_write_cases(conn, probe, measured, cases, params, main)
    results = [
        run_write_case(run.write_engine, run.repo, run.client, run.model, run.builder, run.parents, spec_w, c)
        for c in cases
    ]
    # Each write was rolled back: the rows are as they were when the case ran.
    return _with_conjuncts(run.write_engine, probe, cases, results)


def _measured(plan: AccessPlan, shape: StatementShape) -> dict[str, str]:
    """Parameter -> the conjunct (as written) it feeds, for the conjuncts no key enforces."""
    out: dict[str, str] = {}
    for use in plan.predicates:
        if use.clause == "where" and use.enforced_by not in KEYED and use.position < len(shape.conditions):
            for name in shape.conditions[use.position].parameters():
                out.setdefault(name, use.text)
    return out


def _with_conjuncts(
    engine: sa.Engine, probe: ConjunctProbe | None, cases: Sequence[Case], results: Sequence[CaseResult]
) -> list[CaseResult]:
    """The results, each with the outcome of every non-key conjunct among its rows."""
    if probe is None:
        return list(results)
    with engine.connect() as conn:
        return [
            replace(r, conjuncts=exercised(conn, probe, c.source_params, c.row_key))
            for c, r in zip(cases, results, strict=True)
        ]


def _retention(model: DataModel, table: Table, engine: sa.Engine) -> Retention | None:
    """The TTL of ``table``'s items, when the model gives them one."""
    for spec in model.tables:
        for e in spec.entities:
            if e.source_table == table.name and e.ttl is not None:
                return Retention(table, e.ttl.source_column, e.ttl.retention_days, engine)
    return None


def _statement_tables(shape: StatementShape, tables: Tables) -> list[Table]:
    """The statement's tables, the one whose ``x.*`` is selected first."""
    found = [t for t in (tables.find(n) for n in shape.tables) if t is not None]
    if not found:
        raise Sql2DynamoError("the statement names no table of the source schema")
    star = next((p[:-2] for p in shape.projection if p.endswith(".*")), None)
    if star is not None:
        first = tables.find(star)
        if first is not None and first in found:
            found.remove(first)
            found.insert(0, first)
    return found
