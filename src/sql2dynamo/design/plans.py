"""Concrete plans: the DynamoDB calls that serve each access pattern.

Plans are data (see :class:`~sql2dynamo.design.model.PlanStep`): later stages
execute them.  Value templates use ``{:param}`` for the pattern's SQL
parameters and ``{column}`` for columns of the row being written.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from sql2dynamo.common.keytext import escape_field
from sql2dynamo.design.access import Access
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.keys import FIXED_FORMAT_TYPES
from sql2dynamo.design.model import AccessPlan, IndexSpec, KeyPart, PlanStep, PredicateUse, TableSpec
from sql2dynamo.design.predicates import Translator, Untranslatable
from sql2dynamo.source.model import Schema, Table
from sql2dynamo.workload.shape.model import Binding, Predicate

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
        # a literal stands where a field is: escaped like the field's text in the stored key
        following = m.string[m.end() : m.end() + 1]
        return escape_field(value.strip("'"), following if following not in ("", "{") else None)

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


def own_attributes(table: TableSpec) -> dict[str, str]:
    """Source column -> item attribute of the table's (first) entity; copies of other tables' columns left out."""
    return {a.source_column: a.name for a in table.entities[0].attributes if not a.denormalized}


def _own_column(table: TableSpec, column: str | None) -> str | None:
    """``column`` (bare or ``table.column``) as a column of the table's entity, None when it is another table's."""
    if column is None:
        return None
    source = table.entities[0].source_table
    if "." in column and column.rsplit(".", 1)[0].split(".")[-1].lower() != source.lower():
        return None
    bare = column.split(".")[-1]
    known = own_attributes(table)
    return bare if bare in known else next((c for c in known if c.lower() == bare.lower()), None)


def key_conjuncts(table: TableSpec, conditions: Sequence[Predicate], columns: Sequence[str]) -> dict[int, str]:
    """Position -> column of the first top-level ``column = value`` conjunct of each of ``columns``."""
    out: dict[int, str] = {}
    for col in columns:
        for i, p in enumerate(conditions):
            if i not in out and p.op == "=" and _own_column(table, p.column) == col:
                out[i] = col
                break
    return out


def query_step(
    table: TableSpec,
    index: IndexSpec | None,
    access: Access,
    *,
    strong: bool,
    dialect: str,
) -> tuple[PlanStep, tuple[PredicateUse, ...]]:
    """A Query on the base table or an index, with sort-key condition, order, filter and limit.

    Returns the step and where it enforces each top-level conjunct of the pattern's WHERE: the
    partition key, the sort-key condition, the sparse index, the FilterExpression, or ``unsupported``.
    """
    shape = access.pattern.shape
    bindings = shape.bindings if shape else ()
    conditions = shape.conditions if shape else ()
    uses: dict[int, PredicateUse] = {}
    pk = index.pk if index else table.pk
    sk = index.sk if index else table.sk
    names = expression_names(pk.attribute)
    values = {":pk": value_template(pk, bindings)}
    condition = f"#{placeholder(pk.attribute)} = :pk"
    for i, col in key_conjuncts(table, conditions, pk.columns).items():
        why = f"{col} is in the partition key"
        uses[i] = PredicateUse("where", conditions[i].text, "partition_key", condition, i, why)
    if sk and len(sk.columns) == 1:
        names.update(expression_names(sk.attribute))
        condition += _sort_condition(table, sk, conditions, values, uses)
    elif sk and sk.columns:
        leading = _leading_range(table, sk, conditions, values, uses)
        if leading:
            names.update(expression_names(sk.attribute))
            condition += leading
    if sk and " AND " not in condition and "{" in sk.template and not sk.template.startswith("{"):
        # A prefixed sort key (TEST_CASE#...) shares its partition with other entities: select its own.
        names.update(expression_names(sk.attribute))
        condition += f" AND begins_with(#{placeholder(sk.attribute)}, :sk_prefix)"
        values[":sk_prefix"] = sk.template.split("{")[0]
    sparse = index.sparse if index else None
    for i, p in enumerate(conditions):
        on_sparse = sparse is not None and _own_column(table, p.column) == sparse.column
        if i not in uses and on_sparse and sparse is not None and p.op == "=" and p.values[0] == sparse.value:
            where = index.name if index else None
            uses[i] = PredicateUse("where", p.text, "sparse_index", where, i, sparse.reason)
    key_attributes = {pk.attribute, *([sk.attribute] if sk else [])}
    filter_text = filter_conjuncts(
        table, conditions, uses, names, values, dialect=dialect, key_attributes=key_attributes, index=index
    )
    forward = None
    if access.order and sk and sk.columns[:1] == (access.order[0],):
        forward = access.order[1] == "asc"
    step = PlanStep(
        operation="Query",
        table=table.name,
        index=index.name if index else None,
        # The items it reads are this entity's (its keys carry the entity's prefix in a single table):
        # capacity sizes them as such, not as the table's largest entity.
        item_entity=table.entities[0].source_table,
        key_condition=condition,
        filter=filter_text,
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
    return step, tuple(uses[i] for i in sorted(uses))


def _sort_condition(
    table: TableSpec,
    sk: KeyPart,
    conditions: Sequence[Predicate],
    values: dict[str, str],
    uses: dict[int, PredicateUse],
) -> str:
    """The sort-key part of a key condition from the conjuncts on its column ("" when none fits).

    DynamoDB takes one comparison, an inclusive BETWEEN or a begins_with on the sort key, and a
    filter cannot name a key attribute: a second bound it cannot merge stays for the caller to
    refuse (the filter pass reports it as a key attribute it cannot filter).
    """
    col = sk.columns[0]
    attr = f"#{placeholder(sk.attribute)}"
    on_sk = [(i, p) for i, p in enumerate(conditions) if i not in uses and _own_column(table, p.column) == col]
    eq = next(((i, p) for i, p in on_sk if p.op == "="), None)
    between = next(((i, p) for i, p in on_sk if p.op == "between"), None)
    lo = next(((i, p) for i, p in on_sk if p.op in (">", ">=")), None)
    hi = next(((i, p) for i, p in on_sk if p.op in ("<", "<=")), None)
    prefix = next(((i, p) for i, p in on_sk if p.op == "like" and p.like == "prefix" and p.values), None)
    text = ""
    used: list[int] = []
    if eq is not None:
        text, used = f"{attr} = :sk", [eq[0]]
        values[":sk"] = _val(eq[1].values[0])
    elif between is not None:
        text, used = f"{attr} BETWEEN :sk_lo AND :sk_hi", [between[0]]
        values.update({":sk_lo": _val(between[1].values[0]), ":sk_hi": _val(between[1].values[1])})
    elif lo is not None and hi is not None and lo[1].op == ">=" and hi[1].op == "<=":
        text, used = f"{attr} BETWEEN :sk_lo AND :sk_hi", [lo[0], hi[0]]
        values.update({":sk_lo": _val(lo[1].values[0]), ":sk_hi": _val(hi[1].values[0])})
    elif lo is not None or hi is not None:
        i, p = lo if lo is not None else hi  # type: ignore[misc]
        text, used = f"{attr} {p.op} :sk", [i]
        values[":sk"] = _val(p.values[0])
    elif prefix is not None and sk.template == "{" + col + "}" and sk.type == "S":
        text, used = f"begins_with({attr}, :sk)", [prefix[0]]
        values[":sk"] = _val(prefix[1].values[0])
    for i in used:
        uses[i] = PredicateUse(
            "where", conditions[i].text, "sort_key", text, i, f"{col} is the sort key: read only the matching range"
        )
    return f" AND {text}" if text else ""


def _leading_range(
    table: TableSpec,
    sk: KeyPart,
    conditions: Sequence[Predicate],
    values: dict[str, str],
    uses: dict[int, PredicateUse],
) -> str:
    """A ``>=`` or ``<`` bound on the leading column of a composite sort key (``{created_at}#{id}``).

    The key is text: ``"v#..."`` sorts after ``"v"`` and before every greater leading value, so
    ``>= v`` and ``< v`` select exactly the items whose leading column is ``>= v`` / ``< v`` (``>``
    and ``<=`` would need the separator's successor and stay filters).  Only for dates and
    date-times, whose values share one fixed format: a free string could hold a character that
    sorts before the separator.
    """
    match = _FIELD.search(sk.template)
    col = sk.columns[0]
    attrs = {a.source_column: a for a in table.entities[0].attributes if not a.denormalized}
    if match is None or match.group(1) != col or col not in attrs or attrs[col].transform not in FIXED_FORMAT_TYPES:
        return ""
    bound = next(
        (
            (i, p)
            for i, p in enumerate(conditions)
            if i not in uses and p.op in (">=", "<") and p.values and _own_column(table, p.column) == col
        ),
        None,
    )
    if bound is None:
        return ""
    i, p = bound
    text = f"#{placeholder(sk.attribute)} {p.op} :sk"
    values[":sk"] = sk.template[: match.start()] + _val(p.values[0])
    uses[i] = PredicateUse(
        "where", p.text, "sort_key", text, i, f"{col} leads the sort key {sk.template}: read only the matching range"
    )
    return f" AND {text}"


def filter_conjuncts(
    table: TableSpec,
    conditions: Sequence[Predicate],
    uses: dict[int, PredicateUse],
    names: dict[str, str],
    values: dict[str, str],
    *,
    dialect: str,
    key_attributes: Collection[str] = (),
    index: IndexSpec | None = None,
    prefix: str = "f",
    enforced_by: Literal["filter", "condition"] = "filter",
) -> str | None:
    """The conjuncts ``uses`` does not account for yet, as one FilterExpression (or ConditionExpression).

    Each is recorded in ``uses``: as ``filter``/``condition`` with its expression, or as
    ``unsupported`` with the reason (another table's column, a key attribute a filter may not
    name, an attribute the index does not project, or no rule of :mod:`design.predicates`).
    """
    translator = Translator(prefix, own_attributes(table), dialect)
    parts: list[str] = []
    for i, p in enumerate(conditions):
        if i in uses:
            continue
        foreign = [c for c in p.columns() if _own_column(table, c) is None]
        if foreign and p.op != "join":
            uses[i] = _unsupported(
                i,
                p,
                f"the condition `{p.text}` is on {foreign[0]}, a column of another table: the plan reads "
                f"{table.entities[0].source_table} items",
                "denormalize the column into the items (or keep it in an index key), or filter in the application",
            )
            continue
        try:
            expression = translator.expression(p)
        except Untranslatable as exc:
            uses[i] = _unsupported(i, p, exc.reason, exc.alternative)
            continue
        attributes = set(expression.names.values())
        if enforced_by == "filter" and attributes & set(key_attributes):
            uses[i] = _unsupported(
                i,
                p,
                f"the condition `{p.text}` is on a key attribute of the table or index the Query reads, which a "
                "FilterExpression may not name, and the key condition already holds another comparison",
                "write the range as one inclusive BETWEEN, or filter the rows in the application",
            )
            continue
        missing = _unprojected(index, attributes)
        if enforced_by == "filter" and missing:
            uses[i] = _unsupported(
                i,
                p,
                f"the condition `{p.text}` needs {', '.join(sorted(missing))}, which the index "
                f"{index.name if index else ''} does not project",
                "project the attribute into the index (INCLUDE or ALL)",
            )
            continue
        names.update(expression.names)
        values.update(expression.values)
        parts.append(expression.text)
        why = (
            "checked on every item the Query reads: read capacity is spent on items read, not returned"
            if enforced_by == "filter"
            else "checked by DynamoDB on the item being written: when it is false nothing is written (0 rows)"
        )
        uses[i] = PredicateUse("where", p.text, enforced_by, expression.text, i, why)
    return " AND ".join(parts) or None


def _unprojected(index: IndexSpec | None, attributes: set[str]) -> set[str]:
    if index is None or index.projection == "ALL":
        return set()
    keys = {index.pk.attribute, *([index.sk.attribute] if index.sk else [])}
    return attributes - keys - set(index.non_key_attributes if index.projection == "INCLUDE" else ())


def _unsupported(i: int, p: Predicate, reason: str, alternative: str | None) -> PredicateUse:
    return PredicateUse("where", p.text, "unsupported", None, i, reason, alternative)


def _val(value: str) -> str:
    return "{" + value + "}" if value.startswith(":") else value.strip("'")


def expected_rows(schema: Schema, table: Table, columns: Sequence[str], limit: int | str | None) -> float:
    """Items a query fixing ``columns`` returns: fan-out of a matching foreign key, else rows / distinct."""
    rows = float(table.stats.row_count) if table.stats else 0.0
    unique = [tuple(table.primary_key), *(tuple(u.columns) for u in table.unique_constraints)]
    if any(key and set(key) <= set(columns) for key in unique):
        return 1.0 if rows or not table.stats else 0.0  # a unique value names one row, statistics or not
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
