"""Decision Data set up for sync: a source filled for change capture, and a model where parent changes fan out.

Shared by the sync tests (``tests/helpers/sync.py``) and ``bench/sync_apply.py``:

* :func:`fill`: the example's tables for a number of users on a real source (PostgreSQL: ``users`` logged
  with ``REPLICA IDENTITY FULL``, so that a change of its unique e-mail carries the old value);
* :func:`decision_model`: ``analyze`` + ``design`` with the example's access patterns, plus one
  denormalized attribute (each audio file copies its user's e-mail, :data:`COPY`), so that a parent
  change must reach its children's items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example

COPY: dict[str, Any] = {
    "name": "user_email",
    "type": "S",
    "source_table": "users",
    "source_column": "email",
    "transform": "string",
    "nullable": False,
    "denormalized": True,
    "justification": "tests and bench: a parent change must reach its children",
    "join": {"local_column": "user_id", "source_column": "user_id"},
}
"""The attribute :func:`decision_model` adds to the audio files: their user's e-mail."""


def fill(url: str, users: int, seed: int = 7) -> dict[str, int]:
    """Decision Data's tables, filled for ``users`` users (PostgreSQL: users logged with REPLICA IDENTITY FULL)."""
    engine = sa.create_engine(url)
    try:
        counts = get_example("decision_data").generate(engine, rows=users, seed=seed)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("ALTER TABLE users REPLICA IDENTITY FULL"))
    finally:
        engine.dispose()
    return counts


def decision_model(url: str, out: Path) -> Path:
    """analyze + design Decision Data on ``url`` into ``out``, plus the denormalized ``user_email`` copy."""
    out.mkdir(parents=True, exist_ok=True)
    analyze(url, out_dir=out, reporter=RecordingReporter())
    patterns = out / "access_patterns.yaml"
    patterns.write_text(get_example("decision_data").access_patterns.read_text())
    design(out / "schema.json", patterns, out_dir=out, reporter=RecordingReporter(), confirm=lambda g, q: True)
    path = out / "data_model.json"
    data = json.loads(path.read_text())
    for table in data["tables"]:
        for entity in table["entities"]:
            if entity["source_table"] == "audio_files" and entity.get("kind", "entity") == "entity":
                entity["attributes"].append(dict(COPY))
    path.write_text(json.dumps(data, indent=2))
    return out
