"""``migrate --engine spark``: real PySpark (local mode), real sources, a real DynamoDB Local, checked by verify.

One SparkContext serves the module: ``local[2,4]``, two slots and up to four
attempts per task (Spark's local mode retries a task only when told so).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.design import design
from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.errors import TargetError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.migrate.checkpoints import checkpoint_path
from sql2dynamo.migrate.segment_task import SegmentOutcome
from sql2dynamo.migrate.spark import spark_context
from sql2dynamo.migrate.spark_options import SparkOptions
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client
from tests.helpers.databases import empty_database

MASTER = "local[2,4]"

# A small corner of Chinook (about 650 rows), in each server's own spelling: DynamoDB Local is slow here.
CHINOOK = {
    "mysql": (
        ("Genre", "MediaType", "Artist", "Album"),
        "SELECT * FROM Album WHERE ArtistId = :artist_id",
        "SELECT * FROM Artist WHERE ArtistId = :artist_id",
    ),
    "postgresql": (
        ("genre", "media_type", "artist", "album"),
        "SELECT * FROM album WHERE artist_id = :artist_id",
        "SELECT * FROM artist WHERE artist_id = :artist_id",
    ),
}


@pytest.fixture(scope="module", autouse=True)
def spark() -> Iterator[None]:
    sc = spark_context(MASTER, "sql2dynamo tests")
    yield
    sc.stop()


@pytest.fixture(scope="module")
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    return shared_local[0].endpoint_url


def fresh_tables(model_dir: Path, endpoint: str) -> None:
    """Only the model's tables, empty, on the shared instance."""
    client = boto_client(endpoint)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    deploy(model_dir, endpoint, reporter=RecordingReporter())


def chinook_model(url: str, dialect: str, out: Path) -> Path:
    tables, albums, artist = CHINOOK[dialect]
    out.mkdir(parents=True, exist_ok=True)
    analyze(url, out_dir=out, reporter=RecordingReporter(), include=tables)
    patterns = out / "patterns.yaml"
    patterns.write_text(
        "application: shop\npatterns:\n"
        f"  - id: AP01\n    description: Albums of an artist\n    sql: {albums}\n    rps: {{avg: 5, peak: 20}}\n"
        f"  - id: AP02\n    description: An artist\n    sql: {artist}\n    rps: {{avg: 5, peak: 20}}\n"
    )
    design(
        out / "schema.json", patterns, out_dir=out / "model", reporter=RecordingReporter(), confirm=lambda g, q: True
    )
    return out / "model"


def algoitny_model(url: str, out: Path) -> Path:
    example = get_example("algoitny")
    engine = sa.create_engine(url)
    example.generate(engine, 6)
    engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    analyze(url, out_dir=out, reporter=RecordingReporter())
    design(
        out / "schema.json",
        example.access_patterns,
        out_dir=out / "model",
        reporter=RecordingReporter(),
        confirm=lambda g, q: True,
    )
    return out / "model"


def assert_verified(url: str, model_dir: Path, endpoint: str) -> None:
    result = verify(url, model_dir, endpoint, reporter=RecordingReporter())
    totals = result.totals()
    assert result.ok, totals
    assert totals["expected"] > 0 and totals["missing"] == totals["extra"] == totals["different"] == 0


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
@pytest.mark.parametrize("example", ["chinook", "algoitny"])
def test_spark_moves_the_examples_and_verify_is_clean(
    example: str, dialect: str, request: pytest.FixtureRequest, tmp_path: Path, endpoint: str
) -> None:
    if example == "chinook":
        url = str(request.getfixturevalue("chinook_pg_url" if dialect == "postgresql" else "chinook_maria_url"))
        model_dir = chinook_model(url, dialect, tmp_path)
    else:
        url = empty_database(request, dialect, tmp_path, "algoitny_spark")
        model_dir = algoitny_model(url, tmp_path)
    fresh_tables(model_dir, endpoint)
    reporter = RecordingReporter()
    result = migrate(
        url, model_dir, endpoint, reporter=reporter, engine="spark", spark=SparkOptions(master=MASTER), segments=2
    )
    assert result.totals()["items"] > 0 and result.totals()["failed"] == 0
    assert any("spark:" in m for m in reporter.messages("info"))
    done = json.loads(checkpoint_path(model_dir).read_text())
    assert all(s["done"] for t in done["tables"].values() for s in t["segments"])
    assert_verified(url, model_dir, endpoint)


@pytest.fixture(scope="module")
def sqlite_model(chinook_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return chinook_model(chinook_sqlite_url, "mysql", tmp_path_factory.mktemp("spark-sqlite"))


def test_a_task_failing_its_first_attempt_is_retried_without_loss(
    sqlite_model: Path, chinook_sqlite_url: str, tmp_path: Path, endpoint: str
) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(sqlite_model, model_dir)
    fresh_tables(model_dir, endpoint)
    # Album's task writes its first batch, then dies; Spark runs it again from the segment's start.
    hook = SparkOptions(master=MASTER, failing_attempts={("Album", 0): 1})
    result = migrate(
        chinook_sqlite_url,
        model_dir,
        endpoint,
        reporter=RecordingReporter(),
        engine="spark",
        spark=hook,
        batch_size=50,
    )
    album = next(t for t in result.tables if t.table == "Album")
    assert album.rows_read == 347  # the retry's count: the failed attempt's counters died with it
    assert result.totals()["failed"] == 0
    assert_verified(chinook_sqlite_url, model_dir, endpoint)


def test_resume_after_the_driver_is_killed(
    sqlite_model: Path, chinook_sqlite_url: str, tmp_path: Path, endpoint: str
) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(sqlite_model, model_dir)
    fresh_tables(model_dir, endpoint)
    recorded: list[SegmentOutcome] = []

    def kill(outcome: SegmentOutcome) -> None:
        recorded.append(outcome)
        raise KeyboardInterrupt  # the driver dies after recording its first segment

    with pytest.raises(KeyboardInterrupt):
        migrate(
            chinook_sqlite_url,
            model_dir,
            endpoint,
            reporter=RecordingReporter(),
            engine="spark",
            spark=SparkOptions(master=MASTER, on_segment=kill),
        )
    states = json.loads(checkpoint_path(model_dir).read_text())["tables"]
    done = [name for name, t in states.items() if all(s["done"] for s in t["segments"])]
    assert recorded[0].table in done and len(done) < len(states)

    result = migrate(
        chinook_sqlite_url,
        model_dir,
        endpoint,
        reporter=RecordingReporter(),
        engine="spark",
        spark=SparkOptions(master=MASTER),
        resume=True,
    )
    assert result.resumed
    skipped = {t.table for t in result.tables if t.segments_skipped == t.segments}
    assert recorded[0].table in skipped
    assert_verified(chinook_sqlite_url, model_dir, endpoint)


def test_a_task_failing_every_attempt_stops_the_run_and_resume_finishes(
    sqlite_model: Path, chinook_sqlite_url: str, tmp_path: Path, endpoint: str
) -> None:
    model_dir = tmp_path / "model"
    shutil.copytree(sqlite_model, model_dir)
    fresh_tables(model_dir, endpoint)
    hook = SparkOptions(master=MASTER, failing_attempts={("Artist", 0): 4})  # all four attempts fail
    with pytest.raises(TargetError, match="Spark task failed"):
        migrate(chinook_sqlite_url, model_dir, endpoint, reporter=RecordingReporter(), engine="spark", spark=hook)
    states = json.loads(checkpoint_path(model_dir).read_text())["tables"]
    assert not states["Artist"]["segments"][0]["done"]
    migrate(
        chinook_sqlite_url,
        model_dir,
        endpoint,
        reporter=RecordingReporter(),
        engine="spark",
        spark=SparkOptions(master=MASTER),
        resume=True,
    )
    assert_verified(chinook_sqlite_url, model_dir, endpoint)
