"""Shared setup of the sync tests: Decision Data (users, a unique e-mail, audio files) on a real source.

The model is designed from the source's own ``schema.json`` with the example's access patterns, then
given one denormalized attribute (each audio file copies its user's e-mail) so that parent changes must
reach the children's items.  Every replication slot a test creates is dropped by a finalizer: a slot
left behind keeps WAL on the server forever.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from tests.conftest import PG_ADMIN_URL
from tests.migrate.test_run import fresh_tables
from tests.target.conftest import boto_client, dynamodb_jar, shared_local  # noqa: F401  (fixtures)

COPY = {
    "name": "user_email",
    "type": "S",
    "source_table": "users",
    "source_column": "email",
    "transform": "string",
    "nullable": False,
    "denormalized": True,
    "justification": "tests: a parent change must reach its children",
    "join": {"local_column": "user_id", "source_column": "user_id"},
}


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


@pytest.fixture
def endpoint(shared_local: tuple[object, Path]) -> str:  # noqa: F811
    """The module's DynamoDB Local, as an endpoint URL."""
    return str(shared_local[0].endpoint_url)  # type: ignore[attr-defined]


@pytest.fixture
def deployed(endpoint: str) -> Callable[[Path], None]:
    """Deploy a model's tables, empty, as the only tables on the instance (the control table too is dropped)."""

    def make(model_dir: Path) -> None:
        fresh_tables(model_dir, endpoint)

    return make


@pytest.fixture
def slot_name(pg_admin: sa.Engine) -> Iterator[str]:
    """A unique slot name for one test; the slot and its copies are dropped afterwards, whatever happened.

    (Publications live in the test database, which the session drops; a slot would block that drop.)
    """
    name = f"s2d_test_{uuid.uuid4().hex[:10]}"
    yield name
    with pg_admin.connect() as conn:
        # The slot, and any copy of it (name + suffix) the test made.
        rows = conn.execute(
            sa.text("SELECT slot_name, active_pid FROM pg_replication_slots WHERE slot_name LIKE :s"),
            {"s": name + "%"},
        ).all()
        for slot, pid in rows:
            if pid is not None:
                conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                time.sleep(0.2)
            conn.execute(sa.text("SELECT pg_drop_replication_slot(:s)"), {"s": slot})


def leftover_slots(pg_admin: sa.Engine) -> list[str]:
    """Slots of these tests still on the server."""
    with pg_admin.connect() as conn:
        return [
            str(r[0])
            for r in conn.execute(
                sa.text("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 's2d_test_%'")
            )
        ]


__all__ = ["PG_ADMIN_URL", "boto_client", "decision_model", "fill", "leftover_slots"]
