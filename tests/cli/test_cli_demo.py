"""The README's main job, ``sql2dynamo demo``, and ``analyze --workload`` end to end through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from ruamel.yaml import YAML

from sql2dynamo.target import local
from tests.cli.output import assert_split, result_json
from tests.helpers.cli import run_cli


@pytest.fixture
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    """A DynamoDB Local of this module's own (the demo recreates its tables there)."""
    return shared_local[0].endpoint_url


def _yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def test_demo_runs_the_pipeline_on_algoitny(capsys: pytest.CaptureFixture[str], tmp_path: Path, endpoint: str) -> None:
    out = tmp_path / "demo"
    res = run_cli(
        capsys, "demo", "-o", str(out), "--rows", "40", "--target", endpoint, "--summary", str(tmp_path / "s.json")
    )
    assert res.code == 0, res.err
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["generated_rows"]["users"] == 40
    rows = {t["table"]: t["rows"] for t in summary["analyze"]["tables"]}
    assert rows == {name: summary["generated_rows"][name] for name in rows}
    assert len(rows) == 7
    schema = json.loads((out / "analysis" / "schema.json").read_text())
    users = next(t for t in schema["tables"] if t["name"] == "users")
    assert {tuple(u["columns"]) for u in users["unique_constraints"]} == {("email",), ("google_id",)}
    patterns = _yaml((out / "analysis" / "access_patterns.yaml").read_text())
    assert patterns["application"] == "algoitny"
    by_sql = {p["sql"]: p for p in patterns["patterns"]}
    login = next(p for s, p in by_sql.items() if "FROM users WHERE email" in s)
    assert login["rps"]["avg"] == pytest.approx(300000 / 86400, rel=1e-5)
    assert login["source"] == "mined"
    assert len(patterns["patterns"]) == 11
    assert "wrote" in res.err and "usage_logs" in res.err  # the stages' tables are the demo's progress
    assert res.out == f"demo of algoitny done: source {out / 'algoitny.sqlite'}, files in {out}\n"
    design = summary["design"]
    assert design["patterns"]["total"] == 33 and design["patterns"]["unsupported"] == ["AP14"]
    contract = json.loads((out / "design" / "migrationContract.json").read_text())
    assert "users_email_unique" in {e["table"] for e in contract}
    migrated = {t["table"]: t for t in summary["migrate"]["tables"]}
    assert migrated["users"]["read"] == 40 and migrated["users"]["rejected"] == 0
    assert summary["verify"]["ok"] is True
    assert "0 missing, 0 extra, 0 different" in res.err
    verdicts = {p["pattern_id"]: p["status"] for p in summary["validate"]["patterns"]}
    assert len(verdicts) == 33 and verdicts["AP14"] == "unsupported"
    assert {s for pid, s in verdicts.items() if pid != "AP14"} == {"pass"}


@pytest.mark.parametrize("example", ["hustle_hub", "decision_data", "chinook"])
def test_demo_runs_every_example(
    example: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, endpoint: str
) -> None:
    res = run_cli(
        capsys,
        "demo",
        "-o",
        str(tmp_path),
        "--example",
        example,
        "--rows",
        "20",
        "--strategy",
        "single-table",
        "--target",
        endpoint,
        "--summary",
        str(tmp_path / "s.json"),
        "--json",
    )
    assert res.code == 0, res.err
    summary = json.loads((tmp_path / "s.json").read_text())
    assert result_json(res, "demo") == summary and "demo stopped" not in res.err
    assert summary["example"] == example and summary["design"]["strategy"] == "single-table"
    assert (tmp_path / "design" / "data_model.json").exists()
    assert summary["verify"]["ok"] is True
    statuses = [p["status"] for p in summary["validate"]["patterns"]]
    assert statuses and "fail" not in statuses and "pass" in statuses


def test_demo_rejects_unknown_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = run_cli(capsys, "demo", "-o", str(tmp_path), "--example", "nope")
    assert res.code == 2 and "nope" in res.err


def test_demo_refuses_a_remote_target(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = run_cli(capsys, "demo", "-o", str(tmp_path), "--target", "aws:eu-west-1")
    assert res.code == 2 and "runs only on a local target" in res.err


def test_demo_rejects_bad_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = run_cli(capsys, "demo", "-o", str(tmp_path), "--rows", "0")
    assert res.code == 2
    assert "error: --rows must be at least 1" in res.err


@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_analyze_workload_through_the_cli(
    server: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    make: Callable[[str], str] = request.getfixturevalue("new_pg_db" if server == "postgresql" else "new_maria_db")
    url = make("wl")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE TABLE customer (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL)"))
        if server == "postgresql":
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            conn.execute(sa.text("SELECT pg_stat_statements_reset()"))
        else:
            conn.execute(sa.text("TRUNCATE TABLE performance_schema.events_statements_summary_by_digest"))
        for i in range(6):
            conn.execute(sa.text("INSERT INTO customer (id, email) VALUES (:i, :e)"), {"i": i, "e": f"c{i}@x.io"})
        for i in range(9):
            conn.execute(sa.text("SELECT * FROM customer WHERE email = :e"), {"e": f"c{i}@x.io"})
    engine.dispose()
    out = tmp_path / "out"
    out.mkdir()
    (out / "access_patterns.yaml").write_text(
        "# hand-written\napplication: shop\npatterns:\n  - id: AP01\n    description: mine\n"
        "    sql: SELECT * FROM customer WHERE id = :id\n    rps: {avg: 3, peak: 9}\n"
    )
    res = run_cli(capsys, "analyze", url, "-o", str(out), "--workload")
    assert res.code == 0, res.err
    text = (out / "access_patterns.yaml").read_text()
    assert text.startswith("# hand-written\napplication: shop\n")
    data = _yaml(text)
    ids = [p["id"] for p in data["patterns"]]
    assert ids[0] == "AP01" and data["patterns"][0]["rps"] == {"avg": 3, "peak": 9}
    mined = {p["shape"]["operation"]: p for p in data["patterns"] if p.get("source") == "mined"}
    assert set(mined) == {"select", "insert"}
    assert mined["select"]["evidence"]["calls"] == 9
    assert mined["insert"]["evidence"]["calls"] == 6
    assert mined["select"]["shape"]["equality"] == ["email"]
    assert_split(res, result="mined patterns over a window", progress="analyzing ")
