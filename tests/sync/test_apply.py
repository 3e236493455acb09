"""The Applier on DynamoDB Local, fed by hand-made changes against a SQLite copy of Decision Data.

Each test compares the target with what ``verify`` expects from the source's current rows, so the
source is changed the way the change says, then the change is applied.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.sync.apply import Applier
from sql2dynamo.sync.changes import POSITION_ATTRIBUTE, Change, pg_position
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.testing.proxy import FaultProxy, Faults
from sql2dynamo.testing.sync_world import decision_model, fill

pytestmark = pytest.mark.dynamodb


@pytest.fixture
def world(tmp_path: Path, endpoint: str, deployed: Callable[[Path], None]) -> dict[str, Any]:
    db = tmp_path / "dd.sqlite"
    url = f"sqlite:///{db}"
    fill(url, 20)
    model_dir = decision_model(url, tmp_path / "model")
    deployed(model_dir)
    moved = migrate(url, model_dir, endpoint, reporter=RecordingReporter(), segments=1)
    assert moved.totals()["failed"] == 0
    engine = sa.create_engine(url)
    _, model = load_model(model_dir)
    client = boto_client(endpoint)
    applier = Applier(model, client, source=engine, reporter=RecordingReporter(), workers=4)
    yield {
        "url": url,
        "model_dir": model_dir,
        "engine": engine,
        "applier": applier,
        "client": client,
        "model": model,
        "endpoint": endpoint,
    }
    applier.close()
    engine.dispose()


def _verify(world: dict[str, Any], endpoint: str) -> dict[str, int]:
    result = verify(world["url"], world["model_dir"], endpoint, reporter=RecordingReporter())
    totals = result.totals()
    return {k: totals[k] for k in ("missing", "extra", "different")}


def _row(engine: sa.Engine, table: str, column: str, value: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(sa.text(f"SELECT * FROM {table} WHERE {column} = :v"), {"v": value}).mappings().one()
    return dict(row)


def _first(engine: sa.Engine, sql: str) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(sql)).mappings().first() or {})


def _exec(engine: sa.Engine, sql: str, **params: Any) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(sql), params)


ZERO = {"missing": 0, "extra": 0, "different": 0}


def test_insert_update_delete_and_key_changes(world: dict[str, Any], endpoint: str) -> None:
    engine, applier = world["engine"], world["applier"]
    assert _verify(world, endpoint) == ZERO
    # A user with files changes e-mail: the old lookup item goes, the files' copies follow.
    user = _first(engine, "SELECT u.* FROM users u JOIN audio_files f ON f.user_id = u.user_id LIMIT 1")
    before = dict(user)
    _exec(engine, "UPDATE users SET email = 'renamed@example.com' WHERE user_id = :u", u=user["user_id"])
    after = _row(engine, "users", "user_id", user["user_id"])
    stats = applier.apply([Change("users", "update", {"user_id": user["user_id"]}, after, pg_position(100, 1), before)])
    assert stats.puts >= 2 and stats.deletes == 1 and stats.fanout >= 1, stats
    # An audio file's primary key changes (delete + put); another file is deleted; one is inserted.
    files = [
        dict(r) for r in engine.connect().execute(sa.text("SELECT * FROM audio_files ORDER BY file_id")).mappings()
    ]
    moved, gone = files[0], files[1]
    new_id = uuid.uuid4().hex
    _exec(engine, "UPDATE audio_files SET file_id = :n WHERE file_id = :o", n=new_id, o=moved["file_id"])
    _exec(engine, "DELETE FROM audio_files WHERE file_id = :o", o=gone["file_id"])
    new_row = _row(engine, "audio_files", "file_id", new_id)
    fresh = dict(new_row, file_id=uuid.uuid4().hex, s3_key="uploads/new.wav")
    _exec(
        engine,
        "INSERT INTO audio_files (file_id, user_id, s3_key, file_size, uploaded_at) "
        "VALUES (:file_id, :user_id, :s3_key, :file_size, :uploaded_at)",
        **fresh,
    )
    fresh = _row(engine, "audio_files", "file_id", fresh["file_id"])
    changes = [
        Change("audio_files", "update", {"file_id": moved["file_id"]}, new_row, pg_position(101, 1), moved),
        Change("audio_files", "delete", {"file_id": gone["file_id"]}, None, pg_position(101, 2), gone),
        Change("audio_files", "insert", {"file_id": fresh["file_id"]}, fresh, pg_position(101, 3)),
    ]
    stats = applier.apply(changes)
    assert stats.deletes == 2 and stats.skipped == 0, stats
    assert _verify(world, endpoint) == ZERO

    # Replaying the whole window twice changes nothing: every write is refused as already there.
    window = [
        Change("users", "update", {"user_id": user["user_id"]}, after, pg_position(100, 1), before),
        *changes,
    ]
    for _ in range(2):
        again = applier.apply(window)
        assert again.puts == 0, again
    assert _verify(world, endpoint) == ZERO


def test_older_change_never_overwrites_newer(world: dict[str, Any], endpoint: str) -> None:
    engine, applier, client, model = world["engine"], world["applier"], world["client"], world["model"]
    user = _first(engine, "SELECT * FROM users LIMIT 1")
    _exec(engine, "UPDATE users SET key_salt = 'newest' WHERE user_id = :u", u=user["user_id"])
    newest = _row(engine, "users", "user_id", user["user_id"])
    stale = dict(newest, key_salt="stale")
    applier.apply([Change("users", "update", {"user_id": user["user_id"]}, newest, pg_position(200, 5), user)])
    stats = applier.apply([Change("users", "update", {"user_id": user["user_id"]}, stale, pg_position(200, 4), user)])
    assert stats.puts == 0 and stats.skipped >= 1
    assert _verify(world, endpoint) == ZERO
    table = next(t for t in model.tables if any(e.source_table == "users" and e.kind == "entity" for e in t.entities))
    items = client.scan(TableName=table.name)["Items"]
    positions = {i[POSITION_ATTRIBUTE]["S"] for i in items if POSITION_ATTRIBUTE in i}
    assert pg_position(200, 5) in positions

    # No tombstone: a put older than a delete, replayed after it, finds no item and writes one; the replay
    # goes on in source order, so the delete that followed that put comes again and removes it.
    lonely = _first(
        engine, "SELECT * FROM users u WHERE NOT EXISTS (SELECT 1 FROM audio_files f WHERE f.user_id = u.user_id)"
    )
    assert lonely, "the generator made no user without files"
    _exec(engine, "DELETE FROM users WHERE user_id = :u", u=lonely["user_id"])
    key = {"user_id": lonely["user_id"]}
    delete = Change("users", "delete", key, None, pg_position(300, 1), lonely)
    applier.apply([delete])
    assert _verify(world, endpoint) == ZERO
    replay = [Change("users", "insert", key, lonely, pg_position(250, 1)), delete]
    applier.apply(replay[:1])
    assert _verify(world, endpoint)["extra"] >= 1
    applier.apply(replay[1:])
    assert _verify(world, endpoint) == ZERO


def test_a_failed_batch_leaves_no_write_in_flight(world: dict[str, Any]) -> None:
    """When one call fails, apply returns only after every other call of the batch stopped writing.

    The caller applies a failed batch again from its start; a write of the failed attempt landing
    after that replay would undo it (a put after the replayed delete brings the item back).
    """
    engine, model = world["engine"], world["model"]
    with engine.connect() as conn:
        files = [dict(r) for r in conn.execute(sa.text("SELECT * FROM audio_files ORDER BY file_id")).mappings()]
    assert len(files) >= 30, "the generator made too few files"
    changes = [
        Change("audio_files", "update", {"file_id": f["file_id"]}, f, pg_position(400, i), f)
        for i, f in enumerate(files, 1)
    ]
    # Every call slowed down, one in ten lost: some call fails while the others are mid-way.  Two items
    # per transaction, so that the batch takes more than ten calls.
    with FaultProxy(world["endpoint"], Faults(drop=0.1, delay_ms=40), seed=3) as proxy:
        client = boto_client(proxy.url, Config(retries={"mode": "standard", "total_max_attempts": 1}))
        reporter = RecordingReporter()
        with Applier(model, client, source=engine, reporter=reporter, workers=4, transact_items=2) as applier:
            with pytest.raises(BotoCoreError):  # the lost call's own error, not a stopped group's
                applier.apply(changes)
            sent = proxy.stats()["requests"]
            time.sleep(0.5)  # what a group still running would send meanwhile
            assert proxy.stats()["requests"] == sent, "writes of the failed batch went on after apply returned"
            # The replay lands everything: the failed attempt left nothing that could race it.
            proxy.set_faults(Faults())
            again = applier.apply(changes)
    assert again.changes == len(changes)
    assert _verify(world, world["endpoint"]) == ZERO
