"""``sql2dynamo demo``: the pipeline end to end on a generated example.

The stages run in order: the example's rows are generated in SQLite;
``analyze`` reads the database (and the example's query log, when it ships
one) into ``analysis/``; ``design`` turns the schema and the example's
hand-written access patterns into ``design/`` with its gates confirmed
(``--yes``); then, on a local target (the managed DynamoDB Local by default),
the model's tables are dropped and created again (``deploy``), filled
(``migrate``) and checked item by item against the source (``verify``).
``validate`` joins here when it lands.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sql2dynamo.commands.analyze import AnalyzeResult, analyze
from sql2dynamo.commands.deploy import DeployResult, deploy, destroy
from sql2dynamo.commands.design import DesignResult, design
from sql2dynamo.commands.migrate import MigrateResult, migrate, raise_for_failures
from sql2dynamo.commands.verify import VerifyResult, verify
from sql2dynamo.errors import UsageError
from sql2dynamo.examples import get_example
from sql2dynamo.fsutil import atomic_write_text
from sql2dynamo.reporting import Reporter
from sql2dynamo.target.deploy import is_local_target
from sql2dynamo.target.endpoint import parse_target

DEFAULT_EXAMPLE = "algoitny"


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put its files, and each stage's result."""

    example: str
    database: Path
    generated_rows: dict[str, int]
    analyze: AnalyzeResult
    design: DesignResult
    deploy: DeployResult
    migrate: MigrateResult
    verify: VerifyResult

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary of every stage."""
        return {
            "command": "demo",
            "example": self.example,
            "database": str(self.database),
            "generated_rows": self.generated_rows,
            "analyze": self.analyze.summary(),
            "design": self.design.summary(),
            "deploy": self.deploy.summary(),
            "migrate": self.migrate.summary(),
            "verify": self.verify.summary(),
        }


def demo(
    *,
    out_dir: Path,
    rows: int = 200,
    reporter: Reporter,
    example: str = DEFAULT_EXAMPLE,
    strategy: str = "multi-table",
    target: str = "local",
) -> DemoResult:
    """Generate ``example`` with ``rows`` rows of its main entity in SQLite under ``out_dir``; run the pipeline.

    ``target`` must be local (the demo drops and recreates the model's tables there).
    """
    if rows < 1:
        raise UsageError("--rows must be at least 1")
    spec = parse_target(target)
    if not is_local_target(spec):
        raise UsageError(
            f"the demo drops and recreates its tables, so it runs only on a local target, not {spec.display}",
            hint="use --target local (the managed DynamoDB Local) or a localhost endpoint",
        )
    ex = get_example(example)
    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / f"{ex.name}.sqlite"
    db.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{db}")
    with reporter.task(f"generating the {ex.title} example ({rows} {ex.rows_unit}) in {db}"):
        generated = ex.generate(engine, rows=rows)
    engine.dispose()

    analysis = out_dir / "analysis"
    log = None
    if ex.query_log is not None:
        log = analysis / "queries.sql"
        atomic_write_text(log, ex.query_log.read_text(encoding="utf-8"))
    analyzed = analyze(f"sqlite:///{db}", out_dir=analysis, reporter=reporter, query_log=log, application=ex.name)

    designed_dir = out_dir / "design"
    designed_dir.mkdir(parents=True, exist_ok=True)
    patterns = designed_dir / "access_patterns.yaml"
    shutil.copyfile(str(ex.access_patterns), patterns)
    designed = design(
        analyzed.schema_path,
        patterns,
        out_dir=designed_dir,
        reporter=reporter,
        confirm=lambda gate, question: True,  # the demo is the --yes run
        strategy=strategy,
    )
    yes = lambda gate, question: True  # noqa: E731 - the demo is the --yes run
    source = f"sqlite:///{db}"
    destroy(designed_dir, spec, reporter=reporter, confirm=yes)  # a fresh start: earlier demo rows must not linger
    deployed = deploy(designed_dir, spec, reporter=reporter, confirm=yes)
    migrated = migrate(source, designed_dir, spec, reporter=reporter)
    raise_for_failures(migrated)
    verified = verify(source, designed_dir, spec, reporter=reporter)
    verified.raise_if_different()
    return DemoResult(ex.name, db, generated, analyzed, designed, deployed, migrated, verified)
