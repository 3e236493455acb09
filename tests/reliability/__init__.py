"""Reliability tests: kill -9 and resume, injected network faults, bad rows, verify on every source database.

Shared setup: a Chinook subset (customers, employees, genres and invoices: 504 rows; with the invoice lines,
about 2,700) designed from the source's own ``schema.json`` with access patterns in that source's naming, deployed on a
DynamoDB Local whose tables are all dropped first.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.testing.dynamodb import boto_client
from tests.migrate.test_run import count_items, entity_tables, fresh_tables, row_counts

__all__ = ["PASCAL_PATTERNS", "SNAKE_PATTERNS", "SUBSET", "assert_items_match_rows", "design_subset", "fresh_tables"]

SUBSET = ("customer", "employee", "genre", "invoice")
"""The Chinook tables used, normalized (lower case, no underscores); ``invoiceline`` is added on request."""

LINES = "invoiceline"

PASCAL_PATTERNS = """\
application: shop
patterns:
  - id: AP01
    description: Customer login by e-mail
    sql: SELECT * FROM Customer WHERE Email = :email
    rps: {avg: 20, peak: 80}
  - id: AP02
    description: Latest invoices of a customer
    sql: SELECT * FROM Invoice WHERE CustomerId = :customer_id ORDER BY InvoiceDate DESC LIMIT 20
    rps: {avg: 5, peak: 30}
  - id: AP03
    description: Lines of an invoice
    sql: SELECT * FROM InvoiceLine WHERE InvoiceId = :invoice_id
    rps: {avg: 5, peak: 30}
"""
"""SQLite and MySQL/MariaDB Chinook (PascalCase)."""

SNAKE_PATTERNS = """\
application: shop
patterns:
  - id: AP01
    description: Customer login by e-mail
    sql: SELECT * FROM customer WHERE email = :email
    rps: {avg: 20, peak: 80}
  - id: AP02
    description: Latest invoices of a customer
    sql: SELECT * FROM invoice WHERE customer_id = :customer_id ORDER BY invoice_date DESC LIMIT 20
    rps: {avg: 5, peak: 30}
  - id: AP03
    description: Lines of an invoice
    sql: SELECT * FROM invoice_line WHERE invoice_id = :invoice_id
    rps: {avg: 5, peak: 30}
"""
"""PostgreSQL Chinook (snake_case)."""


def _normal(name: str) -> str:
    return name.lower().replace("_", "")


def source_tables(url: str, wanted: tuple[str, ...] = SUBSET) -> list[str]:
    """The source's own names of the ``wanted`` tables (normalized names)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(n for n in sa.inspect(conn).get_table_names() if _normal(n) in wanted)
    finally:
        engine.dispose()


def design_subset(url: str, out: Path, *, lines: bool = False) -> Path:
    """analyze (the subset, and ``lines``: the invoice lines) + design (every gate confirmed) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    wanted = (*SUBSET, LINES) if lines else SUBSET
    tables = source_tables(url, wanted)
    assert len(tables) == len(wanted), tables
    analyze(url, out_dir=out, reporter=RecordingReporter(), include=tables)
    text = SNAKE_PATTERNS if "invoice" in tables else PASCAL_PATTERNS
    if not lines:
        text = text[: text.index("  - id: AP03")]
    patterns = out / "access_patterns.yaml"
    patterns.write_text(text)
    design(out / "schema.json", patterns, out_dir=out, reporter=RecordingReporter(), confirm=lambda g, q: True)
    return out


def assert_items_match_rows(url: str, model_dir: Path, endpoint: str) -> dict[str, int]:
    """Every entity table holds exactly as many items as its source table has rows; return those counts."""
    counts = row_counts(url)
    client = boto_client(endpoint)
    seen: dict[str, int] = {}
    for ddb_table, source_table in entity_tables(model_dir).items():
        seen[ddb_table] = count_items(client, ddb_table)
        assert seen[ddb_table] == counts[source_table], (ddb_table, source_table, seen[ddb_table])
    assert seen
    return seen
