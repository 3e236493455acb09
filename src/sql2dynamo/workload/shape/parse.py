"""What a SQL statement does, as data: the shape the DynamoDB model has to serve.

:func:`parse_shape` reads one statement, with sqlglot in the source's own
dialect, into a frozen :class:`StatementShape`: operation, tables, the columns
compared for equality or ranges, order, limit, joins, aggregates, LIKE
filters, assigned and inserted columns, parameters.  Column names are the
source's spelling (no quotes, case kept), ``table.column`` when the statement
names several tables and the column is qualified, bare otherwise.

:func:`normalize_statement` and :func:`fingerprint` (from normalize.py, and
re-exported here) turn recorded statements into the ``:name`` parameter style
of ``access_patterns.yaml`` and identify a statement's shape for merging.

The record types are in ``shape_model`` and the predicate analysis in
``_shape_conditions``; the types are re-exported here so existing imports of
``sql2dynamo.workload.shape.parse`` keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from sql2dynamo.workload.shape.conditions import ColumnNames, conjuncts_of, filters_of, table_name, value_text
from sql2dynamo.workload.shape.model import Binding, JoinShape, Operation, OrderTerm, StatementShape
from sql2dynamo.workload.sqltree import is_positional, is_query, parse_statement, sql_text, sqlglot_dialect, walk

__all__ = ["parse_shape", "shape_of"]


def parse_shape(sql: str, dialect_name: str, *, pattern_id: str | None = None) -> StatementShape:
    """The shape of one statement, parsed in the source's dialect.

    Unparseable SQL raises :class:`InputError` naming ``pattern_id`` when given.
    """
    return shape_of(parse_statement(sql, dialect_name, pattern_id=pattern_id), sqlglot_dialect(dialect_name))


def _operation(root: exp.Expr) -> Operation:
    if isinstance(root, exp.Query):
        return "select"
    if isinstance(root, exp.Insert):
        return "insert"
    if isinstance(root, exp.Update):
        return "update"
    if isinstance(root, exp.Delete):
        return "delete"
    return "other"


def _literal_value(node: exp.Expr | None) -> int | str | None:
    if node is None:
        return None
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(node.this)
        except ValueError:
            return str(node.this)
    if isinstance(node, exp.Placeholder):
        return f":{node.name}" if node.this else "?"
    if isinstance(node, exp.Parameter):
        return f"${node.name}"
    return node.sql()


def _aggregate(node: exp.AggFunc, names: ColumnNames, read: str) -> str:
    fn = node.key.lower()
    arg = node.this
    if arg is None or isinstance(arg, exp.Star):
        return f"{fn}(*)"
    if isinstance(arg, exp.Distinct):
        inner = ", ".join(names.expression(e, read) for e in arg.expressions)
        return f"{fn}(distinct {inner})"
    return f"{fn}({names.expression(arg, read)})"


def _projection(select: exp.Select, names: ColumnNames, read: str) -> tuple[list[str], list[str]]:
    """The selected columns and the aggregates computed (SELECT list and HAVING)."""
    projection: list[str] = []
    aggregates: list[str] = []
    for item in select.expressions:
        target = item.this if isinstance(item, exp.Alias) else item
        if isinstance(target, exp.Star):
            projection.append("*")
        elif isinstance(target, exp.Column):
            projection.append(names.column(target))
        elif isinstance(target, exp.AggFunc):
            projection.append(_aggregate(target, names, read))
        else:
            projection.append(item.alias_or_name or sql_text(item, read))
    for part in (*select.expressions, select.args.get("having")):
        for node in walk(part, prune=is_query) if part is not None else ():
            if isinstance(node, exp.AggFunc) and _aggregate(node, names, read) not in aggregates:
                aggregates.append(_aggregate(node, names, read))
    return projection, aggregates


def _parameters(nodes: Sequence[exp.Expr]) -> list[str]:
    """Parameter names in order: ``name`` for ``:name``, ``$1`` and ``?`` as written (``nodes`` in textual order)."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, exp.Placeholder):
            name = node.name if node.this else "?"
        elif isinstance(node, exp.Parameter) and is_positional(node):
            name = f"${node.name}"
        else:
            continue
        if name == "?" or name not in out:
            out.append(name)
    return out


def shape_of(root: exp.Expr, read: str) -> StatementShape:
    """The shape of a statement already parsed with sqlglot dialect ``read`` (see :func:`parse_shape`)."""
    nodes = list(walk(root))  # walked once, read by the three passes below
    names = ColumnNames(root, nodes)
    operation = _operation(root)
    filters = filters_of(nodes, names)

    order_by: list[OrderTerm] = []
    order = root.args.get("order")
    for term in order.expressions if isinstance(order, exp.Order) else ():
        inner = term.this if isinstance(term, exp.Ordered) else term
        direction = "desc" if isinstance(term, exp.Ordered) and term.args.get("desc") else "asc"
        order_by.append(OrderTerm(names.expression(inner, read), direction))

    limit_node = root.args.get("limit")
    limit = _literal_value(limit_node.expression) if isinstance(limit_node, exp.Limit) else None
    if isinstance(limit_node, exp.Fetch):
        limit = _literal_value(limit_node.args.get("count"))
    offset_node = root.args.get("offset")
    offset = _literal_value(offset_node.expression) if isinstance(offset_node, exp.Offset) else None

    projection: list[str] = []
    aggregates: list[str] = []
    group_by: list[str] = []
    select = root if isinstance(root, exp.Select) else root.find(exp.Select)
    if isinstance(select, exp.Select) and operation == "select":
        projection, aggregates = _projection(select, names, read)
        group = select.args.get("group")
        if isinstance(group, exp.Group):
            group_by = [names.expression(g, read) for g in group.expressions]

    set_columns: list[str] = []
    assignments: list[Binding] = []
    if isinstance(root, exp.Update):
        for a in root.expressions:
            if isinstance(a, exp.EQ) and isinstance(a.this, exp.Column):
                set_columns.append(a.this.name)
                assignments.append(Binding(a.this.name, "set", value_text(a.expression)))
    insert_columns: list[str] = []
    if isinstance(root, exp.Insert) and isinstance(root.this, exp.Schema):
        insert_columns = [c.name for c in root.this.expressions]
        values = root.expression
        first_row = values.expressions[0] if isinstance(values, exp.Values) and values.expressions else None
        if isinstance(first_row, exp.Tuple) and len(first_row.expressions) == len(insert_columns):
            assignments = [
                Binding(col, "set", value_text(v)) for col, v in zip(insert_columns, first_row.expressions, strict=True)
            ]

    return StatementShape(
        operation=operation,
        tables=tuple(names.tables),
        equality=tuple(filters.equality),
        in_lists=tuple(filters.in_lists),
        ranges=tuple(filters.ranges),
        order_by=tuple(order_by),
        limit=limit,
        offset=offset,
        projection=tuple(projection),
        joins=_joins(root, names, filters.column_pairs),
        aggregates=tuple(aggregates),
        group_by=tuple(group_by),
        like=tuple(filters.likes),
        set_columns=tuple(set_columns),
        insert_columns=tuple(insert_columns),
        parameters=tuple(_parameters(nodes)),
        uses_or=filters.uses_or,
        upsert=isinstance(root, exp.Insert) and root.args.get("conflict") is not None,
        **_upsert(root, read),
        aliases=_aliases(nodes),
        recursive=_recursive(root),
        bindings=tuple(filters.bindings) + tuple(assignments),
        conditions=conjuncts_of(root, names, read),
    )


def _upsert(root: exp.Expr, read: str) -> dict[str, Any]:
    """``upsert_action``, ``upsert_keys`` and ``upsert_set`` of an INSERT ... ON CONFLICT / ON DUPLICATE KEY."""
    conflict = root.args.get("conflict") if isinstance(root, exp.Insert) else None
    if not isinstance(conflict, exp.OnConflict):
        return {}
    action = conflict.args.get("action")
    updates = [
        Binding(a.this.name, "set", sql_text(a.expression, read))
        for a in conflict.expressions
        if isinstance(a, exp.EQ) and isinstance(a.this, exp.Column)
    ]
    nothing = isinstance(action, exp.Var) and "NOTHING" in action.name.upper() and not updates
    keys = [
        k.this.name if isinstance(k, exp.Ordered) and isinstance(k.this, exp.Column) else k.name
        for k in conflict.args.get("conflict_keys") or []
    ]
    return {
        "upsert_action": "nothing" if nothing else "update",
        "upsert_keys": tuple(keys),
        "upsert_set": tuple(updates),
    }


def _aliases(nodes: Sequence[exp.Expr]) -> tuple[str, ...]:
    """The output names of every select list's aliased items (CTEs included): names of no table column."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, exp.Select):
            out += [i.alias for i in node.expressions if isinstance(i, exp.Alias) and i.alias not in out]
        elif isinstance(node, exp.CTE):
            out += [c.name for c in node.args["alias"].columns if c.name not in out] if node.args.get("alias") else []
    return tuple(dict.fromkeys(out))


def _recursive(root: exp.Expr) -> bool:
    """Whether the statement has a WITH RECURSIVE (sqlglot keeps the clause as ``with_``)."""
    clause = root.args.get("with_") or root.args.get("with")
    return isinstance(clause, exp.With) and bool(clause.args.get("recursive"))


def _joins(
    root: exp.Expr, names: ColumnNames, column_pairs: list[tuple[exp.Column, exp.Column]]
) -> tuple[JoinShape, ...]:
    """Joined tables with their ON/USING pairs; ``FROM a, b WHERE a.x = b.y`` counts as a join too."""
    out: list[JoinShape] = []
    base = root.args.get("from_")
    base_table = base.this if isinstance(base, exp.From) else None
    base_name = base_table.name if isinstance(base_table, exp.Table) else ""
    for join in root.args.get("joins") or []:
        target = join.this
        table = table_name(target) if isinstance(target, exp.Table) else "(subquery)"
        kind = (join.side or join.kind or "inner").lower()
        pairs: list[tuple[str, str]] = []
        on = join.args.get("on")
        if on is None and not join.args.get("using"):
            # The comma join's condition is in WHERE (or nowhere: a cross join).
            name = target.name if isinstance(target, exp.Table) else None
            for a, b in column_pairs:
                sides = (names.column(a, qualify=True), names.column(b, qualify=True))
                if name and any(side.split(".")[0] == name for side in sides):
                    pairs.append(sides)
            if not pairs and not join.side and not join.kind:
                kind = "cross"
        else:
            for node in walk(on, prune=is_query) if on is not None else ():
                if (
                    isinstance(node, exp.EQ)
                    and isinstance(node.this, exp.Column)
                    and isinstance(node.expression, exp.Column)
                ):
                    pairs.append((names.column(node.this, qualify=True), names.column(node.expression, qualify=True)))
        for ident in join.args.get("using") or []:
            col = ident.name
            left = f"{base_name}.{col}" if base_name else col
            right_name = target.name if isinstance(target, exp.Table) else table
            pairs.append((left, f"{right_name}.{col}"))
        out.append(JoinShape(table=table, kind=kind, on=tuple(pairs)))
    return tuple(out)
