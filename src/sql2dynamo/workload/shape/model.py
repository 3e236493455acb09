"""The result of shape parsing: :class:`StatementShape` and the small records it holds.

Design, validate and codegen read these records but never parse SQL, so the
types stand apart from the sqlglot analysis in ``shape`` (re-exported there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Operation = str  # "select" | "insert" | "update" | "delete" | "other"


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


PREDICATE_OPS = (
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "between",
    "in",
    "is_null",
    "is_not_null",
    "like",
    "not",
    "and",
    "or",
    "join",
    "other",
)


@dataclass(frozen=True)
class Predicate:
    """One condition of a WHERE clause, as data: what design enforces as a key, filter or condition.

    ``op`` is one of :data:`PREDICATE_OPS`.  Comparisons (``=`` ... ``>=``,
    ``between``, ``in``, ``is_null``, ``is_not_null``, ``like``) name their
    ``column`` and ``values`` (``:param`` or a literal's SQL text); a boolean
    column alone is ``column = TRUE`` (``NOT column``: ``= FALSE``).  A LIKE
    keeps the kind of its pattern in ``like`` and, for a prefix match, the
    prefix as its only value.  ``not``, ``and`` and ``or`` hold ``parts``;
    ``join`` compares two columns (``values`` holds the other one); ``other``
    is anything else.  ``text`` is the condition as written.
    """

    op: str
    column: str | None = None
    values: tuple[str, ...] = ()
    parts: tuple[Predicate, ...] = ()
    text: str = ""
    like: str | None = None

    def columns(self) -> tuple[str, ...]:
        """Every column the condition reads, in order, each once."""
        out: list[str] = [self.column] if self.column else []
        if self.op == "join":
            out += list(self.values)
        for part in self.parts:
            out += [c for c in part.columns() if c not in out]
        return tuple(dict.fromkeys(out))

    def parameters(self) -> tuple[str, ...]:
        """The ``:param`` names the condition compares with (without the colon)."""
        own = [v[1:] for v in self.values if v.startswith(":") and self.op != "join"]
        for part in self.parts:
            own += list(part.parameters())
        return tuple(dict.fromkeys(own))


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
    # What the upsert does on a conflict: "nothing" (DO NOTHING), "update" (DO UPDATE, ON DUPLICATE KEY UPDATE).
    upsert_action: str | None = None
    upsert_keys: tuple[str, ...] = ()  # the ON CONFLICT (...) columns; () when the database picks (MySQL)
    # On conflict, each updated column and its new value as SQL text (`quantity + VALUES(quantity)`).
    upsert_set: tuple[Binding, ...] = ()
    # Output names the select lists give to computed items (`0 AS depth`): names of no table column.
    aliases: tuple[str, ...] = ()
    recursive: bool = False  # WITH RECURSIVE: the statement iterates its CTE until no row is added
    # Which value each compared or assigned column gets: what a plan binds to its keys.
    bindings: tuple[Binding, ...] = ()
    # The top-level conjuncts of the statement's own WHERE, in order: every one must be enforced by a plan.
    conditions: tuple[Predicate, ...] = ()

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
        if self.recursive:
            out["recursive"] = True
        return out
