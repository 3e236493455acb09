"""``sql2dynamo demo --source URL``: the example generated into real PostgreSQL and MariaDB, then the pipeline.

Also: which databases the demo refuses to touch, bad URLs, and a failing
stage's exit code and message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.demo import DEMO_MARK
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import free_port
from tests.helpers.cli import CliResult, run_cli

MakeDb = Callable[[str], str]


@pytest.fixture
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    """A DynamoDB Local of this module's own (the demo recreates its tables there)."""
    return shared_local[0].endpoint_url


def _demo(capsys: pytest.CaptureFixture[str], out: Path, *args: str) -> CliResult:
    return run_cli(capsys, "demo", "-o", str(out), "--summary", str(out / "s.json"), *args)


def _make_db(request: pytest.FixtureRequest, server: str) -> str:
    make: MakeDb = request.getfixturevalue("new_pg_db" if server == "postgresql" else "new_maria_db")
    return make("demo")


def _tables(url: str) -> dict[str, str]:
    """Table name -> its comment."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {t: inspector.get_table_comment(t).get("text") or "" for t in inspector.get_table_names()}
    finally:
        engine.dispose()


def _execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_demo_runs_from_a_server_database_and_again_over_its_own_tables(
    server: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, tmp_path: Path, endpoint: str
) -> None:
    url = _make_db(request, server)
    res = _demo(capsys, tmp_path, "--source", url, "--rows", "30", "--target", endpoint)
    assert res.code == 0, res.err
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["generated_rows"]["users"] == 30
    assert summary["analyze"]["source"].startswith("postgresql" if server == "postgresql" else "mysql")
    assert summary["database"] == summary["analyze"]["source"]
    analyzed = {t["table"]: t["rows"] for t in summary["analyze"]["tables"]}
    assert analyzed == summary["generated_rows"]
    migrated = {t["table"]: t["read"] for t in summary["migrate"]["tables"]}
    assert migrated["users"] == 30 and migrated["usage_logs"] == summary["generated_rows"]["usage_logs"]
    assert summary["verify"]["ok"] is True
    assert set(_tables(url).values()) == {f"{DEMO_MARK}algoitny"}
    for stage in ("generate: ", "analyze: ", "design (multi-table): ", "deploy: ", "migrate: ", "verify: "):
        assert stage in res.err, stage
    assert "0 missing, 0 extra, 0 different" in res.err
    assert f"files: {tmp_path / 'analysis' / 'schema.json'}" in res.err

    # A second demo on the same database regenerates the tables it made, at another size.
    again = _demo(capsys, tmp_path, "--source", url, "--rows", "12", "--target", endpoint)
    assert again.code == 0, again.err
    assert json.loads((tmp_path / "s.json").read_text())["migrate"]["tables"][-1]["read"] == 12


def test_demo_replaces_another_examples_demo_tables(
    capsys: pytest.CaptureFixture[str], new_maria_db: MakeDb, tmp_path: Path, endpoint: str
) -> None:
    url = new_maria_db("demo")
    first = _demo(
        capsys, tmp_path / "a", "--source", url, "--example", "hustle_hub", "--rows", "8", "--target", endpoint
    )
    assert first.code == 0, first.err
    assert set(_tables(url).values()) == {f"{DEMO_MARK}hustle_hub"}
    second = _demo(capsys, tmp_path / "b", "--source", url, "--rows", "8", "--target", endpoint)
    assert second.code == 0, second.err
    tables = _tables(url)
    assert set(tables.values()) == {f"{DEMO_MARK}algoitny"} and "usage_logs" in tables


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
@pytest.mark.parametrize("table", ["customer", "users"])
def test_demo_refuses_a_database_holding_other_tables(
    server: str, table: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # "users" is one of AlgoItny's own table names: without the demo's mark it is someone's data all the same.
    url = _make_db(request, server)
    _execute(
        url, f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name VARCHAR(20))", f"INSERT INTO {table} VALUES (1, 'x')"
    )
    res = _demo(capsys, tmp_path, "--source", url, "--rows", "5")
    assert res.code == 2, res.err
    assert f"already holds tables the demo did not create ({table}); the demo will not overwrite them" in res.err
    assert "demo stopped: the generate stage failed" in res.err
    assert _tables(url) == {table: ""}
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT name FROM {table}")).scalar_one() == "x"
    engine.dispose()
    assert not (tmp_path / "analysis").exists()


@pytest.mark.parametrize(
    ("source", "code", "message"),
    [
        ("not a url", 2, "not a database URL"),
        ("sqlite:///demo.db", 2, "--source must be a PostgreSQL or MySQL/MariaDB database, not a SQLite file"),
        ("oracle://scott:tiger-secret@db.example/orcl", 2, "not a 'oracle' database: oracle://scott:***@"),
        ("postgresql://u:tiger-secret@127.0.0.1:{port}/x", 3, "cannot reach postgresql+psycopg://u:***@127.0.0.1"),
        ("mysql://u:tiger-secret@127.0.0.1:{port}/x", 3, "cannot reach mysql+pymysql://u:***@127.0.0.1"),
    ],
)
def test_demo_rejects_a_bad_source_with_its_password_hidden(
    source: str, code: int, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    res = _demo(capsys, tmp_path, "--source", source.format(port=free_port()), "--rows", "5")
    assert res.code == code, res.err
    assert message in res.err
    assert "tiger-secret" not in res.err + res.out
    assert not (tmp_path / "analysis").exists() and not (tmp_path / "s.json").exists()


def test_a_failing_stage_stops_the_demo_with_its_exit_code(
    capsys: pytest.CaptureFixture[str], new_pg_db: MakeDb, tmp_path: Path
) -> None:
    # Nothing listens on the target: generate, analyze and design succeed, deploy cannot.
    url = new_pg_db("demo")
    res = _demo(capsys, tmp_path, "--source", url, "--rows", "5", "--target", f"http://127.0.0.1:{free_port()}")
    assert res.code == 7, res.err
    assert "analyze: 7 tables" in res.err and "design (multi-table): " in res.err
    assert "demo stopped: the deploy stage failed" in res.err
    assert "migrate: " not in res.err and not (tmp_path / "s.json").exists()
    assert (tmp_path / "design" / "data_model.json").exists()
