"""What the BatchWriteItem writer reports: per-call results, per-table counters, writer state.

Plain dataclasses, so the migrate run, the sync applier and the benches read them without the writer.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FailedItem", "Gather", "TableCounters", "Tally", "WriteResult", "WriterStats"]


@dataclass(frozen=True)
class FailedItem:
    """An item that could not be written: its key attributes (low-level form) and why."""

    table: str
    key: dict[str, Any]
    error: str
    code: str | None = None


@dataclass
class WriteResult:
    """What a ``write`` achieved.  ``written + len(failed) + duplicates`` equals the items given."""

    written: int = 0
    failed: list[FailedItem] = field(default_factory=list)
    duplicates: int = 0
    """Items dropped because a later item in the same call had the same key (the later one was written)."""
    wcu: float = 0.0
    requests: int = 0
    retries: int = 0
    throttles: int = 0

    @property
    def ok(self) -> bool:
        """True when no item failed."""
        return not self.failed

    def add(self, other: WriteResult) -> None:
        """Fold ``other`` into this result."""
        self.written += other.written
        self.failed.extend(other.failed)
        self.duplicates += other.duplicates
        self.wcu += other.wcu
        self.requests += other.requests
        self.retries += other.retries
        self.throttles += other.throttles


@dataclass(frozen=True)
class TableCounters:
    """Per-table totals since the writer was created."""

    table: str
    items_written: int = 0
    items_failed: int = 0
    duplicates: int = 0
    wcu_consumed: float = 0.0
    """Write capacity consumed: reported by DynamoDB on sampled requests, scaled from item sizes on the rest."""
    requests: int = 0
    """BatchWriteItem calls answered with 200 (including those that left items unprocessed)."""
    retries: int = 0
    """Calls sent again: after a throttle, a 5xx, a dropped connection or unprocessed items."""
    throttles: int = 0
    """Calls refused with a throttling error."""
    errors: int = 0
    """Calls that failed with a retryable error other than throttling (5xx, connection, timeout)."""
    unprocessed_items: int = 0
    """Items DynamoDB returned as ``UnprocessedItems`` (each was sent again)."""
    seconds: float = 0.0
    """Wall time from the first item submitted for the table to the last request that finished."""

    @property
    def items_per_second(self) -> float:
        """Written items over ``seconds`` (0 before anything finished)."""
        return self.items_written / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class WriterStats:
    """A snapshot of the writer: per-table counters and the AIMD / rate limit state."""

    tables: dict[str, TableCounters]
    concurrency: int
    """The configured maximum of in-flight requests."""
    concurrency_limit: int
    """The AIMD limit right now."""
    concurrency_min: int
    """The lowest AIMD limit reached."""
    limit_decreases: int
    limit_increases: int
    peak_in_flight: int
    rate_wait_s: float
    """Seconds requests waited for ``max_wcu`` tokens, summed over threads."""


@dataclass
class Tally:
    """One table's running totals inside the writer (guarded by the writer's lock)."""

    items_written: int = 0
    items_failed: int = 0
    duplicates: int = 0
    wcu_consumed: float = 0.0
    requests: int = 0
    retries: int = 0
    throttles: int = 0
    errors: int = 0
    unprocessed_items: int = 0
    first: float | None = None
    last: float | None = None

    def snapshot(self, table: str) -> TableCounters:
        """The totals as the frozen counters callers see."""
        seconds = (self.last - self.first) if self.first is not None and self.last is not None else 0.0
        return TableCounters(
            table=table,
            items_written=self.items_written,
            items_failed=self.items_failed,
            duplicates=self.duplicates,
            wcu_consumed=self.wcu_consumed,
            requests=self.requests,
            retries=self.retries,
            throttles=self.throttles,
            errors=self.errors,
            unprocessed_items=self.unprocessed_items,
            seconds=max(0.0, seconds),
        )


class Gather:
    """Completes one future once every chunk of a ``submit`` call has finished."""

    def __init__(self, result: WriteResult, chunks: int) -> None:
        self.future: Future[WriteResult] = Future()
        self.future.set_running_or_notify_cancel()
        self._result = result
        self._left = chunks
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        if chunks == 0:
            self.future.set_result(result)

    def done(self, chunk: Future[WriteResult]) -> None:
        """Fold one finished chunk in; the last one completes the future."""
        error = chunk.exception()
        with self._lock:
            if error is not None:
                self._error = self._error or error
            else:
                self._result.add(chunk.result())
            self._left -= 1
            if self._left:
                return
        if self._error is not None:
            self.future.set_exception(self._error)
        else:
            self.future.set_result(self._result)
