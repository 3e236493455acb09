"""The "Access Patterns Analysis" section of ``dynamodb_requirement.md``, and the statement helpers it shares.

One table row per access pattern: its RPS, whether it reads or writes, the
attributes it touches, its key requirements, how DynamoDB could serve it
(judged from the source's keys and indexes) and whether it is complete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sql2dynamo.design.render.markdown import num, table
from sql2dynamo.source.model import Schema, Table
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile
from sql2dynamo.workload.shape.model import StatementShape

PATTERN_HEADERS = (
    "Pattern #",
    "Description",
    "RPS (Peak/Avg)",
    "Type",
    "Attributes",
    "Key Requirements",
    "Design Considerations",
    "Status",
)


@dataclass(frozen=True)
class _Analysis:
    """What the requirements table says about one pattern."""

    kind: str
    attributes: tuple[str, ...]
    requirements: tuple[str, ...]
    considerations: tuple[str, ...]


def access_patterns_analysis(
    tables: Mapping[str, Table],
    patterns_file: PatternsFile,
    shapes: Mapping[str, StatementShape | None],
    problems: Sequence[str],
) -> list[str]:
    """The "Access Patterns Analysis" section: one table row per pattern.

    ``tables`` comes from :func:`tables_by_name`; a pattern named at the start
    of one of ``problems`` (``"AP07: ..."``) is marked ❌ with that reason unless
    its own RPS or SQL already explain why.
    """
    rows: list[list[str]] = []
    # pattern id -> the reason its first problem gives ("AP07: no RPS" -> "no RPS")
    reasons: dict[str, str] = {}
    for problem in problems:
        head, sep, rest = problem.partition(":")
        if sep and rest.strip():
            reasons.setdefault(head.strip(), rest.strip())
    for p in patterns_file.patterns:
        shape = shapes.get(p.id)
        analysis = _analyse(tables, p, shape)
        rows.append(
            [
                p.id,
                p.description or "(no description)",
                _rps_text(p),
                analysis.kind,
                ", ".join(analysis.attributes) or "—",
                "; ".join(analysis.requirements),
                "; ".join(analysis.considerations),
                _status(p, shape, reasons.get(p.id)),
            ]
        )
    if not rows:
        return ["", "## Access Patterns Analysis", "", "No access patterns yet.", ""]
    return ["", "## Access Patterns Analysis", "", *table(PATTERN_HEADERS, rows)]


def _rps_text(p: AccessPattern) -> str:
    if p.rps is None:
        return "unknown"
    return f"{num(p.rps.peak, unknown='?')}/{num(p.rps.avg, unknown='?')} RPS"


def _status(p: AccessPattern, shape: StatementShape | None, problem: str | None) -> str:
    reasons: list[str] = []
    if p.rps is None:
        reasons.append("no RPS (rps: null)")
    elif p.rps.avg is None or p.rps.peak is None:
        missing = " and ".join(k for k in ("avg", "peak") if getattr(p.rps, k) is None)
        reasons.append(f"RPS {missing} unknown")
    if shape is None:
        reasons.append("SQL does not parse")
    if problem is not None and not reasons:
        reasons.append(problem)
    return "✅" if not reasons else "❌ " + "; ".join(reasons)


def _analyse(tables: Mapping[str, Table], p: AccessPattern, shape: StatementShape | None) -> _Analysis:
    consistency = f"{p.consistency} consistency"
    if shape is None:
        return _Analysis("?", (), (consistency,), ("statement not parsed: fix the SQL",))
    kind = {"select": "Read", "insert": "Write", "update": "Write", "delete": "Write"}.get(shape.operation, "Other")
    attributes = dict.fromkeys(
        [
            *shape.equality,
            *shape.ranges,
            *(o.column for o in shape.order_by),
            *(like.column for like in shape.like),
            *shape.set_columns,
            *shape.insert_columns,
        ]
    )
    requirements: list[str] = [consistency] if kind == "Read" else []
    requirements += _key_requirements(shape)
    return _Analysis(kind, tuple(attributes), tuple(requirements) or ("—",), tuple(_considerations(tables, shape)))


def _key_requirements(shape: StatementShape) -> list[str]:
    out: list[str] = []
    if shape.order_by:
        order = ", ".join(f"{o.column} {o.direction}" for o in shape.order_by)
        text = f"ordered by {order}"
        if shape.limit is not None:
            text += f", limit {shape.limit}"
        out.append(text)
    elif shape.limit is not None:
        out.append(f"limit {shape.limit}")
    if shape.ranges:
        out.append(f"range on {', '.join(shape.ranges)}")
    if shape.in_lists:
        out.append(f"IN list on {', '.join(shape.in_lists)}")
    if shape.joins:
        out.append("joins " + ", ".join(j.table for j in shape.joins))
    if shape.aggregates:
        out.append("computes " + ", ".join(shape.aggregates))
    if shape.group_by:
        out.append("grouped by " + ", ".join(shape.group_by))
    if shape.upsert:
        out.append("upsert")
    return out


def _considerations(tables: Mapping[str, Table], shape: StatementShape) -> list[str]:
    """How DynamoDB could serve the statement, judged from the source's keys and indexes."""
    out: list[str] = []
    main = main_table(tables, shape)
    equality = [bare_column(c) for c in shape.equality if owner_table(c, shape) == (main.name if main else None)]
    if shape.operation == "insert":
        out.append("PutItem" + (" (upsert)" if shape.upsert else ""))
        out += _unique_writes(main)
    elif shape.operation in ("update", "delete"):
        verb = "UpdateItem" if shape.operation == "update" else "DeleteItem"
        if main is not None and main.primary_key and set(main.primary_key) <= set(equality):
            out.append(f"{verb} by key")
        else:
            out.append(f"{verb} needs the key: read it first by {', '.join(equality) or 'a scan'}")
        if main is not None and shape.operation == "update":
            indexed = _indexed_columns(main)
            touched = [c for c in shape.set_columns if c in indexed]
            if touched:
                out.append(f"updates indexed {', '.join(touched)}: extra index writes")
    elif shape.operation == "select":
        out += read_access(main, equality, shape)
    else:
        out.append("not a read or write DynamoDB can map directly")
    for like in shape.like:
        out.append(like_note(like.column, like.kind))
    for join in shape.joins:
        pairs = ", ".join(f"{a} = {b}" for a, b in join.on) or "no condition"
        out.append(f"join with {join.table} ({pairs}): denormalize or read both tables")
    if shape.aggregates and all(a.startswith("count(") for a in shape.aggregates):
        out.append("COUNT: a key that narrows the rows to count (Select=COUNT), or counter items the writes keep")
    elif shape.aggregates:
        out.append("aggregate: an item the writes keep up to date, or an export to compute it elsewhere")
    if shape.group_by:
        out.append("GROUP BY: precompute per group")
    if shape.uses_or:
        out.append("OR: one query per alternative")
    if shape.offset is not None:
        out.append("OFFSET: paginate with LastEvaluatedKey instead")
    if shape.in_lists:
        out.append(f"IN on {', '.join(shape.in_lists)}: BatchGetItem or one query per value")
    return out


def read_access(main: Table | None, equality: list[str], shape: StatementShape) -> list[str]:
    """How DynamoDB could serve a SELECT on ``main`` whose ``equality`` columns are fixed by the statement."""
    if main is None:
        return ["tables not found in the schema"]
    pk = list(main.primary_key)
    sorted_cols = [o.column for o in shape.order_by] + list(shape.ranges)
    if pk and set(pk) <= set(equality):
        return ["simple key lookup"]
    for uc in main.unique_constraints:
        if uc.columns and set(uc.columns) <= set(equality):
            cols = ", ".join(uc.columns)
            return [f"unique lookup on {cols}: lookup table or GSI keyed by {cols}"]
    if not equality:
        if shape.like:
            return ["no equality condition: Scan"]
        return ["no key condition: Scan (or a GSI on a constant key)" if sorted_cols else "full Scan"]
    out: list[str] = []
    if pk and equality and pk[0] in equality:
        out.append(f"Query on partition key {pk[0]}")
    else:
        out.append(f"needs index on {', '.join(equality)}")
    if sorted_cols:
        out.append(f"sort key on {', '.join(dict.fromkeys(bare_column(c) for c in sorted_cols))}")
    return out


def like_note(column: str, kind: str) -> str:
    """What a LIKE of this ``kind`` (``prefix``, ``exact``, ``param``, ``contains``, ...) on ``column`` means."""
    if kind == "prefix":
        return f"LIKE 'x%' on {column}: begins_with on a sort key"
    if kind == "exact":
        return f"LIKE without wildcard on {column}: equality"
    if kind == "param":
        return f"LIKE with a parameter pattern on {column}: only prefixes work (begins_with)"
    shown = {"contains": "'%x%'", "suffix": "'%x'"}.get(kind, "with wildcards")
    return f"LIKE {shown} on {column}: unsuitable (full-text search: OpenSearch or a reverse key)"


def _unique_writes(main: Table | None) -> list[str]:
    if main is None:
        return []
    return [f"unique {', '.join(uc.columns)}: TransactWriteItems with a lookup item" for uc in main.unique_constraints]


def _indexed_columns(t: Table) -> set[str]:
    cols: set[str] = set(t.primary_key)
    for uc in t.unique_constraints:
        cols.update(uc.columns)
    for ix in t.indexes:
        cols.update(ix.columns)
    return cols


def tables_by_name(schema: Schema) -> dict[str, Table]:
    """Each table under its name and its schema-qualified name; the first table wins a shared name."""
    out: dict[str, Table] = {}
    for t in schema.tables:
        out.setdefault(t.name, t)
        out.setdefault(f"{t.schema}.{t.name}", t)
    return out


def main_table(tables: Mapping[str, Table], shape: StatementShape) -> Table | None:
    """The first of the statement's tables that the schema has (``tables`` from :func:`tables_by_name`)."""
    for name in shape.tables:
        if name in tables:
            return tables[name]
    return None


def owner_table(column: str, shape: StatementShape) -> str | None:
    """The table a shape column belongs to: its qualifier, else the statement's first table."""
    if "." in column:
        return column.rsplit(".", 1)[0].split(".")[-1]
    return shape.tables[0].split(".")[-1] if shape.tables else None


def bare_column(column: str) -> str:
    """``column`` without its table or schema qualifier."""
    return column.rsplit(".", 1)[-1]
