"""``sql2dynamo codegen`` through the main CLI: the module and its summary, and bad input with no partial output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.output import result_json
from tests.codegen.helpers import model_dir
from tests.helpers.cli import run_cli


def test_writes_the_module_and_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = model_dir("chinook", "multi-table", tmp_path / "model")
    out, summary = tmp_path / "pkg" / "repo.py", tmp_path / "s.json"
    res = run_cli(
        capsys, "codegen", "--model", str(model), "--lang", "python", "-o", str(out), "--summary", str(summary)
    )
    assert res.code == 0, res.err
    assert "23 methods on ChinookRepository" in res.out
    assert "AP19, AP20" in res.out  # the unsupported ones are named
    assert res.err == ""  # codegen has no progress to report: stderr stays empty
    data = json.loads(summary.read_text())
    assert data["command"] == "codegen" and data["output"] == str(out)
    assert data["bytes"] == len(out.read_bytes())
    methods = {m["pattern_id"]: m for m in data["methods"]}
    assert methods["AP02"] == {
        "pattern_id": "AP02",
        "method": "get_customer_by_customer_id",
        "returns": "one",
        "supported": True,
    }
    assert methods["AP19"]["supported"] is False
    compile(out.read_text(), str(out), "exec")
    again = run_cli(capsys, "codegen", "--model", str(model), "-o", str(out), "--json")
    assert again.code == 0, again.err
    assert result_json(again, "codegen") == data and again.err == ""


def test_patterns_file_elsewhere(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = model_dir("algoitny", "single-table", tmp_path / "model")
    patterns = tmp_path / "patterns.yaml"
    (model / "access_patterns.yaml").rename(patterns)
    out = tmp_path / "repo.py"
    res = run_cli(capsys, "codegen", "--model", str(model), "-o", str(out))
    assert res.code == 4
    assert "access_patterns.yaml does not exist" in res.err and "--patterns" in res.err
    assert not out.exists()
    res = run_cli(
        capsys, "codegen", "--model", str(model / "data_model.json"), "--patterns", str(patterns), "-o", str(out)
    )
    assert res.code == 0, res.err
    assert "class AlgoitnyRepository:" in out.read_text()


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("missing model dir", 4, "data_model.json does not exist"),
        ("bad lang", 2, "unknown --lang 'java'"),
        ("output is a directory", 2, "is a directory"),
        ("unwritable output", 2, "cannot write"),
        ("model of another application", 4, "is for application 'chinook'"),
        ("model not json", 4, "is not valid JSON"),
        ("bad patterns file", 4, "unknown top-level key"),
    ],
)
def test_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, code: int, message: str) -> None:
    model = model_dir("algoitny", "multi-table", tmp_path / "model")
    out = tmp_path / "out" / "repo.py"
    args = ["codegen", "--model", str(model), "-o", str(out)]
    if case == "missing model dir":
        args[2] = str(tmp_path / "nowhere")
    elif case == "bad lang":
        args += ["--lang", "java"]
    elif case == "output is a directory":
        out.mkdir(parents=True)
    elif case == "unwritable output":
        # a file where the output's directory should be: nothing can be written there, even as root
        out.parent.write_text("a file, not a directory")
    elif case == "model of another application":
        other = model_dir("chinook", "multi-table", tmp_path / "other")
        (model / "access_patterns.yaml").write_text((other / "access_patterns.yaml").read_text())
    elif case == "model not json":
        (model / "data_model.json").write_text("{not json")
    elif case == "bad patterns file":
        (model / "access_patterns.yaml").write_text("application: algoitny\npatternz: []\n")
    res = run_cli(capsys, *args)
    assert res.code == code, res.err
    assert message in _one_error_line(res.err)
    # no partial output: no module, no temporary file beside it
    assert not out.is_file()
    if out.parent.is_dir():
        assert [p.name for p in out.parent.iterdir() if p.name != "repo.py"] == []


def test_a_failed_run_keeps_the_previous_module(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = model_dir("hustle_hub", "multi-table", tmp_path / "model")
    out = tmp_path / "repo.py"
    assert run_cli(capsys, "codegen", "--model", str(model), "-o", str(out)).code == 0
    before = out.read_bytes()
    (model / "data_model.json").write_text("[]")
    res = run_cli(capsys, "codegen", "--model", str(model), "-o", str(out))
    assert res.code == 4
    assert out.read_bytes() == before
