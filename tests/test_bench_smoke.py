"""The benchmark scripts keep working (tiny sizes, no timing asserted: figures are for people)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_design_scale_runs_and_prints_its_figures() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "design_scale.py"), "--tables", "5", "--patterns", "20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "design of 5 tables, 20 patterns:" in out and "stages:" in out
