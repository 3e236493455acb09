"""Streams only where asked (``design --streams``), the design's own patterns file, and unkeyed COUNTs explained.

A stream is on no table unless the user names it: nothing in sql2dynamo consumes one, and DynamoDB Local's
stream emulation slowed every write.  A COUNT that fixes no column by equality is refused with what it
would need, in sentences that read as such wherever the alternative is shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sql2dynamo.commands.design import design
from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.engine.build import DesignOptions, build_model
from sql2dynamo.design.inputs import resolve_patterns
from sql2dynamo.design.model import DataModel
from sql2dynamo.source.model import schema_to_dict
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile, Rps
from tests.design.fixtures import col, schema, table
from tests.helpers.cli import run_cli

EMPLOYEES = table(
    "employees",
    [col("emp_no", "integer"), col("email"), col("first_name"), col("hire_date", "date")],
    ("emp_no",),
    uniques=[("email",)],
)
SCHEMA = schema(EMPLOYEES)


def _model(*sqls: str, streams: str = "none") -> DataModel:
    patterns = PatternsFile(
        "staff",
        tuple(AccessPattern(f"AP{n:02d}", "", sql, Rps(1, 2)) for n, sql in enumerate(sqls, start=1)),
    )
    return build_model(SCHEMA, patterns, resolve_patterns(SCHEMA, patterns), DesignOptions(streams=streams))


GET = "SELECT * FROM employees WHERE emp_no = :emp_no"


def test_no_stream_unless_asked_and_the_decision_says_why() -> None:
    model = _model(GET)
    assert [t.name for t in model.tables] == ["employees", "employees_email_unique"]
    assert not any(t.stream for t in model.tables)
    (decision,) = [d for d in model.decisions if d.decision_type == "STREAMS"]
    assert decision.chosen_approach == "no stream on any table"
    assert "nothing consumes a stream" in decision.justification


def test_streams_all_is_every_entity_table_and_a_list_names_tables() -> None:
    everything = _model(GET, streams="all")
    assert {t.name: t.stream for t in everything.tables} == {"employees": True, "employees_email_unique": False}
    named = _model(GET, streams="employees_email_unique")
    assert {t.name: t.stream for t in named.tables} == {"employees": False, "employees_email_unique": True}
    (decision,) = [d for d in named.decisions if d.decision_type == "STREAMS"]
    assert "employees_email_unique" in decision.chosen_approach


@pytest.mark.parametrize("value", ["employes", "employees,", "employees,,x"])
def test_streams_naming_no_table_of_the_model_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        _model(GET, streams=value)
    assert caught.value.exit_code == 2


def test_unknown_streams_table_lists_the_models_tables() -> None:
    with pytest.raises(UsageError) as caught:
        _model(GET, streams="employes")
    assert "employes" in str(caught.value)
    assert caught.value.hint is not None and "employees, employees_email_unique" in caught.value.hint


def test_count_over_a_range_of_a_non_key_column_says_what_it_needs() -> None:
    model = _model(GET, "SELECT COUNT(*) FROM employees WHERE hire_date BETWEEN :a AND :b")
    plan = model.plan("AP02")
    assert not plan.supported
    assert "whole of" not in plan.reason
    assert plan.reason.startswith("a COUNT of the employees rows in a range of hire_date")
    assert plan.alternative is not None
    assert plan.alternative.startswith("add an index keyed for the range")
    assert "hire_date as the sort key" in plan.alternative
    assert "counter items per hire_date bucket" in plan.alternative


def test_count_of_every_row_keeps_a_counter() -> None:
    plan = _model(GET, "SELECT COUNT(*) FROM employees").plan("AP02")
    assert not plan.supported and plan.reason.startswith("a COUNT of every row of employees")
    assert plan.alternative is not None and plan.alternative.startswith("keep a counter item")


def test_design_copies_the_patterns_beside_the_model_and_says_instead(tmp_path: Path) -> None:
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(schema_to_dict(SCHEMA)), encoding="utf-8")
    patterns_path = tmp_path / "in" / "my_patterns.yaml"
    patterns_path.parent.mkdir()
    text = (
        "# the team's patterns\n"
        "application: staff\n"
        "patterns:\n"
        f"  - id: AP01\n    sql: {GET}\n    rps: {{avg: 1, peak: 2}}\n"
        "  - id: AP02\n    sql: SELECT COUNT(*) FROM employees WHERE hire_date BETWEEN :a AND :b\n"
        "    rps: {avg: 1, peak: 2}\n"
    )
    patterns_path.write_text(text, encoding="utf-8")
    reporter = RecordingReporter()
    result = design(schema_path, patterns_path, out_dir=tmp_path / "out", reporter=reporter, confirm=lambda g, q: True)
    copy = tmp_path / "out" / "access_patterns.yaml"
    assert copy.read_text(encoding="utf-8") == text  # comments and all: the file the model was designed from
    assert copy in result.files
    (warning,) = [w for w in reporter.messages("warning") if w.startswith("AP02 unsupported")]
    assert "; instead, add an index keyed for the range" in warning and "; use " not in warning


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(schema_to_dict(SCHEMA)), encoding="utf-8")
    patterns_path = tmp_path / "access_patterns.yaml"
    patterns_path.write_text(
        f"application: staff\npatterns:\n  - id: AP01\n    sql: {GET}\n    rps: {{avg: 1, peak: 2}}\n",
        encoding="utf-8",
    )
    return schema_path, patterns_path


def test_the_streams_option_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema_path, patterns_path = _inputs(tmp_path)
    common = ("design", "--schema", str(schema_path), "--patterns", str(patterns_path), "--yes")
    res = run_cli(capsys, *common, "-o", str(tmp_path / "all"), "--streams", "all")
    assert res.code == 0, res.err
    tables = json.loads((tmp_path / "all" / "data_model.json").read_text())["tables"]
    assert {t["name"]: t["stream"] for t in tables} == {"employees": True, "employees_email_unique": False}

    res = run_cli(capsys, *common, "-o", str(tmp_path / "bad"), "--streams", "employes")
    assert res.code == 2
    (line,) = [x for x in res.err.splitlines() if x.startswith("error:")]
    assert "employes" in line and "use none, all, or some of: employees, employees_email_unique" in line
    assert not (tmp_path / "bad" / "data_model.json").exists()
