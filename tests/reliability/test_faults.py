"""Migrate through a fault-injecting proxy in front of DynamoDB Local: every item still lands, exactly.

From each source database in turn (SQLite, PostgreSQL, MariaDB).

The proxy throttles, answers 500, drops connections before and after forwarding, and writes only part of
batches; verify then runs against the real endpoint, not the proxy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.testing.proxy import FaultProxy, Faults
from tests.migrate.test_run import row_counts
from tests.reliability import assert_items_match_rows, design_subset, fresh_tables

pytestmark = pytest.mark.dynamodb

FAULTS = Faults(throttle=0.20, error500=0.10, drop=0.05, drop_after=0.05, partial=0.30)


def test_every_item_lands_through_faults(
    chinook_url: str,
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    endpoint = shared_local[0].endpoint_url
    model_dir = design_subset(chinook_url, tmp_path / "model")
    fresh_tables(model_dir, endpoint)

    with FaultProxy(endpoint, FAULTS, seed=11, lifetime_s=120.0, idle_timeout_s=10.0) as proxy:
        result = migrate(
            chinook_url,
            model_dir,
            proxy.url,
            reporter=RecordingReporter(),
            segments=3,
            batch_size=50,
            concurrency=8,
        )
        stats = proxy.stats()

    counts = row_counts(chinook_url)
    total = result.totals()
    assert (total["failed"], total["rejected"]) == (0, 0), result.summary()
    assert total["read"] == total["items"] == sum(counts[t.table] for t in result.tables)
    # Every kind of fault was injected, and the writer came through all of them.
    for kind in ("throttle", "error500", "drop", "drop_after", "partial"):
        assert stats.get(kind, 0) > 0, stats
    assert stats["held_back_items"] > 0
    writes = result.summary()["writes"]
    assert sum(w["retries"] for w in writes.values()) > 0 and sum(w["throttles"] for w in writes.values()) > 0
    assert sum(w["unprocessed_items"] for w in writes.values()) > 0

    assert_items_match_rows(chinook_url, model_dir, endpoint)
    checked = verify(chinook_url, model_dir, endpoint, reporter=RecordingReporter())
    totals = checked.totals()
    assert checked.ok, checked.summary()
    assert (totals["missing"], totals["extra"], totals["different"], totals["duplicates"]) == (0, 0, 0, 0)
    assert totals["expected"] == totals["actual"] == total["items"]
