"""``sql2dynamo design``: gates, outputs and bad input, through the CLI as a user runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.common.errors import ConfirmationRequired
from sql2dynamo.common.reporting import RecordingReporter
from tests.cli.output import assert_split, result_json
from tests.helpers.cli import run_cli

MODEL_FILES = ("dynamodb_data_model.md", "migrationContract.json", "data_model.json")

PATTERNS = """\
application: shop
patterns:
  - id: AP01
    description: Customer login by e-mail
    sql: SELECT * FROM "Customer" WHERE "Email" = :email
    rps: {avg: 20, peak: 80}
    consistency: eventual
  - id: AP02
    description: Latest invoices of a customer
    sql: SELECT * FROM "Invoice" WHERE "CustomerId" = :customer_id ORDER BY "InvoiceDate" DESC LIMIT 20
    rps: {avg: 5, peak: 30}
"""


@pytest.fixture(scope="module")
def chinook_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("schema")
    src = Path(__file__).parents[1] / "data" / "chinook" / "Chinook_Sqlite.sqlite"
    analyze(f"sqlite:///{src}", out_dir=d, reporter=RecordingReporter())
    return d / "schema.json"


def _inputs(tmp_path: Path, schema: Path, patterns: str) -> tuple[Path, Path]:
    shutil.copy(schema, tmp_path / "schema.json")
    (tmp_path / "access_patterns.yaml").write_text(patterns)
    return tmp_path / "schema.json", tmp_path / "access_patterns.yaml"


def _design(capsys: pytest.CaptureFixture[str], schema: Path, patterns: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli(capsys, "design", "--schema", str(schema), "--patterns", str(patterns), "-o", str(out), *extra)


def _error_line(err: str) -> str:
    (line,) = [x for x in err.splitlines() if x.startswith("error:")]
    return line


def test_design_writes_documents_contract_and_summary(
    capsys: pytest.CaptureFixture[str], chinook_schema: Path, tmp_path: Path
) -> None:
    schema, patterns = _inputs(tmp_path, chinook_schema, PATTERNS)
    out = tmp_path / "out"
    res = _design(capsys, schema, patterns, out, "--yes", "--summary", str(tmp_path / "s.json"))
    assert res.code == 0, res.err
    for name in ("dynamodb_requirement.md", *MODEL_FILES):
        assert (out / name).stat().st_size > 0
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["patterns"] == {"total": 2, "supported": 2, "unsupported": []}
    assert summary["cost"]["on_demand_monthly"] > 0
    # The model's table comes before the design gate (stderr); the files written are the result (stdout).
    assert_split(res, result=f"wrote {out / 'data_model.json'}", progress="$/month on-demand")
    assert f"wrote {out / 'dynamodb_requirement.md'}" in res.err
    again = _design(capsys, schema, patterns, out, "--yes", "--json")
    assert again.code == 0, again.err
    assert result_json(again, "design") == summary and "$/month on-demand" in again.err
    contract = json.loads((out / "migrationContract.json").read_text())
    assert {e["table"] for e in contract} >= {"Customer", "Invoice"}


def test_without_a_terminal_the_gate_needs_yes(
    capsys: pytest.CaptureFixture[str], chinook_schema: Path, tmp_path: Path
) -> None:
    schema, patterns = _inputs(tmp_path, chinook_schema, PATTERNS)
    out = tmp_path / "out"
    res = _design(capsys, schema, patterns, out)
    assert res.code == 6
    assert "the requirements gate needs confirming" in _error_line(res.err) and "--yes" in res.err
    assert (out / "dynamodb_requirement.md").exists()  # the working file is there to review
    assert not any((out / name).exists() for name in MODEL_FILES)


def test_refusing_the_design_gate_writes_no_contract(chinook_schema: Path, tmp_path: Path) -> None:
    schema, patterns = _inputs(tmp_path, chinook_schema, PATTERNS)
    asked: list[str] = []

    def confirm(gate: str, question: str) -> bool:
        asked.append(gate)
        return gate != "design"

    with pytest.raises(ConfirmationRequired, match="the design gate was not confirmed"):
        design(schema, patterns, out_dir=tmp_path / "out", reporter=RecordingReporter(), confirm=confirm)
    assert asked == ["requirements", "design"]
    assert not any((tmp_path / "out" / name).exists() for name in MODEL_FILES)


def test_requirements_gate_stops_on_a_pattern_without_rps(
    capsys: pytest.CaptureFixture[str], chinook_schema: Path, tmp_path: Path
) -> None:
    text = PATTERNS.replace("rps: {avg: 5, peak: 30}", "rps: null")
    schema, patterns = _inputs(tmp_path, chinook_schema, text)
    out = tmp_path / "out"
    res = _design(capsys, schema, patterns, out, "--yes")
    assert res.code == 4
    line = _error_line(res.err)
    assert "requirements gate" in line and "AP02: no RPS" in line
    requirements = (out / "dynamodb_requirement.md").read_text()
    assert "## Missing before the design can continue" in requirements and "AP02" in requirements
    assert "❌" in requirements
    assert not any((out / name).exists() for name in MODEL_FILES)


@pytest.mark.parametrize(
    ("bad", "needle", "code"),
    [
        ('SELECT * FROM "Nowhere" WHERE "Id" = :id', "pattern AP03 uses table 'Nowhere'", 4),
        ('SELECT * FROM "Customer" WHERE "Shoe" = :s', "pattern AP03 uses column 'Shoe'", 4),
        ("SELECT * FROM Customer WHERE (", "AP03: the SQL does not parse", 4),
        ("SELEKT * FROMM Customer", "AP03: not a SELECT, INSERT, UPDATE or DELETE", 4),
        ('SELECT * FROM "Customer" WHERE "Email" = :email', "patterns AP01 and AP03 are the same statement", 4),
    ],
)
def test_bad_patterns_name_the_pattern(
    bad: str, needle: str, code: int, capsys: pytest.CaptureFixture[str], chinook_schema: Path, tmp_path: Path
) -> None:
    text = PATTERNS + f"  - id: AP03\n    description: bad\n    sql: '{bad}'\n    rps: {{avg: 1, peak: 2}}\n"
    schema, patterns = _inputs(tmp_path, chinook_schema, text)
    out = tmp_path / "out"
    res = _design(capsys, schema, patterns, out, "--yes")
    assert res.code == code, res.err
    assert needle in _error_line(res.err)
    assert not any((out / name).exists() for name in MODEL_FILES)


def test_missing_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = _design(capsys, tmp_path / "schema.json", tmp_path / "p.yaml", tmp_path / "out", "--yes")
    assert res.code == 4
    assert "run `sql2dynamo analyze SOURCE_URL -o DIR` first" in _error_line(res.err)


def test_bad_yaml_names_the_line(capsys: pytest.CaptureFixture[str], chinook_schema: Path, tmp_path: Path) -> None:
    schema, patterns = _inputs(tmp_path, chinook_schema, PATTERNS + "  - id: AP03\n    sql: [unclosed\n")
    res = _design(capsys, schema, patterns, tmp_path / "out", "--yes")
    assert res.code == 4
    assert "line" in _error_line(res.err)
