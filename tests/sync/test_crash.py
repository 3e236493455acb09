"""A crash between DynamoDB's writes and the acknowledgement loses nothing and replays harmlessly.

The applier is made to die half-way through a batch (after some of its writes were confirmed, before the
source was acknowledged), as a killed process would.  The next ``sync`` gets the whole batch again from the
slot or the checkpoint: the writes already made are refused by their position conditions (``skipped``), the
rest are made, and ``verify`` finds no difference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.sync import sync
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.sync.apply import Applier, ApplyStats
from sql2dynamo.sync.changes import Change
from sql2dynamo.testing.sync_world import decision_model, fill
from tests.sync.workload import Workload

pytestmark = [pytest.mark.dynamodb, pytest.mark.filterwarnings("ignore:.db. is deprecated:DeprecationWarning")]


class Crash(RuntimeError):
    """Stands for the process dying."""


@pytest.fixture(params=["postgresql", "mariadb"])
def source(request: pytest.FixtureRequest) -> tuple[str, str]:
    if request.param == "postgresql":
        return request.getfixturevalue("new_pg_db")("crash"), request.getfixturevalue("slot_name")
    return request.getfixturevalue("new_maria_db")("crash"), "s2d_test_crash"


def test_crash_after_writes_before_ack(
    source: tuple[str, str],
    tmp_path: Path,
    endpoint: str,
    deployed: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, slot = source
    fill(url, 30)
    model_dir = decision_model(url, tmp_path / "model")
    deployed(model_dir)
    migrate(url, model_dir, endpoint, reporter=RecordingReporter(), with_sync=True, slot=slot)
    work = Workload(url, seed=9, limit=80)
    work.start()
    work.join(timeout=120)
    work.engine.dispose()
    assert sum(work.done.values()) > 20 and not work.errors

    original = Applier.apply
    applied: list[int] = []

    def dies_half_way(self: Applier, changes: Sequence[Change]) -> ApplyStats:
        half = list(changes)[: max(1, len(changes) // 2)]
        stats = original(self, half)
        applied.append(stats.puts + stats.deletes)
        raise Crash("killed after writing half a batch")

    monkeypatch.setattr(Applier, "apply", dies_half_way)
    with pytest.raises(Crash):
        sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot=slot, until_caught_up=True)
    monkeypatch.setattr(Applier, "apply", original)
    assert applied and applied[0] > 0

    again = sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot=slot, until_caught_up=True)
    assert again.caught_up and again.stats["skipped"] > 0, again.stats
    totals = verify(url, model_dir, endpoint, reporter=RecordingReporter()).totals()
    assert (totals["missing"], totals["extra"], totals["different"]) == (0, 0, 0), totals
    sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot=slot, drop_slot=True)
