"""analyze without a workload writes an access_patterns.yaml skeleton: a commented example per table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.inputs import resolve_patterns
from sql2dynamo.workload.patterns.read import parse_patterns


def _database(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE users (user_id INTEGER PRIMARY KEY, email TEXT NOT NULL);
            CREATE TABLE follows (
                follower INTEGER NOT NULL REFERENCES users (user_id),
                followed INTEGER NOT NULL REFERENCES users (user_id),
                PRIMARY KEY (follower, followed)
            );
            """
        )
    conn.close()
    return f"sqlite:///{path}"


def test_a_skeleton_with_one_commented_example_per_table(tmp_path: Path) -> None:
    url = _database(tmp_path / "app.sqlite")
    reporter = RecordingReporter()
    result = analyze(url, out_dir=tmp_path / "out", reporter=reporter, application="social")
    result.describe(reporter)

    path = tmp_path / "out" / "access_patterns.yaml"
    assert result.patterns_path == path and result.patterns_skeleton and result.mined_patterns == 0
    text = path.read_text(encoding="utf-8")
    as_is = parse_patterns(text, source="skeleton")
    assert as_is.application == "social" and as_is.patterns == ()  # nothing invented until uncommented
    assert any("commented example per table" in m for m in reporter.messages("info"))

    uncommented = "\n".join(line[1:] if line.startswith("#  ") else line for line in text.splitlines())
    examples = parse_patterns(uncommented, source="uncommented")
    assert sorted(p.sql for p in examples.patterns) == [
        "SELECT * FROM follows WHERE follower = :follower AND followed = :followed",
        "SELECT * FROM users WHERE user_id = :user_id",
    ]
    assert all(not rp.problems for rp in resolve_patterns(result.schema, examples))


def test_an_existing_patterns_file_is_never_replaced(tmp_path: Path) -> None:
    url = _database(tmp_path / "app.sqlite")
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "access_patterns.yaml"
    mine.write_text("application: mine\npatterns: []\n", encoding="utf-8")
    result = analyze(url, out_dir=out, reporter=RecordingReporter())
    assert result.patterns_path is None and not result.patterns_skeleton
    assert mine.read_text(encoding="utf-8") == "application: mine\npatterns: []\n"
