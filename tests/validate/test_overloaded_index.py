"""Single-table: an overloaded GSI read by several entities' patterns projects what each of them reads.

Two entities share GSI1 in the single table: dept_emp's pattern reads its start and end dates by
department (ordered by start date), employees' pattern reads the names by last name.  In the
multi-table design each index's own key columns (from_date, last_name) were projected as keys; in the
single table GSI1PK/GSI1SK replace them, and the index must list them with what the other entity reads.
validate runs both patterns against DynamoDB Local and compares them with the SQL, reading them from
the access_patterns.yaml design copied beside data_model.json.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.commands.validate import validate
from sql2dynamo.common.reporting import RecordingReporter

pytestmark = pytest.mark.dynamodb

SCHEMA = """
CREATE TABLE departments (dept_no TEXT PRIMARY KEY, dept_name TEXT NOT NULL);
CREATE TABLE employees (
    emp_no INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL, hire_date DATE NOT NULL
);
CREATE TABLE dept_emp (
    emp_no INTEGER NOT NULL REFERENCES employees (emp_no),
    dept_no TEXT NOT NULL REFERENCES departments (dept_no),
    from_date DATE NOT NULL,
    to_date DATE NOT NULL,
    PRIMARY KEY (emp_no, dept_no)
);
"""

PATTERNS = """\
application: staff
patterns:
  - id: AP01
    sql: SELECT * FROM employees WHERE emp_no = :emp_no
    rps: {avg: 10, peak: 20}
  - id: AP05
    description: the department's employees by start date
    sql: SELECT emp_no, from_date, to_date FROM dept_emp WHERE dept_no = :dept_no ORDER BY from_date
    rps: {avg: 10, peak: 20}
  - id: AP06
    sql: SELECT * FROM dept_emp WHERE emp_no = :emp_no
    rps: {avg: 100, peak: 200}
  - id: AP09
    description: employees by last name
    sql: SELECT emp_no, first_name, last_name FROM employees WHERE last_name = :last_name
    rps: {avg: 10, peak: 20}
"""


def _source(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA)
        conn.executemany("INSERT INTO departments VALUES (?, ?)", [(f"d00{d}", f"Dept {d}") for d in range(4)])
        conn.executemany(
            "INSERT INTO employees VALUES (?, ?, ?, ?)",
            [(e, f"First{e}", f"Last{e % 7}", f"2020-01-{1 + e % 20:02d}") for e in range(1, 40)],
        )
        conn.executemany(
            "INSERT INTO dept_emp VALUES (?, ?, ?, ?)",
            [(e, f"d00{e % 4}", f"2021-02-{1 + e % 25:02d}", "9999-01-01") for e in range(1, 40)],
        )
    conn.close()
    return f"sqlite:///{path}"


def test_overloaded_index_serves_every_entity(tmp_path: Path, endpoint: str) -> None:
    url = _source(tmp_path / "staff.sqlite")
    analyzed = analyze(url, out_dir=tmp_path / "analysis", reporter=RecordingReporter())
    model_dir = tmp_path / "design"
    # Elsewhere than the model: design copies it beside data_model.json, where validate looks for it.
    patterns = tmp_path / "patterns" / "access_patterns.yaml"
    patterns.parent.mkdir()
    patterns.write_text(PATTERNS, encoding="utf-8")
    result = design(
        analyzed.schema_path,
        patterns,
        out_dir=model_dir,
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
        strategy="single-table",
    )
    (table,) = result.model.tables
    (gsi,) = table.indexes
    assert set(gsi.serves) == {"AP05", "AP09"}  # one index, read by two entities' patterns
    assert gsi.projection == "INCLUDE"
    assert {"from_date", "to_date", "first_name", "last_name"} <= set(gsi.non_key_attributes)

    outcome = validate(url, model_dir, endpoint, reporter=RecordingReporter())

    assert not outcome.failed, {p.pattern_id: p.reason for p in outcome.failed}
    by_id = {p.pattern_id: p for p in outcome.patterns}
    assert by_id["AP05"].status == by_id["AP09"].status == "pass"
    assert any(c.expected > 0 for c in by_id["AP09"].cases)
