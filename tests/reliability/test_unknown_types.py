"""A column type no rule maps is read as text through the database's cast, with a warning (issue 14, item 10).

PostgreSQL ``tsvector`` and ``int4range``, MariaDB ``INET6``: analyze no longer stops; it lists each such
column under ``attention`` (and so in the requirements document) and the column migrates as the text the
database's own cast gives, which verify agrees with.  ``--strict-types`` stops instead (exit 4, one line).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client
from tests.helpers.cli import run_cli
from tests.helpers.databases import empty_database
from tests.migrate.test_run import entity_tables

pytestmark = pytest.mark.dynamodb

PATTERNS = """\
application: unknown
patterns:
  - id: AP01
    description: One thing
    sql: SELECT * FROM thing WHERE id = :id
    rps: {avg: 5, peak: 10}
"""
CASES = {
    "postgresql": (
        [
            "CREATE TABLE thing (id INTEGER PRIMARY KEY, doc TSVECTOR, span INT4RANGE)",
            "INSERT INTO thing VALUES (1, 'a fat cat', '[1,5)'), (2, 'rat', NULL)",
        ],
        {"doc": {1: "'a' 'cat' 'fat'", 2: "'rat'"}, "span": {1: "[1,5)"}},
    ),
    "mysql": (
        ["CREATE TABLE thing (id INTEGER PRIMARY KEY, addr INET6)", "INSERT INTO thing VALUES (1, '::1'), (2, NULL)"],
        {"addr": {1: "::1"}},
    ),
}


@pytest.fixture(params=sorted(CASES))
def unknown_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    dialect = str(request.param)
    url = empty_database(request, dialect, tmp_path, "unknown")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in CASES[dialect][0]:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
    return dialect, url


def test_unknown_types_are_read_as_text_with_a_warning(
    unknown_url: tuple[str, str],
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    dialect, url = unknown_url
    expected = CASES[dialect][1]
    endpoint = shared_local[0].endpoint_url
    res = run_cli(capsys, "analyze", url, "-o", str(tmp_path / "strict"), "--strict-types")
    assert res.code == 4, res.err
    errors = [line for line in res.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cannot map" in errors[0] and "--cast" in errors[0], res.err
    assert not (tmp_path / "strict" / "schema.json").exists()

    out = tmp_path / "model"
    res = run_cli(capsys, "analyze", url, "-o", str(out))
    assert res.code == 0, res.err
    schema = json.loads((out / "schema.json").read_text())
    warned = {a["name"] for a in schema["attention"] if a["kind"] == "column" and "read as text" in a["reason"]}
    assert warned == {f"thing.{column}" for column in expected}, schema["attention"]
    (out / "access_patterns.yaml").write_text(PATTERNS)
    res = run_cli(capsys, "design", "--schema", str(out / "schema.json"), "--patterns",
                  str(out / "access_patterns.yaml"), "-o", str(out), "--yes")  # fmt: skip
    assert res.code == 0, res.err
    assert "read as text" in (out / "dynamodb_requirement.md").read_text()

    run_cli(capsys, "destroy", "--model", str(out), "--target", endpoint, "--yes")
    for command in ("deploy", "migrate", "verify"):
        args = [url] if command != "deploy" else []
        res = run_cli(capsys, command, *args, "--model", str(out), "--target", endpoint)
        assert res.code == 0, (command, res.err)
    (table,) = entity_tables(out)
    items = {int(i["id"]["N"]): i for i in boto_client(endpoint).scan(TableName=table)["Items"]}
    for column, values in expected.items():
        assert {k: items[k][column] for k in values} == {k: {"S": v} for k, v in values.items()}, column
