"""The pattern generator: seeded, parseable, a key and at least one condition no key takes, every shape drawn."""

from __future__ import annotations

from pathlib import Path

from sql2dynamo.examples import get_example
from sql2dynamo.source.ddl.read import schema_from_ddl
from sql2dynamo.source.model import Schema
from sql2dynamo.workload.fuzz import generate_patterns
from sql2dynamo.workload.shape.parse import parse_shape


def _schema() -> Schema:
    return schema_from_ddl(Path(str(get_example("algoitny").schema_sql)), "mysql")


def test_same_seed_same_patterns_other_seed_others() -> None:
    schema = _schema()
    first = generate_patterns(schema, seed=5, count=60)
    assert first == generate_patterns(schema, seed=5, count=60)
    assert first != generate_patterns(schema, seed=6, count=60)
    assert len(first.patterns) == 60 and len({p.sql for p in first.patterns}) == 60


def test_patterns_parse_with_a_key_and_other_conditions() -> None:
    patterns = generate_patterns(_schema(), seed=11, count=200)
    ops: set[str] = set()
    kinds: set[str] = set()
    for p in patterns.patterns:
        shape = parse_shape(p.sql, "mysql", pattern_id=p.id)
        kinds.add(shape.operation)
        assert len(shape.conditions) >= 2, p.sql
        assert shape.conditions[0].op == "=" and shape.conditions[0].values[0].startswith(":"), p.sql
        ops |= {c.op for c in shape.conditions[1:]}
        ops |= {q.op for c in shape.conditions for q in c.parts}
    assert kinds == {"select", "update", "delete"}
    assert {"=", "<>", "<", ">=", "between", "in", "is_null", "is_not_null", "not", "or"} <= ops
