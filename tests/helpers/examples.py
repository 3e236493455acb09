"""Design inputs built from the shipped examples: generated rows in SQLite, analyzed, with their patterns."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example


def analyzed_example(name: str, directory: Path, rows: int) -> Path:
    """``directory`` with the example's ``schema.json`` (analyzed from ``rows`` generated rows) and patterns."""
    example = get_example(name)
    source = f"sqlite:///{directory / 'source.sqlite'}"
    engine = sa.create_engine(source)
    example.generate(engine, rows)
    engine.dispose()
    analyze(source, out_dir=directory, reporter=RecordingReporter())
    shutil.copy(example.access_patterns, directory / "access_patterns.yaml")
    return directory
