"""Which conjuncts of a pattern's WHERE a case exercised, true and false, measured on the source.

The conjuncts a plan enforces through a key (partition key, item key, lookup)
choose the rows a case is about; every other conjunct (a filter, a write
condition, a sparse index, a sort-key range) can hold for some of those rows
and not for others, and a plan that drops it differs only when it does not
hold while every other conjunct does.  :func:`probe_for` writes one query
that counts, among the rows the key conjuncts select, the rows the whole
WHERE keeps and, per conjunct, the rows all the others keep; :func:`exercised`
runs it with a case's parameters and names the outcome per conjunct: ``true``
(it held on rows the others keep), ``false`` (it failed, false or NULL, on a
row the others keep: a plan that drops it would return or change that row),
``true+false`` (both) or ``no rows``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlglot
from sqlglot import exp

from sql2dynamo.design.model import AccessPlan
from sql2dynamo.validate.sql import source_text
from sql2dynamo.workload.sqltree import sqlglot_dialect

# How a plan picks the rows: conjuncts enforced this way scope the probe instead of being measured.
KEYED = frozenset({"key", "batch_key", "lookup", "partition_key"})


@dataclass(frozen=True)
class ConjunctProbe:
    """The measured conjuncts of one pattern and the query that measures them on the source."""

    texts: tuple[str, ...]  # the conjuncts as the plan's accounting spells them
    sql: str  # in the source's dialect, :name parameters
    row_key: tuple[str, ...] = ()  # a write's probe is about one row: its primary key, as :s2d_k0, :s2d_k1, ...


def top_conjuncts(where: exp.Expr) -> list[exp.Expr]:
    """The WHERE's top-level AND-ed conditions, in the order the shape parser reads them."""
    out: list[exp.Expr] = []
    pending = [where]
    while pending:
        node = pending.pop(0)
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.And):
            pending[:0] = [node.this, node.expression]
        else:
            out.append(node)
    return out


def probe_for(
    sql: str, pattern_dialect: str, source_dialect: str, plan: AccessPlan, row_key: Sequence[str] = ()
) -> ConjunctProbe | None:
    """The probe of a pattern whose WHERE has conjuncts no key enforces (None when it has none).

    A write's probe (``row_key``: the table's primary key) is about the one row the case writes;
    every conjunct the plan does not enforce through the item's key is measured on it.
    """
    tree = sqlglot.parse_one(sql, read=sqlglot_dialect(pattern_dialect))
    where = tree.args.get("where")
    if not isinstance(where, exp.Where):
        return None
    conjuncts = top_conjuncts(where.this)
    uses = {u.position: u for u in plan.predicates if u.clause == "where"}
    if len(uses) != len(conjuncts):
        return None  # the accounting is not this statement's (an unsupported pattern): nothing to measure
    keyed = {"key"} if row_key else KEYED
    scope = [c.copy() for i, c in enumerate(conjuncts) if uses[i].enforced_by in keyed]
    measured = [(i, c) for i, c in enumerate(conjuncts) if uses[i].enforced_by not in keyed]
    if row_key:
        scope = [exp.column(col).eq(exp.Placeholder(this=f"s2d_k{n}")) for n, col in enumerate(row_key)]
    if not measured:
        return None

    def count_when(conditions: list[exp.Expr], name: str) -> exp.Expr:
        if not conditions:
            return exp.alias_(exp.Count(this=exp.Star()), name)
        test = exp.and_(*(c.copy() for c in conditions))
        return exp.alias_(exp.Sum(this=exp.Case().when(test, exp.Literal.number(1)).else_(exp.Literal.number(0))), name)

    # Per conjunct: the rows every *other* measured conjunct keeps; then the rows all of them keep.
    columns = [count_when([c for j, c in measured if j != i], f"s2d_o{n}") for n, (i, _) in enumerate(measured)]
    columns.append(count_when([c for _, c in measured], "s2d_all"))
    select = exp.select(*columns)
    if isinstance(tree, exp.Select):
        select.set("from_", tree.args["from_"].copy())
        select.set("joins", [j.copy() for j in tree.args.get("joins") or []])
    else:
        select = select.from_(tree.this.copy())
    if scope:
        select = select.where(exp.and_(*scope))
    texts = tuple(uses[i].text for i, _ in measured)
    return ConjunctProbe(texts, source_text(select, sqlglot_dialect(source_dialect)), tuple(row_key))


def exercised(
    conn: sa.Connection, probe: ConjunctProbe, params: Mapping[str, Any], row_key: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Per measured conjunct: ``true``, ``false``, ``true+false`` or ``no rows`` among the case's rows."""
    if probe.row_key:
        if not row_key:
            return dict.fromkeys(probe.texts, "no rows")
        params = {**params, **{f"s2d_k{n}": row_key[col] for n, col in enumerate(probe.row_key)}}
    row = conn.execute(sa.text(probe.sql), dict(params)).one()
    kept = int(row[-1] or 0)  # rows the whole WHERE keeps: each conjunct is true on them
    out: dict[str, str] = {}
    for text, others in zip(probe.texts, row[:-1], strict=True):
        # Rows every other conjunct keeps but this one does not: those a plan without it would return.
        dropped = int(others or 0) - kept
        out[text] = (
            "no rows" if kept + dropped == 0 else "true+false" if kept and dropped else "true" if kept else "false"
        )
    return out


__all__ = ["KEYED", "ConjunctProbe", "exercised", "probe_for", "top_conjuncts"]
