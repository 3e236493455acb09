"""The benchmark scripts keep working (tiny sizes, no timing asserted: figures are for people)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sql2dynamo.target.prerequisites import JAR_ENV

ROOT = Path(__file__).parents[1]


def run_bench(script: str, *args: str, timeout: float, jar: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``bench/<script>`` with ``args`` from the repository root (``jar``: the DynamoDB Local to use)."""
    env = dict(os.environ, **{JAR_ENV: str(jar)}) if jar is not None else None
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_design_scale_runs_and_prints_its_figures() -> None:
    done = run_bench("design_scale.py", "--tables", "5", "--patterns", "20", timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "design of 5 tables, 20 patterns:" in out and "stages:" in out


def test_backfill_runs_all_six_measurements_on_fresh_servers(dynamodb_jar: Path) -> None:
    tiny = ("--rows", "400", "--warmup", "200", "--delay-ms", "5")
    done = run_bench("backfill.py", *tiny, timeout=600, jar=dynamodb_jar)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "DynamoDB Local command line (identical for all runs):" in out and "-inMemory" in out
    runs = re.findall(
        r"^  (migrate x8|baseline: hand|server limit: pre)\S*.*?\s([\d,]+)\s+[\d.]+\s+([\d,]+)\s", out, re.M
    )
    assert [r[0] for r in runs] == ["migrate x8", "baseline: hand", "server limit: pre"] * 2
    items = {r[1] for r in runs}
    assert len(items) == 1 and f"{items.pop()} items" in out  # every run wrote every item
    assert "(failed 0, rejected 0)" in out and "unprocessed resent" in out
    for target in ("direct: migrate / server limit", "direct: migrate / baseline", "+5 ms: migrate / baseline"):
        assert re.search(rf"{re.escape(target)}\s+[\d.]+\s+target >= [\d.]+\s+(MET|MISSED)", out), target
    assert re.search(r"migrate peak RSS \(MiB\), all runs\s+[1-9][\d.]*\s+target <= 300", out)
    assert "load average now" in out


SYNC_SMALL = ("--rate", "10", "--seconds", "3", "--load-threads", "2", "--per-txn", "5")


def test_sync_apply_reports_throughput_and_lag(pg_admin: object, dynamodb_jar: Path) -> None:
    """PostgreSQL must be up (``pg_admin`` skips or fails loudly otherwise); the bench makes its own database."""
    done = run_bench("sync_apply.py", "--users", "20", "--backlog", "50", *SYNC_SMALL, timeout=600, jar=dynamodb_jar)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    drained = re.search(r"drain of (\d+) backlogged changes .*: ([\d.]+) changes/s applied", out)
    assert drained and int(drained.group(1)) > 0 and float(drained.group(2)) > 0, out
    lag = re.search(r"end-to-end lag .*, (\d+) of (\d+) markers: p50 (\d+) ms", out)
    assert lag and lag.group(1) == lag.group(2) and int(lag.group(1)) > 0, out  # every marker arrived
