"""A delete the design serves with TTL: do the items expire exactly when the SQL would delete their rows?

DynamoDB Local does not run TTL deletion, and AWS runs it late, so the check
is on the items' expiry times: with ``cutoff`` the median of the column, the
SQL (run in a rolled-back transaction) deletes some rows; at the moment the
application would run that SQL (``cutoff`` + the retention), exactly the
items of those rows must have expired.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sql2dynamo.design.model import DataModel
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.source.model import Table
from sql2dynamo.validate.cases import Param, app_value
from sql2dynamo.validate.report import CaseResult
from sql2dynamo.validate.sql import coerce
from sql2dynamo.workload.shape.model import StatementShape

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_ROWS = 2000


def _sa_table(table: Table) -> sa.TableClause:
    return sa.table(table.name, *(sa.column(c.name) for c in table.columns))


def run_ttl_case(
    engine: sa.Engine,
    client: DynamoDBClient,
    model: DataModel,
    builder: ItemBuilder,
    sql: str,
    shape: StatementShape,
    table: Table,
    params: Sequence[Param],
) -> CaseResult:
    """One case: the median cutoff; the rows the SQL deletes against the items expired by then."""
    label = "cutoff at the median"
    entity = next(
        ((spec, e) for spec in model.tables for e in spec.entities if e.source_table == table.name and e.ttl), None
    )
    cutoff_param = next((p for p in params if p.op in ("<", "<=") and p.column), None)
    if entity is None or cutoff_param is None or shape.operation != "delete":
        why = "the plan has no steps, and no TTL on the table with a `column < :cutoff` delete explains it"
        return CaseResult(label, {}, False, 0, 0, 0, 0.0, (), {"reason": why})
    spec, mapping = entity
    assert mapping.ttl is not None and cutoff_param.column is not None
    t = _sa_table(table)
    col = t.c[cutoff_param.column]
    pk = [t.c[c] for c in table.primary_key]
    with engine.connect() as conn, conn.begin() as trans:
        total = conn.execute(sa.select(sa.func.count()).select_from(t).where(col.is_not(None))).scalar_one()
        if not total:
            return CaseResult(label, {}, False, 0, 0, 0, 0.0, (), {"reason": "the table has no row to expire"})
        cutoff = conn.execute(sa.select(col).where(col.is_not(None)).order_by(col).offset(total // 2).limit(1)).scalar()
        rows = [dict(r) for r in conn.execute(sa.select(t).order_by(*pk).limit(MAX_ROWS)).mappings()]
        conn.execute(sa.text(sql), {cutoff_param.name: cutoff})
        kept = {tuple(r) for r in conn.execute(sa.select(*pk).order_by(*pk).limit(MAX_ROWS))}
        trans.rollback()
    moment = (
        _epoch(coerce(cutoff, table.column(cutoff_param.column).normalized_type)) + mapping.ttl.retention_days * 86400
    )
    wrong: list[str] = []
    started = time.perf_counter()
    calls = 0
    for row in rows:
        deleted = tuple(row[c] for c in table.primary_key) not in kept
        for name, item in builder.items_for(table.name, row).items:
            if name != spec.name:
                continue
            key = {spec.pk.attribute: item[spec.pk.attribute]}
            if spec.sk:
                key[spec.sk.attribute] = item[spec.sk.attribute]
            got = client.get_item(TableName=spec.name, Key=key, ConsistentRead=True).get("Item")
            calls += 1
            built = item.get(mapping.ttl.attribute)
            gone = got is None and built is not None and Decimal(built["N"]) < Decimal(time.time())
            # An item already past its expiry may have been deleted by DynamoDB's TTL: judge it by the expiry it had.
            expiry = built if gone else (got.get(mapping.ttl.attribute) if got else None)
            expired = expiry is not None and "N" in expiry and Decimal(expiry["N"]) < moment
            if (got is None and not gone) or expired != deleted:
                state = "missing" if got is None and not gone else ("expired" if expired else "not expired")
                wrong.append(
                    f"row {dict(zip(table.primary_key, (row[c] for c in table.primary_key), strict=True))}: "
                    f"the SQL {'deletes' if deleted else 'keeps'} it, its item is {state}"
                )
    latency = (time.perf_counter() - started) * 1000 / max(calls, 1)
    params_shown = {cutoff_param.name: app_value(cutoff_param, cutoff)}
    deleted_n = len(rows) - len(kept)
    diff = (
        {"reason": "; ".join(wrong[:3]) + (f" (and {len(wrong) - 3} more)" if len(wrong) > 3 else "")}
        if wrong
        else None
    )
    return CaseResult(label, params_shown, not wrong, deleted_n, deleted_n - len(wrong), calls, 0.0, (latency,), diff)


def _epoch(value: Any) -> Decimal:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return Decimal(str(value.timestamp()))
    if isinstance(value, dt.date):
        return Decimal(str(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()))
    return Decimal(str(value))
