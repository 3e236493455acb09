"""validate tests: the four examples, both strategies, three sources; broken models fail with a clear difference."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example

__all__ = ["designed_example"]


def designed_example(example: str, url: str, out: Path, *, strategy: str, rows: int) -> Path:
    """Generate ``example`` (``rows`` of its main entity) into ``url``, analyze it, design it; the model dir.

    The example's access_patterns.yaml is copied beside data_model.json, where validate looks for it.
    """
    ex = get_example(example)
    engine = sa.create_engine(url)
    try:
        ex.generate(engine, rows=rows)
    finally:
        engine.dispose()
    analysis = out / "analysis"
    analyzed = analyze(url, out_dir=analysis, reporter=RecordingReporter(), application=ex.name)
    model_dir = out / "design"
    model_dir.mkdir(parents=True, exist_ok=True)
    patterns = model_dir / "access_patterns.yaml"
    shutil.copyfile(str(ex.access_patterns), patterns)
    design(
        analyzed.schema_path,
        patterns,
        out_dir=model_dir,
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
        strategy=strategy,
    )
    return model_dir
