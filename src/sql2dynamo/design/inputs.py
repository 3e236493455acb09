"""The design stage's inputs: schema.json and the access patterns, checked against each other.

Every pattern is parsed and tied to the schema here, once: later steps work
on :class:`ResolvedPattern` objects whose table and column names are the
schema's own spelling.  Unknown tables or columns and contradictory patterns
are errors naming the pattern id; a pattern that lacks RPS or does not parse
is not an error here but a problem the requirements gate lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sql2dynamo.common.errors import InputError, Sql2DynamoError
from sql2dynamo.source.model import Schema, Table, schema_from_dict
from sql2dynamo.workload.normalize import fingerprint
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile
from sql2dynamo.workload.patterns.read import load_patterns
from sql2dynamo.workload.shape.model import StatementShape
from sql2dynamo.workload.shape.parse import parse_shape


@dataclass(frozen=True)
class ResolvedPattern:
    """A pattern with its parsed shape, tied to the schema's tables and columns."""

    pattern: AccessPattern
    shape: StatementShape | None  # None: the SQL did not parse (see problems)
    table: str | None  # the main table, in the schema's spelling
    kind: Literal["read", "write"]
    problems: tuple[str, ...]  # what blocks the requirements gate

    @property
    def id(self) -> str:
        """The pattern id."""
        return self.pattern.id

    @property
    def rps_avg(self) -> float:
        """Average requests per second (0 when unknown)."""
        return float(self.pattern.rps.avg or 0) if self.pattern.rps else 0.0

    @property
    def rps_peak(self) -> float:
        """Peak requests per second (the average when no peak is given)."""
        if not self.pattern.rps:
            return 0.0
        return float(self.pattern.rps.peak if self.pattern.rps.peak is not None else self.rps_avg)

    @property
    def strong(self) -> bool:
        """Whether reads must be strongly consistent."""
        return self.pattern.consistency == "strong"


def load_schema(path: Path) -> Schema:
    """Read ``schema.json`` written by ``analyze``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint="run `sql2dynamo analyze SOURCE_URL -o DIR` first") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not a readable schema.json: {exc}", hint="re-run sql2dynamo analyze") from None
    try:
        return schema_from_dict(data)
    except (TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"{path} is not a schema.json written by analyze ({exc})") from None


def load_inputs(schema_path: Path, patterns_path: Path) -> tuple[Schema, PatternsFile]:
    """Both input files, each validated."""
    schema = load_schema(schema_path)
    if not patterns_path.exists():
        raise InputError(
            f"{patterns_path} does not exist",
            hint="write access patterns by hand or mine them with `sql2dynamo analyze --workload`",
        )
    return schema, load_patterns(patterns_path)


@dataclass(frozen=True)
class _Tables:
    """The schema's tables by exact and by case-folded name, built once per :func:`resolve_patterns` call."""

    exact: dict[str, Table]  # the first table of each name
    folded: dict[str, list[Table]]  # lower-cased name -> the tables of that name, any case

    @classmethod
    def of(cls, schema: Schema) -> _Tables:
        exact: dict[str, Table] = {}
        folded: dict[str, list[Table]] = {}
        for t in schema.tables:
            exact.setdefault(t.name, t)
            folded.setdefault(t.name.lower(), []).append(t)
        return cls(exact, folded)

    def find(self, name: str) -> Table | None:
        """The table ``name`` (schema qualifier ignored): exact spelling, else the only one in another case."""
        bare = name.split(".")[-1]
        if bare in self.exact:
            return self.exact[bare]
        folded = self.folded.get(bare.lower(), [])
        return folded[0] if len(folded) == 1 else None


def _column(table: Table, name: str) -> str | None:
    bare = name.split(".")[-1]
    for col in table.columns:
        if col.name == bare:
            return col.name
    folded = [c.name for c in table.columns if c.name.lower() == bare.lower()]
    return folded[0] if len(folded) == 1 else None


def resolve_patterns(schema: Schema, patterns: PatternsFile) -> tuple[ResolvedPattern, ...]:
    """Parse every pattern in the source's dialect and check it against the schema."""
    dialect = patterns.dialect or schema.source.dialect
    tables = _Tables.of(schema)
    parsed: dict[str, StatementShape] = {}  # SQL text -> its shape: patterns often share a statement
    out: list[ResolvedPattern] = []
    for pattern in patterns.patterns:
        problems: list[str] = []
        if pattern.rps is None or pattern.rps.avg is None:
            problems.append(f"{pattern.id}: no RPS (rps: null); add rps: {{avg: N, peak: N}} from real traffic")
        try:
            shape: StatementShape | None = parsed.get(pattern.sql) or parse_shape(
                pattern.sql, dialect, pattern_id=pattern.id
            )
        except Sql2DynamoError as exc:
            problems.append(f"{pattern.id}: the SQL does not parse: {exc.message}")
            out.append(ResolvedPattern(pattern, None, None, "read", tuple(problems)))
            continue
        assert shape is not None
        parsed[pattern.sql] = shape
        if shape.operation == "other":
            problems.append(f"{pattern.id}: not a SELECT, INSERT, UPDATE or DELETE statement")
        table = _check_names(schema, tables, pattern, shape)
        kind: Literal["read", "write"] = "read" if shape.operation == "select" else "write"
        out.append(ResolvedPattern(pattern, shape, table, kind, tuple(problems)))
    _check_contradictions(out, dialect)
    return tuple(out)


def _check_names(schema: Schema, by_name: _Tables, pattern: AccessPattern, shape: StatementShape) -> str | None:
    tables: list[Table] = []
    for name in shape.tables:
        table = by_name.find(name)
        if table is None:
            known = ", ".join(t.name for t in schema.tables)
            raise InputError(
                f"pattern {pattern.id} uses table {name!r}, which schema.json does not have",
                hint=f"fix the SQL or re-run analyze; tables: {known}",
                pattern_id=pattern.id,
            )
        tables.append(table)
    if not tables:
        return None
    columns = [
        *shape.equality,
        *shape.ranges,
        *(o.column for o in shape.order_by),
        *shape.set_columns,
        *shape.insert_columns,
        *(c for c in shape.projection if _is_column_name(c)),
        *(lk.column for lk in shape.like),
    ]
    for col in columns:
        qualifier = col.split(".")[0] if "." in col else None
        candidates = [t for t in tables if qualifier is None or t.name.lower() == qualifier.lower()]
        if not any(_column(t, col) for t in candidates) and not _is_alias(shape, col):
            raise InputError(
                f"pattern {pattern.id} uses column {col!r}, which {candidates[0].name if candidates else '?'} "
                "does not have in schema.json",
                hint="fix the SQL or re-run analyze",
                pattern_id=pattern.id,
                column=col,
            )
    return tables[0].name


def _is_column_name(item: str) -> bool:
    # A projection item may be an expression or a literal (SELECT 1 ... to test existence).
    return (
        item != "*"
        and not item.endswith(".*")
        and re.fullmatch(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?", item) is not None
    )


def _is_alias(shape: StatementShape, col: str) -> bool:
    # ORDER BY an output alias (ORDER BY total_sales) names no table column; the shape keeps the
    # aliased expression, not the alias, so an unqualified ORDER BY name next to a computed column passes.
    ordered = any(o.column == col for o in shape.order_by)
    computed = any("(" in c for c in shape.projection)
    # A select list's own alias (`0 AS depth`, a CTE's column) is an output name, not a table's column.
    return "." not in col and ((ordered and computed) or col in shape.aliases)


def _check_contradictions(patterns: Sequence[ResolvedPattern], dialect: str) -> None:
    # Fingerprints re-parse the SQL: compute them only among patterns whose shapes already agree.
    groups: dict[str, list[ResolvedPattern]] = {}
    for rp in patterns:
        if rp.shape is not None:
            groups.setdefault(repr(rp.shape), []).append(rp)
    for group in groups.values():
        if len({rp.pattern.consistency for rp in group}) < 2:
            continue
        seen: dict[str, ResolvedPattern] = {}
        for rp in group:
            key = fingerprint(rp.pattern.sql, dialect)
            other = seen.get(key)
            if other is not None and other.pattern.consistency != rp.pattern.consistency:
                raise InputError(
                    f"patterns {other.id} and {rp.id} are the same statement but ask for different consistency "
                    f"({other.pattern.consistency} vs {rp.pattern.consistency})",
                    hint="make them one pattern, or give both the consistency the application needs",
                    pattern_id=rp.id,
                )
            seen.setdefault(key, rp)
