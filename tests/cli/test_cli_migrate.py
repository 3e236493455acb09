"""``sql2dynamo migrate`` through the CLI as a user runs it: options, summary file, exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sql2dynamo.cli.main import cli
from sql2dynamo.testing.dynamodb import boto_client
from tests.cli.output import assert_split, result_json
from tests.helpers.cli import run_cli
from tests.migrate.test_run import NOTE_PATTERNS, PASCAL_PATTERNS, count_items, fresh_tables, make_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, chinook_sqlite_url: str) -> Path:
    return make_model(chinook_sqlite_url, tmp_path_factory.mktemp("cli-model"), PASCAL_PATTERNS)


def test_dry_run_with_only_and_summary(
    capsys: pytest.CaptureFixture[str], model_dir: Path, chinook_sqlite_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "s.json"
    args = ["migrate", chinook_sqlite_url, "--model", str(model_dir), "--dry-run", "--only", "Genre,MediaType"]
    res = run_cli(capsys, *args, "--summary", str(out))
    assert res.code == 0, res.err
    summary = json.loads(out.read_text())
    assert summary["dry_run"] is True
    assert [t["table"] for t in summary["tables"]] == ["Genre", "MediaType"]
    assert summary["total"]["items"] == 25 + 5
    assert "would write 30 items" in res.out and "would write" not in res.err
    res = run_cli(capsys, *args, "--json")
    assert res.code == 0, res.err
    assert result_json(res, "migrate")["total"]["items"] == 30


def test_unknown_only_table_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], model_dir: Path, chinook_sqlite_url: str
) -> None:
    res = run_cli(capsys, "migrate", chinook_sqlite_url, "--model", str(model_dir), "--dry-run", "--only", "Nope")
    assert res.code == 2
    assert "Nope" in res.err


def test_missing_target_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], model_dir: Path, chinook_sqlite_url: str
) -> None:
    res = run_cli(capsys, "migrate", chinook_sqlite_url, "--model", str(model_dir))
    assert res.code == 2
    assert "--target" in res.err


def test_on_error_stop_exits_4(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT)")
        conn.executemany("INSERT INTO note VALUES (?, 'n', ?)", [(1, "a"), (2, "x" * 500_000)])
    url = f"sqlite:///{path}"
    model = make_model(url, tmp_path / "model", NOTE_PATTERNS)
    res = run_cli(capsys, "migrate", url, "--model", str(model), "--dry-run", "--on-error-stop")
    assert res.code == 4
    assert "cannot be an item" in res.err
    assert json.loads(next((model / "rejects").glob("*-dry-run/note.jsonl")).read_text())["key"] == {"id": 2}


def test_migrate_to_dynamodb_local(
    capsys: pytest.CaptureFixture[str],
    model_dir: Path,
    chinook_sqlite_url: str,
    shared_local: tuple[object, Path],
) -> None:
    endpoint = shared_local[0].endpoint_url  # type: ignore[attr-defined]
    fresh_tables(model_dir, endpoint)
    res = run_cli(
        capsys, "migrate", chinook_sqlite_url, "--model", str(model_dir), "--target", endpoint, "--only", "Genre,Artist"
    )
    assert res.code == 0, res.err
    client = boto_client(endpoint)
    assert (count_items(client, "Genre"), count_items(client, "Artist")) == (25, 275)
    assert_split(res, result="migration to", progress="migrating Genre")
    assert "total" in res.out


def test_the_main_cli_registers_the_command() -> None:
    assert "migrate" in cli.commands
