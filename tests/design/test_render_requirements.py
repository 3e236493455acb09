"""dynamodb_requirement.md: the method's template, the pattern table, relationships, the missing-RPS gate."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from sql2dynamo.design.render.requirements import render_requirements
from sql2dynamo.source.model import Schema
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile, Rps
from sql2dynamo.workload.shape.model import StatementShape
from tests.design.render_fixtures import MISSING_RPS, shop_patterns, shop_schema, shop_shapes

# The data-modeling method's requirements template, verbatim.
SEED_HEADINGS = [
    "# DynamoDB Modeling Session",
    "## Application Overview",
    "## Access Patterns Analysis",
    "## Entity Relationships Deep Dive",
    "## Design Considerations (Scratchpad - Subject to Change)",
]
SEED_TABLE_HEADER = (
    "| Pattern # | Description | RPS (Peak/Avg) | Type | Attributes | Key Requirements "
    "| Design Considerations | Status |"
)
MISSING = "## Missing before the design can continue"


def _render(
    schema: Schema | None = None,
    patterns: PatternsFile | None = None,
    shapes: dict[str, StatementShape | None] | None = None,
    problems: tuple[str, ...] = (MISSING_RPS,),
    domain: str | None = None,
) -> str:
    patterns = patterns or shop_patterns()
    return render_requirements(
        schema or shop_schema(),
        patterns,
        shapes if shapes is not None else shop_shapes(patterns),
        application="shop",
        problems=problems,
        domain=domain,
    )


def _cells(row: str) -> list[str]:
    """The cells of one table row, honouring ``\\|`` escapes."""
    inner = row.strip()[1:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def _rows(text: str) -> dict[str, list[str]]:
    lines = text.splitlines()
    start = lines.index(SEED_TABLE_HEADER)
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = _cells(line)
        rows[cells[0]] = cells
    return rows


def test_headings_are_seed_002s_in_order_and_missing_section_last() -> None:
    text = _render()
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [*SEED_HEADINGS, MISSING]
    assert text.splitlines()[0] == "# DynamoDB Modeling Session"
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_pattern_table_has_seed_header_and_one_well_formed_row_per_pattern() -> None:
    text = _render()
    lines = text.splitlines()
    assert SEED_TABLE_HEADER in lines
    separator = lines[lines.index(SEED_TABLE_HEADER) + 1]
    assert separator.count("|") == 9 and set(separator) <= {"|", "-"}
    rows = _rows(text)
    assert list(rows) == [f"AP0{i}" for i in range(1, 8)]
    assert all(len(cells) == 8 for cells in rows.values())


def test_pattern_rows_say_type_rps_attributes_requirements_and_considerations() -> None:
    rows = _rows(_render())
    assert rows["AP01"][2:5] == ["500/200 RPS", "Read", "customer_id"]
    assert "strong consistency" in rows["AP01"][5]
    assert "simple key lookup" in rows["AP01"][6]
    assert rows["AP01"][7] == "✅"
    assert "eventual consistency" in rows["AP02"][5]
    assert "unique lookup on email" in rows["AP02"][6]
    assert "ordered by created_at desc, limit 20" in rows["AP03"][5]
    assert rows["AP03"][4] == "customer_id, created_at"
    assert "needs index on customer_id" in rows["AP03"][6]
    # A pipe in a description is escaped, not a new cell.
    assert rows["AP04"][1] == "Open orders queue | oldest first"
    assert rows["AP05"][3] == "Write"
    assert "TransactWriteItems" in rows["AP05"][6]
    assert "LIKE '%x%' on name: unsuitable" in rows["AP06"][6]


def test_pattern_without_rps_is_marked_and_listed_as_missing() -> None:
    text = _render()
    rows = _rows(text)
    assert rows["AP07"][2] == "unknown"
    assert rows["AP07"][7].startswith("❌") and "no RPS" in rows["AP07"][7]
    missing = text.split(MISSING, 1)[1]
    assert f"- {MISSING_RPS}" in missing.splitlines()
    assert "RPS unknown for AP07 (not counted)" in text


def test_no_missing_section_without_problems() -> None:
    patterns = shop_patterns()
    complete = replace(patterns, patterns=patterns.patterns[:6])
    text = _render(patterns=complete, problems=())
    assert MISSING not in text
    assert all(cells[7] == "✅" for cells in _rows(text).values())


def test_partial_rps_and_unparsed_sql_are_not_ok() -> None:
    patterns = shop_patterns()
    half = replace(patterns.patterns[0], rps=Rps(avg=200, peak=None))
    patterns = replace(patterns, patterns=(half, *patterns.patterns[1:]))
    shapes = shop_shapes(patterns)
    shapes["AP02"] = None
    del shapes["AP03"]
    rows = _rows(_render(patterns=patterns, shapes=shapes, problems=("AP02: the SQL does not parse",)))
    assert rows["AP01"][2] == "?/200 RPS"
    assert rows["AP01"][7] == "❌ RPS peak unknown"
    assert rows["AP02"][3] == "?" and "SQL does not parse" in rows["AP02"][7]
    assert rows["AP03"][7].startswith("❌")


def test_problem_named_by_id_marks_an_otherwise_complete_pattern() -> None:
    rows = _rows(_render(problems=("AP01: description mentions two statements", "no table has statistics")))
    assert rows["AP01"][7] == "❌ description mentions two statements"


def test_overview_bullets_domain_entities_context_scale() -> None:
    text = _render(domain="e-commerce")
    assert "- **Domain**: e-commerce" in text
    assert "- **Domain**: not stated" in _render()
    assert "- **Key Entities**: 4 tables, 3 foreign keys" in text
    assert "  - `orders` (PK `order_id`; ~26,000 rows; → `customer` via `customer_id`)" in text
    assert "unique `customer.email` (constraint)" in text
    assert "check on `orders`: `total >= 0`" in text
    assert "orders older than 2 years are archived nightly" in text
    # Peak and average summed over the patterns that have them.
    assert "- **Scale**: 733/288 RPS (peak/avg) summed over 7 access patterns" in text


def test_relationships_from_fanout_with_unknown_and_self_reference() -> None:
    text = _render()
    assert "- **customer → orders**: 1:Many (avg 6.34 per parent, p99 40, max 120" in text
    assert "- **customer → session**: 1:Many, fan-out unknown (no statistics)" in text
    self_ref = next(line for line in text.splitlines() if line.startswith("- **employee → employee**"))
    assert "self-reference" in self_ref


def test_scratchpad_hot_partitions_projections_denormalization() -> None:
    patterns = shop_patterns()
    join = AccessPattern(
        "AP08",
        "Orders with the customer's name",
        "SELECT c.name, o.total FROM customer c JOIN orders o ON o.customer_id = c.customer_id"
        " WHERE c.customer_id = :id",
        rps=Rps(1, 2),
    )
    patterns = replace(patterns, patterns=(*patterns.patterns, join))
    text = _render(patterns=patterns)
    scratch = text.split("## Design Considerations (Scratchpad - Subject to Change)", 1)[1]
    hot = scratch.split("- **GSI Projections**", 1)[0]
    assert hot.index("AP01 at 500 peak RPS") < hot.index("AP02 at 120 peak RPS")
    assert "AP04 at 10 peak RPS keyed on `status` (~2 distinct values): low cardinality" in hot
    assert "AP02 reads customer_id, name by email: INCLUDE" in scratch
    assert "AP08 joins customer with orders (orders.customer_id = customer.customer_id)" in scratch
    assert "duplicate customer.name" in scratch
    assert "- **Unique Constraints**:" in scratch


def test_ddl_only_schema_without_statistics() -> None:
    schema = shop_schema()
    bare = replace(
        schema,
        statistics="unknown",
        tables=tuple(replace(t, stats=None) for t in schema.tables),
        notes=(),
    )
    text = _render(schema=bare)
    assert "row counts unknown (statistics: unknown)" in text


@pytest.mark.parametrize("problems", [(), (MISSING_RPS,)])
def test_deterministic(problems: tuple[str, ...]) -> None:
    assert _render(problems=problems).encode() == _render(problems=problems).encode()
