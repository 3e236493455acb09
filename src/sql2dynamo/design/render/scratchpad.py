"""The "Design Considerations (Scratchpad - Subject to Change)" section of ``dynamodb_requirement.md``.

First thoughts for the designer, from the schema and the parsed statements:
hot partition concerns, GSI projections, denormalization ideas, unique
constraints and what DynamoDB cannot serve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sql2dynamo.design.render.markdown import bullet, code, codes, num
from sql2dynamo.design.render.patterns import bare_column, like_note, main_table, owner_table, read_access
from sql2dynamo.source.model import Schema, Table
from sql2dynamo.workload.patterns.model import PatternsFile
from sql2dynamo.workload.shape.model import StatementShape

# How many of the busiest patterns the hot-partition scratchpad discusses.
HOT_CANDIDATES = 3
# Fewer distinct key values than this concentrate a pattern on a handful of partitions.
LOW_CARDINALITY = 100


def design_considerations(
    schema: Schema,
    tables: Mapping[str, Table],
    patterns_file: PatternsFile,
    shapes: Mapping[str, StatementShape | None],
) -> list[str]:
    """The "Design Considerations (Scratchpad - Subject to Change)" section (``tables`` from ``tables_by_name``)."""
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
        f"{p.id}: {like_note(like.column, like.kind)}"
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
        main = main_table(tables, shape)
        keys = [bare_column(c) for c in shape.equality]
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
        main = main_table(tables, shape)
        if main is None:
            continue
        notes = read_access(main, [bare_column(c) for c in shape.equality if owner_table(c, shape) == main.name], shape)
        if not any(n.startswith(("needs index", "unique lookup")) for n in notes):
            continue
        keys = ", ".join(bare_column(c) for c in shape.equality)
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
