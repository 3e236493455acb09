"""Parameter values for each pattern, picked from the source's own data.

Reads get the key with the most rows, the one with the fewest, one in
between, and a key no row has; range parameters take the median of their
column among the key's rows; a ``:limit`` is small on the busiest key (the
LIMIT must cut) and generous elsewhere.  Writes get a template row: an insert
copies it with fresh key and unique values, an update changes it, a delete
removes a row nothing refers to; each unique column also gets a case that
reuses another row's value, which both sides must refuse.

A :class:`Case` holds the values twice: as the driver gave them (for the
source, so a comparison is exact) and as an application holds them (for the
repository: booleans as ``bool``, UUIDs as text).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from sql2dynamo.source.model import Table
from sql2dynamo.validate.conjuncts import ConjunctProbe, exercised
from sql2dynamo.validate.sql import coerce
from sql2dynamo.workload.shape.model import Predicate, StatementShape

READ_LIMIT_SMALL = 3
READ_LIMIT_LARGE = 500


@dataclass(frozen=True)
class Case:
    """One run of a pattern: a label and the parameter values for both sides."""

    label: str
    source_params: dict[str, Any]
    app_params: dict[str, Any]
    # Writes: the source table's primary key of the row written (None: found after an insert),
    # and what both sides must do.
    row_key: dict[str, Any] | None = None
    expect: str = "apply"  # "apply", "reject-duplicate", "no-row"
    duplicate_columns: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Param:
    """A parameter and the column it is compared with or assigned to."""

    name: str
    table: Table | None
    column: str | None
    op: str  # "=", ">", ">=", "<", "<=", "set", "limit", "other"


class Tables:
    """The source schema's tables by exact and case-folded name."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.by_name = {t.name: t for t in tables}
        self.folded = {t.name.lower(): t for t in tables}

    def find(self, name: str) -> Table | None:
        """The table ``name`` (schema qualifier ignored), in any case."""
        bare = name.split(".")[-1]
        return self.by_name.get(bare) or self.folded.get(bare.lower())


def params_of(shape: StatementShape, tables: Tables) -> list[Param]:
    """Every parameter of the statement, tied to its column where the shape says which."""
    main = tables.find(shape.tables[0]) if shape.tables else None
    out: dict[str, Param] = {}
    for b in shape.bindings:
        if not b.value.startswith(":"):
            continue
        name = b.value[1:]
        table, column = main, b.column
        if "." in b.column:
            qualifier, column = b.column.rsplit(".", 1)
            table = tables.find(qualifier) or main
        if table is not None:
            column = _column_name(table, column)
        out.setdefault(name, Param(name, table, column, b.op))
    # Parameters of conditions the bindings do not record (`c <> :p`, under NOT or OR) get a value of
    # their column too: an equality's picks the rows' own values, so the condition holds for some.
    for leaf in _leaves(shape.conditions):
        if leaf.column is None or leaf.op in ("join", "other", "like"):
            continue
        ops = (
            (">=", "<=") if leaf.op == "between" else ("=" if leaf.op in ("<>", "in") else leaf.op,) * len(leaf.values)
        )
        for value, op in zip(leaf.values, ops, strict=False):
            if value.startswith(":") and value[1:] not in out:
                table, column = main, leaf.column
                if "." in leaf.column:
                    qualifier, column = leaf.column.rsplit(".", 1)
                    table = tables.find(qualifier) or main
                if table is not None:
                    out[value[1:]] = Param(value[1:], table, _column_name(table, column), op)
    if isinstance(shape.limit, str) and shape.limit.startswith(":"):
        out.setdefault(shape.limit[1:], Param(shape.limit[1:], None, None, "limit"))
    for name in shape.parameters:
        out.setdefault(name, Param(name, None, None, "other"))
    return list(out.values())


def _leaves(conditions: Sequence[Predicate]) -> list[Predicate]:
    out: list[Predicate] = []
    for p in conditions:
        out += _leaves(p.parts) if p.parts else [p]
    return out


def _column_name(table: Table, name: str) -> str:
    for c in table.columns:
        if c.name == name:
            return c.name
    for c in table.columns:
        if c.name.lower() == name.lower():
            return c.name
    return name


def _type(param: Param) -> str | None:
    if param.table is None or param.column is None:
        return None
    try:
        return param.table.column(param.column).normalized_type
    except KeyError:
        return None


def app_value(param: Param, value: Any) -> Any:
    """The value as an application passes it to the repository."""
    return coerce(value, _type(param))


def equals(column: sa.ColumnClause[Any], value: Any) -> sa.ColumnElement[bool]:
    """``column = value`` with an untyped parameter: PostgreSQL compares it with an ENUM or UUID column as is."""
    return column == sa.bindparam(None, value, type_=sa.types.NullType())


def _sa_table(table: Table) -> sa.TableClause:
    # No schema: the connection's default, as migrate's reader does (a sample copy has none).
    return sa.table(table.name, *(sa.column(c.name) for c in table.columns))


# ------------------------------------------------------------------ reads


def read_cases(conn: sa.Connection, params: Sequence[Param]) -> list[Case]:
    """The cases of one read pattern (at least one)."""
    eq = [p for p in params if p.op in ("=", "in") and p.table is not None]
    ranges = [p for p in params if p.op in (">", ">=", "<", "<=") and p.table is not None]
    limit = next((p for p in params if p.op == "limit"), None)
    others = [p for p in params if p not in eq and p not in ranges and p is not limit]
    combos: list[tuple[str, dict[str, Any]]] = []
    if eq:
        found = _combos(conn, eq)
        if found:
            picks = [("most rows", found[0])]
            if len(found) > 1:
                picks.append(("fewest rows", found[-1]))
            if len(found) > 2:
                picks.append(("a middle key", found[len(found) // 2]))
            combos.extend(picks)
        missing = _missing_combo(eq, found[0] if found else None)
        if missing is not None:
            combos.append(("a key with no rows", missing))
    else:
        combos.append(("all rows", {}))
    cases: list[Case] = []
    for label, combo in combos:
        values = dict(combo)
        for p in ranges:
            values[p.name] = _median(conn, p, eq, combo)
        for p in others:
            values[p.name] = "a"
        limits: list[int | None] = [None]
        if limit is not None:
            limits = [READ_LIMIT_SMALL, READ_LIMIT_LARGE] if label in ("most rows", "all rows") else [READ_LIMIT_LARGE]
        for n in limits:
            case_values = dict(values)
            text = label
            if limit is not None and n is not None:
                case_values[limit.name] = n
                text = f"{label}, limit {n}"
            app = {p.name: app_value(p, case_values[p.name]) for p in params if p.name in case_values}
            cases.append(Case(text, case_values, app))
    return cases


ADVERSARIAL_KEYS = 40  # keys probed, at most, for one where a conjunct holds and one where it does not


def adversarial_read_cases(
    conn: sa.Connection,
    params: Sequence[Param],
    measured: Mapping[str, str],
    cases: Sequence[Case],
    probe: ConjunctProbe | None,
) -> list[Case]:
    """Cases where each conjunct no key enforces is false (and true), so a plan that drops it differs.

    A conjunct with a parameter (``user_id = :user_id`` beside the key) gets the busiest key with
    that parameter set to another value (another row's, else one no row has).  A conjunct of
    literals (``return_date IS NULL``) gets a key among the busiest where it holds for some row
    and one where it fails for some row, when the earlier cases have not shown both.
    """
    base = next((c for c in cases if c.label.startswith(("most rows", "all rows"))), None)
    if base is None:
        return []
    out: list[Case] = []
    for name, text in measured.items():
        p = next((q for q in params if q.name == name), None)
        if p is None or p.op not in ("=", "in") or p.table is None or p.column is None:
            continue
        value = other_value(conn, p, base.source_params.get(name))
        if value is None:
            continue
        values = {**base.source_params, name: value}
        out.append(Case(f"`{text}` false: another {p.column}", values, _app(params, values)))
    if probe is None:
        return out
    seen = {
        (t, o) for c in [*cases, *out] for t, r in exercised(conn, probe, c.source_params).items() for o in r.split("+")
    }
    literal = [t for t in probe.texts if t not in measured.values()]
    wanted = [(t, o) for t in literal for o in ("true", "false") if (t, o) not in seen]
    eq = [p for p in params if p.op in ("=", "in") and p.table is not None and p.name not in measured]
    for combo in _combos(conn, eq)[:ADVERSARIAL_KEYS] if eq and wanted else []:
        values = {**base.source_params, **combo}
        result = exercised(conn, probe, values)
        hits = [(t, o) for t, o in wanted if o in result.get(t, "").split("+")]
        if hits:
            label = ", ".join(f"`{t}` {o}" for t, o in hits)
            out.append(Case(f"a key where {label}", values, _app(params, values)))
            wanted = [w for w in wanted if w not in hits]
        if not wanted:
            break
    return out


def _app(params: Sequence[Param], values: Mapping[str, Any]) -> dict[str, Any]:
    return {p.name: app_value(p, values[p.name]) for p in params if p.name in values}


def other_value(conn: sa.Connection, p: Param, current: Any) -> Any:
    """A value of ``p``'s column other than ``current``: another row's, else one no row is likely to hold."""
    assert p.table is not None and p.column is not None
    t = _sa_table(p.table)
    col = t.c[p.column]
    query = sa.select(col).where(col.is_not(None)).distinct().order_by(col).limit(50)
    for value in conn.execute(query).scalars():
        if coerce(value, _type(p)) != coerce(current, _type(p)):
            return value
    return missing_value(_type(p), current)


def _combos(conn: sa.Connection, eq: Sequence[Param]) -> list[dict[str, Any]]:
    """Distinct values of the equality columns (one table), busiest first, NULLs left out."""
    table = eq[0].table
    assert table is not None
    same = [p for p in eq if p.table is table]
    t = _sa_table(table)
    cols = [t.c[p.column] for p in same if p.column is not None]
    n = sa.func.count().label("s2d_n")
    query = (
        sa.select(*cols, n)
        .where(sa.and_(*(c.is_not(None) for c in cols)))
        .group_by(*cols)
        .order_by(n.desc(), *cols)
        .limit(2000)
    )
    rows = conn.execute(query).all()
    out = [{p.name: r[i] for i, p in enumerate(same)} for r in rows]
    # Parameters on other tables (rare: both sides of a join filtered) take their busiest value.
    for p in eq:
        if p.table is not table and p.column is not None:
            other = _combos(conn, [p])
            for combo in out:
                combo[p.name] = other[0][p.name] if other else None
    return out


def _missing_combo(eq: Sequence[Param], like: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``like`` with one value no row holds; without ``like`` (no row has every column set) all such values."""
    for p in eq:
        value = missing_value(_type(p), like.get(p.name) if like else None)
        if value is not None:
            combo = dict(like) if like else {q.name: missing_value(_type(q), None) for q in eq}
            combo[p.name] = value
            return combo
    return None


def missing_value(normalized_type: str | None, like: Any) -> Any:
    """A value of the column's type that no row is likely to hold (None when the type has none to offer)."""
    if normalized_type == "integer":
        return 987_654_321
    if normalized_type in ("string",):
        return "s2d-no-such-value"
    if normalized_type == "uuid":
        value = uuid.UUID("00000000-0000-4000-8000-0000000005d2")
        return value if isinstance(like, uuid.UUID) else str(value)
    if normalized_type in ("decimal", "float"):
        return Decimal("-98765.25")
    if normalized_type == "datetime":
        return dt.datetime(1901, 1, 1, 0, 0, 0)
    if normalized_type == "date":
        return dt.date(1901, 1, 1)
    return None


def _median(conn: sa.Connection, p: Param, eq: Sequence[Param], combo: Mapping[str, Any]) -> Any:
    assert p.table is not None and p.column is not None
    t = _sa_table(p.table)
    col = t.c[p.column]
    where: list[sa.ColumnElement[bool]] = [col.is_not(None)]
    where += [equals(t.c[e.column], combo[e.name]) for e in eq if e.table is p.table and e.column and e.name in combo]
    total = conn.execute(sa.select(sa.func.count()).select_from(t).where(*where)).scalar_one()
    if not total:
        where = [col.is_not(None)]
        total = conn.execute(sa.select(sa.func.count()).select_from(t).where(*where)).scalar_one()
    if not total:
        return missing_value(_type(p), None)
    return conn.execute(sa.select(col).where(*where).order_by(col).limit(1).offset(total // 2)).scalar_one()
