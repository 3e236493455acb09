"""``dynamodb_requirement.md``: the requirements working file of seed 002, from the evidence.

The document follows seed 002's template section by section (Application
Overview, Access Patterns Analysis, Entity Relationships Deep Dive, Design
Considerations) and is the first user gate: the user confirms that every
access pattern is captured, with its RPS, before the model is designed.  What
blocks that gate is listed last under "Missing before the design can
continue".  Nothing is guessed: an unknown number is written as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sql2dynamo.design.markdown import bullet, code, codes, join_lines, num, plural, table
from sql2dynamo.source.model import ForeignKey, Schema, Table, is_self_referencing
from sql2dynamo.workload.patterns import AccessPattern, PatternsFile
from sql2dynamo.workload.shape import StatementShape

TITLE = "# DynamoDB Modeling Session"
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
MISSING_HEADING = "## Missing before the design can continue"
# How many of the busiest patterns the hot-partition scratchpad discusses.
HOT_CANDIDATES = 3
# Fewer distinct key values than this concentrate a pattern on a handful of partitions.
LOW_CARDINALITY = 100


def render_requirements(
    schema: Schema,
    patterns_file: PatternsFile,
    shapes: Mapping[str, StatementShape | None],
    *,
    application: str,
    problems: Sequence[str],
    domain: str | None = None,
) -> str:
    """The text of ``dynamodb_requirement.md`` (seed 002's requirements template).

    ``shapes`` maps each pattern id to its parsed statement (``None``, or no
    entry, when the SQL did not parse).  ``problems`` are the blockers found
    by the caller, one sentence each, preferably starting with the pattern id
    (``"AP07: no RPS (rps: null) — add rps: {avg, peak}"``); a pattern named
    by a problem is marked ❌ with that reason.  ``domain`` is the business
    domain when the user stated it.  Same inputs, same bytes.
    """
    lines: list[str] = [TITLE, "", f"Application: {code(application)}", ""]
    tables = _tables_by_name(schema)
    lines += _overview(schema, patterns_file, domain)
    lines += _patterns(tables, patterns_file, shapes, problems)
    lines += _relationships(schema)
    lines += _scratchpad(schema, tables, patterns_file, shapes)
    if problems:
        lines += ["", MISSING_HEADING, ""]
        lines += [f"- {problem}" for problem in problems]
    return join_lines(lines)


# ----------------------------------------------------------------------- overview


def _overview(schema: Schema, patterns_file: PatternsFile, domain: str | None) -> list[str]:
    lines = ["## Application Overview"]
    lines.append(bullet("Domain", domain if domain else "not stated"))
    lines.append(bullet("Key Entities", _entities_summary(schema)))
    for t in schema.tables:
        lines.append(f"  - {_entity_line(t)}")
    context = _business_context(schema)
    lines.append(bullet("Business Context", "" if context else "no constraints or notes recorded"))
    lines += [f"  - {item}" for item in context]
    lines.append(bullet("Scale", _scale(schema, patterns_file)))
    return lines


def _entities_summary(schema: Schema) -> str:
    fks = sum(len(t.foreign_keys) for t in schema.tables)
    return f"{plural(len(schema.tables), 'table')}, {plural(fks, 'foreign key')}"


def _entity_line(t: Table) -> str:
    parts = [f"PK {codes(t.primary_key)}" if t.primary_key else "no primary key"]
    if t.stats is not None:
        approx = "" if t.stats.row_count_exact else "~"
        parts.append(f"{approx}{num(t.stats.row_count)} rows")
    refs = [f"→ {code(fk.referred_table)} via {codes(fk.columns)}" for fk in t.foreign_keys]
    parts += refs
    return f"{code(t.name)} ({'; '.join(parts)})"


def _business_context(schema: Schema) -> list[str]:
    items: list[str] = []
    for t in schema.tables:
        for uc in t.unique_constraints:
            cols = ", ".join(f"{t.name}.{c}" for c in uc.columns)
            items.append(f"unique {code(cols)} ({uc.origin})")
        for check in t.check_constraints:
            items.append(f"check on {code(t.name)}: {code(check.sqltext)}")
        for col in t.columns:
            if col.enum_values:
                items.append(f"{code(f'{t.name}.{col.name}')} takes one of {codes(col.enum_values)}")
        if t.comment:
            items.append(f"{code(t.name)}: {t.comment}")
    for att in schema.attention:
        where = f" on {code(att.table)}" if att.table else ""
        items.append(f"needs attention: {att.kind} {code(att.name)}{where}: {att.reason}")
    items += list(schema.notes)
    return items


def _scale(schema: Schema, patterns_file: PatternsFile) -> str:
    avg = [p.rps.avg for p in patterns_file.patterns if p.rps is not None and p.rps.avg is not None]
    peak = [p.rps.peak for p in patterns_file.patterns if p.rps is not None and p.rps.peak is not None]
    unknown = [p.id for p in patterns_file.patterns if not _has_rps(p)]
    text = f"{num(sum(peak))}/{num(sum(avg))} RPS (peak/avg) summed over {len(patterns_file.patterns)}"
    text += " access patterns"
    if unknown:
        text += f"; RPS unknown for {', '.join(unknown)} (not counted)"
    rows = [t.stats.row_count for t in schema.tables if t.stats is not None]
    if rows:
        text += f"; {num(sum(rows))} rows in {plural(len(rows), 'table')} with statistics"
    else:
        text += f"; row counts unknown (statistics: {schema.statistics})"
    return text


def _has_rps(pattern: AccessPattern) -> bool:
    return pattern.rps is not None and pattern.rps.avg is not None and pattern.rps.peak is not None


# ----------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class _Analysis:
    """What the requirements table says about one pattern."""

    kind: str
    attributes: tuple[str, ...]
    requirements: tuple[str, ...]
    considerations: tuple[str, ...]


def _patterns(
    tables: Mapping[str, Table],
    patterns_file: PatternsFile,
    shapes: Mapping[str, StatementShape | None],
    problems: Sequence[str],
) -> list[str]:
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
    attributes = _unique(
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
    main = _main_table(tables, shape)
    equality = [_bare(c) for c in shape.equality if _owner(c, shape) == (main.name if main else None)]
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
        out += _read_access(main, equality, shape)
    else:
        out.append("not a read or write DynamoDB can map directly")
    for like in shape.like:
        out.append(_like_note(like.column, like.kind))
    for join in shape.joins:
        pairs = ", ".join(f"{a} = {b}" for a, b in join.on) or "no condition"
        out.append(f"join with {join.table} ({pairs}): denormalize or read both tables")
    if shape.aggregates:
        out.append("aggregate: maintain a counter item or count client-side")
    if shape.group_by:
        out.append("GROUP BY: precompute per group")
    if shape.uses_or:
        out.append("OR: one query per alternative")
    if shape.offset is not None:
        out.append("OFFSET: paginate with LastEvaluatedKey instead")
    if shape.in_lists:
        out.append(f"IN on {', '.join(shape.in_lists)}: BatchGetItem or one query per value")
    return out


def _read_access(main: Table | None, equality: list[str], shape: StatementShape) -> list[str]:
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
        out.append(f"sort key on {', '.join(_unique([_bare(c) for c in sorted_cols]))}")
    return out


def _like_note(column: str, kind: str) -> str:
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


def _tables_by_name(schema: Schema) -> dict[str, Table]:
    """Each table under its name and its schema-qualified name; the first table wins a shared name."""
    out: dict[str, Table] = {}
    for t in schema.tables:
        out.setdefault(t.name, t)
        out.setdefault(f"{t.schema}.{t.name}", t)
    return out


def _main_table(tables: Mapping[str, Table], shape: StatementShape) -> Table | None:
    """The first of the statement's tables that the schema has (``tables`` from :func:`_tables_by_name`)."""
    for name in shape.tables:
        if name in tables:
            return tables[name]
    return None


def _owner(column: str, shape: StatementShape) -> str | None:
    """The table a shape column belongs to: its qualifier, else the statement's first table."""
    if "." in column:
        return column.rsplit(".", 1)[0].split(".")[-1]
    return shape.tables[0].split(".")[-1] if shape.tables else None


def _bare(column: str) -> str:
    return column.rsplit(".", 1)[-1]


def _unique(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


# ------------------------------------------------------------------ relationships


def _relationships(schema: Schema) -> list[str]:
    lines = ["", "## Entity Relationships Deep Dive"]
    found = False
    for t in schema.tables:
        for fk in t.foreign_keys:
            found = True
            lines.append(_relationship_line(t, fk))
    if not found:
        lines.append("- No foreign keys declared: entities are independent.")
    return lines


def _relationship_line(child: Table, fk: ForeignKey) -> str:
    one_to_one = _is_one_to_one(child, fk)
    cardinality = "1:1" if one_to_one else "1:Many"
    if fk.fanout is None:
        detail = ""
    else:
        f = fk.fanout
        detail = f"avg {num(f.avg)} per parent, p99 {num(f.p99)}, max {num(f.max)}"
        if f.method != "exact":
            detail += ", sampled parents"
        if f.parents_total is not None:
            detail += f"; {num(f.parents_with_children)} of {num(f.parents_total)} parents have children"
    refs = ", ".join(
        f"{child.name}.{c} → {fk.referred_table}.{r}" for c, r in zip(fk.columns, fk.referred_columns, strict=False)
    )
    shown = f"{cardinality} ({detail})" if detail else f"{cardinality}, fan-out unknown (no statistics)"
    line = f"- **{fk.referred_table} → {child.name}**: {shown} via {code(refs)}"
    if is_self_referencing(child, fk):
        line += " — self-reference: a hierarchy inside one table (adjacency list; depth is unbounded)"
    if fk.on_delete:
        line += f"; ON DELETE {fk.on_delete.upper()} must be done by the application"
    return line


def _is_one_to_one(child: Table, fk: ForeignKey) -> bool:
    cols = set(fk.columns)
    if cols and cols == set(child.primary_key):
        return True
    return any(set(uc.columns) == cols for uc in child.unique_constraints)


# --------------------------------------------------------------------- scratchpad


def _scratchpad(
    schema: Schema,
    tables: Mapping[str, Table],
    patterns_file: PatternsFile,
    shapes: Mapping[str, StatementShape | None],
) -> list[str]:
    lines = ["", "## Design Considerations (Scratchpad - Subject to Change)"]
    lines.append(bullet("Hot Partition Concerns", "" if patterns_file.patterns else "no patterns yet"))
    lines += [f"  - {item}" for item in _hot_concerns(tables, patterns_file, shapes)]
    projections = _projection_thoughts(tables, patterns_file, shapes)
    lines.append(bullet("GSI Projections", "" if projections else "no pattern needs a secondary index"))
    lines += [f"  - {item}" for item in projections]
    ideas = _denormalization_ideas(schema, patterns_file, shapes)
    lines.append(bullet("Denormalization Ideas", "" if ideas else "none: no pattern joins tables"))
    lines += [f"  - {item}" for item in ideas]
    uniques = [
        f"{code(f'{t.name}.' + ', '.join(uc.columns))}: dedicated lookup table keyed by it,"
        " written with TransactWriteItems and attribute_not_exists"
        for t in schema.tables
        for uc in t.unique_constraints
    ]
    if uniques:
        lines.append(bullet("Unique Constraints", ""))
        lines += [f"  - {item}" for item in uniques]
    unsuitable = [
        f"{p.id}: {_like_note(like.column, like.kind)}"
        for p in patterns_file.patterns
        if (shape := shapes.get(p.id)) is not None
        for like in shape.like
        if like.kind not in ("prefix", "exact")
    ]
    if unsuitable:
        lines.append(bullet("Unsuitable for DynamoDB", ""))
        lines += [f"  - {item}" for item in unsuitable]
    return lines


def _hot_concerns(
    tables: Mapping[str, Table], patterns_file: PatternsFile, shapes: Mapping[str, StatementShape | None]
) -> list[str]:
    ranked = sorted(
        (p for p in patterns_file.patterns if p.rps is not None and p.rps.peak is not None),
        key=lambda p: (-(p.rps.peak if p.rps is not None and p.rps.peak is not None else 0.0), p.id),
    )
    out: list[str] = []
    for rank, p in enumerate(ranked):
        peak = p.rps.peak if p.rps is not None else None
        shape = shapes.get(p.id)
        busiest = rank < HOT_CANDIDATES
        text = f"{p.id} at {num(peak)} peak RPS"
        if shape is None:
            if busiest:
                out.append(text + ": key unknown (SQL not parsed)")
            continue
        main = _main_table(tables, shape)
        keys = [_bare(c) for c in shape.equality]
        if not keys:
            if busiest and shape.operation == "select":
                out.append(text + ": no key condition, every request touches many partitions")
            continue
        distinct = _distinct(main, keys)
        low = distinct is not None and distinct < LOW_CARDINALITY
        if not busiest and not low:
            continue  # beyond the busiest few only a low-cardinality key is worth a note
        text += f" keyed on {codes(keys)}"
        if distinct is None:
            text += " (cardinality unknown)"
        else:
            text += f" (~{num(distinct)} distinct values)"
            if low:
                text += ": low cardinality, every request lands on a few partitions - consider write sharding"
        out.append(text)
    if len(ranked) < len(patterns_file.patterns):
        out.append("patterns without peak RPS cannot be judged yet")
    return out


def _distinct(t: Table | None, columns: Sequence[str]) -> int | None:
    """How many key values the columns take: the row count for a key, else the first column's estimate."""
    if t is None:
        return None
    unique_sets = [set(t.primary_key), *(set(uc.columns) for uc in t.unique_constraints)]
    if t.stats is not None and any(u and u <= set(columns) for u in unique_sets):
        return t.stats.row_count
    try:
        col = t.column(columns[0])
    except KeyError:
        return None
    if col.enum_values:
        return len(col.enum_values)
    return col.stats.distinct_estimate if col.stats is not None else None


def _projection_thoughts(
    tables: Mapping[str, Table], patterns_file: PatternsFile, shapes: Mapping[str, StatementShape | None]
) -> list[str]:
    out: list[str] = []
    for p in patterns_file.patterns:
        shape = shapes.get(p.id)
        if shape is None or shape.operation != "select":
            continue
        main = _main_table(tables, shape)
        if main is None:
            continue
        notes = _read_access(main, [_bare(c) for c in shape.equality if _owner(c, shape) == main.name], shape)
        if not any(n.startswith(("needs index", "unique lookup")) for n in notes):
            continue
        keys = ", ".join(_bare(c) for c in shape.equality)
        if "*" in shape.projection or not shape.projection:
            out.append(
                f"{p.id} reads whole rows by {keys}: ALL projection, or KEYS_ONLY and"
                " GetItem on the base table if the pattern is rare"
            )
        else:
            cols = ", ".join(shape.projection)
            out.append(f"{p.id} reads {cols} by {keys}: INCLUDE just those, or KEYS_ONLY + GetItem")
    return out


def _denormalization_ideas(
    schema: Schema, patterns_file: PatternsFile, shapes: Mapping[str, StatementShape | None]
) -> list[str]:
    refers: dict[str, set[str]] = {}  # table name -> the tables its foreign keys refer to
    for t in schema.tables:
        refers.setdefault(t.name, set()).update(fk.referred_table for fk in t.foreign_keys)
    out: list[str] = []
    for p in patterns_file.patterns:
        shape = shapes.get(p.id)
        if shape is None or not shape.joins:
            continue
        base = shape.tables[0].split(".")[-1] if shape.tables else "?"
        for join in shape.joins:
            other = join.table.split(".")[-1]
            pairs = ", ".join(f"{a} = {b}" for a, b in join.on) or "no condition"
            text = f"{p.id} joins {base} with {other} ({pairs}): "
            parent_child = _parent_child(refers, base, other)
            if parent_child is None:
                text += "duplicate the columns read from one side into the other's items"
            else:
                # The parent's few columns travel to the children, never the other way round.
                parent, child = parent_child
                read = [c for c in shape.projection if c.startswith(f"{parent}.")]
                columns = ", ".join(read) if read else f"the {parent} columns it reads"
                text += f"duplicate {columns} into the {child} items, or keep {child} items under the "
                text += f"{parent}'s partition key (item collection)"
            out.append(text + "; start with separate reads (evidence before denormalizing)")
    return out


def _parent_child(refers: Mapping[str, set[str]], a: str, b: str) -> tuple[str, str] | None:
    """(parent, child) when a foreign key links the two tables (``refers``: table -> tables it refers to)."""
    for child, parent in ((a, b), (b, a)):
        if parent in refers.get(child, set()):
            return parent, child
    return None
