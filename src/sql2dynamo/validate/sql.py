"""The SQL side: a pattern's statement made runnable on the source, and its rows typed like the runtime's.

The statement is written in the patterns file's dialect; it runs on the
source's (sqlglot transpiles, keeping NULL ordering).  For an ORDER BY, the
ORDER BY expressions are added to the select list as ``s2d_o0``, ``s2d_o1``...
so ties can be told apart even when the ordered columns are not selected.

Source values are typed by the source schema's normalized column types, never
by the model: a model with a wrong attribute type must still differ.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlglot
from sqlglot import exp

from sql2dynamo.source.model import Table
from sql2dynamo.workload.sqltree import sqlglot_dialect

ORDER_PREFIX = "s2d_o"

_PYFORMAT = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Output:
    """One output column of a SELECT: where its values come from.

    ``table``/``column`` name the source column (None for an expression);
    ``literal`` marks a constant (``SELECT 1``), the same in every row.
    """

    table: Table | None
    column: str | None
    literal: bool = False

    @property
    def type(self) -> str | None:
        """The source column's normalized type."""
        if self.table is None or self.column is None:
            return None
        try:
            return self.table.column(self.column).normalized_type
        except KeyError:
            return None


@dataclass(frozen=True)
class PreparedSQL:
    """One pattern's statement in the source's dialect, with ``:name`` parameters."""

    text: str
    order_columns: tuple[str, ...]  # the added ORDER BY columns (empty without ORDER BY)
    is_count: bool  # a SELECT COUNT(...) with no GROUP BY: the result is one number
    outputs: tuple[Output, ...] = ()  # one per output column of the original SELECT, in order


def prepare(
    sql: str,
    pattern_dialect: str,
    source_dialect: str,
    *,
    add_order: bool = True,
    find_table: Callable[[str], Table | None] | None = None,
) -> PreparedSQL:
    """``sql`` ready for ``text()`` on the source; ``find_table`` resolves table names for :attr:`outputs`."""
    read = sqlglot_dialect(pattern_dialect)
    write = sqlglot_dialect(source_dialect)
    tree = sqlglot.parse_one(sql, read=read)
    order: list[str] = []
    is_count = False
    outputs: tuple[Output, ...] = ()
    if isinstance(tree, exp.Select):
        if find_table is not None:
            outputs = _outputs(tree, find_table)
        aggregate = any(isinstance(e.unalias(), exp.AggFunc) for e in tree.expressions)
        is_count = (
            aggregate
            and len(tree.expressions) == 1
            and isinstance(tree.expressions[0].unalias(), exp.Count)
            and not tree.args.get("group")
        )
        ordered = tree.args.get("order")
        if add_order and ordered is not None and not aggregate and not tree.args.get("group"):
            for i, term in enumerate(ordered.expressions):
                name = f"{ORDER_PREFIX}{i}"
                tree.select(exp.alias_(term.this.copy(), name), copy=False)
                order.append(name)
    text = sql if read == write and not order else source_text(tree, write)
    return PreparedSQL(text, tuple(order), is_count, outputs)


def source_text(tree: exp.Expr, write: str) -> str:
    """A sqlglot tree as SQL for ``text()`` in sqlglot dialect ``write``, parameters as ``:name``."""
    text = tree.sql(dialect=write)
    if write == "postgres":
        # sqlglot writes psycopg's pyformat; text() wants :name and escapes % itself.
        text = _PYFORMAT.sub(r":\1", text).replace("%%", "%")
    return text


def _outputs(tree: exp.Select, find_table: Callable[[str], Table | None]) -> tuple[Output, ...]:
    aliases: dict[str, Table] = {}
    order: list[Table] = []
    for node in tree.find_all(exp.Table):
        found = find_table(node.name)
        if found is not None:
            aliases[node.alias_or_name] = found
            aliases.setdefault(node.name, found)
            order.append(found)
    out: list[Output] = []
    for e in tree.expressions:
        u = e.unalias()
        if isinstance(u, exp.Star) or (isinstance(u, exp.Column) and isinstance(u.this, exp.Star)):
            qualifier = u.table if isinstance(u, exp.Column) else ""
            chosen = [aliases[qualifier]] if qualifier in aliases else order
            out.extend(Output(t, c.name) for t in chosen for c in t.columns)
        elif isinstance(u, exp.Column):
            table = aliases.get(u.table) if u.table else (order[0] if len(order) == 1 else None)
            if table is None and not u.table:
                table = next((t for t in order if any(c.name == u.name for c in t.columns)), None)
            out.append(Output(table, u.name))
        else:
            out.append(Output(None, None, literal=isinstance(u, exp.Literal | exp.Boolean | exp.Null)))
    return tuple(out)


def coerce(value: Any, normalized_type: str | None) -> Any:
    """A driver's value as the application sees the column's type (SQLite's texts, MariaDB's 0/1, UUID objects)."""
    if value is None or normalized_type is None:
        return value
    try:
        if normalized_type == "boolean" and isinstance(value, int | Decimal | str):
            return bool(int(value))
        if normalized_type in ("datetime", "datetime_tz") and isinstance(value, str):
            return dt.datetime.fromisoformat(value)
        if normalized_type == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
        if normalized_type == "date" and isinstance(value, dt.datetime):
            return value.date()
        if normalized_type == "time" and isinstance(value, str):
            return dt.time.fromisoformat(value)
        if normalized_type == "uuid" and isinstance(value, uuid.UUID):
            return str(value)
        if normalized_type == "uuid" and isinstance(value, bytes) and len(value) == 16:
            return str(uuid.UUID(bytes=value))
        if normalized_type == "json" and isinstance(value, str | bytes):
            return json.loads(value)
        if normalized_type == "integer" and isinstance(value, Decimal | float) and value == int(value):
            return int(value)
        if normalized_type == "decimal" and isinstance(value, float | int):
            return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except ValueError:
        return value
    return value


def run_select(
    conn: sa.Connection, prepared: PreparedSQL, params: Mapping[str, Any]
) -> tuple[list[str], list[dict[str, Any]]]:
    """The statement's rows and output columns (the added ORDER BY ones last).

    Outputs are matched to :attr:`PreparedSQL.outputs` by position (driver
    names differ: ``?column?`` and ``1`` for ``SELECT 1``); a repeated name
    gets a ``#position`` suffix.  Values are typed by their source column.
    """
    result = conn.execute(sa.text(prepared.text), dict(params))
    names = list(result.keys())
    n_out = len(names) - len(prepared.order_columns)
    columns = _unique_names(names[:n_out]) + list(prepared.order_columns)
    types = [o.type for o in prepared.outputs] if len(prepared.outputs) == n_out else [None] * n_out
    types += [None] * len(prepared.order_columns)
    rows = [{c: coerce(v, types[i]) for i, (c, v) in enumerate(zip(columns, r, strict=True))} for r in result]
    return columns, rows


def _unique_names(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names):
        out.append(name if name not in seen else f"{name}#{i}")
        seen.add(name)
    return out
