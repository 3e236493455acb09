"""Rows changed while the backfill reads them end up right once sync has run.

During ``migrate --with-sync`` (at its first confirmed batch) the source loses a file the backfill may have
read already and one it has not, renames another file's primary key and changes a user's e-mail (the unique
lookup item and the copies in the user's files move).  The backfill reads the snapshot, so it writes the
rows as they were; sync then applies the changes made after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.sync import sync
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples.decision_data import audio_files, users
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.testing.sync_world import decision_model, fill

pytestmark = [pytest.mark.dynamodb, pytest.mark.filterwarnings("ignore:.db. is deprecated:DeprecationWarning")]


@pytest.fixture(params=["postgresql", "mariadb"])
def source(request: pytest.FixtureRequest) -> tuple[str, str]:
    if request.param == "postgresql":
        return request.getfixturevalue("new_pg_db")("overlap"), request.getfixturevalue("slot_name")
    return request.getfixturevalue("new_maria_db")("overlap"), "s2d_test_overlap"


def test_key_update_and_deletes_during_backfill(
    source: tuple[str, str], tmp_path: Path, endpoint: str, deployed: Callable[[Path], None]
) -> None:
    url, slot = source
    fill(url, 60)
    model_dir = decision_model(url, tmp_path / "model")
    deployed(model_dir)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        files = conn.execute(sa.select(audio_files).order_by(audio_files.c.file_id)).all()
        owner = conn.execute(sa.select(users).where(users.c.user_id == files[len(files) // 3].user_id)).one()
    first, last, renamed = files[0], files[-1], files[len(files) // 2]
    new_id = uuid.uuid4()
    done: list[bool] = []

    def change_once(table: str, rows: int) -> None:
        if done:
            return
        done.append(True)
        with engine.begin() as conn:
            conn.execute(audio_files.delete().where(audio_files.c.file_id.in_([first.file_id, last.file_id])))
            conn.execute(audio_files.update().where(audio_files.c.file_id == renamed.file_id).values(file_id=new_id))
            conn.execute(users.update().where(users.c.user_id == owner.user_id).values(email="moved@example.org"))

    moved = migrate(
        url,
        model_dir,
        endpoint,
        reporter=RecordingReporter(),
        segments=1,
        batch_size=10,
        with_sync=True,
        slot=slot,
        on_batch=change_once,
    )
    assert done and moved.totals()["failed"] == 0
    # The backfill wrote the snapshot: the deleted files, the old key, the old e-mail are all there.
    before = verify(url, model_dir, endpoint, reporter=RecordingReporter()).totals()
    assert before["extra"] >= 3 and before["missing"] >= 1, before

    status_reporter = RecordingReporter()
    status = sync(url, model_dir, endpoint, reporter=status_reporter, slot=slot, status=True, stalled_bytes=1)
    assert status.state is not None and status.state["backfill"] == "done"
    if status.kind == "postgresql":  # a slot nobody reads is a stalled consumer
        assert status.slot_status is not None and not status.slot_status["active"]
        assert any("is not being read and holds back" in w for w in status_reporter.messages("warning"))

    reporter = RecordingReporter()
    result = sync(url, model_dir, endpoint, reporter=reporter, slot=slot, until_caught_up=True, report_seconds=0.0)
    live = [m for m in reporter.messages("info") if " changes applied (" in m]
    assert live and all(" lag " in m for m in live), reporter.messages("info")
    assert result.caught_up and result.stats["changes"] == 4, result.stats
    after = verify(url, model_dir, endpoint, reporter=RecordingReporter()).totals()
    assert (after["missing"], after["extra"], after["different"]) == (0, 0, 0), after

    _, model = load_model(model_dir)
    table = next(t for t in model.tables if any(e.source_table == "audio_files" for e in t.entities))
    client = boto_client(endpoint)
    keys = {_file_key(i, table.pk.attribute) for i in client.scan(TableName=table.name)["Items"]}
    assert _norm(new_id) in keys
    assert not keys & {_norm(first.file_id), _norm(last.file_id), _norm(renamed.file_id)}
    sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot=slot, drop_slot=True)
    engine.dispose()


def _norm(value: Any) -> str:
    return str(value).replace("-", "").lower()


def _file_key(item: dict[str, Any], attribute: str) -> str:
    text = next(iter(item[attribute].values()))
    return _norm(text.split("#")[-1])


def test_truncate_is_reported_not_silently_dropped(
    new_pg_db: Callable[[str], str], slot_name: str, tmp_path: Path, endpoint: str, deployed: Callable[[Path], None]
) -> None:
    url = new_pg_db("truncate")
    fill(url, 5)
    model_dir = decision_model(url, tmp_path / "model")
    deployed(model_dir)
    migrate(url, model_dir, endpoint, reporter=RecordingReporter(), with_sync=True, slot=slot_name)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE audio_files"))
    engine.dispose()
    reporter = RecordingReporter()
    result = sync(url, model_dir, endpoint, reporter=reporter, slot=slot_name, until_caught_up=True)
    assert result.caught_up
    assert any(w.startswith("TRUNCATE of audio_files is not streamed") for w in reporter.messages("warning"))
