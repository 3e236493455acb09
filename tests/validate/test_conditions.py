"""Every condition of a WHERE is honoured: validate runs them on both sides, true and false, from each source.

The AlgoItny example gets extra patterns over ``problems`` whose conditions no key can enforce (IS NULL,
IS NOT NULL, <>, NOT IN, an OR, NOT over an OR, a boolean column, a write conditioned on IS NULL or
on a second column).  On SQLite, PostgreSQL and MariaDB each must return (or change) exactly the SQL's
rows, in cases where each such conjunct holds and where it does not; then a copy of the model whose
filter or write condition is removed must fail.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.commands.validate import validate
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from tests.helpers.databases import SOURCES

pytestmark = pytest.mark.dynamodb

ROWS = 120  # 60 problems, 15 per platform: some keys hold rows where each condition is false

EXTRA = {
    "T01": "SELECT * FROM problems WHERE platform = :platform AND solution_code IS NULL",
    "T02": "SELECT * FROM problems WHERE platform = :platform AND solution_code IS NOT NULL",
    "T03": "SELECT * FROM problems WHERE platform = :platform AND language <> 'python' AND NOT is_completed",
    "T04": "SELECT * FROM problems WHERE platform = :platform AND (language = 'python' OR solution_code IS NULL)",
    "T05": "SELECT * FROM problems WHERE platform = :platform AND language NOT IN ('python', 'cpp')",
    "T06": "SELECT * FROM problems WHERE platform = :platform AND NOT (language = 'java' OR is_completed)",
    "T07": "SELECT COUNT(*) FROM problems WHERE platform = :platform AND solution_code IS NULL",
    "T10": "SELECT * FROM problems WHERE platform = :platform AND solution_code <> 'x'",
    "T08": "UPDATE problems SET title = :title WHERE id = :id AND solution_code IS NULL",
    "T09": "DELETE FROM problems WHERE id = :id AND platform = :platform",
}
FILTERED = ("T01", "T02", "T03", "T04", "T05", "T06", "T07", "T10")


def _designed(url: str, out: Path, strategy: str = "multi-table") -> Path:
    """The AlgoItny example generated into ``url`` and designed with the extra patterns."""
    ex = get_example("algoitny")
    engine = sa.create_engine(url)
    try:
        ex.generate(engine, rows=ROWS)
    finally:
        engine.dispose()
    analyzed = analyze(url, out_dir=out / "analysis", reporter=RecordingReporter(), application=ex.name)
    model_dir = out / "design"
    model_dir.mkdir(parents=True)
    text = Path(str(ex.access_patterns)).read_text(encoding="utf-8").rstrip("\n") + "\n"
    for pid, sql in EXTRA.items():
        text += f"  - id: {pid}\n    sql: {json.dumps(sql)}\n    rps: {{avg: 1, peak: 3}}\n"
    (model_dir / "access_patterns.yaml").write_text(text, encoding="utf-8")
    design(
        analyzed.schema_path,
        model_dir / "access_patterns.yaml",
        out_dir=model_dir,
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
        strategy=strategy,
    )
    return model_dir


def _plan(data: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(p for p in data["plans"] if p["pattern_id"] == pid)


@pytest.mark.parametrize(("source", "strategy"), [*((s, "multi-table") for s in SOURCES), ("sqlite", "single-table")])
def test_conditions_give_the_sql_rows_true_and_false(
    source: str, strategy: str, empty_db: Callable[[str], str], endpoint: str, tmp_path: Path
) -> None:
    url = empty_db(source)
    model_dir = _designed(url, tmp_path / "good", strategy)
    data = json.loads((model_dir / "data_model.json").read_text(encoding="utf-8"))
    for pid in FILTERED:
        plan = _plan(data, pid)
        assert plan["supported"], (pid, plan["reason"])
        assert plan["steps"][0]["filter"], pid
    assert "solution_code" in _plan(data, "T08")["steps"][0]["condition"]
    assert "platform" in json.dumps(_plan(data, "T09")["steps"])

    result = validate(url, model_dir, endpoint, reporter=RecordingReporter(), only=[*EXTRA, "AP24"])

    assert not {p.pattern_id: p.reason for p in result.failed}
    for p in result.patterns:
        assert p.status == "pass", (p.pattern_id, p.reason)
        coverage = p.conjunct_coverage()
        assert coverage, p.pattern_id  # every one has a conjunct no key enforces
        for text, seen in coverage.items():
            assert seen == ("false", "true"), (p.pattern_id, text, seen)
    # The COUNT and the rows saw data on both sides.
    reads = [c for p in result.patterns if p.kind == "read" for c in p.cases]
    assert any(c.expected > 0 and c.actual == c.expected for c in reads)

    # The same model without the filters and the write conditions returns and changes other rows.
    def change(plans: dict[str, Any]) -> None:
        for pid in FILTERED:
            _plan(plans, pid)["steps"][0]["filter"] = None
        for pid in ("AP24", "T08"):
            update = _plan(plans, pid)["steps"][0]
            update["condition"] = update["condition"].split(" AND ")[0]  # attribute_exists only
        for step in _plan(plans, "T09")["steps"]:
            for inner in [step, *step["items"]]:
                inner["condition"] = None

    broken = tmp_path / "bad"
    shutil.copytree(model_dir, broken)
    path = broken / "data_model.json"
    plans = json.loads(path.read_text(encoding="utf-8"))
    change(plans)
    path.write_text(json.dumps(plans), encoding="utf-8")

    bad = validate(url, broken, endpoint, reporter=RecordingReporter(), only=[*FILTERED, "AP24", "T08", "T09"])

    assert {p.pattern_id for p in bad.failed} == {*FILTERED, "AP24", "T08", "T09"}
    write = next(p for p in bad.failed if p.pattern_id == "AP24")
    case = next(c for c in write.cases if not c.ok)
    assert "false" in case.conjuncts.values() and case.difference is not None
