"""Write patterns: the SQL in a transaction that is rolled back, the plan through the Repository.

Per case, in order: the SQL runs on the source inside a transaction; the
written row is read back by its primary key in that transaction, and the
model's ItemBuilder turns the row before and after into the items DynamoDB
must hold before and after.  Those items are saved from DynamoDB, the
repository writes, the items are read back (strongly consistent) and compared
with the expected ones, then the saved items are put back and the source
transaction is rolled back: every case starts from the migrated data.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sql2dynamo.common.errors import Sql2DynamoError
from sql2dynamo.common.text import shorten
from sql2dynamo.design.model import DataModel
from sql2dynamo.items.transform import Item, ItemBuilder
from sql2dynamo.runtime.errors import ConditionFailed, DuplicateValue, ItemNotFound
from sql2dynamo.source.model import Table
from sql2dynamo.validate.cases import Case, equals
from sql2dynamo.validate.report import CaseResult
from sql2dynamo.verify.canonical import canonical_item, diff_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from sql2dynamo.runtime.repository import Repository

Key = tuple[str, tuple[tuple[str, str], ...]]  # DynamoDB table, canonical key


@dataclass(frozen=True)
class WriteSpec:
    """What a write pattern needs besides its cases."""

    pattern_id: str
    sql: str  # in the source's dialect
    operation: str  # insert, update, delete
    table: Table
    autoincrement: str | None  # the generated primary-key column of an insert, if any


def _sa_table(table: Table) -> sa.TableClause:
    return sa.table(table.name, *(sa.column(c.name) for c in table.columns))


def _by_key(conn: sa.Connection, table: Table, key: Mapping[str, Any]) -> dict[str, Any] | None:
    t = _sa_table(table)
    found = conn.execute(sa.select(t).where(*(equals(t.c[c], v) for c, v in key.items()))).mappings().first()
    return dict(found) if found is not None else None


# ------------------------------------------------------------------ running a case


def run_write_case(
    engine: sa.Engine,
    repo: Repository,
    client: DynamoDBClient,
    model: DataModel,
    builder: ItemBuilder,
    parents: Any,
    spec: WriteSpec,
    case: Case,
) -> CaseResult:
    """Run one case on both sides, compare, and restore DynamoDB."""
    latencies: list[float] = []
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            before = _by_key(conn, spec.table, case.row_key) if case.row_key else None
            source_error: str | None = None
            affected = 0
            # The id the database would give: what the application passes when the source refuses the insert.
            next_id = _next_id(conn, spec) if spec.operation == "insert" and spec.autoincrement else None
            for child, columns, values in case.extra.get("delete_first", ()):
                c = _sa_table(child)
                conn.execute(sa.delete(c).where(*(equals(c.c[n], v) for n, v in zip(columns, values, strict=True))))
            try:
                affected = conn.execute(sa.text(spec.sql), _driver_params(conn, case.source_params)).rowcount
            except sa.exc.IntegrityError as exc:
                source_error = shorten(str(exc.orig), 200)
            key = case.row_key
            app = dict(case.app_params)
            if source_error is None and spec.operation == "insert" and key is None:
                key = _inserted_key(conn, spec)
                if spec.autoincrement and key:
                    app[spec.autoincrement] = key[spec.autoincrement]
            elif spec.autoincrement and next_id is not None:
                app[spec.autoincrement] = next_id
            after = _by_key(conn, spec.table, key) if key and source_error is None else before
            items_before = _items(builder, parents, spec.table.name, before)
            items_after = _items(builder, parents, spec.table.name, after)
            if spec.operation == "update" and after is not None:
                # Items of other rows holding copies of this row's columns must follow the update.
                items_after.update(_copy_items(conn, builder, parents, spec.table, after))
            keys = {**{k: None for k in items_before}, **{k: None for k in items_after}}
            saved = {k: _get(client, model, k) for k in keys}
            # A write to a key no row has must not create an item anywhere: count the tables (small ones).
            counted = _counts(client, model, spec.table.name) if case.expect == "no-row" else None
            started = time.perf_counter()
            calls, capacity, target_error, refused = 0, 0.0, None, None
            try:
                outcome = repo.write(spec.pattern_id, app)
                calls, capacity = outcome.calls, outcome.consumed_wcu
            except (ConditionFailed, ItemNotFound) as exc:
                refused = exc
            except Exception as exc:  # a repository crash fails this case, not validate
                target_error = f"the repository raised {type(exc).__name__}: {_text(exc)}"
            latencies.append((time.perf_counter() - started) * 1000)
            if counted and target_error is None and _counts(client, model, spec.table.name) != counted:
                target_error = "DynamoDB created or removed items for a key no row has"
            try:
                reason, expected_n, actual_n = _judge(
                    case,
                    spec,
                    model,
                    client,
                    source_error,
                    affected,
                    refused,
                    target_error,
                    items_before,
                    items_after,
                    saved,
                )
            finally:
                _restore(client, model, saved)
        finally:
            trans.rollback()
    diff = None if reason is None else {"reason": reason}
    return CaseResult(
        case.label, dict(app), reason is None, expected_n, actual_n, calls, capacity, tuple(latencies), diff
    )


def _driver_params(conn: sa.Connection, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as the driver takes them: sqlite3 binds no Decimal (its NUMERIC columns take the text)."""
    if conn.dialect.name != "sqlite":
        return dict(params)
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in params.items()}


def _text(exc: BaseException) -> str:
    return exc.one_line() if isinstance(exc, Sql2DynamoError) else str(exc)


def _judge(
    case: Case,
    spec: WriteSpec,
    model: DataModel,
    client: DynamoDBClient,
    source_error: str | None,
    affected: int,
    refused: Sql2DynamoError | None,
    target_error: str | None,
    items_before: Mapping[Key, Item],
    items_after: Mapping[Key, Item],
    saved: Mapping[Key, Item | None],
) -> tuple[str | None, int, int]:
    """(None or the difference, rows the source changed, items DynamoDB changed)."""
    if target_error is not None:
        return target_error, affected, 0
    if case.expect == "reject-duplicate":
        if source_error is None:
            return f"the source accepted the duplicate {', '.join(case.duplicate_columns)}", affected, 0
        if refused is None:
            return f"the source refused the duplicate ({source_error}) but DynamoDB accepted it", 0, 1
        primary = tuple(case.duplicate_columns) == tuple(spec.table.primary_key)
        if not primary and not isinstance(refused, DuplicateValue):
            return f"DynamoDB refused with {type(refused).__name__}, not DuplicateValue: {_text(refused)}", 0, 0
        changed = _changed_items(client, model, saved)
        return (f"DynamoDB refused but changed {changed}" if changed else None), 0, 0
    if source_error is not None:
        return f"the source refused the write: {source_error}", 0, 0
    if case.expect == "no-row":
        if affected:
            return f"the source changed {affected} row(s) for a key no row has", affected, 0
        return None, 0, 0
    if refused is not None and affected:
        return f"DynamoDB refused the write the source applied to {affected} row(s): {_text(refused)}", affected, 0
    # A refusal with 0 rows changed on the source is the same answer ("0 rows affected"): the items
    # must then be exactly as they were, which the comparison below checks (items_after = before).
    problems: list[str] = []
    for key, want in items_after.items():
        got = _get(client, model, key)
        if got is None:
            problems.append(f"item {key[0]} {dict(key[1])} is missing after the write")
        elif canonical_item(got) != canonical_item(want):
            problems.append(f"item {key[0]} {dict(key[1])} differs: " + "; ".join(diff_items(want, got, limit=5)))
    for key in items_before:
        if key not in items_after and _get(client, model, key) is not None:
            problems.append(f"item {key[0]} {dict(key[1])} should be gone after the write")
    return ("; ".join(problems[:3]) if problems else None), affected, len(items_after) - len(problems)


COUNT_LIMIT = 5000  # tables up to this many items are counted around a write to a missing key


def _counts(client: DynamoDBClient, model: DataModel, source_table: str) -> dict[str, int] | None:
    """Items per DynamoDB table holding ``source_table``'s items (None when a table is too big to count)."""
    out: dict[str, int] = {}
    for spec in model.tables:
        if not any(e.source_table == source_table for e in spec.entities):
            continue
        total = 0
        for page in client.get_paginator("scan").paginate(TableName=spec.name, Select="COUNT"):
            total += page["Count"]
            if total > COUNT_LIMIT:
                return None
        out[spec.name] = total
    return out


def _next_id(conn: sa.Connection, spec: WriteSpec) -> int:
    assert spec.autoincrement is not None
    t = _sa_table(spec.table)
    return int(conn.execute(sa.select(sa.func.max(t.c[spec.autoincrement]))).scalar() or 0) + 1


def _inserted_key(conn: sa.Connection, spec: WriteSpec) -> dict[str, Any] | None:
    if spec.autoincrement is None:
        return None
    t = _sa_table(spec.table)
    top = conn.execute(sa.select(sa.func.max(t.c[spec.autoincrement]))).scalar()
    return {spec.autoincrement: top} if top is not None else None


def _items(builder: ItemBuilder, parents: Any, source_table: str, row: Mapping[str, Any] | None) -> dict[Key, Item]:
    if row is None:
        return {}
    out: dict[Key, Item] = {}
    for table, item in parents.items_of_row(source_table, dict(row)):
        out[_key_of(builder.model, table, item)] = item
    return out


MAX_COPIES = 50  # rows holding copies of an updated row that are compared, at most


def _copy_items(
    conn: sa.Connection, builder: ItemBuilder, parents: Any, table: Table, row: Mapping[str, Any]
) -> dict[Key, Item]:
    """The items of the rows that copy ``row``'s columns (denormalized), built with the updated row.

    The rows are read in the write's transaction, and the updated row is given to the builder
    directly: another connection would still see it as it was.
    """
    out: dict[Key, Item] = {}
    for child in builder.source_tables:
        joins = builder.joins(child)
        join = joins.get(table.name)
        if join is None or child == table.name or row.get(join.source_column) is None:
            continue
        c = sa.table(child, sa.column(join.local_column))
        query = sa.select(sa.text("*")).select_from(c).where(equals(c.c[join.local_column], row[join.source_column]))
        for found in conn.execute(query.limit(MAX_COPIES)).mappings():
            child_row = dict(found)
            related = {
                parent: (
                    dict(row)
                    if parent == table.name
                    else parents._parents(parent, j.source_column, {child_row[j.local_column]}).get(
                        child_row[j.local_column]
                    )
                )
                for parent, j in joins.items()
                if child_row.get(j.local_column) is not None
            }
            for name, item in builder.items_for(child, child_row, related).items:
                out[_key_of(builder.model, name, item)] = item
    return out


def _key_of(model: DataModel, table: str, item: Item) -> Key:
    spec = model.table(table)
    names = [spec.pk.attribute] + ([spec.sk.attribute] if spec.sk else [])
    return table, tuple((n, repr(item[n])) for n in names)


def _key_value(model: DataModel, key: Key) -> dict[str, Any]:
    """The low-level key of a :data:`Key` (its values are kept as the repr of the AttributeValues)."""
    return {n: ast.literal_eval(v) for n, v in key[1]}


def _get(client: DynamoDBClient, model: DataModel, key: Key) -> Item | None:
    found = client.get_item(TableName=key[0], Key=_key_value(model, key), ConsistentRead=True)
    item = found.get("Item")
    return dict(item) if item else None  # type: ignore[arg-type]


def _changed_items(client: DynamoDBClient, model: DataModel, saved: Mapping[Key, Item | None]) -> list[str]:
    out = []
    for key, old in saved.items():
        now = _get(client, model, key)
        if (now is None) != (old is None) or (
            now is not None and old is not None and canonical_item(now) != canonical_item(old)
        ):
            out.append(f"{key[0]} {dict(key[1])}")
    return out


def _restore(client: DynamoDBClient, model: DataModel, saved: Mapping[Key, Item | None]) -> None:
    for key, old in saved.items():
        if old is None:
            client.delete_item(TableName=key[0], Key=_key_value(model, key))
        else:
            client.put_item(TableName=key[0], Item=old)
