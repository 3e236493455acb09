"""sqlglot plumbing shared by shape.py and normalize.py: parsing, walking, rendering."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from sql2dynamo.common.errors import InputError
from sql2dynamo.source.dialects import get_dialect

WILDCARDS_ONLY = re.compile(r"^[%_]+$")
LIKE_OPS: tuple[type[exp.Expr], ...] = (exp.Like, exp.ILike)


def sqlglot_dialect(dialect_name: str) -> str:
    """sqlglot's name for a registry dialect (``postgresql`` -> ``postgres``)."""
    return get_dialect(dialect_name).sqlglot


def parse_statement(sql: str, dialect_name: str, *, pattern_id: str | None = None) -> exp.Expr:
    """Parse exactly one statement; an :class:`InputError` naming the pattern otherwise."""
    read = sqlglot_dialect(dialect_name)
    where = f"pattern {pattern_id}: " if pattern_id else ""
    try:
        trees = [t for t in sqlglot.parse(sql, read=read) if t is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"{where}cannot parse the SQL as {get_dialect(dialect_name).title}: {first}",
            hint="write one statement in the source database's dialect, parameters as :name",
            pattern_id=pattern_id,
        ) from None
    if len(trees) != 1:
        raise InputError(
            f"{where}expected one SQL statement, found {len(trees)}",
            hint="give each statement its own pattern",
            pattern_id=pattern_id,
        )
    return trees[0]


def children(node: exp.Expr) -> Iterator[exp.Expr]:
    """The direct sub-expressions of ``node`` in the order SQL writes them."""
    return iter(_children(node))


def _children(node: exp.Expr) -> list[exp.Expr]:
    # arg_types lists a node's parts in SQL order; args' own order is the order
    # the parser happened to fill them in (a SELECT's LIMIT comes before FROM).
    args = node.args
    arg_types = node.arg_types
    keys: Iterable[str] = arg_types
    if not args.keys() <= arg_types.keys():
        keys = [*arg_types, *(k for k in args if k not in arg_types)]
    out: list[exp.Expr] = []
    for key in keys:
        value = args.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            out += [v for v in value if isinstance(v, exp.Expr)]
        elif isinstance(value, exp.Expr):
            out.append(value)
    return out


def walk(node: exp.Expr, prune: Callable[[exp.Expr], bool] | None = None) -> Iterator[exp.Expr]:
    """Every node under ``node`` in textual order; ``prune`` stops descending below a node."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and prune is not None and prune(current):
            continue
        below = _children(current)
        if below:
            below.reverse()
            stack += below


def ancestors(node: exp.Expr) -> Iterator[exp.Expr]:
    """The parents of ``node``, nearest first."""
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def is_query(node: exp.Expr) -> bool:
    """A SELECT (or set operation) or a parenthesised subquery."""
    return isinstance(node, exp.Query | exp.Subquery)


def is_value(node: exp.Expr) -> bool:
    """A comparison side without columns or subqueries: a parameter, a literal, ``now()`` ..."""
    return not any(isinstance(n, exp.Column | exp.Query | exp.Subquery) for n in walk(node))


def single_column(node: exp.Expr) -> exp.Column | None:
    """The column a comparison side is about: itself, or the only column of ``lower(col)`` and the like."""
    if isinstance(node, exp.Column):
        return node
    if any(is_query(n) for n in walk(node)):
        return None
    cols = [n for n in walk(node) if isinstance(n, exp.Column)]
    return cols[0] if len(cols) == 1 else None


def is_positional(node: exp.Parameter) -> bool:
    """PostgreSQL's ``$1``; MySQL's ``@var`` is a Parameter too but a session variable."""
    inner = node.this
    return isinstance(inner, exp.Literal) and not inner.is_string


def concat_parts(node: exp.Expr) -> list[exp.Expr] | None:
    """The operands of ``a || b || c`` or ``CONCAT(a, b, c)``; None for anything else."""
    if isinstance(node, exp.DPipe):
        left = concat_parts(node.this) or [node.this]
        right = concat_parts(node.expression) or [node.expression]
        return [*left, *right]
    if isinstance(node, exp.Concat):
        return list(node.expressions)
    return None


def like_kind(pattern: exp.Expr) -> str:
    """Classify a LIKE pattern: a literal, or a parameter concatenated with ``%`` wildcards."""
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        text = pattern.this
        if "%" not in text and "_" not in text:
            return "exact"
        inner = text.strip("%")
        if "%" in inner or "_" in inner or not inner:
            return "pattern"
        starts, ends = text.startswith("%"), text.endswith("%")
        return "contains" if starts and ends else "prefix" if ends else "suffix"
    parts = concat_parts(pattern)
    if parts is not None:
        wild = [_is_wildcard(p) for p in parts]
        if wild == [False, True]:
            return "prefix"
        if wild == [True, False]:
            return "suffix"
        if wild == [True, False, True]:
            return "contains"
    return "param"


def _is_wildcard(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_string and bool(WILDCARDS_ONLY.match(node.this))


def _as_colon_parameter(node: exp.Expr) -> exp.Expr:
    # The patterns file writes parameters as :name in every dialect (sqlglot's PostgreSQL
    # output would be psycopg's %(name)s); a Var is printed verbatim.
    if isinstance(node, exp.Placeholder):
        return exp.Var(this=f":{node.name}" if node.this else "?")
    return node


def sql_text(tree: exp.Expr, read: str) -> str:
    """SQL for a tree in sqlglot dialect ``read``: one line, parameters ``:name``, no comments."""
    plain = tree.copy().transform(_as_colon_parameter, copy=False)
    return str(sqlglot.Dialect.get_or_raise(read).generate(plain, comments=False))


def render(tree: exp.Expr, dialect_name: str) -> str:
    """SQL for a tree in a registry dialect (see :func:`sql_text`)."""
    return sql_text(tree, sqlglot_dialect(dialect_name))
