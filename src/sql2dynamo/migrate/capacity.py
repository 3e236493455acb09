"""The write capacity a writer's requests consumed, measured on a sample of them.

Under a WCU cap every request asks DynamoDB for what it consumed (``ReturnConsumedCapacity="TOTAL"``):
the token bucket settles each request with its real cost.  Otherwise a table's requests ask until the
first measured answer is back, then one in ``sample`` does, and the others are counted as their items'
size-based estimate (:func:`~sql2dynamo.migrate.ratelimit.estimate_wcu`, base table only) times the ratio
measured on that table's sampled requests (which brings in its GSIs).  Asking costs the server work on
every item: DynamoDB Local spent a third more CPU per item with it (``bench/backfill.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sql2dynamo.migrate.ratelimit import estimate_wcu

__all__ = ["CapacitySampler", "reported_capacity"]


@dataclass
class _Samples:
    requests: int = 0
    measured_wcu: float = 0.0
    measured_estimate: int = 0


class CapacitySampler:
    """Decides which requests ask for their consumed capacity, and counts the rest by estimate.

    ``always``: every request asks (a WCU cap needs the real cost of each).  Thread-safe.
    """

    def __init__(self, sample: int, *, always: bool = False) -> None:
        if sample < 1:
            raise ValueError("sample must be 1 or more")
        self.sample = sample
        self.always = always
        self._lock = threading.Lock()
        self._tables: dict[str, _Samples] = {}

    def measure_next(self, table: str) -> bool:
        """Whether the next request for ``table`` asks DynamoDB for the capacity it consumed."""
        if self.always:
            return True
        with self._lock:
            samples = self._tables.setdefault(table, _Samples())
            samples.requests += 1
            # Until a measured answer is back there is no ratio to scale by: ask.
            return not samples.measured_estimate or samples.requests % self.sample == 0

    def consumed(
        self,
        table: str,
        response: Mapping[str, Any],
        sent: Sequence[Mapping[str, Any]],
        unprocessed: Sequence[Mapping[str, Any]],
    ) -> float:
        """The capacity the written items consumed: reported, or estimated and scaled by the table's samples."""
        estimate = estimate_wcu(sent) - (estimate_wcu(unprocessed) if unprocessed else 0)
        reported = reported_capacity(response, table)
        with self._lock:
            samples = self._tables.setdefault(table, _Samples())
            if reported is not None:
                samples.measured_wcu += reported
                samples.measured_estimate += estimate
                return reported
            ratio = samples.measured_wcu / samples.measured_estimate if samples.measured_estimate else 1.0
        return estimate * ratio


def reported_capacity(response: Mapping[str, Any], table: str) -> float | None:
    """The capacity units a BatchWriteItem response reports for ``table``; ``None`` if it reports none."""
    capacity = response.get("ConsumedCapacity")
    if not capacity:
        return None
    total = 0.0
    for entry in capacity:
        if entry.get("TableName") == table:
            total += float(entry.get("CapacityUnits", 0.0))
    return total
