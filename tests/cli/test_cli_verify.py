"""``sql2dynamo verify`` through the main CLI: exit codes, the per-table table, --report and --summary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sql2dynamo.cli.main import cli
from sql2dynamo.commands.deploy import deploy
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import boto_client
from tests.cli.output import assert_split, result_json
from tests.helpers.cli import run_cli
from tests.verify.test_compare import design_chinook, load_copy, reset

pytestmark = pytest.mark.dynamodb


@pytest.fixture(scope="module")
def loaded(
    shared_local: tuple[local.LocalInstance, Path],
    chinook_sqlite_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path, str]]:
    endpoint = shared_local[0].endpoint_url
    client = boto_client(endpoint)
    reset(client)
    model_dir = design_chinook(chinook_sqlite_url, tmp_path_factory.mktemp("cli-verify-design"))
    deploy(model_dir, endpoint, reporter=RecordingReporter())
    load_copy(chinook_sqlite_url, load_model(model_dir)[1], client)
    yield chinook_sqlite_url, model_dir, endpoint
    reset(client)


def test_exact_copy_exits_zero(
    capsys: pytest.CaptureFixture[str], loaded: tuple[str, Path, str], tmp_path: Path
) -> None:
    url, model_dir, endpoint = loaded
    report, summary = tmp_path / "r.json", tmp_path / "s.json"
    args = ["verify", url, "--model", str(model_dir), "--target", endpoint, "--segments", "2"]
    res = run_cli(capsys, *args, "--report", str(report), "--summary", str(summary))
    assert res.code == 0, res.err
    assert_split(
        res, result="verify: match: 2744 expected, 2744 found, 0 missing, 0 extra, 0 different", progress="verifying "
    )
    data = json.loads(report.read_text())
    assert data["ok"] is True and data["differences"] == [] and data["differences_truncated"] is False
    brief = json.loads(summary.read_text())
    assert "differences" not in brief and brief == {k: data[k] for k in brief}
    res = run_cli(capsys, *args, "--json")
    assert res.code == 0, res.err
    printed = result_json(res, "verify")
    assert printed["totals"] == brief["totals"] and "verifying " in res.err


def test_differences_exit_8_with_report(
    capsys: pytest.CaptureFixture[str], loaded: tuple[str, Path, str], tmp_path: Path
) -> None:
    url, model_dir, endpoint = loaded
    client = boto_client(endpoint)
    key = {"EmployeeId": {"N": "2"}}
    original = client.get_item(TableName="Employee", Key=key)["Item"]
    client.update_item(
        TableName="Employee",
        Key=key,
        UpdateExpression="SET City = :c",
        ExpressionAttributeValues={":c": {"S": "Atlantis"}},
    )
    client.delete_item(TableName="Genre", Key={"GenreId": {"N": "4"}})
    report = tmp_path / "r.json"
    try:
        res = run_cli(capsys, "verify", url, "--model", str(model_dir), "--target", endpoint, "--report", str(report))
    finally:
        client.put_item(TableName="Employee", Item=original)
        load_copy(url, load_model(model_dir)[1], client, only=("Genre",))
    assert res.code == 8, res.err
    (line,) = [x for x in res.err.splitlines() if x.startswith("error:")]
    assert "differs from the source in 2 table(s)" in line and "Genre (25 expected, 24 found; 1 missing)" in line
    # The differences are part of the result (stdout); the error line closes stderr.
    assert "different in Employee: {'EmployeeId': 2}" in res.out and 'City: S "Calgary" != S "Atlantis"' in res.out
    data = json.loads(report.read_text())
    assert set(data) == {
        "command",
        "source",
        "model",
        "target",
        "ok",
        "seconds",
        "totals",
        "tables",
        "differences",
        "differences_truncated",
        "max_keys",
        "rejects",
    }
    assert data["command"] == "verify" and data["ok"] is False and data["max_keys"] == 1000
    assert data["totals"] == {
        "expected": 2744,
        "actual": 2743,
        "missing": 1,
        "extra": 0,
        "different": 1,
        "duplicates": 0,
        "rejects": 0,
        "expired": 0,
    }
    assert data["differences"] == [
        {"table": "Employee", "kind": "different", "key": {"EmployeeId": 2}, "source_table": "Employee",
         "source_key": [2], "diff": ['City: S "Calgary" != S "Atlantis"']},
        {"table": "Genre", "kind": "missing", "key": {"GenreId": 4}, "source_table": "Genre", "source_key": [4]},
    ]  # fmt: skip
    genre = next(t for t in data["tables"] if t["table"] == "Genre")
    assert set(genre) == {
        "table", "ok", "expected", "actual", "scanned", "missing", "extra", "different", "duplicates", "rejects",
        "expired", "seconds",
    }  # fmt: skip
    assert (genre["ok"], genre["expected"], genre["actual"], genre["missing"]) == (False, 25, 24, 1)


def test_bad_options(capsys: pytest.CaptureFixture[str], loaded: tuple[str, Path, str]) -> None:
    url, model_dir, endpoint = loaded
    res = run_cli(capsys, "verify", url, "--model", str(model_dir), "--target", endpoint, "--segments", "0")
    assert res.code == 2
    res = run_cli(capsys, "verify", url, "--model", str(model_dir / "nope"), "--target", endpoint)
    assert res.code == 4


def test_the_main_cli_registers_the_command() -> None:
    assert "verify" in cli.commands
