"""Cases of write patterns: a template row, fresh values, and the duplicates both sides must refuse.

An insert copies the template with fresh key and unique values (a unique set of foreign keys takes
existing parents no row combines yet); an update changes the template (a row others refer to, so
denormalized copies are exercised); a delete removes a row nothing refers to, or deletes the referring
rows first, as the application must.  Each also gets a key with no row, and each unique column set a
case reusing another row's value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from sql2dynamo.source.model import Table
from sql2dynamo.validate.cases import Case, Param, app_value, missing_value, other_value
from sql2dynamo.validate.conjuncts import ConjunctProbe, exercised
from sql2dynamo.validate.sql import coerce
from sql2dynamo.workload.shape.model import StatementShape

# Parameters of the WHERE: each takes the template row's value (a range then holds or not at its edge).
_WHERE_OPS = ("=", "in", "<", "<=", ">", ">=")


def _sa_table(table: Table) -> sa.TableClause:
    return sa.table(table.name, *(sa.column(c.name) for c in table.columns))


def write_cases(
    conn: sa.Connection,
    shape: StatementShape,
    params: Sequence[Param],
    table: Table,
    tables: Sequence[Table],
    measured: Mapping[str, str] | None = None,
) -> list[Case]:
    """The cases of one write pattern: apply, a key with no row, and one duplicate per unique column set.

    An UPDATE or DELETE also gets, per conjunct of its WHERE that no key enforces (``measured``:
    parameter -> conjunct), the existing row with that conjunct false (another row's value, say
    another owner): the SQL changes 0 rows, and DynamoDB must change nothing either.
    """
    pk = list(table.primary_key)
    t = _sa_table(table)
    where_columns = [p.column for p in params if p.op in _WHERE_OPS and p.table is table and p.column]
    # `column = :param` never matches a NULL: an "existing row" case needs a row its WHERE can find.
    query = sa.select(t).where(*(t.c[c].is_not(None) for c in where_columns)).order_by(*(t.c[c] for c in pk))
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
    if not rows and where_columns:
        # Every row has a NULL in some compared column (`fax = :p`): compare on rows whose key is set.
        keyed = [c for c in where_columns if c in pk] or where_columns[:1]
        relaxed = sa.select(t).where(*(t.c[c].is_not(None) for c in keyed)).order_by(*(t.c[c] for c in pk))
        rows = [dict(r) for r in conn.execute(relaxed.limit(2)).mappings()]
    if not rows:
        return []
    template = rows[0]
    set_params = [p for p in params if p.op == "set" and p.table is table and p.column]
    where_params = [p for p in params if p.op in _WHERE_OPS and p.table is table and p.column]
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
    for p in where_params:
        text = (measured or {}).get(p.name)
        if text is None or not p.column or p.column in pk:
            continue
        value = other_value(conn, p, values.get(p.name))
        if value is not None:
            label = f"{shape.operation} an existing row, `{text}` false: another {p.column}"
            cases.append(make(label, {**values, p.name: value}, key))
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


LITERAL_ROWS = 50  # rows probed, at most, for one where a literal condition holds and one where it does not


def literal_write_cases(
    conn: sa.Connection,
    probe: ConjunctProbe,
    measured: Mapping[str, str],
    cases: Sequence[Case],
    params: Sequence[Param],
    table: Table,
) -> list[Case]:
    """The first case again on other rows, so that each literal condition (``deleted_at IS NULL``) is true and false.

    The row's key parameters take the other row's values; the SET values stay.
    """
    first = next((c for c in cases if c.row_key and c.expect == "apply"), None)
    literal = [t for t in probe.texts if t not in measured.values()]
    if first is None or not literal or first.extra:
        return []  # (a delete that removes referring rows first is not re-aimed at other rows)
    seen = {
        (text, o)
        for c in cases
        for text, outcome in exercised(conn, probe, c.source_params, c.row_key).items()
        for o in outcome.split("+")
    }
    wanted = [(t, o) for t in literal for o in ("true", "false") if (t, o) not in seen]
    where = [p for p in params if p.op == "=" and p.table is table and p.column]
    t = _sa_table(table)
    out: list[Case] = []
    query = sa.select(t).order_by(*(t.c[c] for c in table.primary_key)).limit(LITERAL_ROWS)
    for row in conn.execute(query).mappings() if wanted else []:
        values = {**first.source_params, **{p.name: row[p.column] for p in where if p.column}}
        key = {c: row[c] for c in table.primary_key}
        if any(row[p.column] is None for p in where if p.column):
            continue  # `column = NULL` holds for no row: not a case about the literal condition
        result = exercised(conn, probe, values, key)
        hits = [(c, o) for c, o in wanted if result.get(c) == o]
        if hits:
            label = ", ".join(f"`{c}` {o}" for c, o in hits)
            app = {p.name: app_value(p, values[p.name]) for p in params if p.name in values}
            out.append(
                replace(
                    first,
                    label=f"{first.label.split(' an existing row')[0]} a row where {label}",
                    source_params=values,
                    app_params=app,
                    row_key=key,
                    extra={},
                )
            )
            wanted = [w for w in wanted if w not in hits]
        if not wanted:
            break
    return out


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
