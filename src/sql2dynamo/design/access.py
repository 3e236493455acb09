"""How each access pattern wants to reach its data: the needs the key design must meet.

A read pattern becomes an :class:`Access`: its main table, the columns it
fixes by equality (split into parameters and literal flags), its range and
order, its joins, and whether DynamoDB can serve it at all.  Literal flags
(``is_public = TRUE``) make sparse indexes.  A COUNT with a lower bound on a
date-time is a range on the sort key, not a per-day key: ``created_at >=
:day_start`` counts every later day too, which a day bucket would miss
(``validate`` found the difference).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.source.model import ForeignKey, Schema, Table
from sql2dynamo.workload.shape.model import Predicate, StatementShape

SEARCH_ALTERNATIVE = "stream the table to a search index (DynamoDB Streams -> OpenSearch) and run this query there"
ANALYTICS_ALTERNATIVE = (
    "export the table to S3 (DynamoDB export, or the source until cut-over) and run this query in Athena, "
    "or maintain the aggregate in an item updated from DynamoDB Streams"
)


@dataclass(frozen=True)
class JoinAccess:
    """One join of a read pattern, classified by the foreign key that links it."""

    table: str  # the joined table
    direction: Literal["to_parent", "to_children"]
    fk: ForeignKey  # the FK (on the child side)
    columns: tuple[str, ...]  # joined table's columns the query selects ("*" for all)
    # The joined table whose rows hold ``fk`` when it is not the main table (a chain of foreign keys:
    # cart_items -> products -> categories); such a join is always to the parent, read by key.
    via: str | None = None
    outer: bool = False  # LEFT/RIGHT/FULL JOIN: SQL keeps the rows that have no related row


@dataclass(frozen=True)
class Access:
    """What one read pattern needs from the key design."""

    pattern: ResolvedPattern
    table: str
    eq: tuple[str, ...]  # columns fixed by a parameter
    flags: tuple[tuple[str, str], ...]  # columns fixed by a literal (sparse-index candidates)
    ranges: tuple[str, ...]
    order: tuple[str, str] | None  # (column, "asc"|"desc")
    limit: int | str | None
    in_list: tuple[str, ...]
    count: bool
    joins: tuple[JoinAccess, ...]
    projection: tuple[str, ...]
    unsupported: str | None = None
    alternative: str | None = None


def _bare(name: str) -> str:
    return name.split(".")[-1]


def _own(table: Table, name: str) -> str | None:
    """``name`` as a column of ``table`` (qualified names must name this table)."""
    if "." in name and name.split(".")[0].lower() != table.name.lower():
        return None
    bare = _bare(name)
    for col in table.columns:
        if col.name == bare or col.name.lower() == bare.lower():
            return col.name
    return None


def classify_read(rp: ResolvedPattern, schema: Schema) -> Access:
    """The :class:`Access` of one read pattern (``rp.kind == "read"``)."""
    shape = rp.shape
    assert shape is not None and rp.table is not None
    table = schema.table(rp.table)
    # Keys come from the WHERE's top-level conjuncts only: a column compared inside an OR or a NOT fixes nothing.
    eq: list[str] = []
    flags: list[tuple[str, str]] = []
    in_list: list[str] = []
    range_cols: list[str] = []
    for p in shape.conditions:
        col = _own(table, p.column) if p.column else None
        if col is None:
            continue
        if p.op == "=" and not p.values[0].startswith(":"):
            flags.append((col, p.values[0]))
        elif p.op in ("=", "in") and col not in eq:
            eq.append(col)
            if p.op == "in":
                in_list.append(col)
        elif p.op in ("<", "<=", ">", ">=", "between") and col not in range_cols:
            range_cols.append(col)
    ranges = tuple(range_cols)
    order = None
    if shape.order_by:
        col = _own(table, shape.order_by[0].column)
        order = (col, shape.order_by[0].direction) if col else None
    count = any(a.startswith("count(") for a in shape.aggregates)
    projection = tuple(shape.projection)
    joins = tuple(_joins(schema, table, shape))
    access = Access(
        pattern=rp,
        table=table.name,
        eq=tuple(eq),
        flags=tuple(flags),
        ranges=ranges,
        order=order,
        limit=shape.limit,
        in_list=tuple(in_list),
        count=count,
        joins=joins,
        projection=projection,
    )
    reason, alternative = _unsupported(shape, access, table)
    if reason:
        return replace(access, unsupported=reason, alternative=alternative)
    return access


def _has_or(p: Predicate) -> bool:
    return p.op == "or" or any(_has_or(q) for q in p.parts)


def _joins(schema: Schema, main: Table, shape: StatementShape) -> list[JoinAccess]:
    out: list[JoinAccess] = []
    for join in shape.joins:
        other_name = _bare(join.table)
        other = next((t for t in schema.tables if t.name.lower() == other_name.lower()), None)
        if other is None or other.name == main.name:
            continue  # a self-join is refused by _unsupported: its aliases are one table to the shape
        cols = tuple(
            _bare(c) for c in shape.projection if "." in c and c.split(".")[0].lower() == other.name.lower()
        ) or ("*",)
        on = {_bare(c).lower() for pair in join.on for c in pair}
        link = _link(main, other, on)
        outer = join.kind in ("left", "right", "full")
        if link is not None:
            out.append(JoinAccess(other.name, link[0], link[1], cols, outer=outer))
            continue
        # A parent of a table joined before it: reached by that table's foreign key.
        for earlier in list(out):
            step = _link(schema.table(earlier.table), other, on)
            if step is not None and step[0] == "to_parent":
                out.append(JoinAccess(other.name, "to_parent", step[1], cols, via=earlier.table, outer=outer))
                break
    return out


def _link(
    main: Table, other: Table, on: set[str] | None = None
) -> tuple[Literal["to_parent", "to_children"], ForeignKey] | None:
    """The foreign key between ``main`` and ``other`` the join's ON columns name (any one when ``on`` is empty)."""

    def named(fk: ForeignKey) -> bool:
        return not on or {c.lower() for c in (*fk.columns, *fk.referred_columns)} <= on

    for fk in main.foreign_keys:
        if fk.referred_table == other.name and named(fk):
            return "to_parent", fk
    for fk in other.foreign_keys:
        if fk.referred_table == main.name and named(fk):
            return "to_children", fk
    return None


def _unsupported(shape: StatementShape, access: Access, table: Table) -> tuple[str | None, str | None]:
    for like in shape.like:
        if like.kind in ("contains", "suffix", "pattern", "param"):
            return (
                f"LIKE on {like.column} ({like.kind} match) needs a full-text search: "
                "DynamoDB matches keys only exactly or by prefix",
                SEARCH_ALTERNATIVE,
            )
        if like.kind == "prefix" and not access.eq:
            return (
                f"a prefix search on {like.column} with no other key to narrow it would read one hot partition",
                SEARCH_ALTERNATIVE,
            )
    if shape.recursive:
        return _recursive(table)
    self_joins = [j for j in shape.joins if _bare(j.table).lower() == table.name.lower()]
    if self_joins:
        return (
            f"a self-join of {table.name}: the two aliases are one table to the planner, which cannot tell the "
            "row found from the rows related to it",
            f"split it into two patterns on {table.name} (the row by its key, then the related rows by the "
            "foreign key, e.g. WHERE parent_id = :id) and combine them in the application",
        )
    # Rows of a joined child table come from its own Query, in its key order; a parent's column cannot order them.
    children = {j.table.lower() for j in access.joins if j.direction == "to_children"}
    foreign_order = [
        o.column
        for o in shape.order_by
        if _own(table, o.column) is None and o.column.split(".")[0].lower() not in children
    ]
    if foreign_order and not shape.aggregates and not shape.group_by:
        return (
            f"ORDER BY {foreign_order[0]}, a column of a joined table: DynamoDB returns {table.name} items "
            "in their own key order",
            f"sort the rows in the application after reading them (the {table.name} items carry the copied "
            "columns), or keep the copy in a sort key of an index",
        )
    other_aggs = [a for a in shape.aggregates if not a.startswith("count(")]
    if other_aggs or shape.group_by:
        what = ", ".join(other_aggs + [f"GROUP BY {', '.join(shape.group_by)}"] * bool(shape.group_by))
        return _aggregate(table, access, what)
    joined = [_bare(j.table).lower() for j in shape.joins]
    twice = next((t for t in joined if joined.count(t) > 1), None)
    if twice is not None:
        return (
            f"a join to {twice} twice (by two foreign keys of {table.name}): the two aliases are one table to the "
            "planner, which cannot tell whose columns are whose",
            f"read {twice} with a pattern of its own by key for each foreign key, and combine the rows in the "
            "application",
        )
    unlinked = [j.table for j in shape.joins if _bare(j.table).lower() not in {a.table.lower() for a in access.joins}]
    if unlinked or len(shape.tables) != len(access.joins) + 1:
        missing = unlinked[0] if unlinked else ", ".join(shape.tables[1:])
        return (
            f"a join of {table.name} to {missing}, which no foreign key links to {table.name} or to a parent "
            "joined before it (joined on columns that are not a foreign key, or from a parent to its children)",
            f"read {missing} with a pattern of its own, keyed by the columns the join uses, and combine the rows "
            "in the application; or copy its columns into the items it is read with",
        )
    if shape.uses_or and not any(_has_or(p) for p in shape.conditions):
        # An OR inside a WHERE conjunct is a filter (see design.predicates); elsewhere (ON, HAVING) it is not.
        return (
            "an OR between conditions: DynamoDB key conditions are conjunctions",
            "split the pattern into one pattern per branch and merge the results in the application",
        )
    if access.count and not access.eq and not access.flags:
        return _unkeyed_count(table, access.ranges)
    if shape.offset is not None:
        return (
            "OFFSET pagination: DynamoDB pages with a cursor (LastEvaluatedKey), not by position",
            "page with the cursor the runtime returns instead of an offset",
        )
    return None, None


def _recursive(table: Table) -> tuple[str, str]:
    """Why a WITH RECURSIVE is refused: one read would return the anchor rows, not the walk."""
    links = ", ".join(f"{table.name}.{fk.columns[0]}" for fk in table.foreign_keys if fk.referred_table == table.name)
    return (
        f"a recursive CTE (WITH RECURSIVE) that walks {links or table.name} level by level until no row is added: "
        "a DynamoDB plan of one read would return only the anchor row, not the path",
        f"in the application, read the {table.name} row by its key and repeat with its "
        f"{links.split('.')[-1] if links else 'parent'} until it is NULL (one GetItem per level of the tree); or "
        "store each row's path of ancestors in its item and read it with one GetItem",
    )


def _aggregate(table: Table, access: Access, what: str) -> tuple[str, str]:
    """Why an aggregate other than COUNT is refused, with the size of the set it would read.

    A set bounded by a foreign key's fan-out (the cart of one user) could be read with one Query
    and added up in the application; one no key bounds reads the whole table.
    """
    fk = next((f for f in table.foreign_keys if f.columns and set(f.columns) <= set(access.eq)), None)
    if fk is not None:
        bound = (
            f"at most {fk.fanout.p99} rows per {', '.join(fk.columns)} at the 99th percentile "
            f"(max {fk.fanout.max}, average {fk.fanout.avg:g})"
            if fk.fanout
            else "a fan-out the analysis did not measure"
        )
        return (
            f"an aggregate ({what}) over the {table.name} rows of one {', '.join(fk.columns)}: a bounded set "
            f"({bound}), but DynamoDB has no aggregate and the runtime does not compute one",
            f"read the rows with a Query pattern (SELECT ... FROM {table.name} WHERE "
            f"{' AND '.join(f'{c} = :{c}' for c in fk.columns)}) and compute the aggregate in the application, "
            "or keep the aggregate in an item updated in the same transaction as each write",
        )
    rows = table.stats.row_count if table.stats else None
    return (
        f"an ad-hoc aggregate ({what}) over "
        + (f"{rows} rows of {table.name}" if rows is not None else f"every row of {table.name}")
        + (f" fixed only by {', '.join(access.eq)}" if access.eq else ", with no key to bound the set")
        + ": DynamoDB would read them all on every call",
        ANALYTICS_ALTERNATIVE,
    )


def _unkeyed_count(table: Table, ranges: tuple[str, ...]) -> tuple[str, str]:
    """Why a COUNT that fixes no column by equality has no key to run on, and what it needs instead."""
    if ranges:
        # A key condition's range applies inside one partition: with no equality there is no partition to pick.
        column = ranges[0]
        return (
            f"a COUNT of the {table.name} rows in a range of {column}, which no column fixed by equality "
            "narrows to one partition: DynamoDB would read the whole table",
            f"add an index keyed for the range (a constant partition key, or a few write shards, and {column} "
            "as the sort key) and count over it with Select=COUNT, which still reads every item in the range; "
            f"or keep counter items per {column} bucket (a day or a month), updated in the same transaction "
            "as each write, and add up the buckets the range covers",
        )
    return (
        f"a COUNT of every row of {table.name}: DynamoDB has no cheap table count",
        "keep a counter item, updated in the same transaction as each write, and read it with GetItem",
    )
