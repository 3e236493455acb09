"""Column naming and condition analysis for :func:`~sql2dynamo.workload.shape.parse.shape_of`.

:class:`ColumnNames` decides how a column reference is spelled in a shape
(bare, or ``table.column`` once several tables are involved) and
:func:`filters_of` reads the WHERE, HAVING and ON conditions into equality,
IN, range and LIKE columns plus their bindings.  They are the part of shape
parsing that walks predicates; the rest of ``shape`` assembles clauses
(order, limit, projection, joins) around them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from sql2dynamo.workload.shape.model import Binding, LikeShape, Predicate
from sql2dynamo.workload.sqltree import (
    concat_parts,
    is_query,
    is_value,
    like_kind,
    single_column,
    sql_text,
    walk,
)

_RANGE_OPS: tuple[type[exp.Expr], ...] = (exp.GT, exp.GTE, exp.LT, exp.LTE)
_LIKE_OPS: tuple[type[exp.Expr], ...] = (exp.Like, exp.ILike)
_RANGE_SYMBOL: dict[type[exp.Expr], str] = {exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "<>": "<>"}
_COMPARISONS: dict[type[exp.Expr], str] = {exp.EQ: "=", exp.NEQ: "<>", **_RANGE_SYMBOL}


def value_text(node: exp.Expr) -> str:
    """``:name`` for a named parameter, otherwise the value's SQL text (``TRUE``, ``'hint'``, ``42``)."""
    if isinstance(node, exp.Placeholder) and node.this:
        return f":{node.name}"
    return node.sql()


def table_name(table: exp.Table) -> str:
    """The table as written, schema-qualified when the statement qualifies it."""
    return ".".join(part.name for part in table.parts)


class ColumnNames:
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
                spelled = table_name(node)
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


@dataclass
class Filters:
    """What :func:`filters_of` found, each column once, in the order the conditions name it."""

    equality: list[str] = field(default_factory=list)
    in_lists: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    likes: list[LikeShape] = field(default_factory=list)
    column_pairs: list[tuple[exp.Column, exp.Column]] = field(default_factory=list)
    uses_or: bool = False
    bindings: list[Binding] = field(default_factory=list)


def filters_of(nodes: Sequence[exp.Expr], names: ColumnNames) -> Filters:
    """What the WHERE, HAVING and ON conditions (subqueries included) compare; ``nodes`` as for :class:`ColumnNames`."""
    out = Filters()

    def add(target: list[str], col: exp.Column | None) -> None:
        if col is not None and names.column(col) not in target:
            target.append(names.column(col))

    def bind(col: exp.Column | None, op: str, value: exp.Expr) -> None:
        if col is not None:
            out.bindings.append(Binding(names.column(col), op, value_text(value)))

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


def conjuncts_of(root: exp.Expr, names: ColumnNames, read: str) -> tuple[Predicate, ...]:
    """The top-level AND-ed conditions of the statement's own WHERE, each as a :class:`Predicate`."""
    where = root.args.get("where")
    if not isinstance(where, exp.Where):
        return ()
    out: list[exp.Expr] = []
    pending = [where.this]
    while pending:
        node = pending.pop(0)
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.And):
            pending[:0] = [node.this, node.expression]
        else:
            out.append(node)
    return tuple(predicate_of(node, names, read) for node in out)


def predicate_of(node: exp.Expr, names: ColumnNames, read: str) -> Predicate:
    """One condition as a :class:`Predicate` (anything unrecognised is ``other``, never dropped)."""
    text = sql_text(node, read)
    while isinstance(node, exp.Paren):
        node = node.this
    if node.args.get("negate") and not isinstance(node, exp.Is):
        # sqlglot keeps `b NOT LIKE 'x%'` (and the like) as the positive node with negate=True.
        positive = node.copy()
        positive.set("negate", None)
        return Predicate("not", parts=(predicate_of(positive, names, read),), text=text)
    if isinstance(node, exp.And | exp.Or):
        parts = (predicate_of(node.this, names, read), predicate_of(node.expression, names, read))
        op = "and" if isinstance(node, exp.And) else "or"
        flat = tuple(q for p in parts for q in (p.parts if p.op == op else (p,)))
        return Predicate(op, parts=flat, text=text)
    if isinstance(node, exp.Not):
        inner = predicate_of(node.this, names, read)
        if inner.op == "=" and inner.values == ("TRUE",) and _bare_column(node.this):
            return Predicate("=", inner.column, ("FALSE",), text=text)
        if inner.op in ("is_null", "is_not_null"):
            flipped = "is_not_null" if inner.op == "is_null" else "is_null"
            return Predicate(flipped, inner.column, text=text)
        return Predicate("not", parts=(inner,), text=text)
    if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
        return Predicate("=", names.column(node), ("TRUE",), text=text)  # a boolean column alone
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        col = node.this if isinstance(node.this, exp.Column) else None
        if col is not None:
            return Predicate("is_not_null" if node.args.get("negate") else "is_null", names.column(col), text=text)
    comparison = _COMPARISONS.get(type(node))
    if comparison is not None and isinstance(node, exp.Binary):
        left, right = node.this, node.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Column) and comparison == "=":
            return Predicate("join", names.column(left), (names.column(right),), text=text)
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            # Two columns compared by order (quantity > inventory_quantity): no key or join pair, and no
            # DynamoDB expression compares two attributes, so it stays `other` (refused unless evaluated).
            return Predicate("other", text=text)
        if isinstance(left, exp.Column) and is_value(right) and not isinstance(right, exp.Any):
            return Predicate(comparison, names.column(left), (value_text(right),), text=text)
        if isinstance(right, exp.Column) and is_value(left):
            return Predicate(_FLIPPED[comparison], names.column(right), (value_text(left),), text=text)
        if comparison == "=" and isinstance(left, exp.Column) and isinstance(right, exp.Any):
            listed = right.this
            while isinstance(listed, exp.Paren):
                listed = listed.this
            return Predicate("in", names.column(left), (value_text(listed),), text=text)
    if isinstance(node, exp.Between) and isinstance(node.this, exp.Column):
        low, high = node.args["low"], node.args["high"]
        if is_value(low) and is_value(high):
            return Predicate("between", names.column(node.this), (value_text(low), value_text(high)), text=text)
    if isinstance(node, exp.In) and isinstance(node.this, exp.Column) and not node.args.get("query"):
        values = node.expressions
        if values and all(is_value(v) for v in values):
            return Predicate("in", names.column(node.this), tuple(value_text(v) for v in values), text=text)
    if isinstance(node, exp.Like) and isinstance(node.this, exp.Column) and is_value(node.expression):
        kind = like_kind(node.expression)
        return Predicate("like", names.column(node.this), _prefix(node.expression, kind), text=text, like=kind)
    return Predicate("other", text=text)


def _bare_column(node: exp.Expr) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    return isinstance(node, exp.Column)


def _prefix(pattern: exp.Expr, kind: str) -> tuple[str, ...]:
    """A prefix LIKE's prefix (``'abc%'`` -> ``'abc'``, ``:q || '%'`` -> ``:q``); nothing for other kinds."""
    if kind != "prefix":
        return ()
    if isinstance(pattern, exp.Literal):
        return ("'" + pattern.this[:-1] + "'",)
    parts = concat_parts(pattern)
    return (value_text(parts[0]),) if parts else ()
