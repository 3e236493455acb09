"""access_patterns.yaml: strict loading, and merging mined patterns without touching the user's work."""

from __future__ import annotations

from pathlib import Path

import pytest

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile, Rps
from sql2dynamo.workload.patterns.read import load_patterns, parse_patterns
from sql2dynamo.workload.patterns.write import dump_patterns, merge_mined
from tests.helpers.data import WORKLOAD

EXISTING = WORKLOAD / "access_patterns_existing.yaml"


def _mined(sql: str, calls: int, *, description: str = "mined", seconds: float = 3600.0) -> AccessPattern:
    return AccessPattern(
        id="M001",
        description=description,
        sql=sql,
        rps=Rps(avg=round(calls / seconds, 6), peak=None),
        consistency="strong",
        source="mined",
        evidence={"calls": calls, "window_seconds": seconds, "origin": "pg_stat_statements"},
        shape={"operation": "select", "tables": ["t"]},
        dialect="postgresql",
    )


# ------------------------------------------------------------------------ loading


def test_load_example_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "access_patterns.yaml"
    path.write_text(
        "application: chinook\n"
        "patterns:\n"
        "  - id: AP01\n"
        "    description: Get a customer by email at login\n"
        "    sql: SELECT * FROM customer WHERE email = :email\n"
        "    rps: {avg: 20, peak: 80}\n"
        "    consistency: eventual\n"
        "    source: user\n"
        "  - id: AP02\n"
        "    sql: SELECT * FROM invoice WHERE customer_id = :customer_id\n"
        "    rps: {avg: 5}\n"
        "  - id: 3\n"
        "    sql: SELECT 1 FROM genre\n"
        "    rps: null\n",
        encoding="utf-8",
    )
    loaded = load_patterns(path)
    assert loaded.application == "chinook"
    assert loaded.dialect is None
    ap01, ap02, ap03 = loaded.patterns
    assert ap01 == AccessPattern(
        id="AP01",
        description="Get a customer by email at login",
        sql="SELECT * FROM customer WHERE email = :email",
        rps=Rps(avg=20.0, peak=80.0),
        consistency="eventual",
        source="user",
    )
    assert (ap02.description, ap02.rps, ap02.consistency, ap02.source) == (
        "",
        Rps(5.0, None),
        "strong",
        "user",
    )
    assert (ap03.id, ap03.rps) == ("3", None)
    assert loaded.by_id("AP02") is ap02


BAD_FILES = [
    # (file text, where, what, pattern id named in the error's context)
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    sql: [unclosed\n",
        "line 5",
        "YAML syntax error",
        None,
        id="yaml-syntax",
    ),
    pytest.param(
        "application: x\npatterns:\n  - description: no id\n    sql: SELECT 1\n",
        "line 3",
        "pattern #1 has no id",
        None,
        id="no-id",
    ),
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    description: d\n",
        "line 3",
        "pattern A1: missing `sql`",
        "A1",
        id="no-sql",
    ),
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    sql: SELECT 1\n  - id: A1\n    sql: SELECT 2\n",
        "line 5",
        "A1 is used twice (first on line 3)",
        "A1",
        id="duplicate-id",
    ),
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    sql: SELECT 1\n    consistency: strongest\n",
        "line 5",
        "use `eventual` or `strong`",
        "A1",
        id="bad-consistency",
    ),
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    sql: SELECT 1\n    source: guessed\n",
        "line 5",
        "source is 'guessed'",
        "A1",
        id="bad-source",
    ),
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    sql: SELECT 1\n    rps: 20\n",
        "line 5",
        "rps is 20, not a mapping",
        "A1",
        id="rps-not-mapping",
    ),
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    sql: SELECT 1\n    rps: {avg: lots}\n",
        "line 5",
        "rps.avg is 'lots', not a number",
        "A1",
        id="rps-not-number",
    ),
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    sql: SELECT 1\n    rps: {avg: true}\n",
        "line 5",
        "rps.avg is True, not a number",
        "A1",
        id="rps-bool",
    ),
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    sql: SELECT 1\n    rps: {avg: -1}\n",
        "line 5",
        "rps.avg is negative",
        "A1",
        id="rps-negative",
    ),
    pytest.param(
        "application: x\npatterns:\n  - id: A1\n    sql: SELECT 1\n    consistancy: eventual\n",
        "line 5",
        "unknown key 'consistancy'",
        "A1",
        id="typo-key",
    ),
    pytest.param("patterns: []\n", "", "missing `application`", None, id="no-application"),
    pytest.param("application: x\n", "", "missing `patterns`", None, id="no-patterns"),
    pytest.param("application: x\npatterns: {a: 1}\n", "line 2", "must be a list", None, id="not-a-list"),
    pytest.param("", "", "empty", None, id="empty"),
]


@pytest.mark.parametrize(("text", "where", "what", "pattern_id"), BAD_FILES)
def test_each_problem_is_an_input_error_naming_where_and_what(
    text: str, where: str, what: str, pattern_id: str | None
) -> None:
    with pytest.raises(InputError) as info:
        parse_patterns(text, source="ap.yaml")
    message = info.value.one_line()
    assert message.startswith("ap.yaml: ")
    assert where in message
    assert what in message
    assert info.value.hint  # every error says how to fix it
    assert info.value.context.pattern_id == pattern_id
    assert info.value.exit_code == 4


def test_every_problem_of_the_file_is_reported_at_once() -> None:
    text = (
        "application: x\npatterns:\n"
        "  - id: A1\n    sql: SELECT 1\n    consistancy: eventual\n"  # line 5: a typo
        "  - id: A2\n    sql: SELECT 2\n"
        "  - id: A3\n    rps: {avg: 1}\n"  # line 8: no sql
        "  - id: A2\n    sql: SELECT 3\n    rps: {avg: -1}\n"  # line 10: a second A2, with a negative rate
    )
    with pytest.raises(InputError) as info:
        parse_patterns(text, source="ap.yaml")
    message = info.value.one_line()
    assert message.startswith("ap.yaml: 3 problems: line 5: pattern A1: unknown key 'consistancy'")
    assert "line 8: pattern A3: missing `sql` (add the statement" in message
    assert "line 12: pattern A2: rps.avg is negative" in message
    assert "\n" not in message and info.value.exit_code == 4


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such patterns file"):
        load_patterns(tmp_path / "nope.yaml")


def test_dump_then_load_gives_the_same_patterns(tmp_path: Path) -> None:
    original = PatternsFile(
        application="chinook",
        dialect="postgresql",
        patterns=(
            _mined("SELECT * FROM t WHERE a = :a", 36),
            AccessPattern(id="AP01", description="d", sql="SELECT * FROM t", notes="from the wiki"),
        ),
    )
    path = tmp_path / "access_patterns.yaml"
    atomic_write_text(path, dump_patterns(original))
    assert load_patterns(path) == original


# ------------------------------------------------------------------------ merging


def test_merge_keeps_user_work_updates_mined_and_appends_new() -> None:
    text = EXISTING.read_text(encoding="utf-8")
    mined = [
        # Same shape as AP01 (source: user): never modified, not added again.
        _mined("SELECT * FROM customer WHERE email = :email", 7200),
        # Same shape as AP02 (no source: user), other parameter name and spacing.
        _mined("select *  from invoice where customer_id = :c order by invoice_date desc limit :n", 10),
        # Same as the mined M007: its numbers are refreshed.
        _mined(
            "INSERT INTO invoice (customer_id, invoice_date, total) VALUES (:customer_id, :invoice_date, :total)",
            150,
        ),
        _mined("SELECT * FROM artist WHERE artist_id = :artist_id", 90, description="Select artist by artist_id"),
        _mined("SELECT * FROM album WHERE artist_id = :artist_id", 60, description="Select album by artist_id"),
    ]
    merged = merge_mined(text, mined, "chinook")

    # Everything up to M007's numbers is the file as it was (comments and all), plus the header.
    original_lines = text.splitlines()
    merged_lines = merged.splitlines()
    assert merged_lines[:3] == original_lines[:3]
    assert merged_lines[3:5] == [
        "dialect: postgresql",
        "workload_window: {seconds: 3600.0, origin: pg_stat_statements}",
    ]
    assert merged_lines[5:25] == original_lines[3:23]  # AP01, AP02 and M007's head, byte for byte
    assert "    rps: {avg: 0.041667, peak: null}" in merged_lines
    assert "    evidence: {calls: 150, window_seconds: 3600.0, origin: pg_stat_statements}" in merged_lines
    assert "    description: Insert an invoice (renamed by hand)" in merged_lines

    loaded = parse_patterns(merged)
    assert [p.id for p in loaded.patterns] == ["AP01", "AP02", "M007", "M008", "M009", "M010"]
    ap01 = loaded.by_id("AP01")
    assert ap01.rps == Rps(20.0, 80.0) and ap01.consistency == "eventual"
    assert loaded.by_id("AP02").rps == Rps(5.0, 30.0)
    assert loaded.by_id("M007").evidence == {
        "calls": 150,
        "window_seconds": 3600.0,
        "origin": "pg_stat_statements",
    }
    assert loaded.by_id("M008").description == "No longer observed, still kept"
    m009 = loaded.by_id("M009")
    assert (m009.sql, m009.source, m009.description) == (
        "SELECT * FROM artist WHERE artist_id = :artist_id",
        "mined",
        "Select artist by artist_id",
    )
    assert loaded.by_id("M010").rps == Rps(round(60 / 3600, 6), None)
    # The closing comment stays last; new entries follow the file's blank-line habit.
    assert merged.endswith("      tables: [t]\n# end of file\n")
    assert "\n\n  - id: M009\n" in merged

    # Same inputs, same bytes: re-running changes nothing.
    assert merge_mined(merged, mined, "chinook") == merged
    assert merge_mined(text, mined, "chinook") == merged


def test_merge_without_mined_patterns_returns_the_file_unchanged() -> None:
    text = EXISTING.read_text(encoding="utf-8")
    assert merge_mined(text, [], "chinook") == text
    assert merge_mined(EXISTING, [], "chinook") == text


def test_merge_into_nothing_writes_a_new_file(tmp_path: Path) -> None:
    mined = [_mined("SELECT * FROM t WHERE a = :a", 36), _mined("SELECT * FROM t WHERE b = :b", 18)]
    text = merge_mined(tmp_path / "missing.yaml", mined, "shop")
    assert text == merge_mined(None, mined, "shop")
    loaded = parse_patterns(text)
    assert loaded.application == "shop"
    assert loaded.dialect == "postgresql"
    assert loaded.workload_window == {"seconds": 3600.0, "origin": "pg_stat_statements"}
    assert [(p.id, p.sql, p.rps) for p in loaded.patterns] == [
        ("M001", "SELECT * FROM t WHERE a = :a", Rps(0.01, None)),
        ("M002", "SELECT * FROM t WHERE b = :b", Rps(0.005, None)),
    ]


def test_merge_refuses_a_broken_file() -> None:
    with pytest.raises(InputError, match="line 4"):
        merge_mined("application: x\npatterns:\n  - id: [\n", [], "x")


def test_merge_keeps_other_indentation_styles() -> None:
    text = (
        "application: shop\n"
        "patterns:\n"
        "- id: AP01  # no indent before the dash\n"
        "  sql: SELECT * FROM t WHERE a = :a\n"
        "  rps:\n"
        "    avg: 3\n"
        "    peak: 9\n"
    )
    merged = merge_mined(text, [_mined("SELECT * FROM t WHERE b = :b", 36)], "shop", dialect_name="postgresql")
    assert merged.startswith(
        text.replace(
            "patterns:\n",
            "dialect: postgresql\nworkload_window: {seconds: 3600.0, origin: pg_stat_statements}\npatterns:\n",
        )
    )
    assert "\n- id: M001\n  description: mined\n" in merged
