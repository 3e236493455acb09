"""The options of ``migrate --engine spark``, apart from the engine so that choosing it needs no pyspark."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sql2dynamo.migrate.segment_task import SegmentOutcome

__all__ = ["SparkOptions"]


@dataclass(frozen=True)
class SparkOptions:
    """How to run on Spark: the master (None: what spark-submit set) and the test hooks."""

    master: str | None = None
    failing_attempts: Mapping[tuple[str, int], int] = field(default_factory=dict)
    """Test hook: (source table, segment index) -> how many first attempts of its task fail after one batch."""
    on_segment: Callable[[SegmentOutcome], None] | None = None
    """Called on the driver after each segment is recorded; tests use it to kill the driver."""
