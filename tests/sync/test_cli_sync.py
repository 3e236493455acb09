"""``sql2dynamo sync`` and ``migrate --with-sync`` through the CLI as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sql2dynamo.cli.main import cli
from sql2dynamo.testing.sync_world import decision_model, fill
from tests.cli.output import assert_split
from tests.helpers.cli import run_cli
from tests.sync.workload import Workload

pytestmark = pytest.mark.dynamodb


def test_registered() -> None:
    assert "sync" in cli.commands
    assert "--with-sync" in [o for p in cli.commands["migrate"].params for o in p.opts]


def test_postgres_stream_through_the_cli(
    capsys: pytest.CaptureFixture[str],
    new_pg_db: Callable[[str], str],
    slot_name: str,
    tmp_path: Path,
    endpoint: str,
    deployed: Callable[[Path], None],
) -> None:
    url = new_pg_db("cli")
    fill(url, 20)
    model = decision_model(url, tmp_path / "model")
    deployed(model)
    common = ["--model", str(model), "--target", endpoint, "--slot", slot_name]
    res = run_cli(capsys, "migrate", url, *common, "--with-sync", "--summary", str(tmp_path / "m.json"))
    assert res.code == 0, res.err
    assert json.loads((tmp_path / "m.json").read_text())["sync_start"]["slot"] == slot_name

    again = run_cli(capsys, "migrate", url, *common, "--with-sync")
    assert again.code == 2 and "already started" in again.err

    work = Workload(url, seed=5, limit=40)
    work.start()
    work.join(timeout=60)
    work.engine.dispose()
    assert sum(work.done.values()) > 0

    status = run_cli(capsys, "sync", url, *common, "--status", "--summary", str(tmp_path / "st.json"))
    assert status.code == 0, status.err
    slot_info = json.loads((tmp_path / "st.json").read_text())["slot_status"]
    assert slot_info["behind_bytes"] > 0 and slot_info["active"] is False

    res = run_cli(capsys, "sync", url, *common, "--until-caught-up", "--summary", str(tmp_path / "s.json"))
    assert res.code == 0, res.err
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["caught_up"] and summary["changes"] > 0
    assert "caught up" in res.out
    assert_split(res, result="transactions applied", progress=f"sync: streaming {slot_name}")

    checked = run_cli(capsys, "verify", url, "--model", str(model), "--target", endpoint)
    assert checked.code == 0, checked.err

    dropped = run_cli(capsys, "sync", url, *common, "--drop-slot")
    assert dropped.code == 0 and f"sync: stream {slot_name} dropped" in dropped.out
    missing = run_cli(capsys, "sync", url, *common, "--until-caught-up")
    assert missing.code == 2 and "migrate --with-sync" in missing.err


def test_sqlite_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path, endpoint: str) -> None:
    url = f"sqlite:///{tmp_path / 'dd.sqlite'}"
    fill(url, 2)
    model = decision_model(url, tmp_path / "model")
    res = run_cli(capsys, "sync", url, "--model", str(model), "--target", endpoint)
    assert res.code == 2 and "outbox" in res.err
