"""The migrate stage end to end: real source databases into a real DynamoDB Local, through ``commands.migrate``."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.deploy import deploy, destroy
from sql2dynamo.commands.design import design
from sql2dynamo.commands.migrate import MigrateResult, migrate
from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.migrate.checkpoints import checkpoint_path
from sql2dynamo.target import local
from sql2dynamo.target.model_file import load_model

# The session's DynamoDB Local fixtures (jar discovery/installation, one in-memory instance per module).
from sql2dynamo.testing.dynamodb import boto_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

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
    description: Tracks of an album with the album's title
    sql: SELECT t.*, a.Title FROM Track t JOIN Album a ON a.AlbumId = t.AlbumId WHERE t.AlbumId = :album_id
    rps: {avg: 5, peak: 30}
"""

BIG_TABLES = {"playlisttrack", "invoiceline", "track"}
Shared = tuple[local.LocalInstance, Path]


def make_model(url: str, out: Path, patterns: str | None = None) -> Path:
    """analyze + design (every gate confirmed) into ``out``; the example patterns when ``patterns`` is None."""
    out.mkdir(parents=True, exist_ok=True)
    analyze(url, out_dir=out, reporter=RecordingReporter())
    pfile = out / "patterns.yaml"
    if patterns is None:
        pfile.write_text(get_example("chinook").access_patterns.read_text())
    else:
        pfile.write_text(patterns)
    design(out / "schema.json", pfile, out_dir=out, reporter=RecordingReporter(), confirm=lambda g, q: True)
    return out


def fresh_tables(model_dir: Path, endpoint: str) -> None:
    """The model's tables, empty, on the shared instance, and no other table.

    Every table is dropped first: DynamoDB Local stores tables in SQLite, whose names are case-insensitive,
    so the PostgreSQL model's ``album`` cannot be created next to the SQLite model's ``Album``.
    """
    client = boto_client(endpoint)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    destroy(model_dir, endpoint, reporter=RecordingReporter(), confirm=lambda g, q: True)
    deploy(model_dir, endpoint, reporter=RecordingReporter())


def count_items(client: DynamoDBClient, table: str) -> int:
    """Scan COUNT over every page."""
    return sum(page["Count"] for page in client.get_paginator("scan").paginate(TableName=table, Select="COUNT"))


def row_counts(url: str) -> dict[str, int]:
    """COUNT(*) of every table of the source."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {
                n: int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(n))).scalar_one()) for n in names
            }
    finally:
        engine.dispose()


def entity_tables(model_dir: Path) -> dict[str, str]:
    """DynamoDB table -> the source table its entity (not lookup) items come from."""
    _, model = load_model(model_dir)
    return {t.name: e.source_table for t in model.tables for e in t.entities if e.kind == "entity"}


@pytest.fixture(scope="module")
def endpoint(shared_local: Shared) -> str:
    return shared_local[0].endpoint_url


@pytest.fixture(scope="module")
def sqlite_model(tmp_path_factory: pytest.TempPathFactory, chinook_sqlite_url: str) -> Path:
    return make_model(chinook_sqlite_url, tmp_path_factory.mktemp("model"), PASCAL_PATTERNS)


def _run(url: str, model_dir: Path, endpoint: str, **kwargs: Any) -> MigrateResult:
    return migrate(url, model_dir, endpoint, reporter=RecordingReporter(), **kwargs)


def test_chinook_into_dynamodb_local(
    chinook_url: str, tmp_path: Path, endpoint: str, request: pytest.FixtureRequest
) -> None:
    dialect = request.node.callspec.params["chinook_url"]
    patterns = None if dialect == "postgresql" else PASCAL_PATTERNS
    model_dir = make_model(chinook_url, tmp_path / "model", patterns)
    fresh_tables(model_dir, endpoint)
    reporter = RecordingReporter()
    # DynamoDB Local writes a few hundred items/s here: the three biggest tables are left to the resume test
    # and to the full-Chinook measurement, to keep the suite short.
    _, model = load_model(model_dir)
    mapped = {e.source_table for t in model.tables for e in t.entities}
    only = sorted(t for t in mapped if t.lower().replace("_", "") not in BIG_TABLES)
    result = migrate(chinook_url, model_dir, endpoint, reporter=reporter, segments=3, batch_size=100, only=only)

    counts = row_counts(chinook_url)
    client = boto_client(endpoint)
    by_source = {t.table: t for t in result.tables}
    for ddb_table, source_table in entity_tables(model_dir).items():
        if source_table not in only:
            continue
        assert count_items(client, ddb_table) == counts[source_table], ddb_table
        assert by_source[source_table].rows_read == counts[source_table]
        assert by_source[source_table].rejected == by_source[source_table].failed == 0
    # Every item the run reports written is in some table (entities plus lookup items).
    assert sum(count_items(client, t.name) for t in model.tables) == result.totals()["items"]
    summary = result.summary()
    assert summary["total"]["read"] == sum(counts[t.table] for t in result.tables)
    assert json.loads(json.dumps(summary)) == summary
    assert not reporter.messages("table")  # the result describes itself (result.describe); migrate renders nothing
    if dialect != "postgresql":
        artist = client.get_item(TableName="Artist", Key={"ArtistId": {"N": "1"}})["Item"]
        assert artist["Name"] == {"S": "AC/DC"}
    done = json.loads(checkpoint_path(model_dir).read_text())
    assert all(s["done"] for t in done["tables"].values() for s in t["segments"])


def _spot_check_track(client: DynamoDBClient, model_dir: Path) -> None:
    """Track 1 by its key, with the album title denormalized into it."""
    _, model = load_model(model_dir)
    spec = next(t for t in model.tables if t.name == "Track")
    key: dict[str, Any] | None = {spec.pk.attribute: {"N": "1"}} if spec.pk.template == "{TrackId}" else None
    if key is None:
        items = client.scan(TableName="Track")["Items"]
        first = next(t for t in items if t.get("TrackId") == {"N": "1"})
        key = {spec.pk.attribute: first[spec.pk.attribute]}
        if spec.sk is not None:
            key[spec.sk.attribute] = first[spec.sk.attribute]
    item = client.get_item(TableName="Track", Key=key)["Item"]
    assert item["Name"] == {"S": "For Those About To Rock (We Salute You)"}
    assert item["Album_Title"] == {"S": "For Those About To Rock We Salute You"}


def test_resume_after_interrupt(sqlite_model: Path, chinook_sqlite_url: str, endpoint: str, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(sqlite_model, model_dir)
    fresh_tables(model_dir, endpoint)
    seen: list[int] = []

    def interrupt(table: str, rows: int) -> None:
        seen.append(rows)
        if len(seen) == 6:
            raise KeyboardInterrupt

    only = ("Track", "Album")
    with pytest.raises(KeyboardInterrupt):
        _run(
            chinook_sqlite_url,
            model_dir,
            endpoint,
            only=only,
            batch_size=200,
            segments=2,
            concurrency=16,
            on_batch=interrupt,
        )
    state = json.loads(checkpoint_path(model_dir).read_text())
    assert not all(s["done"] for t in state["tables"].values() for s in t["segments"])
    with pytest.raises(UsageError, match="earlier migration stopped"):
        _run(chinook_sqlite_url, model_dir, endpoint, only=only)

    result = _run(chinook_sqlite_url, model_dir, endpoint, only=only, batch_size=200, concurrency=16, resume=True)
    assert result.resumed
    counts = row_counts(chinook_sqlite_url)
    client = boto_client(endpoint)
    assert count_items(client, "Track") == counts["Track"]
    assert count_items(client, "Album") == counts["Album"]
    _spot_check_track(client, model_dir)
    state = json.loads(checkpoint_path(model_dir).read_text())
    assert all(s["done"] for t in state["tables"].values() for s in t["segments"])
    assert {n: sum(s["rows_read"] for s in t["segments"]) for n, t in state["tables"].items()} == {
        "Track": counts["Track"],
        "Album": counts["Album"],
    }
    # A finished run is simply started over without --resume.
    again = _run(chinook_sqlite_url, model_dir, endpoint, only=("Album",))
    assert again.tables[0].items_written == counts["Album"]


def test_dry_run_writes_nothing_and_only_restricts(sqlite_model: Path, chinook_sqlite_url: str, endpoint: str) -> None:
    fresh_tables(sqlite_model, endpoint)
    result = migrate(chinook_sqlite_url, sqlite_model, None, reporter=RecordingReporter(), dry_run=True, only=["Genre"])
    assert [t.table for t in result.tables] == ["Genre"]
    assert result.tables[0].items_written == row_counts(chinook_sqlite_url)["Genre"]
    assert count_items(boto_client(endpoint), "Genre") == 0
    assert result.checkpoint_file is None
    with pytest.raises(UsageError, match="Nope"):
        migrate(chinook_sqlite_url, sqlite_model, None, reporter=RecordingReporter(), dry_run=True, only=["Nope"])


def test_every_table_is_read_from_the_start_largest_first(sqlite_model: Path, chinook_sqlite_url: str) -> None:
    """One reader takes turns: the first batch of every table comes before any table's second batch."""
    turns: list[str] = []
    migrate(
        chinook_sqlite_url,
        sqlite_model,
        None,
        reporter=RecordingReporter(),
        dry_run=True,
        segments=1,  # one segment per table and one reader thread
        batch_size=50,
        on_batch=lambda table, rows: turns.append(table),
    )
    counts = row_counts(chinook_sqlite_url)
    tables = sorted({*turns}, key=lambda t: -counts[t])
    assert turns[: len(tables)] == tables
    # Round-robin afterwards: the biggest table's batches are spread over the whole run.
    biggest = [i for i, t in enumerate(turns) if t == tables[0]]
    assert biggest[1] == len(tables)
    # A short first turn (25 rows), then batches of 50.
    assert len(biggest) == 1 + -(-(counts[tables[0]] - 25) // 50)


@pytest.fixture
def big_text_db(tmp_path: Path) -> str:
    path = tmp_path / "notes.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT)")
        rows = [(i, f"note {i}", "x" * (500_000 if i == 7 else 10)) for i in range(1, 41)]
        conn.executemany("INSERT INTO note VALUES (?, ?, ?)", rows)
    return f"sqlite:///{path}"


NOTE_PATTERNS = """\
application: notes
patterns:
  - id: AP01
    description: Get a note
    sql: SELECT * FROM note WHERE id = :id
    rps: {avg: 5, peak: 10}
"""


def test_rejects_land_in_jsonl(big_text_db: str, tmp_path: Path, endpoint: str) -> None:
    model_dir = make_model(big_text_db, tmp_path / "model", NOTE_PATTERNS)
    fresh_tables(model_dir, endpoint)
    result = _run(big_text_db, model_dir, endpoint, batch_size=8)
    (note,) = result.tables
    assert (note.rows_read, note.items_written, note.rejected) == (40, 39, 1)
    lines = [json.loads(line) for line in (result.rejects_dir / "note.jsonl").read_text().splitlines()]
    assert len(lines) == 1
    assert lines[0]["key"] == {"id": 7}
    assert "400 KB" in lines[0]["reason"]
    assert count_items(boto_client(endpoint), entity_tables(model_dir).popitem()[0]) == 39

    with pytest.raises(InputError, match="cannot be an item"):
        _run(big_text_db, model_dir, endpoint, on_error_stop=True)
