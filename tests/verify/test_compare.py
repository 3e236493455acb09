"""Verification against real Chinook and a real DynamoDB Local: counts, keys, content and the attribute diff."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.design import design
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.errors import InputError, TargetError, UsageError, VerificationFailed
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import DataModel, KeyPart, TableSpec
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.reader import read_table
from sql2dynamo.source.connect import open_source
from sql2dynamo.source.introspect import introspect
from sql2dynamo.target import local
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.verify.compare import TableCheck, _expired
from sql2dynamo.verify.scan import count_items, scan_items
from sql2dynamo.verify.store import HashStore, display_key, key_text, low_level_key
from tests.helpers.dynamodb import create_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PATTERNS = """\
application: shop
patterns:
  - id: AP01
    description: Customer login by e-mail
    sql: SELECT * FROM "Customer" WHERE "Email" = :email
    rps: {avg: 20, peak: 80}
    consistency: eventual
  - id: AP02
    description: Latest invoices of a customer
    sql: SELECT * FROM "Invoice" WHERE "CustomerId" = :customer_id ORDER BY "InvoiceDate" DESC LIMIT 20
    rps: {avg: 5, peak: 30}
  - id: AP03
    description: Lines of an invoice
    sql: SELECT * FROM "InvoiceLine" WHERE "InvoiceId" = :invoice_id
    rps: {avg: 5, peak: 30}
"""
# A subset of Chinook keeps DynamoDB Local's load short (about 2,700 items).
TABLES = ("Customer", "Employee", "Genre", "Invoice", "InvoiceLine")


# ------------------------------------------------------------------ shared setup (also used by test_cli_verify)


def design_chinook(source_url: str, out: Path) -> Path:
    """Analyze + design Chinook with three patterns; return the model directory."""
    out.mkdir(parents=True, exist_ok=True)
    analyze(source_url, out_dir=out, reporter=RecordingReporter(), include=TABLES)
    (out / "access_patterns.yaml").write_text(PATTERNS)
    design(
        out / "schema.json",
        out / "access_patterns.yaml",
        out_dir=out / "model",
        reporter=RecordingReporter(),
        confirm=lambda g, q: True,
    )
    return out / "model"


def load_copy(source_url: str, model: DataModel, client: DynamoDBClient, only: tuple[str, ...] = ()) -> int:
    """Test setup standing in for the backfill: every item the transform builds, written with BatchWriteItem."""
    builder = ItemBuilder(model)
    source = open_source(source_url)
    written = 0
    try:
        tables = {t.name: t for t in introspect(source, reporter=RecordingReporter(), with_stats=False).tables}
        for name in [t for t in builder.source_tables if not only or t in only]:
            for rows in read_table(source, tables[name], batch_size=500):
                items = [pair for row in rows for pair in builder.items_for(name, row).items]
                for start in range(0, len(items), 25):
                    requests: dict[str, list[Any]] = {}
                    for table, item in items[start : start + 25]:
                        requests.setdefault(table, []).append({"PutRequest": {"Item": item}})
                    while requests:
                        left = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
                        requests = dict(left)
                written += len(items)
    finally:
        source.engine.dispose()
    return written


def reset(client: DynamoDBClient) -> None:
    """Delete every table on the endpoint."""
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)


@pytest.fixture(scope="module")
def loaded(
    shared_local: tuple[local.LocalInstance, Path],
    chinook_sqlite_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path, str]]:
    """(source URL, model dir, endpoint) with the model deployed and an exact copy of Chinook in it."""
    endpoint = shared_local[0].endpoint_url
    client = boto_client(endpoint)
    reset(client)
    model_dir = design_chinook(chinook_sqlite_url, tmp_path_factory.mktemp("verify-design"))
    deploy(model_dir, endpoint, reporter=RecordingReporter())
    load_copy(chinook_sqlite_url, load_model(model_dir)[1], client)
    yield chinook_sqlite_url, model_dir, endpoint
    reset(client)


# ------------------------------------------------------------------ keys and the store (no servers)


def _spec(model_dir: Path, name: str) -> Any:
    return load_model(model_dir)[1].table(name)


@pytest.mark.dynamodb
def test_key_text_ignores_number_spelling(loaded: tuple[str, Path, str]) -> None:
    spec = _spec(loaded[1], "InvoiceLine")
    a = key_text(spec, {"InvoiceId": {"N": "12.50"}, "InvoiceLineId": {"N": "7"}, "x": {"S": "y"}})
    b = key_text(spec, {"InvoiceId": {"N": "1.25E1"}, "InvoiceLineId": {"N": "7.0"}})
    assert a == b
    assert display_key(spec, a) == {"InvoiceId": "12.5", "InvoiceLineId": 7}
    assert low_level_key(spec, a) == {"InvoiceId": {"N": "12.5"}, "InvoiceLineId": {"N": "7"}}
    assert Decimal(low_level_key(spec, a)["InvoiceId"]["N"]) == Decimal("12.50")


def test_hash_store_finds_each_kind(tmp_path: Path) -> None:
    store = HashStore(tmp_path)
    try:
        store.add_expected(
            [("T", "k1", "h1", "S", "[1]"), ("T", "k2", "h2", "S", "[2]"), ("T", "k3", "h3", "S", "[3]")]
        )
        store.add_expected([("T", "k3", "h3", "S", "[3]")])
        store.add_actual([("T", "k2", "h2"), ("T", "k3", "CHANGED"), ("T", "k4", "h4"), ("U", "k1", "h1")])
        found = list(store.differences("T"))
        assert found == [("missing", "k1", "S", "[1]"), ("extra", "k4", None, None), ("different", "k3", "S", "[3]")]
        assert store.duplicates == {"T": 1}
        assert list(store.differences("U")) == [("extra", "k1", None, None)]
    finally:
        store.close()
    assert list(tmp_path.iterdir()) == []


def test_an_expired_item_may_be_gone_but_must_match_while_there(tmp_path: Path) -> None:
    store = HashStore(tmp_path)
    try:
        store.add_expected(
            [
                ("T", "gone", "h1", "S", "[1]", 1),  # past its TTL, deleted by DynamoDB: not a loss
                ("T", "kept", "h2", "S", "[2]", 1),  # past its TTL, still there but changed: a difference
                ("T", "lost", "h3", "S", "[3]", 0),  # not expired and absent: missing
            ]
        )
        store.add_actual([("T", "kept", "CHANGED")])
        assert list(store.differences("T")) == [("missing", "lost", "S", "[3]"), ("different", "kept", "S", "[2]")]
        assert store.expired_and_gone("T") == 1
    finally:
        store.close()


@pytest.mark.parametrize(
    ("ttl_attribute", "item", "expired"),
    [
        ("expires_at", {"expires_at": {"N": "999"}}, True),  # long past
        ("expires_at", {"expires_at": {"N": "1000"}}, True),  # exactly now: DynamoDB may delete it
        ("expires_at", {"expires_at": {"N": "1000.5"}}, False),  # still in the future
        ("expires_at", {}, False),  # no TTL value: never expires
        ("expires_at", {"expires_at": {"S": "999"}}, False),  # DynamoDB ignores a TTL that is not a number
        (None, {"expires_at": {"N": "1"}}, False),  # the table has no TTL
    ],
)
def test_expiry_follows_dynamodb_ttl_rules(ttl_attribute: str | None, item: dict[str, Any], expired: bool) -> None:
    key = KeyPart("id", "N", "{id}", ("id",))
    spec = TableSpec("T", "entity", key, None, (), (), (), 100, ttl_attribute=ttl_attribute)
    assert _expired(spec, item, 1000.0) is expired


@pytest.mark.parametrize(
    ("actual", "scanned", "expired", "ok"),
    [
        (10, 10, 0, True),  # no TTL at work: both Scans agree with the source
        (7, 7, 3, True),  # 3 expired and gone before both Scans
        (9, 7, 3, True),  # 2 of them deleted by the TTL sweep between the COUNT and the content Scan
        (10, 7, 3, True),  # all 3 deleted in between
        (11, 7, 3, False),  # the COUNT saw more than the source ever held
        (6, 7, 3, False),  # the COUNT saw fewer than the live items
        (11, 10, 0, False),  # no TTL to explain the surplus
        (7, 8, 3, False),  # the content Scan disagrees with the source
    ],
)
def test_the_count_may_include_items_the_ttl_sweep_deleted_before_the_content_scan(
    actual: int, scanned: int, expired: int, ok: bool
) -> None:
    check = TableCheck("T", 10, actual, scanned, 0, 0, 0, 0, 0, 0.0, expired=expired)
    assert check.ok is ok


@pytest.mark.parametrize("kind", ["missing", "extra", "different", "duplicates"])
def test_any_content_difference_fails_the_table(kind: str) -> None:
    counts = {"missing": 0, "extra": 0, "different": 0, "duplicates": 0, kind: 1}
    check = TableCheck("T", 10, 10, 10, rejects=0, seconds=0.0, **counts)
    assert not check.ok


# ------------------------------------------------------------------ DynamoDB side


@pytest.mark.dynamodb
def test_segmented_scan_and_count(shared_local: tuple[local.LocalInstance, Path]) -> None:
    endpoint = shared_local[0].endpoint_url
    client = boto_client(endpoint)
    create_table(endpoint, "scan_probe")
    try:
        for start in range(0, 120, 25):
            client.batch_write_item(
                RequestItems={
                    "scan_probe": [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}}}} for i in range(start, start + 25)]
                }
            )
        for segments in (1, 3, 7):
            assert count_items(client, "scan_probe", segments=segments) == 125
            keys = sorted(i["pk"]["S"] for i in scan_items(client, "scan_probe", segments=segments))
            assert keys == sorted(f"k{i}" for i in range(125))
        it = scan_items(client, "scan_probe", segments=4)
        next(it)
        it.close()  # an early stop must not hang the workers
        with pytest.raises(UsageError):
            count_items(client, "scan_probe", segments=0)
    finally:
        client.delete_table(TableName="scan_probe")


@pytest.mark.dynamodb
def test_exact_copy_verifies(loaded: tuple[str, Path, str]) -> None:
    source_url, model_dir, endpoint = loaded
    result = verify(source_url, model_dir, endpoint, reporter=RecordingReporter(), segments=3)
    assert result.ok, result.summary()
    totals = result.totals()
    assert totals["expected"] == totals["actual"] == 59 + 8 + 25 + 412 + 2240
    assert totals["missing"] == totals["extra"] == totals["different"] == totals["rejects"] == 0
    by_table = {t.table: t for t in result.comparison.tables}
    assert by_table["Invoice"].expected == by_table["Invoice"].actual == 412
    assert by_table["InvoiceLine"].scanned == 2240
    result.raise_if_different()
    assert result.report()["differences"] == []


@pytest.mark.dynamodb
def test_changed_deleted_and_extra_items_are_named(loaded: tuple[str, Path, str]) -> None:
    source_url, model_dir, endpoint = loaded
    client = boto_client(endpoint)
    line_key = {"InvoiceId": {"N": "1"}, "InvoiceLineId": {"N": "2"}}
    track_key = {"CustomerId": {"N": "3"}}
    original_line = client.get_item(TableName="InvoiceLine", Key=line_key)["Item"]
    original_track = client.get_item(TableName="Customer", Key=track_key)["Item"]
    assert original_line["UnitPrice"] == {"N": "0.99"}
    client.update_item(
        TableName="InvoiceLine",
        Key=line_key,
        UpdateExpression="SET UnitPrice = :p",
        ExpressionAttributeValues={":p": {"N": "1.99"}},
    )
    client.delete_item(TableName="Customer", Key=track_key)
    client.put_item(TableName="Genre", Item={"GenreId": {"N": "999"}, "Name": {"S": "Polka"}})
    # A trailing zero is a spelling, not a difference: DynamoDB stores 0.990 as 0.99.
    client.update_item(
        TableName="InvoiceLine",
        Key={"InvoiceId": {"N": "1"}, "InvoiceLineId": {"N": "1"}},
        UpdateExpression="SET UnitPrice = :p",
        ExpressionAttributeValues={":p": {"N": "0.990"}},
    )
    try:
        result = verify(source_url, model_dir, endpoint, reporter=RecordingReporter(), segments=2)
        assert not result.ok
        found = {(d.table, d.kind, json.dumps(d.key, sort_keys=True)): d for d in result.comparison.differences}
        assert set(found) == {
            ("InvoiceLine", "different", '{"InvoiceId": 1, "InvoiceLineId": 2}'),
            ("Customer", "missing", '{"CustomerId": 3}'),
            ("Genre", "extra", '{"GenreId": 999}'),
        }
        changed = found[("InvoiceLine", "different", '{"InvoiceId": 1, "InvoiceLineId": 2}')]
        assert changed.diff == ("UnitPrice: N 0.99 != N 1.99",)
        assert changed.source_table == "InvoiceLine" and changed.source_key == [2]
        assert found[("Customer", "missing", '{"CustomerId": 3}')].source_key == [3]
        by_table = {t.table: t for t in result.comparison.tables}
        # Count mismatches: one short in Customer, one over in Genre; InvoiceLine's count still matches.
        assert (by_table["Customer"].expected, by_table["Customer"].actual, by_table["Customer"].missing) == (59, 58, 1)
        assert (by_table["Genre"].expected, by_table["Genre"].actual, by_table["Genre"].extra) == (25, 26, 1)
        assert (
            by_table["InvoiceLine"].expected == by_table["InvoiceLine"].actual
            and by_table["InvoiceLine"].different == 1
        )
        assert [t.table for t in result.comparison.tables if not t.ok] == ["Customer", "Genre", "InvoiceLine"]
        with pytest.raises(VerificationFailed) as caught:
            result.raise_if_different()
        assert caught.value.exit_code == 8 and "3 table(s)" in caught.value.message

        capped = verify(source_url, model_dir, endpoint, reporter=RecordingReporter(), max_keys=1, max_diffs=0)
        assert len(capped.comparison.differences) == 1 and capped.comparison.truncated
        assert capped.report()["differences_truncated"] is True
    finally:
        client.put_item(TableName="InvoiceLine", Item=original_line)
        client.put_item(TableName="Customer", Item=original_track)
        client.delete_item(TableName="Genre", Key={"GenreId": {"N": "999"}})
    assert verify(source_url, model_dir, endpoint, reporter=RecordingReporter()).ok


@pytest.mark.dynamodb
def test_wrong_source_or_missing_table(loaded: tuple[str, Path, str], tmp_path: Path) -> None:
    source_url, model_dir, endpoint = loaded
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).executescript("CREATE TABLE x (id INTEGER PRIMARY KEY);")
    with pytest.raises(InputError, match="is in the model but not in the source"):
        verify(f"sqlite:///{empty}", model_dir, endpoint, reporter=RecordingReporter())
    client = boto_client(endpoint)
    item = client.get_item(TableName="Genre", Key={"GenreId": {"N": "1"}})["Item"]
    spec = client.describe_table(TableName="Genre")["Table"]
    client.delete_table(TableName="Genre")
    try:
        with pytest.raises(TargetError, match="ResourceNotFoundException"):
            verify(source_url, model_dir, endpoint, reporter=RecordingReporter())
    finally:
        client.create_table(
            TableName="Genre",
            KeySchema=spec["KeySchema"],
            AttributeDefinitions=spec["AttributeDefinitions"],
            BillingMode="PAY_PER_REQUEST",
        )
        load_copy(source_url, load_model(model_dir)[1], client, only=("Genre",))
    assert item
