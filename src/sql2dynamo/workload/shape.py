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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from sql2dynamo.workload._sqltree import (
    is_positional,
    is_query,
    is_value,
    like_kind,
    parse_statement,
    single_column,
    sql_text,
    sqlglot_dialect,
    walk,
)
from sql2dynamo.workload.normalize import fingerprint, normalize_statement

__all__ = [
    "Binding",
    "JoinShape",
    "LikeShape",
    "OrderTerm",
    "StatementShape",
    "fingerprint",
    "normalize_statement",
    "parse_shape",
    "shape_of",
]

Operation = str  # "select" | "insert" | "update" | "delete" | "other"

_RANGE_OPS: tuple[type[exp.Expr], ...] = (exp.GT, exp.GTE, exp.LT, exp.LTE)
_LIKE_OPS: tuple[type[exp.Expr], ...] = (exp.Like, exp.ILike)
_RANGE_SYMBOL: dict[type[exp.Expr], str] = {exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">="}


def _value_text(node: exp.Expr) -> str:
    """``:name`` for a named parameter, otherwise the value's SQL text (``TRUE``, ``'hint'``, ``42``)."""
    if isinstance(node, exp.Placeholder) and node.this:
        return f":{node.name}"
    return node.sql()


@dataclass(frozen=True)
class OrderTerm:
    """One ORDER BY term."""

    column: str
    direction: str  # "asc" | "desc"


@dataclass(frozen=True)
class JoinShape:
    """One joined table and the column pairs its ON (or USING) clause equates."""

    table: str
    kind: str  # "inner" | "left" | "right" | "full" | "cross"
    on: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class LikeShape:
    """A LIKE filter and what its pattern looks like.

    ``kind`` is ``prefix`` (``'abc%'``), ``suffix`` (``'%abc'``), ``contains``
    (``'%abc%'``), ``exact`` (no wildcard), ``pattern`` (other wildcards) or
    ``param`` (the whole pattern is a parameter: unknown).
    """

    column: str
    kind: str


@dataclass(frozen=True)
class Binding:
    """A column compared with (or assigned) a value: a ``:param``, or a literal as SQL text."""

    column: str
    op: str  # "=", "in", ">", ">=", "<", "<=", "set" (UPDATE SET / INSERT VALUES)
    value: str


@dataclass(frozen=True)
class StatementShape:
    """The parts of one statement that decide how DynamoDB can serve it.

    Column names are the source's spelling, as ``table.column`` when the
    statement names several tables and the column is qualified, bare otherwise.
    """

    operation: Operation
    tables: tuple[str, ...] = ()
    equality: tuple[str, ...] = ()
    in_lists: tuple[str, ...] = ()  # the equality columns compared with IN / = ANY
    ranges: tuple[str, ...] = ()
    order_by: tuple[OrderTerm, ...] = ()
    limit: int | str | None = None  # an int, or a parameter such as ":limit"
    offset: int | str | None = None
    projection: tuple[str, ...] = ()
    joins: tuple[JoinShape, ...] = ()
    aggregates: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    like: tuple[LikeShape, ...] = ()
    set_columns: tuple[str, ...] = ()
    insert_columns: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    uses_or: bool = False  # some condition is an OR: the filters are alternatives
    upsert: bool = False  # INSERT ... ON CONFLICT / ON DUPLICATE KEY UPDATE
    # Which value each compared or assigned column gets: what a plan binds to its keys.
    bindings: tuple[Binding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A plain mapping for YAML: ``operation`` and ``tables`` always, other fields when set."""
        out: dict[str, Any] = {"operation": self.operation, "tables": list(self.tables)}
        simple = (
            ("equality", self.equality),
            ("in_lists", self.in_lists),
            ("ranges", self.ranges),
        )
        for key, cols in simple:
            if cols:
                out[key] = list(cols)
        if self.like:
            out["like"] = [{"column": lk.column, "kind": lk.kind} for lk in self.like]
        if self.order_by:
            out["order_by"] = [{"column": o.column, "direction": o.direction} for o in self.order_by]
        if self.limit is not None:
            out["limit"] = self.limit
        if self.offset is not None:
            out["offset"] = self.offset
        if self.projection:
            out["projection"] = list(self.projection)
        if self.joins:
            out["joins"] = [{"table": j.table, "kind": j.kind, "on": [list(pair) for pair in j.on]} for j in self.joins]
        for key, values in (
            ("aggregates", self.aggregates),
            ("group_by", self.group_by),
            ("set_columns", self.set_columns),
            ("insert_columns", self.insert_columns),
            ("parameters", self.parameters),
        ):
            if values:
                out[key] = list(values)
        if self.uses_or:
            out["uses_or"] = True
        if self.upsert:
            out["upsert"] = True
        return out


def parse_shape(sql: str, dialect_name: str, *, pattern_id: str | None = None) -> StatementShape:
    """The shape of one statement, parsed in the source's dialect.

    Unparseable SQL raises :class:`InputError` naming ``pattern_id`` when given.
    """
    return shape_of(parse_statement(sql, dialect_name, pattern_id=pattern_id), sqlglot_dialect(dialect_name))


def _table_name(table: exp.Table) -> str:
    return ".".join(part.name for part in table.parts)


class _Names:
    """Resolves column references to the spelling a shape reports."""

    def __init__(self, root: exp.Expr, nodes: Sequence[exp.Expr]) -> None:
        """``nodes`` are the statement's nodes, ``list(walk(root))``."""
        self.ctes = {cte.alias_or_name for cte in root.find_all(exp.CTE)}
        self.tables: list[str] = []
        self.alias: dict[str, str] = {}
        for node in nodes:
            if isinstance(node, exp.Table) and node.name:
                if node.name in self.ctes and not node.args.get("db"):
                    continue
                spelled = _table_name(node)
                if spelled not in self.tables:
                    self.tables.append(spelled)
                self.alias[node.alias_or_name] = node.name
        self.single = len({t.split(".")[-1] for t in self.tables}) <= 1

    def column(self, col: exp.Column, *, qualify: bool = False) -> str:
        name = "*" if isinstance(col.this, exp.Star) else col.name
        qualifier = col.table
        table = self.alias.get(qualifier, qualifier) if qualifier else ""
        if table and (qualify or not self.single):
            return f"{table}.{name}"
        if qualify and not table and self.single and self.tables:
            return f"{self.tables[0].split('.')[-1]}.{name}"
        return name

    def expression(self, node: exp.Expr, read: str) -> str:
        if isinstance(node, exp.Column):
            return self.column(node)
        return sql_text(node, read)


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


def _aggregate(node: exp.AggFunc, names: _Names, read: str) -> str:
    fn = node.key.lower()
    arg = node.this
    if arg is None or isinstance(arg, exp.Star):
        return f"{fn}(*)"
    if isinstance(arg, exp.Distinct):
        inner = ", ".join(names.expression(e, read) for e in arg.expressions)
        return f"{fn}(distinct {inner})"
    return f"{fn}({names.expression(arg, read)})"


@dataclass
class _Filters:
    equality: list[str] = field(default_factory=list)
    in_lists: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    likes: list[LikeShape] = field(default_factory=list)
    column_pairs: list[tuple[exp.Column, exp.Column]] = field(default_factory=list)
    uses_or: bool = False
    bindings: list[Binding] = field(default_factory=list)


def _filters(nodes: Sequence[exp.Expr], names: _Names) -> _Filters:
    """What the WHERE, HAVING and ON conditions (subqueries included) compare; ``nodes`` as for :class:`_Names`."""
    out = _Filters()

    def add(target: list[str], col: exp.Column | None) -> None:
        if col is not None and names.column(col) not in target:
            target.append(names.column(col))

    def bind(col: exp.Column | None, op: str, value: exp.Expr) -> None:
        if col is not None:
            out.bindings.append(Binding(names.column(col), op, _value_text(value)))

    conditions: list[exp.Expr] = []
    for node in nodes:
        if isinstance(node, exp.Where | exp.Having):
            conditions.append(node.this)
        elif isinstance(node, exp.Join) and node.args.get("on") is not None:
            conditions.append(node.args["on"])
    for cond in conditions:
        # Subqueries are pruned: their own WHERE is one of the conditions.
        for node in walk(cond, prune=is_query):
            if is_query(node):
                continue
            if isinstance(node, exp.Or):
                out.uses_or = True
            elif isinstance(node, exp.EQ | exp.NullSafeEQ):
                left, right = node.this, node.expression
                if isinstance(left, exp.Column) and isinstance(right, exp.Column):
                    out.column_pairs.append((left, right))
                for col_side, val_side in ((left, right), (right, left)):
                    if is_value(val_side) and not is_value(col_side):
                        add(out.equality, single_column(col_side))
                        bind(single_column(col_side), "in" if isinstance(val_side, exp.Any) else "=", val_side)
                        if isinstance(val_side, exp.Any):
                            add(out.in_lists, single_column(col_side))
                        break
            elif isinstance(node, exp.In):
                values = node.expressions
                if values and all(is_value(v) for v in values) and not node.args.get("query"):
                    add(out.equality, single_column(node.this))
                    add(out.in_lists, single_column(node.this))
                    bind(single_column(node.this), "in", values[0])
            elif isinstance(node, _RANGE_OPS) and isinstance(node, exp.Binary):
                op = _RANGE_SYMBOL[type(node)]
                if is_value(node.expression):
                    add(out.ranges, single_column(node.this))
                    bind(single_column(node.this), op, node.expression)
                elif is_value(node.this):
                    add(out.ranges, single_column(node.expression))
                    bind(single_column(node.expression), _FLIPPED[op], node.this)
            elif isinstance(node, exp.Between):
                if is_value(node.args["low"]) and is_value(node.args["high"]):
                    add(out.ranges, single_column(node.this))
                    bind(single_column(node.this), ">=", node.args["low"])
                    bind(single_column(node.this), "<=", node.args["high"])
            elif isinstance(node, _LIKE_OPS) and isinstance(node, exp.Binary):
                col = single_column(node.this)
                if col is not None and is_value(node.expression):
                    like = LikeShape(names.column(col), like_kind(node.expression))
                    if like not in out.likes:
                        out.likes.append(like)
    return out


def _projection(select: exp.Select, names: _Names, read: str) -> tuple[list[str], list[str]]:
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
    names = _Names(root, nodes)
    operation = _operation(root)
    filters = _filters(nodes, names)

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
                assignments.append(Binding(a.this.name, "set", _value_text(a.expression)))
    insert_columns: list[str] = []
    if isinstance(root, exp.Insert) and isinstance(root.this, exp.Schema):
        insert_columns = [c.name for c in root.this.expressions]
        values = root.expression
        first_row = values.expressions[0] if isinstance(values, exp.Values) and values.expressions else None
        if isinstance(first_row, exp.Tuple) and len(first_row.expressions) == len(insert_columns):
            assignments = [
                Binding(col, "set", _value_text(v))
                for col, v in zip(insert_columns, first_row.expressions, strict=True)
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
        bindings=tuple(filters.bindings) + tuple(assignments),
    )


def _joins(root: exp.Expr, names: _Names, column_pairs: list[tuple[exp.Column, exp.Column]]) -> tuple[JoinShape, ...]:
    """Joined tables with their ON/USING pairs; ``FROM a, b WHERE a.x = b.y`` counts as a join too."""
    out: list[JoinShape] = []
    base = root.args.get("from_")
    base_table = base.this if isinstance(base, exp.From) else None
    base_name = base_table.name if isinstance(base_table, exp.Table) else ""
    for join in root.args.get("joins") or []:
        target = join.this
        table = _table_name(target) if isinstance(target, exp.Table) else "(subquery)"
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
