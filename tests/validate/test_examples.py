"""Every pattern of the four examples passes validate, in both strategies, from SQLite, PostgreSQL and MariaDB.

Each run generates the example (a handful of rows, so the suite stays fast), analyzes and designs it from
that database, deploys and migrates through validate itself, and checks every pattern: supported ones
must pass with real cases (reads with rows, a key with no rows; writes applied and compared; duplicates
refused on both sides), unsupported ones are exactly those the design recorded, with their reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sql2dynamo.commands.validate import validate
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target.model_file import load_model
from tests.helpers.databases import SOURCES
from tests.validate import designed_example

pytestmark = pytest.mark.dynamodb

EXAMPLES = ("algoitny", "hustle_hub", "decision_data", "chinook")
STRATEGIES = ("multi-table", "single-table")
ROWS = 8


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_pattern_passes(
    example: str, strategy: str, source: str, empty_db: Callable[[str], str], endpoint: str, tmp_path: Path
) -> None:
    url = empty_db(source)
    model_dir = designed_example(example, url, tmp_path, strategy=strategy, rows=ROWS)
    _, model = load_model(model_dir)
    reporter = RecordingReporter()

    result = validate(url, model_dir, endpoint, reporter=reporter)

    failed = {p.pattern_id: p.reason for p in result.failed}
    assert not failed, failed
    assert result.ok
    result.raise_if_failed()
    unsupported = {p.pattern_id for p in model.plans if not p.supported}
    assert {p.pattern_id for p in result.patterns if p.status == "unsupported"} == unsupported
    assert all(p.reason for p in result.patterns if p.status == "unsupported")
    for p in result.patterns:
        if p.status != "pass":
            continue
        assert p.cases and all(c.ok for c in p.cases), p.pattern_id
        assert p.calls > 0 and p.latency_ms(0.5) is not None, p.pattern_id
    reads = [p for p in result.patterns if p.kind == "read" and p.status == "pass"]
    # The comparisons saw data: some read returned rows on both sides, and empty keys were tried.
    assert any(c.expected > 0 and c.actual == c.expected for p in reads for c in p.cases)
    assert any(c.label == "a key with no rows" for p in reads for c in p.cases)
    writes = [c for p in result.patterns if p.kind == "write" for c in p.cases]
    assert any(c.label.startswith("duplicate") for c in writes)
    counts = result.counts()
    assert counts["pass"] + counts["unsupported"] == len(result.patterns) == len(model.plans)
    assert not reporter.messages("table")  # the result describes itself (result.describe); validate renders nothing
