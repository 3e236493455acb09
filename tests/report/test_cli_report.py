"""``sql2dynamo report`` through the CLI: the file, the summary, the one-line errors and their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import run_cli
from tests.report.runs import fake_runs, load, model_dir


def test_report_writes_the_page_and_its_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    directory = model_dir("algoitny", "single-table", tmp_path / "model")
    runs = fake_runs(load(directory), tmp_path / "runs")
    out = tmp_path / "r.html"
    args = ["--model", str(directory), "-o", str(out), "--summary", str(tmp_path / "s.json")]
    for name, path in runs.items():
        args += [f"--{name}", str(path)]
    res = run_cli(capsys, "report", *args)
    assert res.code == 0, res.err
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["output"] == str(out) and summary["bytes"] == out.stat().st_size
    assert summary["statuses"] == {"pass": 31, "fail": 1, "unsupported": 1, "unvalidated": 0}
    assert summary["samples"] == "synthesized" and summary["tables"] == 1
    assert f"wrote {out}" in res.out
    html = out.read_text()
    assert "SELECT * FROM users WHERE email = :email" in html  # the SQL from the patterns file beside the model


def test_model_only(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = model_dir("chinook", "multi-table", tmp_path / "model")
    monkeypatch.chdir(tmp_path)
    res = run_cli(capsys, "report", "--model", str(directory))
    assert res.code == 0, res.err
    html = (tmp_path / "report.html").read_text()
    assert "No validate result given" in html and "No migrate summary given" in html


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--validate", "{tmp}/missing.json"], 4, "error: --validate {tmp}/missing.json does not exist;"),
        (["-o", "{tmp}"], 2, "is a directory"),
        (["--target", "ftp://x"], 2, "error:"),
    ],
)
def test_errors_are_one_line_with_their_code(
    args: list[str], code: int, words: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    directory = model_dir("decision_data", "single-table", tmp_path / "model")
    res = run_cli(capsys, "report", "--model", str(directory), *[a.format(tmp=tmp_path) for a in args])
    assert res.code == code, res.err
    assert words.format(tmp=tmp_path) in res.err and len(res.err.strip().splitlines()) == 1
