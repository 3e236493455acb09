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

import datetime as dt
import itertools
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sql2dynamo.design.model import DataModel
from sql2dynamo.errors import Sql2DynamoError
from sql2dynamo.migrate.transform import Item, ItemBuilder
from sql2dynamo.runtime.errors import ConditionFailed, DuplicateValue, ItemNotFound
from sql2dynamo.source.model import Table
from sql2dynamo.validate.cases import Case, Param, app_value, equals, missing_value
from sql2dynamo.validate.report import CaseResult
from sql2dynamo.validate.sql import coerce
from sql2dynamo.verify.canonical import canonical_item, diff_items
from sql2dynamo.workload.shape import StatementShape

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


# ------------------------------------------------------------------ cases


def write_cases(
    conn: sa.Connection, shape: StatementShape, params: Sequence[Param], table: Table, tables: Sequence[Table]
) -> list[Case]:
    """The cases of one write pattern: apply, a key with no row, and one duplicate per unique column set."""
    pk = list(table.primary_key)
    t = _sa_table(table)
    query = sa.select(t).order_by(*(t.c[c] for c in pk))
    children: list[tuple[Table, tuple[str, ...], tuple[str, ...]]] = []
    rows: list[dict[str, Any]] = []
    if shape.operation == "delete":
        rows = [dict(r) for r in conn.execute(query.where(*_childless(table, tables, t)).limit(2)).mappings()]
        if not rows:
            # Every row is referred to: as the application must, the case deletes the referring rows
            # first (on the source only; their items are not the pattern's to compare).
            children = _children(table, tables)
    referred = [~c for c in _childless(table, tables, t)]
    if shape.operation == "update" and referred:
        # A row other rows refer to (and may hold copies of): the update must reach those copies too.
        for condition in (sa.and_(*referred), sa.or_(*referred)):
            rows = rows or [dict(r) for r in conn.execute(query.where(condition).limit(2)).mappings()]
    if not rows:
        rows = [dict(r) for r in conn.execute(query.limit(2)).mappings()]
    if not rows:
        return []
    template = rows[0]
    set_params = [p for p in params if p.op == "set" and p.table is table and p.column]
    where_params = [p for p in params if p.op == "=" and p.table is table and p.column]
    uniques = [tuple(u.columns) for u in table.unique_constraints]
    if shape.operation == "insert" and all(c in shape.insert_columns for c in pk):
        uniques.insert(0, tuple(pk))
    fresh = _Fresh(conn, table)
    cases: list[Case] = []

    def make(
        label: str,
        values: Mapping[str, Any],
        key: dict[str, Any] | None,
        expect: str = "apply",
        group: tuple[str, ...] = (),
    ) -> Case:
        case = _case(label, values, params, key, expect, group)
        if shape.operation == "insert":
            # The repository takes an INSERT's row: its column values, literals (TRUE, 'pending') included.
            case = replace(case, app_params={**case.app_params, **_inserted(shape, table, values)})
        return case

    if shape.operation == "insert":
        values = {
            p.name: (
                fresh.value(p.column, template)
                if _guarded(p.column, uniques)
                else _now(table, p.column, template[p.column])
            )
            for p in set_params
            if p.column
        }
        for group in uniques:
            # A unique set made of foreign keys (favourites: user_id, listing_id) takes existing parents.
            if all(_fk_of(table, c) for c in group) and all(_param_for(set_params, c) for c in group):
                combo = _free_combo(conn, table, group, tables)
                if combo is not None:
                    values.update({n: v for c, v in combo.items() if (n := _param_for(set_params, c))})
        key = {c: values[n] for c in pk if (n := _param_for(set_params, c))} or None
        cases.append(make("insert a new row", values, key if key and len(key) == len(pk) else None))
        for group in uniques:
            names = [_param_for(set_params, c) for c in group]
            if not all(names):
                continue
            dup = dict(values)
            for c, n in zip(group, names, strict=True):
                dup[n] = template[c]  # type: ignore[index]
            cases.append(make(f"duplicate {', '.join(group)}", dup, None, "reject-duplicate", group))
        return cases
    key = {c: template[c] for c in pk}
    values = {p.name: template[p.column] for p in where_params if p.column}
    other = rows[1] if len(rows) > 1 else template
    for p in set_params:
        if p.name in values or not p.column:
            continue
        kind = table.column(p.column).normalized_type
        members = table.column(p.column).enum_values
        if members and not _guarded(p.column, uniques):
            current = coerce(template[p.column], kind)
            values[p.name] = next((m for m in members if m != current), current)
            continue
        values[p.name] = (
            fresh.value(p.column, template)
            if _guarded(p.column, uniques)
            else _now(table, p.column, _changed(coerce(template[p.column], kind), coerce(other[p.column], kind), kind))
        )
    first_case = make(f"{shape.operation} an existing row", values, key)
    if children:
        first_case = replace(
            first_case,
            extra={"delete_first": [(c, cols, tuple(template[r] for r in ref)) for c, cols, ref in children]},
        )
    cases.append(first_case)
    if where_params:
        first = where_params[0]
        gone = missing_value(
            first.table.column(first.column).normalized_type if first.table and first.column else None,
            values.get(first.name),
        )
        if gone is not None:
            cases.append(make(f"{shape.operation} a key with no row", {**values, first.name: gone}, None, "no-row"))
    if shape.operation == "update" and len(rows) > 1:
        for group in uniques:
            names = [_param_for(set_params, c) for c in group]
            if not all(names) or all(rows[1][c] == template[c] for c in group):
                continue
            dup = dict(values)
            for c, n in zip(group, names, strict=True):
                dup[n] = rows[1][c]  # type: ignore[index]
            cases.append(make(f"duplicate {', '.join(group)}", dup, key, "reject-duplicate", group))
    return cases


def _inserted(shape: StatementShape, table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """The inserted row's column values (as an application holds them), from parameters and literals."""
    out: dict[str, Any] = {}
    for b in shape.bindings:
        if b.op != "set":
            continue
        column = b.column.rsplit(".", 1)[-1]
        try:
            kind = table.column(column).normalized_type
        except KeyError:
            continue
        raw = values.get(b.value[1:]) if b.value.startswith(":") else _literal(b.value)
        out[column] = coerce(raw, kind)
    return out


def _literal(text: str) -> Any:
    upper = text.upper()
    if upper in ("TRUE", "FALSE"):
        return upper == "TRUE"
    if upper == "NULL":
        return None
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    try:
        return int(text)
    except ValueError:
        try:
            return Decimal(text)
        except ArithmeticError:
            return text


def _case(
    label: str,
    values: Mapping[str, Any],
    params: Sequence[Param],
    key: dict[str, Any] | None,
    expect: str = "apply",
    group: tuple[str, ...] = (),
) -> Case:
    app = {p.name: app_value(p, values[p.name]) for p in params if p.name in values}
    return Case(label, dict(values), app, key, expect, group)


def _param_for(params: Sequence[Param], column: str) -> str | None:
    return next((p.name for p in params if p.column == column), None)


def _guarded(column: str, uniques: Sequence[tuple[str, ...]]) -> bool:
    return any(column in group for group in uniques)


def _fk_of(table: Table, column: str) -> tuple[str, str] | None:
    """(referred table, referred column) of a single-column foreign key on ``column``."""
    for fk in table.foreign_keys:
        if fk.columns == (column,):
            return fk.referred_table, fk.referred_columns[0]
    return None


def _free_combo(
    conn: sa.Connection, table: Table, group: tuple[str, ...], tables: Sequence[Table]
) -> dict[str, Any] | None:
    """Existing parent values for every column of ``group`` whose combination no row holds yet."""
    by_name = {t.name.lower(): t for t in tables}
    candidates: list[list[Any]] = []
    for column in group:
        ref = _fk_of(table, column)
        assert ref is not None
        parent = by_name.get(ref[0].lower())
        if parent is None:
            return None
        p = _sa_table(parent)
        candidates.append(list(conn.execute(sa.select(p.c[ref[1]]).order_by(p.c[ref[1]]).limit(50)).scalars()))
    t = _sa_table(table)
    taken = {tuple(r) for r in conn.execute(sa.select(*(t.c[c] for c in group)))}
    for combo in itertools.product(*candidates):
        if combo not in taken:
            return dict(zip(group, combo, strict=True))
    return None


def _children(table: Table, tables: Sequence[Table]) -> list[tuple[Table, tuple[str, ...], tuple[str, ...]]]:
    """(child table, its foreign-key columns, the referred columns) for every table referring to ``table``."""
    return [
        (child, tuple(fk.columns), tuple(fk.referred_columns))
        for child in tables
        for fk in child.foreign_keys
        if fk.referred_table.lower() == table.name.lower() and child is not table
    ]


def _childless(table: Table, tables: Sequence[Table], t: sa.TableClause) -> list[Any]:
    """NOT EXISTS conditions: no row of another table refers to the row (so a delete is not refused)."""
    out: list[Any] = []
    for child in tables:
        for fk in child.foreign_keys:
            if fk.referred_table.lower() != table.name.lower():
                continue
            c = _sa_table(child).alias(f"s2d_child_{len(out)}")
            pairs = zip(fk.columns, fk.referred_columns, strict=True)
            out.append(~sa.exists().where(*(c.c[a] == t.c[b] for a, b in pairs)))
    return out


_DEFAULTS: dict[str, Any] = {
    "datetime": dt.datetime(2024, 7, 1, 12, 0, 0),
    "datetime_tz": dt.datetime(2024, 7, 1, 12, 0, 0, tzinfo=dt.UTC),
    "date": dt.date(2024, 7, 1),
    "string": "s2d-value",
    "enum": None,
    "integer": 1,
    "decimal": Decimal("1.5"),
    "float": 1.5,
    "boolean": True,
    "json": {"s2d": 1},
}


def _now(table: Table, column: str, value: Any) -> Any:
    """A date-time written by the pattern is the current time (``:now``): items with a TTL are not born expired."""
    kind = table.column(column).normalized_type
    if kind not in ("datetime", "datetime_tz"):
        return value
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return now if kind == "datetime_tz" else now.replace(tzinfo=None)


def _changed(value: Any, other: Any, kind: str | None = None) -> Any:
    """Another value of the same type: the other row's when it differs, else a changed copy (NULL: a default)."""
    if other is not None and other != value:
        return other
    if value is None:
        return str(uuid.uuid4()) if kind == "uuid" else _DEFAULTS.get(kind or "")
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | Decimal):
        return value + 1
    if isinstance(value, float):
        return value + 1.5
    if isinstance(value, dt.datetime | dt.date):
        return value + dt.timedelta(days=1)
    if isinstance(value, str):
        return value[:-1] + ("x" if not value.endswith("x") else "y") if value else "x"
    return value


class _Fresh:
    """Values no row of the table holds yet, per column."""

    def __init__(self, conn: sa.Connection, table: Table) -> None:
        self.conn = conn
        self.table = table
        self.n = 0

    def value(self, column: str, template: Mapping[str, Any]) -> Any:
        self.n += 1
        col = self.table.column(column)
        kind = col.normalized_type
        base = template[column]
        if kind == "integer":
            t = _sa_table(self.table)
            top = self.conn.execute(sa.select(sa.func.max(t.c[column]))).scalar()
            return int(top or 0) + 1000 + self.n
        if kind == "uuid":
            new = uuid.uuid4()
            return new if isinstance(base, uuid.UUID) else str(new)
        if isinstance(base, str) or base is None:
            text = f"s2d{self.n}-{uuid.uuid4().hex[:8]}-{base or ''}"
            return text[: col.length] if col.length else text
        return _changed(base, None)


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
                affected = conn.execute(sa.text(spec.sql), case.source_params).rowcount
            except sa.exc.IntegrityError as exc:
                source_error = " ".join(str(exc.orig).split())[:200]
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
    if refused is not None:
        return f"DynamoDB refused the write the source accepted: {_text(refused)}", affected, 0
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


def _key_value(model: DataModel, key: Key, item: Item | None = None) -> dict[str, Any]:
    import ast

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
