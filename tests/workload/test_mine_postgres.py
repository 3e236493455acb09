"""Mining pg_stat_statements on the real PostgreSQL server: exact statements, counts and rates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa

from sql2dynamo.common.errors import PrerequisiteError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.workload.evidence import mined_to_patterns
from sql2dynamo.workload.mine import mine_workload

pytestmark = pytest.mark.postgres

SCHEMA = """
CREATE TABLE customer (
    customer_id serial PRIMARY KEY,
    email text NOT NULL,
    first_name text,
    "Country" text
);
CREATE TABLE invoice (
    invoice_id serial PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customer,
    invoice_date date NOT NULL,
    total numeric(10, 2) NOT NULL
);
INSERT INTO customer (email, first_name, "Country")
SELECT 'c' || g || '@example.com', 'name' || g, 'FR' FROM generate_series(1, 10) AS g;
"""

POINT = "SELECT * FROM customer WHERE email = :email"
LATEST = "SELECT * FROM invoice WHERE customer_id = :customer_id ORDER BY invoice_date DESC LIMIT :limit"
INSERT = "INSERT INTO invoice (customer_id, invoice_date, total) VALUES (:customer_id, :invoice_date, :total)"
UPDATE = "UPDATE customer SET first_name = :first_name WHERE customer_id = :customer_id"
JOIN = (
    "SELECT c.email, i.total FROM customer AS c JOIN invoice AS i ON i.customer_id = c.customer_id "
    'WHERE c."Country" = :Country'
)


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def _run_mix(conn: sa.Connection) -> None:
    for n in range(7):
        conn.execute(sa.text("SELECT * FROM customer WHERE email = :e"), {"e": f"c{n}@example.com"})
    for n in range(3):
        conn.execute(
            sa.text("SELECT * FROM invoice WHERE customer_id = :c ORDER BY invoice_date DESC LIMIT 20"),
            {"c": n + 1},
        )
    for n in range(5):
        conn.execute(
            sa.text("INSERT INTO invoice (customer_id, invoice_date, total) VALUES (:c, :d, :t)"),
            {"c": n + 1, "d": date(2024, 1, n + 1), "t": 9.99},
        )
    for n in range(2):
        conn.execute(sa.text("UPDATE customer SET first_name = :f WHERE customer_id = :i"), {"f": "x", "i": n + 1})
    # A literal, not a parameter: pg_stat_statements records a $1 all the same.
    conn.execute(
        sa.text(
            "SELECT c.email, i.total FROM customer c JOIN invoice i ON i.customer_id = c.customer_id "
            "WHERE c.\"Country\" = 'FR'"
        )
    )


def test_mines_the_statements_run_in_this_database(new_pg_db: Callable[[str], str]) -> None:
    url = new_pg_db("wl")
    engine = _engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        conn.exec_driver_sql(SCHEMA)
    # Same table names in another database: pg_stat_statements is cluster-wide,
    # mining must count only the statements of its own database (dbid).
    other = _engine(new_pg_db("wl_other"))
    with other.connect() as conn:
        conn.exec_driver_sql(SCHEMA)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_stat_statements_reset()"))
        _run_mix(conn)
    with other.connect() as conn:
        for n in range(4):
            conn.execute(sa.text("SELECT * FROM customer WHERE email = :e"), {"e": f"c{n}@example.com"})
    other.dispose()

    reporter = RecordingReporter()
    workload = mine_workload(engine, "postgresql", reporter=reporter)
    engine.dispose()

    assert workload.origin == "pg_stat_statements"
    assert workload.dialect_name == "postgresql"
    calls = {s.sql_normalized: s.calls for s in workload.statements}
    assert calls == {POINT: 7, INSERT: 5, LATEST: 3, UPDATE: 2, JOIN: 1}
    # Most called first, so ids are stable for a stable workload.
    assert [s.calls for s in workload.statements] == [7, 5, 3, 2, 1]

    shapes = {s.sql_normalized: s.shape for s in workload.statements}
    point = shapes[POINT]
    assert (point.operation, point.tables, point.equality, point.parameters) == (
        "select",
        ("customer",),
        ("email",),
        ("email",),
    )
    latest = shapes[LATEST]
    assert latest.equality == ("customer_id",)
    assert [(o.column, o.direction) for o in latest.order_by] == [("invoice_date", "desc")]
    assert latest.limit == ":limit"
    assert shapes[INSERT].operation == "insert"
    assert shapes[INSERT].insert_columns == ("customer_id", "invoice_date", "total")
    assert shapes[UPDATE].set_columns == ("first_name",)
    assert shapes[UPDATE].equality == ("customer_id",)
    join = shapes[JOIN]
    assert join.tables == ("customer", "invoice")
    assert join.equality == ("customer.Country",)
    assert [(j.table, j.on) for j in join.joins] == [("invoice", (("invoice.customer_id", "customer.customer_id"),))]

    assert workload.window_seconds is not None and workload.window_seconds > 0
    assert workload.window_start is not None and workload.window_end is not None
    assert workload.window_start < workload.window_end
    assert any("5 statements, 18 calls" in m for m in reporter.messages("info"))

    patterns = mined_to_patterns(workload, "test")
    by_sql = {p.sql: p for p in patterns}
    assert [p.id for p in patterns] == ["M001", "M002", "M003", "M004", "M005"]
    point_pattern = by_sql[POINT]
    assert point_pattern.source == "mined"
    assert point_pattern.rps is not None
    assert point_pattern.rps.avg == pytest.approx(7 / workload.window_seconds, rel=1e-5)
    assert point_pattern.rps.peak is None
    assert point_pattern.evidence is not None
    assert point_pattern.evidence["calls"] == 7
    assert point_pattern.evidence["origin"] == "pg_stat_statements"
    assert point_pattern.description == "Select customer by email"
    assert by_sql[LATEST].description == ("Select invoice by customer_id ordered by invoice_date desc, limit :limit")


def test_missing_extension_names_the_fix(new_pg_db: Callable[[str], str]) -> None:
    engine = _engine(new_pg_db("wl_noext"))
    with pytest.raises(PrerequisiteError) as info:
        mine_workload(engine, "postgresql", reporter=RecordingReporter())
    engine.dispose()
    message = info.value.one_line()
    assert "CREATE EXTENSION pg_stat_statements;" in message
    assert "s2d_wl_noext_" in message  # the database it is missing in
    # The server preloads the library, so that part must not be claimed missing.
    assert "shared_preload_libraries" not in message
    assert info.value.exit_code == 5
