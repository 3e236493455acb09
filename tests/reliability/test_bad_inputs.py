"""Bad input stops with its documented exit code and one line naming the fix, and writes nothing half-made.

Issue 14, items 13 and 14: a request rate that is not a finite number (``.nan``, ``.inf``, ``1e30``) is
refused by ``design`` (exit 4) before ``data_model.json`` exists, and every JSON file is strict (no NaN).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.cli import run_cli

PATTERNS = """\
application: bad
patterns:
  - id: AP01
    description: One thing
    sql: SELECT * FROM thing WHERE id = :id
    rps: {avg: AVG, peak: PEAK}
"""


@pytest.fixture
def analyzed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = tmp_path / "app.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE thing (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO thing VALUES (?, ?)", [(1, "a"), (2, "b")])
    out = tmp_path / "out"
    res = run_cli(capsys, "analyze", f"sqlite:///{db}", "-o", str(out))
    assert res.code == 0, res.err
    return out


@pytest.mark.parametrize(("avg", "peak"), [(".nan", "10"), ("5", ".inf"), ("5", "1e30"), ("-.inf", "3")])
def test_a_rate_that_is_not_a_finite_number_is_refused(
    analyzed: Path, avg: str, peak: str, capsys: pytest.CaptureFixture[str]
) -> None:
    patterns = analyzed / "access_patterns.yaml"
    patterns.write_text(PATTERNS.replace("AVG", avg).replace("PEAK", peak))
    res = run_cli(capsys, "design", "--schema", str(analyzed / "schema.json"), "--patterns", str(patterns),
                  "-o", str(analyzed), "--yes")  # fmt: skip
    assert res.code == 4, res.err
    line = res.err.strip()
    assert len(line.splitlines()) == 1 and "rps." in line and "rps: {avg: 20, peak: 80}" in line, line
    assert not (analyzed / "data_model.json").exists()


def test_a_sane_rate_designs_and_every_file_is_strict_json(analyzed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patterns = analyzed / "access_patterns.yaml"
    patterns.write_text(PATTERNS.replace("AVG", "5").replace("PEAK", "10"))
    res = run_cli(capsys, "design", "--schema", str(analyzed / "schema.json"), "--patterns", str(patterns),
                  "-o", str(analyzed), "--yes")  # fmt: skip
    assert res.code == 0, res.err

    def refuse(token: str) -> None:
        raise ValueError(f"not strict JSON: {token}")

    for path in analyzed.glob("*.json"):
        json.loads(path.read_text(), parse_constant=refuse)


def _edit(model: Path, change: str) -> None:
    data = json.loads((model / "data_model.json").read_text())
    if change == "no pk":
        del data["tables"][0]["pk"]
    elif change == "twice":
        data["tables"].append(data["tables"][0])
    else:
        data["tables"][0]["pk"] = None
    (model / "data_model.json").write_text(json.dumps(data))


@pytest.mark.parametrize("change", ["no pk", "twice", "null pk"])
def test_a_hand_edited_model_is_named_with_the_fix(
    analyzed: Path, change: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    patterns = analyzed / "access_patterns.yaml"
    patterns.write_text(PATTERNS.replace("AVG", "5").replace("PEAK", "10"))
    res = run_cli(capsys, "design", "--schema", str(analyzed / "schema.json"), "--patterns", str(patterns),
                  "-o", str(analyzed), "--yes")  # fmt: skip
    assert res.code == 0, res.err
    _edit(analyzed, change)
    out = tmp_path / "template.json"
    res = run_cli(capsys, "deploy", "--model", str(analyzed), "--emit", "cloudformation", str(out))
    assert res.code == 4, res.err
    errors = [line for line in res.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "data_model.json" in errors[0] and "run sql2dynamo design" in errors[0], res.err
    assert not out.exists()
