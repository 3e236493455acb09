"""Concrete plans: the DynamoDB calls that serve each access pattern.

Plans are data (see :class:`~sql2dynamo.design.model.PlanStep`): later stages
execute them.  Value templates use ``{:param}`` for the pattern's SQL
parameters and ``{column}`` for columns of the row being written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sql2dynamo.design.access import Access
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.model import AccessPlan, IndexSpec, KeyPart, PlanStep, TableSpec
from sql2dynamo.source.model import Schema, Table
from sql2dynamo.workload.shape.model import Binding

# A LIMIT given as a parameter is sized as one page of this many items (stated in the plan's docs).
PAGE_WHEN_LIMIT_IS_A_PARAMETER = 20
_FIELD = re.compile(r"\{([^{}:]+)(:[a-z]+)?\}")


@dataclass(frozen=True)
class Placement:
    """Where one source table's items live and how to reach them."""

    table: TableSpec
    indexes: dict[tuple[str, ...], IndexSpec]  # need signature -> index
    lookups: dict[tuple[str, ...], TableSpec]  # unique columns -> lookup table


def binding_for(bindings: Sequence[Binding], column: str, ops: Sequence[str] = ("=", "in")) -> str | None:
    """The value a pattern gives ``column`` (``:param`` or a literal), if any."""
    for b in bindings:
        if b.column.split(".")[-1] == column and b.op in ops:
            return b.value
    return None


def value_template(key: KeyPart, bindings: Sequence[Binding], *, range_ops: Sequence[str] = (">=", ">")) -> str:
    """The key's template with each column replaced by the pattern's value for it."""

    def sub(m: re.Match[str]) -> str:
        col, fmt = m.group(1), m.group(2) or ""
        value = binding_for(bindings, col) or binding_for(bindings, col, range_ops) or "{:" + col + "}"
        if value.startswith(":"):
            return "{" + value + fmt + "}"
        return value.strip("'")

    return _FIELD.sub(sub, key.template)


def rebind(key: KeyPart, columns: dict[str, str]) -> str:
    """The key's template with its columns renamed (a parent's key filled from a child's foreign key)."""

    def sub(m: re.Match[str]) -> str:
        col, fmt = m.group(1), m.group(2) or ""
        return "{" + columns.get(col, col) + fmt + "}"

    return _FIELD.sub(sub, key.template)


def expression_names(*attrs: str) -> dict[str, str]:
    """``ExpressionAttributeNames`` for ``attrs``: ``#placeholder`` -> attribute name."""
    return {f"#{placeholder(a)}": a for a in attrs}


def placeholder(attribute: str) -> str:
    """The placeholder text for an attribute name (anything not a word character becomes ``_``)."""
    return re.sub(r"\W", "_", attribute)


def key_values(table: TableSpec, bindings: Sequence[Binding]) -> dict[str, str]:
    """Base-key attribute -> value template for a GetItem/UpdateItem/DeleteItem."""
    out = {table.pk.attribute: value_template(table.pk, bindings)}
    if table.sk:
        out[table.sk.attribute] = value_template(table.sk, bindings)
    return out


def query_step(
    table: TableSpec,
    index: IndexSpec | None,
    access: Access,
    *,
    strong: bool,
) -> PlanStep:
    """A Query on the base table or an index, with sort-key condition, order, filter and limit."""
    bindings = access.pattern.shape.bindings if access.pattern.shape else ()
    pk = index.pk if index else table.pk
    sk = index.sk if index else table.sk
    names = expression_names(pk.attribute)
    values = {":pk": value_template(pk, bindings)}
    condition = f"#{placeholder(pk.attribute)} = :pk"
    used = set(pk.columns)
    if sk and len(sk.columns) == 1:
        col = sk.columns[0]
        lo = binding_for(bindings, col, (">=", ">"))
        hi = binding_for(bindings, col, ("<=", "<"))
        eq = binding_for(bindings, col)
        names.update(expression_names(sk.attribute))
        if eq is not None:
            condition += f" AND #{placeholder(sk.attribute)} = :sk"
            values[":sk"] = _val(eq)
        elif lo and hi:
            condition += f" AND #{placeholder(sk.attribute)} BETWEEN :sk_lo AND :sk_hi"
            values.update({":sk_lo": _val(lo), ":sk_hi": _val(hi)})
        elif lo or hi:
            op = next(b.op for b in bindings if b.column.split(".")[-1] == col and b.op in (">=", ">", "<=", "<"))
            condition += f" AND #{placeholder(sk.attribute)} {op} :sk"
            values[":sk"] = _val(lo or hi or "")
        used.add(col)
    if sk and not condition.count(" AND ") and "{" in sk.template and not sk.template.startswith("{"):
        # A prefixed sort key (TEST_CASE#...) shares its partition with other entities: select its own.
        names.update(expression_names(sk.attribute))
        condition += f" AND begins_with(#{placeholder(sk.attribute)}, :sk_prefix)"
        values[":sk_prefix"] = sk.template.split("{")[0]
    filters: list[str] = []
    sparse_col = index.sparse.column if index and index.sparse else None
    for col in [*access.eq, *(f for f, _ in access.flags), *access.ranges]:
        if col in used or col == sparse_col:
            continue
        for b in bindings:
            if b.column.split(".")[-1] == col and b.op in ("=", ">=", ">", "<=", "<"):
                ph = f":f_{placeholder(col)}{len(filters)}"
                names.update(expression_names(col))
                filters.append(f"#{placeholder(col)} {b.op} {ph}")
                values[ph] = _val(b.value)
        used.add(col)
    forward = None
    if access.order and sk and sk.columns[:1] == (access.order[0],):
        forward = access.order[1] == "asc"
    return PlanStep(
        operation="Query",
        table=table.name,
        index=index.name if index else None,
        key_condition=condition,
        filter=" AND ".join(filters) or None,
        values=values,
        names=names,
        select="COUNT" if access.count else None,
        scan_forward=forward,
        limit=access.limit if not access.count else None,
        consistent_read=strong and index is None,
        note=(
            "a global secondary index is read eventually consistently; the pattern asked for strong reads"
            if strong and index is not None
            else None
        ),
    )


def _val(value: str) -> str:
    return "{" + value + "}" if value.startswith(":") else value.strip("'")


def expected_rows(schema: Schema, table: Table, columns: Sequence[str], limit: int | str | None) -> float:
    """Items a query fixing ``columns`` returns: fan-out of a matching foreign key, else rows / distinct."""
    rows = float(table.stats.row_count) if table.stats else 0.0
    estimate = rows
    for fk in table.foreign_keys:
        if fk.fanout is not None and set(fk.columns) == set(columns):
            estimate = fk.fanout.avg
            break
    else:
        for col in columns:
            stats = table.column(col).stats
            if stats and stats.distinct_estimate:
                estimate = min(estimate, rows / stats.distinct_estimate)
    if not table.stats:
        estimate = 10.0  # no statistics (DDL input): a nominal page, said in the plan
    if isinstance(limit, int):
        estimate = min(estimate, float(limit))
    elif isinstance(limit, str):
        estimate = min(estimate, float(PAGE_WHEN_LIMIT_IS_A_PARAMETER))
    return round(max(estimate, 1.0 if rows else 0.0), 2)


def unsupported_plan(rp: ResolvedPattern, reason: str, alternative: str | None) -> AccessPlan:
    """A pattern DynamoDB serves badly: recorded with the recommended alternative, never dropped."""
    return AccessPlan(
        pattern_id=rp.id,
        description=rp.pattern.description,
        kind=rp.kind,
        supported=False,
        steps=(),
        expected_items=0.0,
        rcu_per_call=0.0,
        wcu_per_call=0.0,
        reason=reason,
        alternative=alternative,
    )
