"""Names DynamoDB cannot take, and names with the quote character in them (issue 14, item 12).

On each source: a table named ``ürünler`` becomes a valid DynamoDB table name, deterministically and
said in the model (``urunler_`` and six hex digits of the original's hash, so ``urun`` cannot collide);
a key column whose name holds the dialect's own quote character (MariaDB's backtick, a double quote
elsewhere) is designed, migrated and verified like any other.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.design.tables import safe_table_name
from sql2dynamo.target import local
from sql2dynamo.target.model_file import load_model
from tests.helpers.cli import run_cli
from tests.helpers.databases import empty_database

pytestmark = pytest.mark.dynamodb

QUOTE = {"sqlite": '"', "postgresql": '"', "mysql": "`"}


def _q(dialect: str, name: str) -> str:
    quote = QUOTE[dialect]
    return quote + name.replace(quote, quote * 2) + quote


@pytest.fixture(params=sorted(QUOTE))
def odd_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    dialect = str(request.param)
    url = empty_database(request, dialect, tmp_path, "odd")
    key = f"k{QUOTE[dialect]}ey"
    statements = [
        f"CREATE TABLE {_q(dialect, 'ürünler')} (id INTEGER PRIMARY KEY, ad VARCHAR(10))",
        f"INSERT INTO {_q(dialect, 'ürünler')} VALUES (1, 'çay'), (2, 'şeker')",
        "CREATE TABLE urun (id INTEGER PRIMARY KEY, ad VARCHAR(10))",
        "INSERT INTO urun VALUES (1, 'tea')",
        f"CREATE TABLE odd ({_q(dialect, key)} VARCHAR(10) PRIMARY KEY, v INTEGER)",
        "INSERT INTO odd VALUES ('a', 1), ('b', 2)",
    ]
    if dialect == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            for statement in statements:
                conn.execute(statement)
    else:
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                for statement in statements:
                    conn.exec_driver_sql(statement.replace("%", "%%"))
        finally:
            engine.dispose()
    return dialect, url


def test_odd_names_design_migrate_and_verify(
    odd_url: tuple[str, str],
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    dialect, url = odd_url
    endpoint = shared_local[0].endpoint_url
    key = f"k{QUOTE[dialect]}ey"
    out = tmp_path / "model"
    patterns = f"""\
application: odd
patterns:
  - id: AP01
    description: One odd row
    sql: SELECT * FROM odd WHERE {_q(dialect, key)} = :k
    rps: {{avg: 5, peak: 10}}
  - id: AP02
    description: One product
    sql: SELECT * FROM {_q(dialect, "ürünler")} WHERE id = :id
    rps: {{avg: 5, peak: 10}}
  - id: AP03
    description: One other product
    sql: SELECT * FROM urun WHERE id = :id
    rps: {{avg: 5, peak: 10}}
"""
    res = run_cli(capsys, "analyze", url, "-o", str(out))
    assert res.code == 0, res.err
    (out / "access_patterns.yaml").write_text(patterns)
    res = run_cli(capsys, "design", "--schema", str(out / "schema.json"), "--patterns",
                  str(out / "access_patterns.yaml"), "-o", str(out), "--yes")  # fmt: skip
    assert res.code == 0, res.err
    _, model = load_model(out)
    names = {t.entities[0].source_table: t for t in model.tables if t.role == "entity"}
    assert names["ürünler"].name == safe_table_name("ürünler") and names["ürünler"].name.startswith("urunler_")
    assert names["urun"].name == "urun"
    assert "source table 'ürünler'" in names["ürünler"].purpose

    run_cli(capsys, "destroy", "--model", str(out), "--target", endpoint, "--yes")
    for command in ("deploy", "migrate", "verify"):
        args = [url] if command != "deploy" else []
        res = run_cli(capsys, command, *args, "--model", str(out), "--target", endpoint)
        assert res.code == 0, (command, res.err)
