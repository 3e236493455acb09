"""Design inputs built from the shipped examples: generated rows in SQLite, analyzed, with their patterns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example

# Small and fixed: the golden files depend on these rows' statistics.
GOLDEN_ROWS = 60


@pytest.fixture(scope="session")
def example_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """example name -> a directory holding its schema.json (from generated rows) and access_patterns.yaml."""
    out: dict[str, Path] = {}
    for name in ("algoitny", "hustle_hub", "decision_data", "chinook"):
        example = get_example(name)
        d = tmp_path_factory.mktemp(f"in_{name}")
        engine = sa.create_engine(f"sqlite:///{d / 'source.sqlite'}")
        example.generate(engine, GOLDEN_ROWS)
        engine.dispose()
        analyze(f"sqlite:///{d / 'source.sqlite'}", out_dir=d, reporter=RecordingReporter())
        shutil.copy(example.access_patterns, d / "access_patterns.yaml")
        out[name] = d
    return out
