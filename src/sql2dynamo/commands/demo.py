"""``sql2dynamo demo``: the pipeline end to end on a generated example.

Today the pipeline has its first stage, ``analyze``: the demo generates the
AlgoItny example as a SQLite database plus the query log of its workload, and
analyzes both.  Later stages join here as they land.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sql2dynamo.commands.analyze import AnalyzeResult, analyze
from sql2dynamo.errors import UsageError
from sql2dynamo.examples import get_example
from sql2dynamo.fsutil import atomic_write_text
from sql2dynamo.reporting import Reporter

EXAMPLE = "algoitny"  # the example the demo runs: it is the one with a query log


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put its files, and each stage's result."""

    database: Path
    generated_rows: dict[str, int]
    analyze: AnalyzeResult

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary of every stage."""
        return {
            "command": "demo",
            "example": EXAMPLE,
            "database": str(self.database),
            "generated_rows": self.generated_rows,
            "analyze": self.analyze.summary(),
        }


def demo(*, out_dir: Path, rows: int = 200, reporter: Reporter) -> DemoResult:
    """Generate AlgoItny with ``rows`` users in SQLite under ``out_dir`` and run the pipeline on it."""
    if rows < 1:
        raise UsageError("--rows must be at least 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    example = get_example(EXAMPLE)
    db = out_dir / f"{example.name}.sqlite"
    db.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{db}")
    with reporter.task(f"generating the {example.title} example ({rows} {example.rows_unit}) in {db}"):
        generated = example.generate(engine, rows=rows)
    engine.dispose()
    assert example.query_log is not None  # AlgoItny ships its query log
    log = out_dir / f"{example.name}_queries.sql"
    atomic_write_text(log, example.query_log.read_text(encoding="utf-8"))
    result = analyze(f"sqlite:///{db}", out_dir=out_dir, reporter=reporter, query_log=log, application=example.name)
    return DemoResult(db, generated, result)
