"""``sql2dynamo cutover`` and ``sync --outbox`` through the main CLI: exit codes, one-line errors, --summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sql2dynamo.cli.main import cli
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.cutover.dualwrite import enable_dual_write
from sql2dynamo.cutover.outbox import ensure_outbox, outbox_status
from sql2dynamo.examples.decision_data import EPOCH
from sql2dynamo.examples.decision_data.app import DecisionDataApp, session_factory
from tests.cli.output import result_json
from tests.cutover.test_cutover import World, fresh, world  # noqa: F401  (fixtures, found through this import)
from tests.helpers.cli import run_cli

pytestmark = pytest.mark.dynamodb


def test_registered() -> None:
    assert "cutover" in cli.commands
    assert "--outbox" in {p.opts[0] for p in cli.commands["sync"].params if p.opts}


def test_status_advance_rollback_and_their_exit_codes(
    capsys: pytest.CaptureFixture[str],
    fresh: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    w = fresh
    common = ["--model", str(w.model_dir), "--target", w.endpoint]
    summary = tmp_path / "s.json"
    res = run_cli(capsys, "cutover", "status", *common, "--summary", str(summary))
    assert res.code == 0, res.err
    data = json.loads(summary.read_text())
    assert data["phase"] == "dual-write" and data["action"] == "status" and data["blockers"]
    assert "cutover: dual-write" in res.out and "blocks advancing: replication lag unknown" in res.out
    assert res.err == ""  # status has no progress to report
    res = run_cli(capsys, "cutover", "status", *common, "--json")
    assert res.code == 0, res.err
    assert result_json(res, "cutover")["blockers"] == data["blockers"]

    res = run_cli(capsys, "cutover", "advance", *common)
    assert res.code == 8
    assert (
        res.err.strip()
        .splitlines()[-1]
        .startswith("error: cannot advance from dual-write to backfill: replication lag unknown")
    )

    ensure_outbox(w.engine)  # the application dual-writes: its (empty) outbox measures the lag
    res = run_cli(capsys, "cutover", "advance", w.url, *common, "--note", "go", "--summary", str(summary))
    assert res.code == 0, res.err
    data = json.loads(summary.read_text())
    assert (data["from"], data["phase"], data["outbox"]["entries"]) == ("dual-write", "backfill", 0)
    assert data["history"][-1]["note"] == "go"
    assert "cutover advance: dual-write -> backfill" in res.out and "cutover: dual-write -> backfill" in res.err

    assert run_cli(capsys, "cutover", "rollback", w.url, *common).code == 0
    res = run_cli(capsys, "cutover", "rollback", w.url, *common)
    assert res.code == 2 and "error: dual-write is the first phase: there is nothing to roll back to" in res.err


def test_sync_outbox_drains(
    capsys: pytest.CaptureFixture[str],
    world: World,  # noqa: F811
    tmp_path: Path,
) -> None:
    w = world
    sessions = session_factory(w.engine)
    dual = enable_dual_write(sessions, w.model_dir, w.client, reporter=RecordingReporter(), mirror=False)
    try:
        app = DecisionDataApp(sessions)
        for i in range(3):
            app.register(f"cli{i}@example.org", "h", "s", EPOCH)
    finally:
        dual.close()
    assert outbox_status(w.engine).entries == 3
    summary = tmp_path / "sync.json"
    args = ["sync", w.url, "--outbox", "--model", str(w.model_dir), "--target", w.endpoint, "--summary", str(summary)]
    res = run_cli(capsys, *args, "--json")
    assert res.code == 0, res.err
    data = json.loads(summary.read_text())
    assert (data["mode"], data["applied"], data["remaining"]) == ("outbox", 3, 0)
    assert result_json(res, "sync") == data
    assert outbox_status(w.engine).entries == 0 and w.verify()
