"""The target goes silent in the middle of ``migrate``: nothing is lost, the wait is bounded and never quiet.

Issue 14, item 2.  The fault proxy in front of DynamoDB Local drops every connection unanswered for a while
(what a stopped or unreachable endpoint looks like to the client), then forwards again:

* a 60 s outage is ridden through: warnings keep coming every few seconds while the writer waits, the run
  ends with nothing failed and verify is clean;
* items the writer gives up on (throttled past its retry policy) keep their segment open (never done),
  so ``--resume`` writes them;
* an outage longer than the unreachable-target timeout stops the run (exit 7) with one line that says the
  target has not answered, no segment with unwritten rows is marked done, and ``--resume`` writes
  everything, verify clean; on each source database.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sql2dynamo.commands.migrate import migrate, raise_for_failures
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.errors import TargetError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.migrate.checkpoints import checkpoint_path
from sql2dynamo.target import local
from sql2dynamo.target.retry import RetryPolicy
from sql2dynamo.testing.proxy import FaultProxy, Faults
from tests.reliability import assert_items_match_rows, design_subset, fresh_tables

pytestmark = pytest.mark.dynamodb

SILENT = Faults(drop=1.0)


@dataclass
class TimedReporter(RecordingReporter):
    """A recording reporter that also notes when each warning came."""

    warned_at: list[float] = field(default_factory=list)

    def warning(self, message: str) -> None:
        self.warned_at.append(time.monotonic())
        super().warning(message)


def _silence_after_first_batch(proxy: FaultProxy, seconds: float | None) -> tuple[list[float], object]:
    """An ``on_batch`` hook: at the first confirmed batch the proxy drops everything (for ``seconds``)."""
    window: list[float] = []
    lock = threading.Lock()

    def restore() -> None:
        proxy.set_faults(Faults())
        window.append(time.monotonic())

    def on_batch(table: str, rows: int) -> None:
        with lock:
            if window:
                return
            proxy.set_faults(SILENT)
            window.append(time.monotonic())
            if seconds is not None:
                timer = threading.Timer(seconds, restore)
                timer.daemon = True
                timer.start()

    return window, on_batch


def test_a_minute_of_silence_is_waited_out_with_progress(
    chinook_sqlite_url: str,
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    endpoint = shared_local[0].endpoint_url
    model_dir = design_subset(chinook_sqlite_url, tmp_path / "model", lines=True)
    fresh_tables(model_dir, endpoint)
    reporter = TimedReporter()
    with FaultProxy(endpoint, seed=3, lifetime_s=400.0, idle_timeout_s=5.0) as proxy:
        window, on_batch = _silence_after_first_batch(proxy, 60.0)
        result = migrate(
            chinook_sqlite_url,
            model_dir,
            proxy.url,
            reporter=reporter,
            segments=2,
            batch_size=40,
            on_batch=on_batch,  # type: ignore[arg-type]
        )
    assert len(window) == 2 and window[1] - window[0] >= 59, window
    total = result.totals()
    assert (total["failed"], total["rejected"]) == (0, 0), result.summary()
    # Never quiet for long: a line at most every ~10 s while the target was silent.
    during = [t for t in reporter.warned_at if window[0] <= t <= window[1] + 1]
    assert len(during) >= 4, reporter.messages("warning")
    gaps = [b - a for a, b in zip([window[0], *during], [*during, window[1]], strict=True)]
    assert max(gaps) < 25, gaps
    assert all("has not answered for" in m for m in reporter.messages("warning")), reporter.messages("warning")
    assert any("answers again" in m for m in reporter.messages("info")), reporter.messages("info")

    assert_items_match_rows(chinook_sqlite_url, model_dir, endpoint)
    checked = verify(chinook_sqlite_url, model_dir, endpoint, reporter=RecordingReporter())
    assert checked.ok, checked.summary()


def test_a_longer_outage_stops_the_run_in_bounded_time_and_resume_completes(
    chinook_url: str,
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    endpoint = shared_local[0].endpoint_url
    model_dir = design_subset(chinook_url, tmp_path / "model", lines=True)
    fresh_tables(model_dir, endpoint)
    with FaultProxy(endpoint, seed=5, lifetime_s=300.0, idle_timeout_s=5.0) as proxy:
        _, on_batch = _silence_after_first_batch(proxy, None)
        started = time.monotonic()
        with pytest.raises(TargetError) as stopped:
            migrate(
                chinook_url,
                model_dir,
                proxy.url,
                reporter=RecordingReporter(),
                segments=2,
                batch_size=40,
                on_batch=on_batch,  # type: ignore[arg-type]
                unreachable_s=8.0,
            )
        took = time.monotonic() - started
        error = stopped.value
        assert error.exit_code == 7
        line = error.one_line()
        assert "\n" not in line and "has not answered for" in line and "--resume" in line, line
        assert took < 8.0 + 40.0, took  # the timeout plus at most a few backoff caps and the reads

        # Nothing unwritten is checkpointed: some segment is not done, and resume finishes the job.
        saved = json.loads(checkpoint_path(model_dir).read_text())
        assert any(not s["done"] for t in saved["tables"].values() for s in t["segments"]), saved
        proxy.set_faults(Faults())
        resumed = migrate(chinook_url, model_dir, proxy.url, reporter=RecordingReporter(), resume=True)
    assert resumed.resumed and resumed.totals()["failed"] == 0, resumed.summary()
    assert_items_match_rows(chinook_url, model_dir, endpoint)
    checked = verify(chinook_url, model_dir, endpoint, reporter=RecordingReporter())
    totals = checked.totals()
    assert checked.ok, checked.summary()
    assert (totals["missing"], totals["extra"], totals["different"]) == (0, 0, 0)


def test_items_given_up_on_keep_their_segment_open_and_resume_writes_them(
    chinook_url: str,
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    endpoint = shared_local[0].endpoint_url
    model_dir = design_subset(chinook_url, tmp_path / "model", lines=True)
    fresh_tables(model_dir, endpoint)
    hasty = RetryPolicy(base_s=0.001, cap_s=0.005, max_attempts=2)
    with FaultProxy(endpoint, seed=9, lifetime_s=300.0, idle_timeout_s=5.0) as proxy:
        proxy.set_faults(Faults(throttle=0.5, operations=frozenset({"BatchWriteItem"})))
        result = migrate(
            chinook_url, model_dir, proxy.url, reporter=RecordingReporter(), segments=2, batch_size=40, retry=hasty
        )
        assert result.totals()["failed"] > 0, result.summary()
        with pytest.raises(TargetError) as failed:
            raise_for_failures(result)
        assert failed.value.exit_code == 7 and "migrate --resume" in failed.value.one_line()
        saved = json.loads(checkpoint_path(model_dir).read_text())
        assert any(not s["done"] for t in saved["tables"].values() for s in t["segments"]), saved
        proxy.set_faults(Faults())
        resumed = migrate(chinook_url, model_dir, proxy.url, reporter=RecordingReporter(), resume=True)
    assert resumed.totals()["failed"] == 0 and resumed.totals()["items"] > 0, resumed.summary()
    assert_items_match_rows(chinook_url, model_dir, endpoint)
    checked = verify(chinook_url, model_dir, endpoint, reporter=RecordingReporter())
    assert checked.ok, checked.summary()
