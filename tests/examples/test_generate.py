"""The generators on real SQLite, PostgreSQL and MariaDB: counts, determinism, speed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.common.errors import InputError
from sql2dynamo.examples import EXAMPLES, Example
from tests.helpers.databases import empty_database

NAMES = sorted(EXAMPLES)
SMALL = 12


def snapshot(engine: sa.Engine, example: Example) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as conn:
        return {
            table.name: [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key.columns))]
            for table in example.metadata.sorted_tables
        }


def counted(engine: sa.Engine, example: Example) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in example.metadata.sorted_tables
        }


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql"])
@pytest.mark.parametrize("name", NAMES)
def test_generate_fills_every_table_deterministically(
    name: str, backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    example = EXAMPLES[name]
    engine = sa.create_engine(empty_database(request, backend, tmp_path, name[:8]))
    try:
        first = example.generate(engine, rows=SMALL)
        assert set(first) == set(example.metadata.tables)
        assert all(n > 0 for n in first.values()), first
        assert counted(engine, example) == first
        rows = snapshot(engine, example)
        # Run again over the existing tables: dropped, recreated, the same rows.
        assert example.generate(engine, rows=SMALL) == first
        assert snapshot(engine, example) == rows
    finally:
        engine.dispose()
    # The database does not change what is generated.
    lite = sa.create_engine(f"sqlite:///{tmp_path / 'reference'}.sqlite")
    assert example.generate(lite, rows=SMALL) == first
    lite.dispose()


def test_application_inserts_still_get_fresh_ids_on_postgresql(new_pg_db: Callable[[str], str]) -> None:
    """Explicit ids must not leave PostgreSQL's sequences behind (MySQL and SQLite move on by themselves)."""
    engine = sa.create_engine(new_pg_db("seq"))
    example = EXAMPLES["algoitny"]
    counts = example.generate(engine, rows=SMALL)
    with engine.begin() as conn:
        new_id = conn.execute(
            sa.text("INSERT INTO usage_logs (user_id, action, created_at) VALUES (1, 'hint', now()) RETURNING id")
        ).scalar_one()
    engine.dispose()
    assert new_id == counts["usage_logs"] + 1


def test_rows_and_seed_drive_the_data(tmp_path: Path) -> None:
    example = EXAMPLES["algoitny"]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'a'}.sqlite")
    small = example.generate(engine, rows=20)
    assert small["users"] == 20 and small["usage_logs"] == 200
    seven = snapshot(engine, example)
    example.generate(engine, rows=20, seed=8)
    assert snapshot(engine, example) != seven
    engine.dispose()


def test_a_foreign_table_referring_to_ours_stops_generation(tmp_path: Path) -> None:
    """AlgoItny and Hustle Hub both have ``users``: one database cannot hold both."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'both'}.sqlite")
    EXAMPLES["algoitny"].generate(engine, rows=3)
    with pytest.raises(InputError, match="refers to users") as info:
        EXAMPLES["hustle_hub"].generate(engine, rows=3)
    assert info.value.hint is not None and "empty database" in info.value.hint
    assert "search_history" in sa.inspect(engine).get_table_names()  # nothing was dropped
    engine.dispose()


@pytest.mark.parametrize("name", NAMES)
def test_a_thousand_rows_of_the_main_entity(name: str, tmp_path: Path) -> None:
    # How fast generation is belongs to bench/backfill.py, which prints it; here only what it makes.
    example = EXAMPLES[name]
    engine = sa.create_engine(f"sqlite:///{tmp_path / name}.sqlite")
    counts = example.generate(engine, rows=1000)
    engine.dispose()
    unit_table = {"customers": "customer"}.get(example.rows_unit, example.rows_unit)
    assert counts[unit_table] == 1000
