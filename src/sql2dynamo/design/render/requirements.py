"""``dynamodb_requirement.md``: the requirements working file of the data-modeling method, from the evidence.

The document follows the method's template section by section (Application
Overview, Access Patterns Analysis, Entity Relationships Deep Dive, Design
Considerations) and is the first user gate: the user confirms that every
access pattern is captured, with its RPS, before the model is designed.  What
blocks that gate is listed last under "Missing before the design can
continue".  Nothing is guessed: an unknown number is written as unknown.

This module assembles the document and renders the Application Overview and
Entity Relationships Deep Dive; ``render_requirements_patterns`` renders the
Access Patterns Analysis and ``render_requirements_scratchpad`` the Design
Considerations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sql2dynamo.design.render.markdown import approx_rows, bullet, code, codes, join_lines, num, plural
from sql2dynamo.design.render.patterns import access_patterns_analysis, tables_by_name
from sql2dynamo.design.render.scratchpad import design_considerations
from sql2dynamo.source.model import ForeignKey, Schema, Table, is_self_referencing
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile
from sql2dynamo.workload.shape.model import StatementShape

TITLE = "# DynamoDB Modeling Session"
MISSING_HEADING = "## Missing before the design can continue"


def render_requirements(
    schema: Schema,
    patterns_file: PatternsFile,
    shapes: Mapping[str, StatementShape | None],
    *,
    application: str,
    problems: Sequence[str],
    domain: str | None = None,
) -> str:
    """The text of ``dynamodb_requirement.md`` (the method's requirements template).

    ``shapes`` maps each pattern id to its parsed statement (``None``, or no
    entry, when the SQL did not parse).  ``problems`` are the blockers found
    by the caller, one sentence each, preferably starting with the pattern id
    (``"AP07: no RPS (rps: null) — add rps: {avg, peak}"``); a pattern named
    by a problem is marked ❌ with that reason.  ``domain`` is the business
    domain when the user stated it.  Same inputs, same bytes.
    """
    lines: list[str] = [TITLE, "", f"Application: {code(application)}", ""]
    tables = tables_by_name(schema)
    lines += _overview(schema, patterns_file, domain)
    lines += access_patterns_analysis(tables, patterns_file, shapes, problems)
    lines += _relationships(schema)
    lines += design_considerations(schema, tables, patterns_file, shapes)
    if problems:
        lines += ["", MISSING_HEADING, ""]
        lines += [f"- {problem}" for problem in problems]
    return join_lines(lines)


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
        parts.append(approx_rows(t.stats.row_count, exact=t.stats.row_count_exact))
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
