"""A window of 10,000 changes, applied with coalescing, then replayed twice in other batch sizes: verify stays clean.

The workload works on 50 hot rows, so most batches change one row several times (coalesced to one write
per item), move e-mail addresses (unique lookup items) between users and change primary keys.  The
replays read the same window again from copies of the slot taken before it, cut into batches of other
sizes, so every change meets the items in the state the whole window left: each write is refused as
already there or, where an item was deleted later in the window, writes it back until the later change
deletes it again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.sync import sync
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.sync.begin import control_name
from sql2dynamo.sync.control import ControlTable
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.testing.sync_world import decision_model, fill
from tests.sync.workload import Workload

pytestmark = [pytest.mark.dynamodb, pytest.mark.filterwarnings("ignore:.db. is deprecated:DeprecationWarning")]

WINDOW = 10_000
ZERO = {"missing": 0, "extra": 0, "different": 0}


def _differences(url: str, model_dir: Path, endpoint: str) -> dict[str, object]:
    result = verify(url, model_dir, endpoint, reporter=RecordingReporter())
    totals = result.totals()
    found: dict[str, object] = {k: totals[k] for k in ("missing", "extra", "different")}
    if found != ZERO:
        found["items"] = [d.as_dict() for d in result.comparison.differences][:5]
    return found


def test_window_of_10000_changes_replayed_twice(
    new_pg_db: Callable[[str], str],
    slot_name: str,
    tmp_path: Path,
    endpoint: str,
    deployed: Callable[[Path], None],
) -> None:
    url = new_pg_db("window")
    fill(url, 120)
    model_dir = decision_model(url, tmp_path / "model")
    deployed(model_dir)
    migrate(url, model_dir, endpoint, reporter=RecordingReporter(), with_sync=True, slot=slot_name)
    control = ControlTable(boto_client(endpoint))
    state = control.get(control_name(slot_name))
    assert state is not None
    copies = [f"{slot_name}_r1", f"{slot_name}_r2"]
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for copy in copies:
            conn.execute(sa.text("SELECT pg_copy_logical_replication_slot(:s, :c)"), {"s": slot_name, "c": copy})
            control.put(control_name(copy), {k: v for k, v in state.items() if k != "_version"})
    engine.dispose()

    # A few operations find no row to change (or race): ask for a little more than the window.
    work = Workload(url, seed=17, limit=WINDOW + WINDOW // 20, per_txn=10)
    work.start()
    work.join(timeout=900)
    work.engine.dispose()
    assert not work.errors, work.errors[:3]
    assert work.done["rekey_file"] and work.done["new_email"] and work.done["delete_file"]

    first = sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot=slot_name, until_caught_up=True)
    assert first.caught_up and first.stats["changes"] >= WINDOW, first.stats
    assert first.stats["coalesced"] > 0, first.stats
    assert _differences(url, model_dir, endpoint) == ZERO

    for copy, batch in zip(copies, (137, 2000), strict=True):
        again = sync(
            url,
            model_dir,
            endpoint,
            reporter=RecordingReporter(),
            slot=copy,
            until_caught_up=True,
            batch_changes=batch,
        )
        assert again.caught_up and again.stats["changes"] == first.stats["changes"], again.stats
        assert again.stats["skipped"] > 0, again.stats
        assert _differences(url, model_dir, endpoint) == ZERO

    for name in [slot_name, *copies]:
        assert sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot=name, drop_slot=True).dropped
