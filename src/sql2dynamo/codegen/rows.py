"""Where a read's columns are in the rows the runtime returns.

The runtime hands back the row of the entity its plan reads last with bare
column names; the columns of entities met earlier in the chain, and those
copied into the item (denormalized), come as ``"<table>.<column>"``.  So in a
join, a column of the *row table* is read under its own name and any other
table's column under its qualified name, or, for a join column the item does
not copy, under the name of the row table's column it equals
(``l.id = h.listing_id``: ``listings.id`` is the row's ``listing_id``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sql2dynamo.design.model import AccessPlan, DataModel, EntityMapping, PlanStep
from sql2dynamo.workload.shape.model import StatementShape

_READS = ("GetItem", "Query", "BatchGetItem", "Scan")

Renames = tuple[tuple[str, str], ...]
"""(column of the joined table, column of the row table it equals)."""


def _prefix(template: str) -> str:
    return template.split("{", 1)[0]


def _step_templates(step: PlanStep, model: DataModel) -> tuple[str | None, str | None]:
    """The partition and sort key templates a read step asks for (None where it names none)."""
    table = model.table(step.table)
    pk, sk = table.pk.attribute, table.sk.attribute if table.sk else None
    if step.index is not None:
        index = next((i for i in table.indexes if i.name == step.index), None)
        if index is not None:
            pk, sk = index.pk.attribute, index.sk.attribute if index.sk else None
    if step.key:
        return step.key.get(pk), step.key.get(sk) if sk else None
    return step.values.get(":pk"), step.values.get(":sk_prefix") or step.values.get(":sk")


def row_table(plan: AccessPlan, tables: Sequence[str], model: DataModel) -> str | None:
    """The statement table whose rows the plan's last read returns; None when the model does not say."""
    reads = [s for s in plan.steps if s.operation in _READS]
    if not reads:
        return None
    last = reads[-1]
    try:
        spec = model.table(last.table)
    except KeyError:
        return None
    entities = [e for e in spec.entities if e.kind == "entity" and e.source_table in tables]
    if len({e.source_table for e in entities}) == 1:
        return entities[0].source_table
    # Several entities share the table (single-table design): the keys' constant prefixes tell them apart.
    pk, sk = _step_templates(last, model)
    for wanted, of in ((pk, _pk_templates), (sk, _sk_templates)):
        prefix = _prefix(wanted or "")
        if not prefix:
            continue
        entities = [e for e in entities if any(_prefix(t) == prefix for t in of(e) if _prefix(t))]
    tables_left = {e.source_table for e in entities}
    return tables_left.pop() if len(tables_left) == 1 else None


def _pk_templates(entity: EntityMapping) -> list[str]:
    return [entity.pk.template, *(k.template for k in entity.index_keys)]


def _sk_templates(entity: EntityMapping) -> list[str]:
    return [*([entity.sk.template] if entity.sk else []), *(k.template for k in entity.index_keys)]


def renames(shape: StatementShape, table: str, row: str) -> Renames:
    """The join columns of ``table`` that equal a column of the ``row`` table, from the ON clauses."""
    out: list[tuple[str, str]] = []
    for join in shape.joins:
        for a, b in join.on:
            (ta, _, ca), (tb, _, cb) = a.rpartition("."), b.rpartition(".")
            if ta.lower() == table.lower() and tb.lower() == row.lower():
                out.append((ca, cb))
            elif tb.lower() == table.lower() and ta.lower() == row.lower():
                out.append((cb, ca))
    return tuple(dict.fromkeys(out))


def column_keys(
    table: str | None, column: str, row: str | None, joined: bool, shape: StatementShape
) -> tuple[str, ...]:
    """The row keys to read ``table.column`` under, first match wins."""
    if not joined or table is None:
        return (column,)
    if row is None:  # the model does not say which entity the rows are: the qualified name, then the bare one
        return (f"{table}.{column}", column)
    if table == row:
        return (column,)
    others = tuple(other for col, other in renames(shape, table, row) if col == column)
    return (f"{table}.{column}", *others)
