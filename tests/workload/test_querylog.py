"""Query logs: the documented format, counts and windows, and errors that name the line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.workload.evidence import mined_to_patterns
from sql2dynamo.workload.mine import mine_workload
from sql2dynamo.workload.querylog import parse_query_log, read_query_log
from tests.helpers.data import WORKLOAD


def test_log_with_window_header_and_counts() -> None:
    workload = read_query_log(WORKLOAD / "querylog_window.sql", "postgresql")
    assert (workload.origin, workload.window_seconds, workload.window_start) == ("query_log", 3600.0, None)
    assert [(s.sql_normalized, s.calls) for s in workload.statements] == [
        ("SELECT * FROM customer WHERE email = :email", 1200),
        (
            "SELECT * FROM invoice WHERE customer_id = :customer_id ORDER BY invoice_date DESC LIMIT :limit",
            300,
        ),
        (
            "INSERT INTO invoice (customer_id, invoice_date, total) VALUES (:customer_id, :invoice_date, :total)",
            150,
        ),
        ("SELECT * FROM artist WHERE name LIKE :name || '%'", 1),
    ]
    assert workload.statements[3].shape.like[0].kind == "prefix"
    # BEGIN, SET, COMMIT and the catalog query are left out, and counted.
    assert sum(workload.skipped.values()) == 4
    patterns = mined_to_patterns(workload)
    assert [p.rps.avg if p.rps else None for p in patterns] == [
        pytest.approx(1200 / 3600, rel=1e-5),
        pytest.approx(300 / 3600, rel=1e-5),
        pytest.approx(150 / 3600, rel=1e-5),
        pytest.approx(1 / 3600, rel=1e-5),
    ]
    assert all(p.rps is not None and p.rps.peak is None for p in patterns)
    assert patterns[0].evidence == {"calls": 1200, "window_seconds": 3600.0, "origin": "query_log"}


def test_raw_log_counts_every_occurrence_and_invents_no_rate() -> None:
    workload = read_query_log(WORKLOAD / "querylog_raw.sql", "postgresql")
    assert workload.window_seconds is None
    assert [(s.sql_normalized, s.calls) for s in workload.statements] == [
        ("SELECT * FROM customer WHERE email = :email", 3),
        ("SELECT * FROM track WHERE track_id IN (:track_id)", 2),
        ("UPDATE customer SET phone = :phone WHERE customer_id = :customer_id", 1),
    ]
    patterns = mined_to_patterns(workload)
    assert [p.rps for p in patterns] == [None, None, None]
    assert [p.evidence for p in patterns] == [
        {"calls": 3, "origin": "query_log"},
        {"calls": 2, "origin": "query_log"},
        {"calls": 1, "origin": "query_log"},
    ]


def test_window_as_iso_interval_in_mysql() -> None:
    text = (
        "-- window: 2024-05-01T10:00:00Z/2024-05-01T10:30:00Z\n"
        "-- calls: 90\n"
        "SELECT * FROM `Customer` WHERE `Email` = 'it''s@example.com' AND Note = 'a\\'b;c';\n"
        "/* a block comment; with a semicolon */\n"
        "SELECT * FROM Customer WHERE Email = 'x@example.com';\n"
    )
    workload = parse_query_log(text, "mariadb")
    assert workload.window_start == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert workload.window_end == datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
    assert workload.window_seconds == 1800.0
    assert [(s.sql_normalized, s.calls) for s in workload.statements] == [
        ("SELECT * FROM `Customer` WHERE `Email` = :Email AND Note = :Note", 90),
        ("SELECT * FROM Customer WHERE Email = :Email", 1),
    ]
    (first, _) = mined_to_patterns(workload)
    assert first.evidence is not None
    assert first.evidence["window"] == "2024-05-01T10:00:00Z/2024-05-01T10:30:00Z"


BAD_LOGS = [
    pytest.param("SELECT 1 FROM t;\nSELECT * FROM t WHERE a = 1\n", 2, "not terminated by ';'", id="no-semicolon"),
    pytest.param("SELECT * FROM t WHERE a = 'x;\n\n", 1, "quote ' is never closed", id="open-quote"),
    pytest.param("-- calls: many\nSELECT 1 FROM t;\n", 1, "positive integer", id="bad-calls"),
    pytest.param("-- calls: 0\nSELECT 1 FROM t;\n", 1, "positive integer", id="zero-calls"),
    pytest.param("-- calls: 2\n-- calls: 3\nSELECT 1 FROM t;\n", 2, "follows another one", id="two-calls"),
    pytest.param("SELECT 1 FROM t;\n-- calls: 2\n", 2, "not followed by a statement", id="dangling-calls"),
    pytest.param("SELECT 1 FROM t;\n-- window_seconds: 60\n", 2, "before the first statement", id="late-header"),
    pytest.param("-- window_seconds: -5\nSELECT 1 FROM t;\n", 1, "positive number", id="bad-seconds"),
    pytest.param("-- window: yesterday\nSELECT 1 FROM t;\n", 1, "<ISO start>/<ISO end>", id="bad-window"),
    pytest.param(
        "-- window: 2024-05-02T00:00:00/2024-05-01T00:00:00\nSELECT 1 FROM t;\n",
        1,
        "ends before it starts",
        id="reversed-window",
    ),
    pytest.param("\n\nSELECT * FROM WHERE;\n", 3, "cannot parse", id="unparseable"),
    pytest.param("SELECT 1 FROM t;\n/* never\nclosed", 2, "never closed", id="open-comment"),
    pytest.param("SELECT 1 FROM t;\n/* a\n comment */\nSELECT FROM;", 4, "cannot parse", id="after-comment"),
    pytest.param("-- just a comment\n", 0, "no statements found", id="empty"),
]


@pytest.mark.parametrize(("text", "line", "what"), BAD_LOGS)
def test_bad_log_is_an_input_error_with_the_line(text: str, line: int, what: str) -> None:
    with pytest.raises(InputError) as info:
        parse_query_log(text, "postgresql", source="log.sql")
    message = info.value.one_line()
    assert what in message
    assert message.startswith(f"log.sql: line {line}: " if line else "log.sql: ")
    assert info.value.exit_code == 4


def test_missing_log_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such query log file"):
        read_query_log(tmp_path / "missing.sql", "postgresql")


def test_postgres_dollar_quotes_hide_semicolons() -> None:
    text = "SELECT * FROM t WHERE body = $$a;b$$ AND id = $1;\n"
    workload = parse_query_log(text, "postgresql")
    assert [s.sql_normalized for s in workload.statements] == ["SELECT * FROM t WHERE body = :body AND id = :id"]


def test_sqlite_records_no_workload(chinook_sqlite_url: str) -> None:
    engine = sa.create_engine(chinook_sqlite_url)
    with pytest.raises(UsageError) as info:
        mine_workload(engine, "sqlite", reporter=RecordingReporter())
    engine.dispose()
    assert "SQLite records no workload" in info.value.one_line()
    assert "--query-log FILE" in info.value.one_line()
    assert info.value.exit_code == 2
