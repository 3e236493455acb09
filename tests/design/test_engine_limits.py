"""Limits the engine respects: DynamoDB's 20 global secondary indexes per table."""

from __future__ import annotations

from sql2dynamo.design.engine.build import DesignOptions, build_model
from sql2dynamo.design.inputs import resolve_patterns
from sql2dynamo.source.model import Column, Schema, SourceInfo, Table
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile, Rps


def test_at_most_20_indexes_per_table_and_the_rest_are_said_unsupported() -> None:
    extra = [Column(f"c{n:02d}", "text", "string", True) for n in range(25)]
    columns = (Column("id", "integer", "integer", False), *extra)
    schema = Schema(SourceInfo("postgresql", None, "wide"), (Table("wide", columns, ("id",)),))
    patterns = PatternsFile(
        "wide",
        tuple(
            AccessPattern(f"AP{n:02d}", f"by c{n:02d}", f"SELECT * FROM wide WHERE c{n:02d} = :v", Rps(1, 2))
            for n in range(25)
        ),
    )
    model = build_model(schema, patterns, resolve_patterns(schema, patterns), DesignOptions())
    assert len(model.table("wide").indexes) == 20
    unsupported = [p for p in model.plans if not p.supported]
    assert [p.pattern_id for p in unsupported] == ["AP20", "AP21", "AP22", "AP23", "AP24"]
    assert all("20 indexes" in p.reason and p.alternative for p in unsupported)
