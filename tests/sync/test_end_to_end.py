"""migrate --with-sync under a concurrent workload, then sync --until-caught-up, then verify: zero differences.

On PostgreSQL (slot + exported snapshot) and MariaDB (consistent snapshot + binlog position).  The workload
runs while the backfill reads, so rows change, move keys and disappear during it.  Then ``sync`` is killed
mid-stream (its thread stopped right after a batch) and restarted: nothing is lost; a window of events is
replayed twice: nothing changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.sync import sync
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.sync.apply import ApplyStats
from sql2dynamo.sync.begin import control_name
from sql2dynamo.sync.control import ControlTable
from sql2dynamo.sync.stream import update_control
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.testing.sync_world import decision_model, fill
from tests.helpers.sync import leftover_slots
from tests.sync.workload import Workload

pytestmark = [pytest.mark.dynamodb, pytest.mark.filterwarnings("ignore:.db. is deprecated:DeprecationWarning")]


@pytest.fixture(params=["postgresql", "mariadb"])
def source(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A Decision Data database on each server, and the stream name the test uses."""
    if request.param == "postgresql":
        url = request.getfixturevalue("new_pg_db")("sync")
        slot = request.getfixturevalue("slot_name")
    else:
        url = request.getfixturevalue("new_maria_db")("sync")
        slot = "s2d_test_binlog"
    fill(url, 150)
    yield url, slot


def _differences(url: str, model_dir: Path, endpoint: str) -> dict[str, int]:
    result = verify(url, model_dir, endpoint, reporter=RecordingReporter())
    totals = result.totals()
    found = {k: totals[k] for k in ("missing", "extra", "different")}
    if found != ZERO:  # the items, in the assertion's message
        found["items"] = [d.as_dict() for d in result.comparison.differences][:5]  # type: ignore[assignment]
    return found


def test_backfill_with_concurrent_workload_then_stream(
    source: tuple[str, str],
    tmp_path: Path,
    endpoint: str,
    deployed: Callable[[Path], None],
    pg_admin: sa.Engine,
) -> None:
    url, slot = source
    model_dir = decision_model(url, tmp_path / "model")
    deployed(model_dir)
    workload = Workload(url, seed=3)
    started = threading.Event()

    def paced(table: str, rows: int) -> None:
        # Let the workload change rows while the backfill is between batches.
        started.set()
        threading.Event().wait(0.05)

    workload.start()
    try:
        moved = migrate(
            url,
            model_dir,
            endpoint,
            reporter=RecordingReporter(),
            segments=2,
            batch_size=40,
            with_sync=True,
            slot=slot,
            on_batch=paced,
        )
    finally:
        workload_ops_during = sum(workload.done.values())
    assert moved.sync_start is not None and moved.totals()["failed"] == 0
    assert workload_ops_during > 0

    client = boto_client(endpoint)
    control = ControlTable(client)
    replays = _prepare_replays(url, slot, control, pg_admin)

    # Let the workload go on a little after the backfill, then kill sync mid-stream and restart it.
    threading.Event().wait(1.0)
    stop = threading.Event()
    batches: list[ApplyStats] = []

    def kill_after_two(stats: ApplyStats) -> None:
        batches.append(stats)
        if len(batches) >= 2:
            stop.set()

    first = sync(
        url,
        model_dir,
        endpoint,
        reporter=RecordingReporter(),
        slot=slot,
        stop=stop,
        on_batch=kill_after_two,
        batch_changes=20,
        workers=4,
    )
    assert first.stats["changes"] > 0 and not first.caught_up
    workload.stop()
    assert not workload.errors, workload.errors[:3]
    assert workload.done["rekey_file"] and workload.done["delete_file"] and workload.done["new_email"]

    caught = sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot=slot, until_caught_up=True)
    assert caught.caught_up
    assert _differences(url, model_dir, endpoint) == ZERO
    state = control.get(control_name(slot))
    assert state is not None and state["backfill"] == "done" and state["caught_up"]

    # Replay the whole window since the snapshot, twice: the target ends exactly as it was.
    for replay in replays:
        if replay is None:  # MySQL: rewind the checkpoint to the recorded start
            update_control(control, control_name(slot), {"checkpoint": None})
        again = sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot=replay or slot, until_caught_up=True)
        assert again.caught_up and again.stats["changes"] >= caught.stats["changes"]
        assert again.stats["skipped"] > 0
        assert _differences(url, model_dir, endpoint) == ZERO

    for name in [slot, *(r for r in replays if r)]:
        dropped = sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot=name, drop_slot=True)
        assert dropped.dropped
        assert control.get(control_name(name)) is None
    assert not [s for s in leftover_slots(pg_admin) if s.startswith(slot)]


ZERO = {"missing": 0, "extra": 0, "different": 0}


def _prepare_replays(url: str, slot: str, control: ControlTable, pg_admin: sa.Engine) -> list[str | None]:
    """Two ways to read the window again: PostgreSQL copies of the fresh slot, MySQL a rewound checkpoint."""
    state = control.get(control_name(slot))
    assert state is not None
    if state["kind"] == "mysql":
        return [None, None]
    copies = [f"{slot}_r1", f"{slot}_r2"]
    database = sa.make_url(url).database
    for copy in copies:
        with sa.create_engine(sa.make_url(url), isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text("SELECT pg_copy_logical_replication_slot(:s, :c)"), {"s": slot, "c": copy})
        control.put(control_name(copy), {k: v for k, v in state.items() if k != "_version"})
    del database
    return list(copies)
