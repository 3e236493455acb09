"""``export``, ``verify --from-export`` and ``migrate --engine spark`` through the CLI: output, files, exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers.cli import run_cli
from tests.migrate.test_run import PASCAL_PATTERNS, make_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, chinook_sqlite_url: str) -> Path:
    return make_model(chinook_sqlite_url, tmp_path_factory.mktemp("cli-export-model"), PASCAL_PATTERNS)


def test_export_then_verify_from_export(
    capsys: pytest.CaptureFixture[str], model_dir: Path, chinook_sqlite_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "files"
    args = ["export", chinook_sqlite_url, "--model", str(model_dir), "--to", str(out), "--only", "Genre,MediaType"]
    res = run_cli(capsys, *args, "--compress", "zstd", "--json")
    assert res.code == 0, res.err
    summary = json.loads(res.out)
    assert summary["total"]["rows"] == 25 + 5 and summary["compression"] == "zstd"
    assert sorted(p.name for p in (out / "Genre" / "data").iterdir()) == ["Genre-s0000-p0000.json.zst"]
    res = run_cli(capsys, *args)  # a finished export is never overwritten
    assert res.code == 2 and "already holds a finished export" in res.err
    verify = ["verify", chinook_sqlite_url, "--model", str(model_dir), "--from-export", str(out)]
    res = run_cli(capsys, *verify)
    # Only two source tables were exported: the others' items are missing, and verify says so (exit 8).
    assert res.code == 8, res.err
    assert "missing" in res.err
    res = run_cli(capsys, *verify, "--target", "local")
    assert res.code == 2 and "exactly one" in res.err


def test_engine_spark_without_pyspark_names_the_extra(
    capsys: pytest.CaptureFixture[str], model_dir: Path, chinook_sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if the extra were not installed
    monkeypatch.delitem(sys.modules, "sql2dynamo.migrate.spark", raising=False)
    args = ["migrate", chinook_sqlite_url, "--model", str(model_dir), "--dry-run", "--engine", "spark"]
    res = run_cli(capsys, *args)
    assert res.code == 5, res.err
    assert res.err.strip().splitlines()[-1].startswith("error: --engine spark needs pyspark")
    assert "pip install 'sql2dynamo[spark]'" in res.err
