"""``kill -9`` in the middle of ``sql2dynamo migrate``, then ``--resume``: no row lost, none duplicated.

The migration runs as a real subprocess (``python -m sql2dynamo migrate``) into a real DynamoDB Local; the
test watches its checkpoint file and sends SIGKILL once some batches are confirmed but the run is not done.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.migrate.checkpoints import checkpoint_path
from sql2dynamo.target import local
from tests.migrate.test_run import row_counts
from tests.reliability import assert_items_match_rows, design_subset, fresh_tables

pytestmark = pytest.mark.dynamodb

KILL_AFTER_ROWS = 100
"""Rows confirmed in the checkpoint file before the kill (the subset has 504, written at about 200 a second)."""

WAIT_S = 90.0


def _state(path: Path) -> dict[str, Any] | None:
    """The checkpoint file's content, or None before the first write (it is replaced atomically)."""
    try:
        return dict(json.loads(path.read_text()))
    except FileNotFoundError:
        return None


def _progress(state: dict[str, Any]) -> tuple[int, bool]:
    """(rows confirmed, every started segment done)."""
    segments = [s for t in state["tables"].values() for s in t["segments"]]
    return sum(int(s["rows_read"]) for s in segments), all(s["done"] for s in segments)


def _command(url: str, model_dir: Path, endpoint: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sql2dynamo",
        "migrate",
        url,
        "--model",
        str(model_dir),
        "--target",
        endpoint,
        "--batch-size",
        "50",
        "--segments",
        "3",
        *extra,
    ]


def _kill_mid_run(command: list[str], checkpoints: Path, log: Path) -> int:
    """Start ``command``, SIGKILL it once KILL_AFTER_ROWS rows are confirmed; return the rows confirmed then."""
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            state = _state(checkpoints)
            if state is not None:
                rows, done = _progress(state)
                if rows >= KILL_AFTER_ROWS and not done:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
                    return rows
            if proc.poll() is not None:
                pytest.fail(f"migrate ended (exit {proc.returncode}) before the kill:\n{log.read_text()[-2000:]}")
            time.sleep(0.01)
        pytest.fail(f"no progress within {WAIT_S} s:\n{log.read_text()[-2000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_sigkill_then_resume(
    chinook_url: str,
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    endpoint = shared_local[0].endpoint_url
    model_dir = design_subset(chinook_url, tmp_path / "model")
    fresh_tables(model_dir, endpoint)
    checkpoints = checkpoint_path(model_dir)

    confirmed = _kill_mid_run(_command(chinook_url, model_dir, endpoint), checkpoints, tmp_path / "first.log")
    state = _state(checkpoints)
    assert state is not None
    rows, done = _progress(state)
    assert rows >= confirmed >= KILL_AFTER_ROWS
    assert not done, "the kill landed after the run finished"

    summary = tmp_path / "summary.json"
    resumed = subprocess.run(
        _command(chinook_url, model_dir, endpoint, "--resume", "--summary", str(summary)),
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert json.loads(summary.read_text())["resumed"] is True

    # The checkpoints account for every source row exactly once.
    counts = row_counts(chinook_url)
    final = _state(checkpoints)
    assert final is not None
    assert _progress(final)[1]
    assert {n: sum(s["rows_read"] for s in t["segments"]) for n, t in final["tables"].items()} == {
        n: counts[n] for n in final["tables"]
    }
    # DynamoDB holds one item per row, and every item equals the one the source builds.
    assert_items_match_rows(chinook_url, model_dir, endpoint)
    result = verify(chinook_url, model_dir, endpoint, reporter=RecordingReporter())
    totals = result.totals()
    assert result.ok, result.summary()
    assert (totals["missing"], totals["extra"], totals["different"]) == (0, 0, 0)
    assert totals["expected"] == totals["actual"] == sum(counts[n] for n in final["tables"])
