"""Exact facts of Chinook's schema.json, read live from SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.source.model import Schema, Table, schema_from_dict

# The MySQL and SQLite scripts name things in PascalCase, the PostgreSQL one in
# snake_case; the tool keeps each source's own names, so the tests map them.
NAMES = {
    "playlist_track": "PlaylistTrack",
    "employee": "Employee",
    "invoice_line": "InvoiceLine",
    "invoice": "Invoice",
    "customer": "Customer",
    "track": "Track",
    "album": "Album",
    "artist": "Artist",
    "genre": "Genre",
    "media_type": "MediaType",
    "playlist": "Playlist",
}


def canon(name: str) -> str:
    """Source-neutral spelling: lower-case without underscores."""
    return name.replace("_", "").lower()


def table(schema: Schema, snake: str) -> Table:
    for t in schema.tables:
        if canon(t.name) == canon(snake):
            return t
    raise AssertionError(f"no table like {snake}")


@pytest.fixture
def chinook_schema(chinook_url: str, tmp_path: Path) -> Schema:
    result = analyze(chinook_url, out_dir=tmp_path, reporter=RecordingReporter())
    data = json.loads((tmp_path / "schema.json").read_text())
    assert schema_from_dict(data) == result.schema  # what is written reads back identically
    return result.schema


def test_eleven_tables_with_source_spelling(chinook_schema: Schema, chinook_url: str) -> None:
    names = {t.name for t in chinook_schema.tables}
    assert len(names) == 11
    expected = set(NAMES) if chinook_url.startswith("postgresql") else set(NAMES.values())
    assert names == expected
    assert chinook_schema.statistics == "live"


def test_playlist_track_composite_primary_key(chinook_schema: Schema) -> None:
    pt = table(chinook_schema, "playlist_track")
    assert [canon(c) for c in pt.primary_key] == ["playlistid", "trackid"]


def test_employee_reports_to_is_self_referencing(chinook_schema: Schema, tmp_path: Path) -> None:
    emp = table(chinook_schema, "employee")
    (fk,) = emp.foreign_keys
    assert canon(fk.columns[0]) == "reportsto"
    assert fk.referred_table == emp.name
    assert [canon(c) for c in fk.referred_columns] == ["employeeid"]
    data = json.loads((tmp_path / "schema.json").read_text())
    emp_json = next(t for t in data["tables"] if t["name"] == emp.name)
    assert emp_json["foreign_keys"][0]["self_referencing"] is True


def test_every_foreign_key(chinook_schema: Schema) -> None:
    found = {
        (canon(t.name), tuple(canon(c) for c in fk.columns), canon(fk.referred_table))
        for t in chinook_schema.tables
        for fk in t.foreign_keys
    }
    assert found == {
        ("album", ("artistid",), "artist"),
        ("customer", ("supportrepid",), "employee"),
        ("employee", ("reportsto",), "employee"),
        ("invoice", ("customerid",), "customer"),
        ("invoiceline", ("invoiceid",), "invoice"),
        ("invoiceline", ("trackid",), "track"),
        ("playlisttrack", ("playlistid",), "playlist"),
        ("playlisttrack", ("trackid",), "track"),
        ("track", ("albumid",), "album"),
        ("track", ("genreid",), "genre"),
        ("track", ("mediatypeid",), "mediatype"),
    }


def test_invoice_line_fanout_matches_sql(chinook_schema: Schema, chinook_url: str) -> None:
    line = table(chinook_schema, "invoice_line")
    fk = next(f for f in line.foreign_keys if canon(f.referred_table) == "invoice")
    assert fk.fanout is not None
    engine = sa.create_engine(chinook_url)
    q = engine.dialect.identifier_preparer.quote
    sql = f"SELECT COUNT(*) FROM {q(line.name)} GROUP BY {q(fk.columns[0])}"
    with engine.connect() as conn:
        counts = sorted(int(c) for c in conn.execute(sa.text(sql)).scalars())
    assert fk.fanout.method == "exact"
    assert fk.fanout.max == max(counts) == 14
    assert fk.fanout.children == sum(counts) == 2240
    assert fk.fanout.parents_with_children == len(counts) == 412
    assert fk.fanout.avg == round(sum(counts) / len(counts), 3)
    assert fk.fanout.p99 == counts[int(len(counts) * 0.99 + 0.999) - 1]
    assert fk.fanout.parents_total == 412


def test_types_normalized_the_same_everywhere(chinook_schema: Schema) -> None:
    got = {
        (canon(t.name), canon(c.name)): (c.normalized_type, c.length, c.precision, c.scale, c.nullable)
        for t in chinook_schema.tables
        for c in t.columns
    }
    assert got[("invoice", "total")] == ("decimal", None, 10, 2, False)
    assert got[("invoice", "invoicedate")] == ("datetime", None, None, None, False)
    assert got[("customer", "email")] == ("string", 60, None, None, False)
    assert got[("employee", "reportsto")] == ("integer", None, None, None, True)
    assert got[("track", "unitprice")] == ("decimal", None, 10, 2, False)
    assert got[("track", "milliseconds")][0] == "integer"
    # Every column of Chinook is one of four normalized types, whatever the dialect.
    assert {v[0] for v in got.values()} == {"integer", "string", "decimal", "datetime"}
    assert len(got) == 64


def test_statistics_are_exact_on_small_tables(chinook_schema: Schema) -> None:
    inv = table(chinook_schema, "invoice")
    assert inv.stats is not None
    assert (inv.stats.row_count, inv.stats.row_count_exact, inv.stats.sample_method) == (412, True, "full")
    assert inv.stats.avg_row_bytes and inv.stats.max_row_bytes and inv.stats.max_row_bytes >= inv.stats.avg_row_bytes
    state = inv.column(next(c.name for c in inv.columns if canon(c.name) == "billingstate"))
    assert state.stats is not None
    assert state.stats.null_fraction == round(202 / 412, 4)
    cust = inv.column(next(c.name for c in inv.columns if canon(c.name) == "customerid"))
    assert cust.stats is not None and cust.stats.distinct_estimate == 59


def test_schema_json_is_deterministic(chinook_url: str, tmp_path: Path) -> None:
    analyze(chinook_url, out_dir=tmp_path / "a", reporter=RecordingReporter())
    analyze(chinook_url, out_dir=tmp_path / "b", reporter=RecordingReporter())
    assert (tmp_path / "a" / "schema.json").read_bytes() == (tmp_path / "b" / "schema.json").read_bytes()
