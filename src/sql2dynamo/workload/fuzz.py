"""A seeded generator of access patterns over any schema, to run through design and validate.

Each pattern fixes a key (the primary key, or a foreign key a list is read by) and adds conditions
no key can take: comparisons, ``<>``, ``IN``, ``BETWEEN``, ``IS [NOT] NULL``, boolean columns,
``NOT`` and an ``OR`` on one column; some reads are ordered and limited.  Writes are UPDATEs and
DELETEs by primary key with such a condition.  Values are parameters, so validate picks them from
the source's rows.  The same schema and seed give the same patterns (``random.Random(seed)``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from sql2dynamo.source.model import Column, Schema, Table
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile, Rps

ORDERED = frozenset({"integer", "decimal", "string", "date", "datetime", "datetime_tz"})
COMPARED = ORDERED | {"boolean", "enum", "uuid"}
WRITE_SHARE = 0.25  # of the generated patterns, about this many are UPDATE or DELETE


class _Params:
    """Fresh ``:pN`` parameter names within one pattern."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f":p{self.n}"


def _condition(rng: random.Random, column: Column, params: _Params) -> str:
    """One condition on ``column`` drawn from the shapes its type allows."""
    c = column.name
    options: list[Callable[[], str]] = []
    if column.nullable:
        options += [lambda: f"{c} IS NULL", lambda: f"{c} IS NOT NULL", lambda: f"({c} IS NULL OR {c} = {params()})"]
    kind = column.normalized_type
    if kind == "boolean":
        options += [lambda: c, lambda: f"NOT {c}", lambda: f"{c} = FALSE"]
    elif kind in COMPARED:
        options += [lambda: f"{c} = {params()}", lambda: f"{c} <> {params()}", lambda: f"NOT ({c} = {params()})"]
        options += [lambda: f"{c} IN ({params()}, {params()})"]
    if kind in ORDERED:
        options += [lambda: f"{c} < {params()}", lambda: f"{c} >= {params()}"]
        options += [lambda: f"{c} BETWEEN {params()} AND {params()}"]
    if not options:
        return f"{c} IS NOT NULL"
    return rng.choice(options)()


def _usable(table: Table, exclude: Sequence[str]) -> list[Column]:
    return [c for c in table.columns if c.name not in exclude and (c.normalized_type in COMPARED or c.nullable)]


def _read(rng: random.Random, table: Table, params: _Params) -> str | None:
    keys = [(tuple(table.primary_key), False)]
    keys += [(tuple(fk.columns), True) for fk in table.foreign_keys if len(fk.columns) == 1]
    key, is_list = rng.choice(keys)
    where = [f"{c} = {params()}" for c in key]
    columns = _usable(table, [*table.primary_key, *key])
    if not columns:
        return None
    for column in rng.sample(columns, min(len(columns), rng.randint(1, 2))):
        where.append(_condition(rng, column, params))
    sql = f"SELECT * FROM {table.name} WHERE {' AND '.join(where)}"
    if is_list and rng.random() < 0.4:
        order = rng.choice(table.primary_key)
        sql += f" ORDER BY {order}{rng.choice(['', ' DESC'])} LIMIT :limit"
    return sql


def _write(rng: random.Random, table: Table, params: _Params) -> str | None:
    columns = _usable(table, table.primary_key)
    if len(table.primary_key) != 1 or not columns:
        return None
    key = table.primary_key[0]
    condition = _condition(rng, rng.choice(columns), params)
    if rng.random() < 0.5:
        settable = [c for c in table.columns if c.name not in table.primary_key and c.normalized_type in COMPARED]
        unique = {col for u in table.unique_constraints for col in u.columns}
        settable = [
            c for c in settable if c.name not in unique and not any(c.name in fk.columns for fk in table.foreign_keys)
        ]
        if not settable:
            return None
        target = rng.choice(settable).name
        return f"UPDATE {table.name} SET {target} = :set_{target} WHERE {key} = :k0 AND {condition}"
    return f"DELETE FROM {table.name} WHERE {key} = :k0 AND {condition}"


def generate_patterns(schema: Schema, *, seed: int, count: int, application: str = "fuzz") -> PatternsFile:
    """``count`` patterns (ids ``F0001``...) over ``schema``'s tables, the same for the same seed."""
    rng = random.Random(seed)
    tables = [t for t in schema.tables if t.primary_key]
    out: list[AccessPattern] = []
    attempts = 0
    while len(out) < count and tables and attempts < count * 20:
        attempts += 1
        table = rng.choice(tables)
        params = _Params()
        sql = _write(rng, table, params) if rng.random() < WRITE_SHARE else _read(rng, table, params)
        if sql is None or any(p.sql == sql for p in out):
            continue
        pid = f"F{len(out) + 1:04d}"
        out.append(AccessPattern(pid, f"generated (seed {seed})", sql, Rps(1.0, 3.0), dialect=schema.source.dialect))
    return PatternsFile(application, tuple(out), dialect=schema.source.dialect)


__all__ = ["generate_patterns"]
