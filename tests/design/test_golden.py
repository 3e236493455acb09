"""Golden files: the design of each shipped example, in both strategies, byte for byte.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/design/test_golden.py``
and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sql2dynamo.commands.design import design
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import DataModel, model_from_dict
from tests.helpers.data import DESIGN_GOLDEN

EXAMPLES = ("algoitny", "hustle_hub", "decision_data", "chinook")
STRATEGIES = ("multi-table", "single-table")
FILES = ("dynamodb_requirement.md", "dynamodb_data_model.md", "migrationContract.json", "data_model.json")


def run_design(inputs: Path, out: Path, strategy: str) -> DataModel:
    result = design(
        inputs / "schema.json",
        inputs / "access_patterns.yaml",
        out_dir=out,
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
        strategy=strategy,
    )
    return result.model


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_golden(example: str, strategy: str, example_inputs: dict[str, Path], tmp_path: Path) -> None:
    model = run_design(example_inputs[example], tmp_path, strategy)
    expected_dir = DESIGN_GOLDEN / example / strategy
    if os.environ.get("UPDATE_GOLDEN"):
        expected_dir.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            (expected_dir / name).write_bytes((tmp_path / name).read_bytes())
    for name in FILES:
        assert (tmp_path / name).read_text() == (expected_dir / name).read_text(), f"{example}/{strategy}/{name}"
    # data_model.json reads back into the same model: later stages see exactly this design.
    assert model_from_dict(json.loads((tmp_path / "data_model.json").read_text())) == model


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_same_inputs_same_bytes(strategy: str, example_inputs: dict[str, Path], tmp_path: Path) -> None:
    run_design(example_inputs["algoitny"], tmp_path / "a", strategy)
    run_design(example_inputs["algoitny"], tmp_path / "b", strategy)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
