"""Design inputs built from the shipped examples (``tests/helpers/examples.py``), once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.examples import analyzed_example

# Small and fixed: the golden files depend on these rows' statistics.
GOLDEN_ROWS = 60


@pytest.fixture(scope="session")
def example_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """example name -> a directory holding its schema.json (from generated rows) and access_patterns.yaml."""
    return {
        name: analyzed_example(name, tmp_path_factory.mktemp(f"in_{name}"), GOLDEN_ROWS)
        for name in ("algoitny", "hustle_hub", "decision_data", "chinook")
    }
