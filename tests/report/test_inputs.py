"""The command's inputs: wrong, missing or foreign files fail with one line naming the fix and a documented code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sql2dynamo.commands.report import report
from sql2dynamo.common.errors import InputError, Sql2DynamoError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.report.inputs import parse_migrate, parse_validate, parse_verify
from tests.report.runs import fake_runs, load, model_dir


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    directory = model_dir("decision_data", "multi-table", tmp_path / "model")
    return directory, fake_runs(load(directory), tmp_path / "runs")


def _run(directory: Path, tmp_path: Path, **inputs: Any) -> None:
    report(directory, output=tmp_path / "out.html", reporter=RecordingReporter(), **inputs)


def _fails(kind: type[Sql2DynamoError], call: Any, *words: str) -> Sql2DynamoError:
    with pytest.raises(kind) as caught:
        call()
    err = caught.value
    line = err.one_line()
    assert "\n" not in line and err.hint, line
    for word in words:
        assert word in line, line
    return err


def test_missing_file(setup: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    directory, _ = setup
    err = _fails(
        InputError, lambda: _run(directory, tmp_path, validate=tmp_path / "nope.json"), "does not exist", "--report"
    )
    assert err.exit_code == 4
    assert not (tmp_path / "out.html").exists()


def test_not_json(setup: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    directory, _ = setup
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    _fails(InputError, lambda: _run(directory, tmp_path, verify=bad), "--verify", "is not valid JSON", "line 1")


def test_another_commands_file(setup: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    directory, runs = setup
    _fails(InputError, lambda: _run(directory, tmp_path, validate=runs["verify"]), "output of `verify`", "validate")
    other = tmp_path / "list.json"
    other.write_text("[1, 2]")
    _fails(InputError, lambda: _run(directory, tmp_path, migrate=other), "not an object")


@pytest.mark.parametrize(
    ("command", "mangle", "words"),
    [
        ("validate", lambda d: d.update(patterns="all"), ("'patterns' should be a list",)),
        ("validate", lambda d: d["patterns"][0].update(status="maybe"), ("status 'maybe'",)),
        ("validate", lambda d: d["patterns"][0].update(cases="many"), ("'cases' should be a list or a number",)),
        ("verify", lambda d: d["tables"][0].update(expected="ten"), ("'expected' should be a number",)),
        ("verify", lambda d: d["tables"][0].update(actual=True), ("'actual' should be a number, not bool",)),
        ("migrate", lambda d: d["tables"].append(3), ("tables[",)),
    ],
)
def test_malformed_fields(
    command: str, mangle: Any, words: tuple[str, ...], setup: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    directory, runs = setup
    data = json.loads(runs[command].read_text())
    mangle(data)
    runs[command].write_text(json.dumps(data))
    _fails(InputError, lambda: _run(directory, tmp_path, **{command: runs[command]}), "malformed", *words)


def test_results_of_another_model(setup: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    directory, runs = setup
    data = json.loads(runs["validate"].read_text())
    data["strategy"] = "single-table"
    runs["validate"].write_text(json.dumps(data))
    _fails(InputError, lambda: _run(directory, tmp_path, validate=runs["validate"]), "single-table model")
    data = json.loads(runs["verify"].read_text())
    data["tables"][0]["table"] = "someone_elses"
    runs["verify"].write_text(json.dumps(data))
    _fails(InputError, lambda: _run(directory, tmp_path, verify=runs["verify"]), "someone_elses")


def test_patterns_of_another_application(setup: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    directory, _ = setup
    other = model_dir("chinook", "multi-table", tmp_path / "other") / "access_patterns.yaml"
    _fails(InputError, lambda: _run(directory, tmp_path, patterns=other), "application 'chinook'")


def test_no_model_and_bad_output(setup: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    directory, _ = setup
    _fails(InputError, lambda: _run(tmp_path / "empty", tmp_path), "data_model.json does not exist", "design")
    err = _fails(UsageError, lambda: report(directory, output=tmp_path, reporter=RecordingReporter()), "is a directory")
    assert err.exit_code == 2


def test_summaries_are_accepted_too(setup: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    directory, runs = setup
    validate = json.loads(runs["validate"].read_text())
    for p in validate["patterns"]:
        p["cases"] = len(p["cases"])  # what validate --summary writes
    parsed = parse_validate(validate)
    assert parsed is not None
    view, checks = parsed
    assert view.failed == 1 and all(not c.failures for c in checks.values())
    verify = json.loads(runs["verify"].read_text())
    for key in ("differences", "differences_truncated", "max_keys", "rejects"):
        del verify[key]  # what verify --summary writes
    summary = parse_verify(verify)
    assert summary is not None and not summary.differences_known and not summary.ok
    _run(directory, tmp_path, validate=validate, verify=verify)
    assert "pass verify's <code>--report</code>" in (tmp_path / "out.html").read_text()


def test_rejects_are_read_beside_the_summary(setup: tuple[Path, dict[str, Path]]) -> None:
    _, runs = setup
    migration = parse_migrate(runs["migrate"], runs["migrate"].parent)
    assert migration is not None
    assert [r.reason for r in migration.rejects] == ["the item is 500000 bytes, over DynamoDB's 400 KB"]
    assert parse_migrate(json.loads(runs["migrate"].read_text()), None) is not None  # no base: no rejects, no error
