"""A contract written by hand in the Modernizr contract format drives deploy, migrate and verify to a clean verify.

``tests/data/contracts/chinook_modernizr.json`` describes the Chinook schema as
one multi-entity table (albums in their artist's partition, invoices in their
customer's, invoice lines with their track's name copied through a foreign-key
join, a login index and an INCLUDE index); no ``data_model.json`` exists, and
the conversions the contract leaves unsaid come from the live source.  On
PostgreSQL the Chinook sample database is loaded; on MariaDB (whose Chinook
script spells tables in PascalCase) the Chinook example's generator fills the
same snake_case schema.  Last, a contract ``design`` wrote in the Modernizr
form for Hustle Hub (unique lookups, sparse indexes), alone in its directory,
moves that example's SQLite data just as well.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.contract import convert
from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.design import design
from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.target import local
from sql2dynamo.target.endpoint import dynamodb_client, parse_target
from sql2dynamo.target.model_file import load_model

CONTRACT = Path(__file__).parent.parent / "data" / "contracts" / "chinook_modernizr.json"
TABLE = "ChinookStore"

pytestmark = pytest.mark.dynamodb


def _model_dir(tmp_path: Path) -> Path:
    """A model directory holding only the hand-written contract, under design's file name."""
    model = tmp_path / "model"
    model.mkdir()
    shutil.copy(CONTRACT, model / "migrationContract.json")
    return model


def _run(source_url: str, model: Path, target: str) -> None:
    client = dynamodb_client(parse_target(target), RecordingReporter())
    if TABLE in client.list_tables()["TableNames"]:
        client.delete_table(TableName=TABLE)  # another source's run in the same instance
        client.get_waiter("table_not_exists").wait(TableName=TABLE)
    deployed = deploy(model, target, reporter=RecordingReporter())
    assert [t.table for t in deployed.tables] == [TABLE]
    migrated = migrate(source_url, model, target, reporter=RecordingReporter())
    assert sum(t.rejected for t in migrated.tables) == 0
    assert sum(t.items_written for t in migrated.tables) > 0
    result = verify(source_url, model, target, reporter=RecordingReporter())
    assert result.ok, result.summary()
    described = client.describe_table(TableName=TABLE)["Table"]
    assert {g["IndexName"] for g in described["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
    # The denormalized track name came through the foreign-key join.
    line = client.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "INVOICE#1"}},
    )["Items"][0]
    assert "track_name" in line and line["entity_type"] == {"S": "INVOICE_LINE"}


def test_postgresql(chinook_pg_url: str, shared_local: tuple[local.LocalInstance, Path], tmp_path: Path) -> None:
    instance, _ = shared_local
    _run(chinook_pg_url, _model_dir(tmp_path), instance.endpoint_url)


def test_postgresql_from_the_same_contract_in_the_array_form(
    chinook_pg_url: str, shared_local: tuple[local.LocalInstance, Path], tmp_path: Path
) -> None:
    """Converted to the migration contract format, the contract file itself given as the model, drives the same run."""
    model = tmp_path / "model"
    model.mkdir()
    convert(CONTRACT, model / "contract.json", to="seed")
    instance, _ = shared_local
    _run(chinook_pg_url, model / "contract.json", instance.endpoint_url)


def test_mariadb(
    new_maria_db: Callable[[str], str], shared_local: tuple[local.LocalInstance, Path], tmp_path: Path
) -> None:
    url = new_maria_db("chinook_example")
    engine = sa.create_engine(url)
    try:
        get_example("chinook").generate(engine, 40)
    finally:
        engine.dispose()
    instance, _ = shared_local
    _run(url, _model_dir(tmp_path), instance.endpoint_url)


def test_live_types_fill_what_the_contract_leaves_unsaid(chinook_pg_url: str, tmp_path: Path) -> None:
    """Without a transformation the source decides: a TIMESTAMP is a datetime, a NUMERIC a decimal."""
    _, model = load_model(_model_dir(tmp_path), contract=True, source_url=chinook_pg_url)
    by_column = {(a.source_table, a.source_column): a for e in model.tables[0].entities for a in e.attributes}
    assert by_column[("invoice", "invoice_date")].transform == "datetime"
    assert by_column[("track", "unit_price")].transform == "decimal"
    assert by_column[("track", "milliseconds")].transform == "integer"
    assert by_column[("track", "composer")].nullable is True
    assert by_column[("track", "name")].nullable is False


def test_a_table_the_source_lacks_is_named(new_pg_db: Callable[[str], str], tmp_path: Path) -> None:
    empty = new_pg_db("no_chinook")
    with pytest.raises(InputError, match=r"source table\(s\) artist, album, track.*does not have"):
        load_model(_model_dir(tmp_path), contract=True, source_url=empty)


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_a_designed_modernizr_contract_alone_migrates_lookups_and_sparse_indexes(
    strategy: str, shared_local: tuple[local.LocalInstance, Path], tmp_path: Path
) -> None:
    """Hustle Hub (unique lookups, sparse indexes) designed in the Modernizr form, data_model.json removed."""
    db = tmp_path / "hustle.sqlite"
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        get_example("hustle_hub").generate(engine, 30)
    finally:
        engine.dispose()
    url = f"sqlite:///{db}"
    analyze(url, out_dir=tmp_path / "analysis", reporter=RecordingReporter())
    model = tmp_path / "model"
    design(
        tmp_path / "analysis" / "schema.json",
        Path(str(get_example("hustle_hub").access_patterns)),
        out_dir=model,
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
        strategy=strategy,
        contract_format="modernizr",
    )
    designed = json.loads((model / "data_model.json").read_text(encoding="utf-8"))
    (model / "data_model.json").unlink()
    instance, _ = shared_local
    target = instance.endpoint_url
    client = dynamodb_client(parse_target(target), RecordingReporter())
    names = [t["name"] for t in designed["tables"]]
    for name in set(names) & set(client.list_tables()["TableNames"]):
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(TableName=name)
    deploy(model, target, reporter=RecordingReporter())
    migrated = migrate(url, model, target, reporter=RecordingReporter())
    assert sum(t.rejected for t in migrated.tables) == 0
    assert verify(url, model, target, reporter=RecordingReporter()).ok
    # The sparse index holds only published listings; unique lookups skip NULLs instead of rejecting them.
    _, from_contract = load_model(model, contract=True, source_url=url)
    assert any(e.kind == "lookup" for t in from_contract.tables for e in t.entities)
    assert any(
        ix.sparse is not None or any(e.sparse_keys for e in t.entities)
        for t in from_contract.tables
        for ix in t.indexes
    )
