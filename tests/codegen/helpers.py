"""Shared by the codegen tests: model directories from the design goldens, and the linters run on output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sql2dynamo.examples import get_example
from tests.helpers.data import copy_golden_model

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("algoitny", "chinook", "decision_data", "hustle_hub")
STRATEGIES = ("multi-table", "single-table")
BIN = Path(sys.executable).parent


def model_dir(example: str, strategy: str, into: Path) -> Path:
    """A model directory as design + demo leave it: the golden data_model.json and the example's patterns."""
    copy_golden_model(example, strategy, into)
    (into / "access_patterns.yaml").write_text(get_example(example).access_patterns.read_text(encoding="utf-8"))
    return into


def run_tool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a tool of this virtualenv (mypy, ruff) and capture its output."""
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, capture_output=True, text=True, check=False)
