"""Odd table and column names (keywords, spaces, leading digits, the module's own names) through the real pipeline.

A SQLite database is analyzed and designed like a user's; the module generated
from it must still be valid, typed and clean, with every name an identifier.
"""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

import pytest

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.codegen import codegen
from sql2dynamo.commands.design import design
from sql2dynamo.common.reporting import RecordingReporter
from tests.codegen.helpers import ROOT, run_tool

DDL = """
CREATE TABLE "class" ("id" INTEGER PRIMARY KEY, "from" TEXT NOT NULL, "Order Date" TEXT, "2nd value" INTEGER,
                      "self" TEXT, "limit" INTEGER, "cursor" TEXT, "params" TEXT);
CREATE UNIQUE INDEX class_from ON "class"("from");
CREATE TABLE "2fa codes" ("code_id" INTEGER PRIMARY KEY, "class_id" INTEGER NOT NULL REFERENCES "class"("id"),
                          "datetime" TEXT);
CREATE TABLE "page" ("id" INTEGER PRIMARY KEY, "Page" TEXT);
"""

PATTERNS = """\
application: odd names
dialect: sqlite
patterns:
  - id: P1
    description: A class by its from
    sql: SELECT * FROM "class" WHERE "from" = :from_value
    rps: {avg: 1, peak: 2}
  - id: P2
    description: The codes of a class
    sql: SELECT * FROM "2fa codes" WHERE "class_id" = :class_id ORDER BY "code_id" LIMIT :limit
    rps: {avg: 1, peak: 2}
  - id: P3
    description: Insert a class
    sql: >-
      INSERT INTO "class" ("id", "from", "Order Date", "2nd value", "self", "limit", "cursor", "params")
      VALUES (:id, :from_value, :order_date, :second, :self, :lim, :cursor, :params)
    rps: {avg: 1, peak: 2}
  - id: P4
    description: Get a page
    sql: SELECT * FROM "page" WHERE "id" = :id
    rps: {avg: 1, peak: 2}
  - id: p4
    description: 'Get a page''s name, "quoted" \\ with a backslash and \"\"\" quotes'
    sql: SELECT "Page" FROM "page" WHERE "id" = :id
    rps: {avg: 1, peak: 2}
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("odd")
    db = sqlite3.connect(work / "odd.sqlite")
    db.executescript(DDL)
    db.execute("""INSERT INTO "class" VALUES (1, 'f', NULL, 2, 's', 3, 'c', 'p')""")
    db.commit()
    db.close()
    reporter = RecordingReporter()
    analyzed = analyze(f"sqlite:///{work / 'odd.sqlite'}", out_dir=work / "analysis", reporter=reporter)
    model = work / "model"
    model.mkdir()
    (model / "access_patterns.yaml").write_text(PATTERNS)
    design(
        analyzed.schema_path,
        model / "access_patterns.yaml",
        out_dir=model,
        reporter=reporter,
        confirm=lambda gate, question: True,
    )
    out = work / "gen" / "odd_repo.py"
    codegen(model, out, reporter=reporter)
    return out


def test_names_are_identifiers_and_unique(generated: Path) -> None:
    tree = ast.parse(generated.read_text())
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    assert {"Class", "X2faCode", "PageRow", "OddNamesRepository", "Page"} <= set(classes)
    fields = [
        n.target.id for n in classes["Class"].body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    ]
    assert fields == ["id", "from_", "order_date", "x_2nd_value", "self_", "limit_", "cursor_", "params_"]
    methods = [n.name for n in classes["OddNamesRepository"].body if isinstance(n, ast.FunctionDef)]
    assert methods == [
        "__init__",
        "get_class_by_from",
        "list_x_2fa_codes_by_class_id",
        "create_class",
        "get_page_by_id_p4",
        "get_page_by_id_p4_2",  # pattern ids P4 and p4 are one name apart: a number settles it
    ]
    create = next(
        n for n in classes["OddNamesRepository"].body if isinstance(n, ast.FunctionDef) and n.name == "create_class"
    )
    assert [a.arg for a in create.args.args] == [
        "self",
        "id",
        "from_value",
        "order_date",
        "second",
        "self_",
        "lim",
        "cursor_",
        "params_",
    ]
    # the row keys stay the source's spelling
    text = generated.read_text()
    assert 'order_date=row.get("Order Date")' in text
    assert '"cursor": cursor_,' in text


def test_module_passes_mypy_and_ruff(generated: Path) -> None:
    cwd = generated.parent
    res = run_tool("mypy", "--strict", "--no-incremental", generated.name, cwd=cwd)
    assert res.returncode == 0, res.stdout + res.stderr
    for options in (["--isolated"], ["--config", str(ROOT / "pyproject.toml")]):
        check = run_tool("ruff", "check", *options, generated.name, cwd=cwd)
        assert check.returncode == 0, check.stdout
        fmt = run_tool("ruff", "format", "--check", *options, generated.name, cwd=cwd)
        assert fmt.returncode == 0, fmt.stdout
