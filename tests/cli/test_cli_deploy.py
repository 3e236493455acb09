"""``sql2dynamo deploy`` / ``destroy`` through the main CLI: exit codes and one-line messages."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sql2dynamo.cli.main import cli
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client
from tests.cli.output import assert_split, result_json
from tests.helpers.cli import CliResult, run_cli
from tests.helpers.dynamodb import table_names

GOLDEN = Path(__file__).parents[1] / "design" / "golden"


@pytest.fixture
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> Iterator[str]:
    url = shared_local[0].endpoint_url
    client = boto_client(url)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    yield url
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    out = tmp_path / "design"
    out.mkdir()
    shutil.copy(GOLDEN / "decision_data" / "multi-table" / "data_model.json", out / "data_model.json")
    return out


def _error_line(res: CliResult) -> str:
    (line,) = [x for x in res.err.splitlines() if x.startswith("error:")]
    return line


@pytest.mark.dynamodb
def test_deploy_then_again_then_destroy(
    capsys: pytest.CaptureFixture[str], endpoint: str, model_dir: Path, tmp_path: Path
) -> None:
    summary = tmp_path / "s.json"
    res = run_cli(capsys, "deploy", "--model", str(model_dir), "--target", endpoint, "--summary", str(summary))
    assert res.code == 0, res.err
    assert_split(res, result="3 created", progress="created table users")
    assert "not supported by the target" in res.out  # the table's PITR column
    data = json.loads(summary.read_text())
    assert data["command"] == "deploy" and data["counts"] == {"created": 3}
    assert [t["status"] for t in data["tables"]] == ["created"] * 3

    res = run_cli(capsys, "deploy", "--model", str(model_dir), "--target", endpoint, "--json")
    assert res.code == 0, res.err
    assert result_json(res, "deploy")["counts"] == {"unchanged": 3}

    # No terminal and no --yes: the destroy gate cannot be asked.
    res = run_cli(capsys, "destroy", "--model", str(model_dir), "--target", endpoint)
    assert res.code == 6 and "destroy gate" in _error_line(res)
    assert len(table_names(endpoint)) == 3

    res = run_cli(
        capsys, "destroy", "--model", str(model_dir), "--target", endpoint, "--yes", "--summary", str(summary)
    )
    assert res.code == 0, res.err
    assert table_names(endpoint) == []
    assert json.loads(summary.read_text())["deleted"] == ["audio_files", "users", "users_email_unique"]
    assert_split(res, result="destroy on", progress="deleted table users")
    res = run_cli(capsys, "destroy", "--model", str(model_dir), "--target", endpoint, "--yes", "--json")
    assert res.code == 0, res.err
    assert result_json(res, "destroy")["missing"] == ["audio_files", "users", "users_email_unique"]


@pytest.mark.dynamodb
def test_dry_run_and_a_differing_table(capsys: pytest.CaptureFixture[str], endpoint: str, model_dir: Path) -> None:
    res = run_cli(capsys, "deploy", "--model", str(model_dir), "--target", endpoint, "--dry-run")
    assert res.code == 0 and "3 would create" in res.out and "would create" not in res.err
    assert table_names(endpoint) == []

    boto_client(endpoint).create_table(
        TableName="users",
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # A model asking for a stream (design --streams users) that the existing table lacks: one more difference.
    path = model_dir / "data_model.json"
    data = json.loads(path.read_text())
    next(t for t in data["tables"] if t["name"] == "users")["stream"] = True
    path.write_text(json.dumps(data))
    res = run_cli(capsys, "deploy", "--model", str(model_dir), "--target", endpoint)
    assert res.code == 7
    line = _error_line(res)
    assert "table users: partition key user_id (S) != user_id (N)" in line
    assert "table users: stream NEW_AND_OLD_IMAGES != none" in line
    assert table_names(endpoint) == ["users"]


def test_emit_cloudformation(capsys: pytest.CaptureFixture[str], model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cfn" / "tables.json"
    res = run_cli(capsys, "deploy", "--model", str(model_dir), "--emit", "cloudformation", str(out), "--tag", "team=x")
    assert res.code == 0, res.err
    assert res.out == f"wrote {out}: CloudFormation template with 3 table(s)\n" and res.err == ""
    other = tmp_path / "untagged.json"
    res = run_cli(capsys, "deploy", "--model", str(model_dir), "--emit", "cloudformation", str(other), "--json")
    assert result_json(res, "deploy")["path"] == str(other)
    template = json.loads(out.read_text())
    assert set(template["Resources"]) == {"AudioFilesTable", "UsersTable", "UsersEmailUniqueTable"}
    assert template["Resources"]["UsersTable"]["Properties"]["Tags"] == [{"Key": "team", "Value": "x"}]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        ((), 2, "deploy needs --target (or --emit cloudformation FILE)"),
        (("--target", "nowhere"), 2, "invalid --target 'nowhere'"),
        (("--target", "local", "--emit", "cloudformation", "x.json"), 2, "--emit writes a template"),
        (("--target", "local", "--tag", "novalue"), 2, "invalid --tag 'novalue'"),
        (("--target", "local", "--tag", "aws:x=1"), 2, "the aws: prefix is reserved"),
    ],
)
def test_deploy_usage_errors(
    capsys: pytest.CaptureFixture[str], model_dir: Path, args: tuple[str, ...], code: int, needle: str
) -> None:
    res = run_cli(capsys, "deploy", "--model", str(model_dir), *args)
    assert res.code == code
    assert needle in _error_line(res)


def test_missing_model_is_exit_4(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = run_cli(capsys, "deploy", "--model", str(tmp_path), "--emit", "cloudformation", str(tmp_path / "t.json"))
    assert res.code == 4
    assert _error_line(res) == (
        f"error: {tmp_path / 'data_model.json'} does not exist; run sql2dynamo design first "
        "(it writes data_model.json into its -o directory) and pass that directory"
    )


def test_destroy_on_aws_is_refused(capsys: pytest.CaptureFixture[str], model_dir: Path) -> None:
    res = run_cli(capsys, "destroy", "--model", str(model_dir), "--target", "aws:eu-west-1", "--yes")
    assert res.code == 2
    assert "destroy only deletes tables on a local target, and aws:eu-west-1 is not one" in _error_line(res)


def test_the_main_cli_registers_the_command() -> None:
    assert "deploy" in cli.commands
    assert "destroy" in cli.commands
