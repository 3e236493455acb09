"""``sql2dynamo validate`` on the command line: exit codes 0, 9 and 4, the report and the summary files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sql2dynamo.testing.dynamodb import boto_client
from tests.cli.output import assert_split, result_json
from tests.helpers.cli import run_cli
from tests.validate import designed_example

pytestmark = pytest.mark.dynamodb


def test_validate_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, endpoint: str) -> None:
    url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    model_dir = designed_example("decision_data", url, tmp_path / "out", strategy="multi-table", rows=6)
    report, summary = tmp_path / "report.json", tmp_path / "summary.json"

    ok = run_cli(
        capsys,
        "validate",
        url,
        "--model",
        str(model_dir),
        "--target",
        endpoint,
        "--report",
        str(report),
        "--summary",
        str(summary),
    )
    assert ok.code == 0, ok.err
    full = json.loads(report.read_text())
    assert full["ok"] is True and full["counts"] == {"pass": 8, "fail": 0, "unsupported": 0}
    assert all(p["cases"] and p["latency_ms"]["p50"] is not None for p in full["patterns"])
    short = json.loads(summary.read_text())
    assert short["command"] == "validate" and all(isinstance(p["cases"], int) for p in short["patterns"])
    assert_split(ok, result="validate: 8 passed, 0 failed", progress="validating multi-table model")
    again = run_cli(capsys, "validate", url, "--model", str(model_dir), "--target", endpoint, "--no-migrate", "--json")
    assert again.code == 0, again.err
    assert result_json(again, "validate")["counts"] == short["counts"] and "validating " in again.err

    # A wrong attribute type: exit 9, the report still written, one error line naming the patterns.
    data = json.loads((model_dir / "data_model.json").read_text())
    for table in data["tables"]:
        for entity in table["entities"]:
            for attr in entity["attributes"]:
                if attr["name"] == "file_size":
                    attr["type"], attr["transform"] = "S", "string"
    (model_dir / "data_model.json").write_text(json.dumps(data))
    for name in ("audio_files", "users", "users_email_unique"):  # the tables must be created afresh
        boto_client(endpoint).delete_table(TableName=name)
    report.unlink()
    bad = run_cli(capsys, "validate", url, "--model", str(model_dir), "--target", endpoint, "--report", str(report))
    assert bad.code == 9, bad.err
    assert "error: 2 of 8 access pattern(s)" in bad.err and "AP05" in bad.err
    assert "validate: 6 passed, 2 failed" in bad.out  # the table is printed before the error
    failed = [p for p in json.loads(report.read_text())["patterns"] if p["status"] == "fail"]
    assert {p["pattern_id"] for p in failed} == {"AP05", "AP07"}

    # No access_patterns.yaml beside the model and no --patterns: an input error (exit 4).
    (model_dir / "access_patterns.yaml").unlink()
    missing = run_cli(capsys, "validate", url, "--model", str(model_dir), "--target", endpoint, "--no-migrate")
    assert missing.code == 4 and "access_patterns.yaml does not exist" in missing.err
