"""The registry, and the packaged ``schema.sql`` files that must never drift from the metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.common.errors import UsageError
from sql2dynamo.examples import EXAMPLES, Example, get_example, render_schema_sql
from sql2dynamo.examples.__main__ import main as regenerate
from sql2dynamo.source.ddl.read import schema_from_ddl
from sql2dynamo.source.model import Schema
from tests.helpers.data import CHINOOK

CHINOOK_PG = CHINOOK / "Chinook_PostgreSql.sql"
EXPECTED = {
    "algoitny": ("mysql", 7),
    "hustle_hub": ("postgresql", 5),
    "decision_data": ("postgresql", 2),
    "chinook": ("postgresql", 11),
}


def test_registry_holds_the_four_examples() -> None:
    assert {name: (e.dialect, len(e.metadata.tables)) for name, e in EXAMPLES.items()} == EXPECTED
    for name, example in EXAMPLES.items():
        assert isinstance(example, Example) and example.name == name and example.title
        assert example.schema_sql.is_file() and example.access_patterns.is_file()
    assert EXAMPLES["algoitny"].query_log is not None and EXAMPLES["algoitny"].query_log.is_file()
    assert EXAMPLES["chinook"].query_log is None


def test_get_example_accepts_dashes_and_case() -> None:
    assert get_example("algoitny") is EXAMPLES["algoitny"]
    assert get_example("Hustle-Hub") is EXAMPLES["hustle_hub"]


def test_get_example_rejects_an_unknown_name() -> None:
    with pytest.raises(UsageError) as info:
        get_example("northwind")
    assert "northwind" in info.value.message
    assert info.value.hint is not None
    assert all(name in info.value.hint for name in EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_packaged_schema_sql_is_the_rendering(name: str) -> None:
    example = EXAMPLES[name]
    assert example.schema_sql.read_text(encoding="utf-8") == render_schema_sql(example), (
        "schema.sql is stale: run `python -m sql2dynamo.examples`"
    )


def test_regeneration_check_passes_on_current_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert regenerate(["--check"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_schema_sql_reads_back_as_the_metadata(name: str) -> None:
    """``analyze --ddl`` on the packaged file sees the tables, keys and uniques of the metadata."""
    example = EXAMPLES[name]
    schema = schema_from_ddl(Path(str(example.schema_sql)), example.dialect)
    read = {t.name: t for t in schema.tables}
    assert set(read) == set(example.metadata.tables)
    for table in example.metadata.sorted_tables:
        got = read[table.name]
        assert [c.name for c in got.columns] == [c.name for c in table.columns]
        assert tuple(got.primary_key) == tuple(c.name for c in table.primary_key.columns)
        assert {(fk.columns, fk.referred_table) for fk in got.foreign_keys} == {
            (tuple(c.name for c in fk.columns), fk.referred_table.name) for fk in table.foreign_key_constraints
        }
        assert {tuple(u.columns) for u in got.unique_constraints} == _uniques(table)
        assert {c.name for c in got.columns if not c.nullable} == {c.name for c in table.columns if not c.nullable}


def _uniques(table: sa.Table) -> set[tuple[str, ...]]:
    return {tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, sa.UniqueConstraint)} | {
        tuple(c.name for c in i.columns) for i in table.indexes if i.unique
    }


def test_chinook_matches_the_original_postgresql_script() -> None:
    """Same tables, columns (order, nullability, types), keys and indexes as Chinook_PostgreSql.sql."""
    example = EXAMPLES["chinook"]
    ours = schema_from_ddl(Path(str(example.schema_sql)), "postgresql")
    original = schema_from_ddl(CHINOOK_PG, "postgresql")

    def facts(schema: Schema) -> dict[str, object]:
        out: dict[str, object] = {}
        for t in schema.tables:
            out[t.name] = (
                [(c.name, c.normalized_type, c.nullable, c.length, c.precision, c.scale) for c in t.columns],
                tuple(t.primary_key),
                sorted((fk.name, fk.columns, fk.referred_table, fk.referred_columns) for fk in t.foreign_keys),
                sorted((i.name, tuple(i.columns)) for i in t.indexes),
                sorted(tuple(u.columns) for u in t.unique_constraints),
            )
        return out

    assert facts(ours) == facts(original)
