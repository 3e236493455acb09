"""``sql2dynamo analyze`` on bad input: one clear line, a documented exit code, no output files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.output import assert_split, result_json
from tests.helpers.cli import run_cli


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


def _nothing_written(out: Path) -> None:
    assert not (out / "schema.json").exists()
    assert not list(out.glob(".*tmp")) if out.exists() else True


def test_analyze_sqlite_writes_schema_and_summary(
    capsys: pytest.CaptureFixture[str], chinook_sqlite_url: str, tmp_path: Path
) -> None:
    res = run_cli(
        capsys,
        "analyze",
        chinook_sqlite_url,
        "-o",
        str(tmp_path),
        "--summary",
        str(tmp_path / "summary.json"),
    )
    assert res.code == 0, res.err
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert len(summary["tables"]) == 11
    assert {t["table"]: t["rows"] for t in summary["tables"]}["InvoiceLine"] == 2240
    assert_split(res, result="InvoiceLine", progress="analyzing sqlite:")
    assert f"wrote {tmp_path / 'schema.json'}" in res.out
    assert json.loads((tmp_path / "schema.json").read_text())["source"]["dialect"] == "sqlite"


def test_analyze_json_on_stdout(capsys: pytest.CaptureFixture[str], chinook_sqlite_url: str, tmp_path: Path) -> None:
    res = run_cli(capsys, "analyze", chinook_sqlite_url, "-o", str(tmp_path), "--json")
    assert res.code == 0, res.err
    data = result_json(res, "analyze")
    assert data["schema_path"] == str(tmp_path / "schema.json") and len(data["tables"]) == 11
    assert "analyzing sqlite:" in res.err and "InvoiceLine" not in res.err


def test_unreachable_server(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = run_cli(capsys, "analyze", "postgresql://app:s3cret-pw@127.0.0.1:1/db", "-o", str(tmp_path))
    assert res.code == 3
    line = _one_error_line(res.err)
    assert "cannot reach" in line and "server is running" in line
    assert "s3cret-pw" not in res.err + res.out
    _nothing_written(tmp_path)


def test_wrong_password_is_refused_and_never_shown(
    capsys: pytest.CaptureFixture[str], maria_admin: sa.Engine, tmp_path: Path
) -> None:
    url = "mysql://root:Wr0ng-Passw0rd@127.0.0.1:3306/test"
    res = run_cli(capsys, "analyze", url, "-o", str(tmp_path))
    assert res.code == 3
    line = _one_error_line(res.err)
    assert "login refused" in line and "wrong user name or password" in line
    assert "Wr0ng-Passw0rd" not in res.err + res.out
    assert "root:***@" in line
    _nothing_written(tmp_path)


@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_unknown_database(
    server: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    request.getfixturevalue("pg_admin" if server == "postgresql" else "maria_admin")
    url = {
        "postgresql": "postgresql://postgres@127.0.0.1:5432/no_such_db_s2d",
        "mysql": "mysql://root@127.0.0.1:3306/no_such_db_s2d",
    }[server]
    res = run_cli(capsys, "analyze", url, "-o", str(tmp_path))
    assert res.code == 3
    assert "database 'no_such_db_s2d' does not exist" in _one_error_line(res.err)
    _nothing_written(tmp_path)


def test_missing_sqlite_file_is_not_created(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    res = run_cli(capsys, "analyze", f"sqlite:///{db}", "-o", str(tmp_path))
    assert res.code == 3
    assert "SQLite database file not found" in _one_error_line(res.err)
    assert not db.exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["analyze", "--ddl", "x.sql", "--dialect", "oracle"], "unknown dialect 'oracle'"),
        (["analyze", "oracle://u:pw@h/db"], "unsupported source database 'oracle'"),
        (["analyze", "not a url"], "not a database URL"),
        (["analyze"], "name a source"),
        (["analyze", "--ddl", "x.sql"], "--ddl needs --dialect"),
        (["analyze", "sqlite:///x.db", "--cast", "point"], "bad --cast"),
    ],
)
def test_usage_errors(args: list[str], needle: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = run_cli(capsys, *args, "-o", str(tmp_path))
    assert res.code == 2
    assert needle in _one_error_line(res.err)
    _nothing_written(tmp_path)


def _make_db(kind: str, request: pytest.FixtureRequest, tmp_path: Path, ddl: list[str]) -> str:
    if kind == "sqlite":
        path = tmp_path / "db.sqlite"
        with sqlite3.connect(path) as conn:
            for stmt in ddl:
                conn.execute(stmt)
        return f"sqlite:///{path}"
    factory: Callable[[str], str] = request.getfixturevalue("new_pg_db" if kind == "postgresql" else "new_maria_db")
    url = factory("bad")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for stmt in ddl:
            conn.execute(sa.text(stmt))
    engine.dispose()
    return url


KINDS = ["sqlite", "postgresql", "mysql"]


@pytest.mark.parametrize("kind", KINDS)
def test_empty_database(
    kind: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = _make_db(kind, request, tmp_path, ["CREATE VIEW v AS SELECT 1 AS one"])
    out = tmp_path / "out"
    res = run_cli(capsys, "analyze", url, "-o", str(out))
    assert res.code == 4
    assert "has no tables to migrate" in _one_error_line(res.err)
    _nothing_written(out)


@pytest.mark.parametrize("kind", KINDS)
def test_table_without_primary_key(
    kind: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = _make_db(
        kind,
        request,
        tmp_path,
        [
            "CREATE TABLE events (happened_at VARCHAR(30), what VARCHAR(50))",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE)",
        ],
    )
    out = tmp_path / "out"
    (out).mkdir()
    (out / "schema.json").write_text("previous\n")
    res = run_cli(capsys, "analyze", url, "-o", str(out))
    assert res.code == 4
    line = _one_error_line(res.err)
    assert 'table "events" has no primary key' in line and "--exclude 'events'" in line
    assert (out / "schema.json").read_text() == "previous\n"  # an earlier result is left untouched
    res = run_cli(capsys, "analyze", url, "-o", str(out), "--exclude", "events")
    assert res.code == 0, res.err
    data = json.loads((out / "schema.json").read_text())
    assert [t["name"] for t in data["tables"]] == ["users"]
    assert data["tables"][0]["unique_constraints"][0]["columns"] == ["email"]


ODD = {
    "sqlite": [
        'CREATE TABLE "Order Items" ("Order Id" INTEGER NOT NULL, "select" INTEGER NOT NULL, '
        '"Quote""d" VARCHAR(10), "MixedCase" VARCHAR(5), "100%" INTEGER, "a:b" INTEGER, '
        'PRIMARY KEY ("Order Id", "select"))',
        "INSERT INTO \"Order Items\" VALUES (1, 2, 'a', NULL, 3, 4)",
    ],
    "postgresql": [
        'CREATE TABLE "Order Items" ("Order Id" INTEGER NOT NULL, "select" INTEGER NOT NULL, '
        '"Quote""d" VARCHAR(10), "MixedCase" VARCHAR(5), "100%" INTEGER, "a:b" INTEGER, '
        'PRIMARY KEY ("Order Id", "select"))',
        "INSERT INTO \"Order Items\" VALUES (1, 2, 'a', NULL, 3, 4)",
    ],
    "mysql": [
        "CREATE TABLE `Order Items` (`Order Id` INTEGER NOT NULL, `select` INTEGER NOT NULL, "
        '`Quote"d` VARCHAR(10), `MixedCase` VARCHAR(5), `100%` INTEGER, `a:b` INTEGER, '
        "PRIMARY KEY (`Order Id`, `select`))",
        "INSERT INTO `Order Items` VALUES (1, 2, 'a', NULL, 3, 4)",
    ],
}


@pytest.mark.parametrize("kind", KINDS)
def test_odd_identifiers_survive(
    kind: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = _make_db(kind, request, tmp_path, ODD[kind])
    out = tmp_path / "out"
    res = run_cli(capsys, "analyze", url, "-o", str(out))
    assert res.code == 0, res.err
    (table,) = json.loads((out / "schema.json").read_text())["tables"]
    assert table["name"] == "Order Items"
    assert [c["name"] for c in table["columns"]] == ["Order Id", "select", 'Quote"d', "MixedCase", "100%", "a:b"]
    assert table["primary_key"] == ["Order Id", "select"]
    assert table["stats"]["row_count"] == 1
    assert table["columns"][3]["stats"]["null_fraction"] == 1.0


def test_unsupported_column_type_and_cast(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = _make_db(
        "postgresql",
        request,
        tmp_path,
        [
            "CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT, location POINT)",
            "INSERT INTO places VALUES (1, 'home', POINT(1, 2))",
        ],
    )
    out = tmp_path / "out"
    res = run_cli(capsys, "analyze", url, "-o", str(out), "--strict-types")  # else read as text, with a warning
    assert res.code == 4
    line = _one_error_line(res.err)
    assert '"places"."location" has type \'point\'' in line and "--cast 'point=string'" in line
    _nothing_written(out)
    res = run_cli(capsys, "analyze", url, "-o", str(out), "--cast", "point=string")
    assert res.code == 0, res.err
    col = json.loads((out / "schema.json").read_text())["tables"][0]["columns"][2]
    assert (col["normalized_type"], col["type_rule"]) == ("string", "user:point=string")


def test_ddl_that_does_not_parse(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ddl = tmp_path / "broken.sql"
    ddl.write_text("CREATE TABLE ok (id INT PRIMARY KEY);\n\nCREATE TABLE broken (id INT PRIMARY KEY,, name;\n")
    out = tmp_path / "out"
    res = run_cli(capsys, "analyze", "--ddl", str(ddl), "--dialect", "mysql", "-o", str(out))
    assert res.code == 4
    line = _one_error_line(res.err)
    assert "broken.sql:3: cannot read CREATE TABLE" in line
    _nothing_written(out)


def test_ddl_mode_gives_unknown_statistics(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ddl = Path(__file__).parents[1] / "data" / "chinook" / "Chinook_PostgreSql.sql"
    res = run_cli(capsys, "analyze", "--ddl", str(ddl), "--dialect", "postgres", "-o", str(tmp_path))
    assert res.code == 0, res.err
    data = json.loads((tmp_path / "schema.json").read_text())
    assert data["statistics"] == "unknown" and len(data["tables"]) == 11
    assert all(t["stats"] is None for t in data["tables"])
