"""Later stages use the model's decisions and read only what it maps (issue 14, items 8, 9 and 13).

On each source, through the command line:

* a column whose type only ``analyze --cast`` could map migrates, verifies and validates with no ``--cast``
  (the type is decided once, recorded in the model, never decided again);
* a table the model leaves out, with a column type nothing maps, is never read by migrate, verify or
  validate;
* a column the model uses that was dropped or renamed since design stops migrate and verify up front with
  exit 4 and one line naming the table, the column and the fix, before anything is written.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.target import local
from tests.helpers.cli import run_cli
from tests.helpers.databases import empty_database

pytestmark = pytest.mark.dynamodb

PATTERNS = """\
application: shapes
patterns:
  - id: AP01
    description: One shape
    sql: SELECT * FROM shape WHERE id = :id
    rps: {avg: 5, peak: 10}
"""

# Per source: DDL and rows of ``shape`` (a column only --cast maps) and ``other`` (a type nothing maps), the cast.
CASES = {
    "sqlite": (
        [
            "CREATE TABLE shape (id INTEGER PRIMARY KEY, name TEXT NOT NULL, at POINT)",
            "CREATE TABLE other (id INTEGER PRIMARY KEY, g GEOMETRY)",
            "INSERT INTO shape VALUES (1, 'a', '1,2'), (2, 'b', '3,4'), (3, 'c', NULL)",
            "INSERT INTO other VALUES (1, 'x')",
        ],
        "point=string",
    ),
    "postgresql": (
        [
            "CREATE TABLE shape (id INTEGER PRIMARY KEY, name TEXT NOT NULL, at POINT)",
            "CREATE TABLE other (id INTEGER PRIMARY KEY, g TSVECTOR)",
            "INSERT INTO shape VALUES (1, 'a', '(1,2)'), (2, 'b', '(3,4)'), (3, 'c', NULL)",
            "INSERT INTO other VALUES (1, 'a fat cat')",
        ],
        "point=string",
    ),
    "mysql": (
        [
            "CREATE TABLE shape (id INTEGER PRIMARY KEY, name VARCHAR(10) NOT NULL, at POINT)",
            "CREATE TABLE other (id INTEGER PRIMARY KEY, g GEOMETRY)",
            "INSERT INTO shape VALUES (1, 'a', PointFromText('POINT(1 2)')), (2, 'b', PointFromText('POINT(3 4)')),"
            " (3, 'c', NULL)",
            "INSERT INTO other VALUES (1, PointFromText('POINT(0 0)'))",
        ],
        "point=binary",
    ),
}


@pytest.fixture(params=sorted(CASES))
def shapes(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str, str]:
    dialect = str(request.param)
    statements, cast = CASES[dialect]
    url = empty_database(request, dialect, tmp_path, "shapes")
    _run_sql(url, statements)
    return dialect, url, cast


def _run_sql(url: str, statements: list[str]) -> None:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            for statement in statements:
                conn.execute(statement)
        return
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _designed(capsys: pytest.CaptureFixture[str], url: str, out: Path, *analyze_args: str) -> None:
    res = run_cli(capsys, "analyze", url, "-o", str(out), "--include", "shape", *analyze_args)
    assert res.code == 0, res.err
    (out / "access_patterns.yaml").write_text(PATTERNS)
    res = run_cli(capsys, "design", "--schema", str(out / "schema.json"), "--patterns",
                  str(out / "access_patterns.yaml"), "-o", str(out), "--yes")  # fmt: skip
    assert res.code == 0, res.err


def _fresh(capsys: pytest.CaptureFixture[str], out: Path, endpoint: str) -> None:
    run_cli(capsys, "destroy", "--model", str(out), "--target", endpoint, "--yes")
    res = run_cli(capsys, "deploy", "--model", str(out), "--target", endpoint)
    assert res.code == 0, res.err


def test_the_cast_is_decided_once_and_unmapped_tables_are_never_read(
    shapes: tuple[str, str, str],
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    dialect, url, cast = shapes
    endpoint = shared_local[0].endpoint_url
    out = tmp_path / "model"
    if dialect != "sqlite":  # SQLite maps any declared type by its affinity
        res = run_cli(capsys, "analyze", url, "-o", str(tmp_path / "plain"), "--include", "shape", "--strict-types")
        assert res.code == 4 and "--cast" in res.err, res.err  # no built-in rule maps the type
    _designed(capsys, url, out, "--cast", cast)
    _fresh(capsys, out, endpoint)

    res = run_cli(capsys, "migrate", url, "--model", str(out), "--target", endpoint)
    assert res.code == 0, res.err
    res = run_cli(capsys, "verify", url, "--model", str(out), "--target", endpoint)
    assert res.code == 0, res.err
    res = run_cli(capsys, "validate", url, "--model", str(out), "--target", endpoint, "--no-migrate")
    assert res.code == 0, res.err


def test_a_column_gone_since_design_stops_migrate_and_verify_up_front(
    shapes: tuple[str, str, str],
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, url, cast = shapes
    endpoint = shared_local[0].endpoint_url
    out = tmp_path / "model"
    _designed(capsys, url, out, "--cast", cast)
    _fresh(capsys, out, endpoint)
    rename = "ALTER TABLE shape RENAME COLUMN name TO title"
    # cumulative: first the renamed column is missing, then (named first) the dropped one too
    for change, column in ((rename, "name"), ("ALTER TABLE shape DROP COLUMN at", "at")):
        _run_sql(url, [change])
        for command in ("migrate", "verify"):
            res = run_cli(capsys, command, url, "--model", str(out), "--target", endpoint)
            assert res.code == 4, (command, res.err)
            errors = [line for line in res.err.splitlines() if line.startswith("error:")]
            assert len(errors) == 1 and res.err.strip().endswith(errors[0]), res.err
            line = errors[0]
            assert f"column {column} of table shape is in the model but not in the source" in line, line
            assert "run analyze and design again" in line, line
    assert not (out / ".migrate" / "checkpoints.json").exists()
