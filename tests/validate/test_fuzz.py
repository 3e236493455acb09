"""Generated patterns over an example's schema go through design and validate without one wrong answer.

A small run of what ``bench/fuzz_patterns.py`` does over 1,000 patterns: 40 seeded patterns (reads and
writes whose WHERE mixes a key with conditions no key can take) over the AlgoItny schema, designed and
validated from SQLite.  Every one passes or is recorded as unsupported with a reason; none fails.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.commands.validate import validate
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.workload.fuzz import generate_patterns
from sql2dynamo.workload.patterns.write import dump_patterns

pytestmark = pytest.mark.dynamodb


def test_generated_patterns_give_no_wrong_answer(empty_db: Callable[[str], str], endpoint: str, tmp_path: Path) -> None:
    url = empty_db("sqlite")
    engine = sa.create_engine(url)
    try:
        get_example("algoitny").generate(engine, rows=40)
    finally:
        engine.dispose()
    analyzed = analyze(url, out_dir=tmp_path / "analysis", reporter=RecordingReporter(), application="algoitny")
    patterns = generate_patterns(analyzed.schema, seed=3, count=40, application="algoitny")
    model_dir = tmp_path / "design"
    model_dir.mkdir()
    (model_dir / "access_patterns.yaml").write_text(dump_patterns(patterns), encoding="utf-8")
    design(
        analyzed.schema_path,
        model_dir / "access_patterns.yaml",
        out_dir=model_dir,
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
    )

    result = validate(url, model_dir, endpoint, reporter=RecordingReporter())

    assert not {p.pattern_id: p.reason for p in result.failed}
    assert len(result.patterns) == 40
    passed = [p for p in result.patterns if p.status == "pass"]
    assert len(passed) >= 30 and {p.kind for p in passed} == {"read", "write"}
    assert all(p.reason for p in result.patterns if p.status == "unsupported")
    # The conditions were exercised both ways somewhere.
    seen = {o for p in passed for outcomes in p.conjunct_coverage().values() for o in outcomes}
    assert seen == {"false", "true"}
