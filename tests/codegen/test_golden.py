"""The generated modules: golden files, the same bytes every time, mypy --strict and ruff clean for every example.

Regenerate the goldens after an intended change with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/codegen/test_golden.py`` and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sql2dynamo.codegen import build_spec, render_module
from sql2dynamo.commands.codegen import codegen
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import model_from_dict, model_to_dict
from sql2dynamo.examples import get_example
from tests.codegen.helpers import EXAMPLES, ROOT, STRATEGIES, model_dir, run_tool
from tests.helpers.data import CODEGEN_GOLDEN, golden_model

GOLDEN_CASES = [("chinook", "multi-table"), ("algoitny", "single-table"), ("hustle_hub", "single-table")]


def golden_name(example: str, strategy: str) -> str:
    return f"{example}_{strategy.replace('-', '_')}.py"


@pytest.mark.parametrize(("example", "strategy"), GOLDEN_CASES)
def test_golden(example: str, strategy: str, tmp_path: Path) -> None:
    out = tmp_path / "repo.py"
    codegen(model_dir(example, strategy, tmp_path / "model"), out, reporter=RecordingReporter())
    expected = CODEGEN_GOLDEN / golden_name(example, strategy)
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_bytes(out.read_bytes())
    assert out.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_same_model_same_bytes(example: str, strategy: str, tmp_path: Path) -> None:
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    codegen(model_dir(example, strategy, tmp_path / "m1"), first, reporter=RecordingReporter())
    # The second run reads a model that went through the dataclasses and back: key order may differ, names may not.
    m2 = model_dir(example, strategy, tmp_path / "m2")
    data = json.loads((m2 / "data_model.json").read_text())
    (m2 / "data_model.json").write_text(json.dumps(model_to_dict(model_from_dict(data)), sort_keys=True))
    codegen(m2, second, reporter=RecordingReporter())
    assert first.read_bytes() == second.read_bytes()


def test_every_example_pattern_gets_a_method_and_unsupported_ones_raise() -> None:
    for example in EXAMPLES:
        for strategy in STRATEGIES:
            model = golden_model(example, strategy)
            spec = build_spec(model, get_example(example).patterns())
            assert {m.pattern_id for m in spec.methods} == {p.pattern_id for p in model.plans}
            assert not spec.skipped
            text = render_module(spec, source="data_model.json")
            for plan in model.plans:
                method = next(m for m in spec.methods if m.pattern_id == plan.pattern_id)
                assert f"Access pattern {plan.pattern_id} (" in text
                assert f"def {method.name}(" in text
                if not plan.supported:
                    assert method.supported is False
                    assert f'raise self._unsupported("{plan.pattern_id}")' in text


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The modules of all 8 example models, in one directory."""
    out = tmp_path_factory.mktemp("generated")
    for example in EXAMPLES:
        for strategy in STRATEGIES:
            target = out / golden_name(example, strategy)
            codegen(model_dir(example, strategy, out / "models" / target.stem), target, reporter=RecordingReporter())
    return out


def _modules(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.py"))


def test_generated_modules_pass_mypy_strict(generated: Path) -> None:
    modules = _modules(generated)
    assert len(modules) == 8
    res = run_tool("mypy", "--strict", "--no-incremental", *modules, cwd=generated)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Success: no issues found in 8 source files" in res.stdout


@pytest.mark.parametrize("config", ["project", "defaults"])
def test_generated_modules_pass_ruff_check_and_format(generated: Path, config: str) -> None:
    # The project's settings (line length 120, its rule set) and ruff's own defaults (88 columns).
    options = ["--config", str(ROOT / "pyproject.toml")] if config == "project" else ["--isolated"]
    modules = _modules(generated)
    check = run_tool("ruff", "check", *options, *modules, cwd=generated)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = run_tool("ruff", "format", "--check", *options, *modules, cwd=generated)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    assert "8 files already formatted" in fmt.stdout


def test_a_broken_module_fails_the_checks(generated: Path, tmp_path: Path) -> None:
    # The checks above can fail: a wrong annotation and a long line are caught.
    text = (generated / golden_name("chinook", "multi-table")).read_text()
    broken = tmp_path / "broken.py"
    broken.write_text(text.replace("-> Customer | None:", "-> int:", 1) + "X = " + "1 + " * 40 + "1\n")
    assert run_tool("mypy", "--strict", "--no-incremental", "broken.py", cwd=tmp_path).returncode != 0
    assert run_tool("ruff", "format", "--check", "--isolated", "broken.py", cwd=tmp_path).returncode != 0
