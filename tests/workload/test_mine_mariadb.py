"""Mining performance_schema digests on the real MariaDB server: exact statements, counts and rates."""

from __future__ import annotations

from collections.abc import Callable

import pymysql
import pytest
import sqlalchemy as sa

from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.workload.evidence import mined_to_patterns
from sql2dynamo.workload.mine import mine_workload

pytestmark = pytest.mark.mariadb

SCHEMA = (
    "CREATE TABLE Customer (CustomerId INT AUTO_INCREMENT PRIMARY KEY, Email VARCHAR(60) NOT NULL,"
    " FirstName VARCHAR(40), `Order` INT)",
    "CREATE TABLE Invoice (InvoiceId INT AUTO_INCREMENT PRIMARY KEY, CustomerId INT NOT NULL,"
    " InvoiceDate DATETIME NOT NULL, Total DECIMAL(10, 2) NOT NULL)",
)

POINT = "SELECT * FROM Customer WHERE Email = :Email"
LATEST = "SELECT * FROM Invoice WHERE CustomerId = :CustomerId ORDER BY InvoiceDate DESC LIMIT :limit"
INSERT = "INSERT INTO Invoice (CustomerId, InvoiceDate, Total) VALUES (:CustomerId, :InvoiceDate, :Total)"
UPDATE = "UPDATE Customer SET FirstName = :FirstName, `Order` = :Order WHERE CustomerId = :CustomerId"
JOIN = (
    "SELECT c.Email, i.Total FROM Customer AS c JOIN Invoice AS i ON i.CustomerId = c.CustomerId "
    "WHERE c.CustomerId = :CustomerId"
)
IN_LIST = "SELECT * FROM Customer WHERE CustomerId IN (:CustomerId)"


def _connect(url: str) -> pymysql.Connection:  # type: ignore[type-arg]
    u = sa.make_url(url)
    return pymysql.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 3306,
        user=u.username or "root",
        password=u.password or "",
        database=u.database,
        autocommit=True,
    )


def test_mines_the_digests_of_this_schema(new_maria_db: Callable[[str], str]) -> None:
    url = new_maria_db("wl")
    conn = _connect(url)
    try:
        with conn.cursor() as cur:
            for ddl in SCHEMA:
                cur.execute(ddl)
            cur.execute("TRUNCATE TABLE performance_schema.events_statements_summary_by_digest")
            for n in range(7):
                cur.execute("SELECT * FROM Customer WHERE Email = %s", (f"c{n}@example.com",))
            for n in range(3):
                cur.execute("SELECT * FROM Invoice WHERE CustomerId = %s ORDER BY InvoiceDate DESC LIMIT 20", (n,))
            for n in range(4):
                cur.execute(
                    "INSERT INTO Invoice (CustomerId, InvoiceDate, Total) VALUES (%s, %s, %s)",
                    (n, "2024-01-01", 9.99),
                )
            # A multi-row insert is another digest but the same access pattern.
            cur.execute(
                "INSERT INTO Invoice (CustomerId, InvoiceDate, Total) VALUES (1, '2024-01-01', 1), (2, '2024-01-02', 2)"
            )
            for n in range(2):
                cur.execute("UPDATE Customer SET FirstName = %s, `Order` = %s WHERE CustomerId = %s", ("x", n, n))
            cur.execute(
                "SELECT c.Email, i.Total FROM Customer c JOIN Invoice i ON i.CustomerId = c.CustomerId "
                "WHERE c.CustomerId = 3"
            )
            # Lists of different lengths: one pattern.
            cur.execute("SELECT * FROM Customer WHERE CustomerId IN (1, 2)")
            cur.execute("SELECT * FROM Customer WHERE CustomerId IN (1, 2, 3)")
            cur.execute("SHOW TABLES")
            cur.execute("SELECT COUNT(*) FROM information_schema.TABLES")
    finally:
        conn.close()

    engine = sa.create_engine(url)
    reporter = RecordingReporter()
    workload = mine_workload(engine, "mysql", reporter=reporter)
    engine.dispose()

    assert workload.origin == "performance_schema"
    calls = {s.sql_normalized: s.calls for s in workload.statements}
    assert calls == {POINT: 7, INSERT: 5, LATEST: 3, UPDATE: 2, IN_LIST: 2, JOIN: 1}

    shapes = {s.sql_normalized: s.shape for s in workload.statements}
    assert shapes[POINT].equality == ("Email",)
    latest = shapes[LATEST]
    assert (latest.operation, latest.tables, latest.equality, latest.limit) == (
        "select",
        ("Invoice",),
        ("CustomerId",),
        ":limit",
    )
    assert [(o.column, o.direction) for o in latest.order_by] == [("InvoiceDate", "desc")]
    assert shapes[UPDATE].set_columns == ("FirstName", "Order")
    assert shapes[IN_LIST].in_lists == ("CustomerId",)
    assert shapes[JOIN].joins[0].on == (("Invoice.CustomerId", "Customer.CustomerId"),)

    assert workload.window_seconds is not None and workload.window_seconds > 0
    patterns = {p.sql: p for p in mined_to_patterns(workload)}
    point = patterns[POINT]
    assert point.rps is not None and point.rps.peak is None
    assert point.rps.avg == pytest.approx(7 / workload.window_seconds, rel=1e-5)
    assert point.evidence is not None and point.evidence["origin"] == "performance_schema"
