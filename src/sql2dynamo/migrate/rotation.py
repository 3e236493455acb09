"""The order in which ``migrate`` reads: every unfinished segment of every table, one batch per turn.

Reader threads do not own a segment until it is done.  A thread takes the
segment at the head of a :class:`Rotation`, reads, transforms and submits one
batch of it, and puts it back at the tail; so every table is written from the
first seconds and all of them advance together.  That is cheap (a segment's
reader is keyset pagination: each batch is one short query on a pooled
connection, so a segment waiting for its next turn holds no connection) and
it matters:

* a table the target refuses (missing, access denied, wrong key) fails the
  run in its first turn, not after the tables planned before it;
* the writes of one moment spread over every table and every key range
  instead of running down one table in key order, which suits DynamoDB's
  partitions, and DynamoDB Local in particular: its stream emulation scans,
  for every write, the stream records of all tables written before the
  table's own first record (``SELECT MIN(SequenceNumber) FROM us WHERE
  StreamID = ?`` without an index on ``StreamID``), so a large table whose
  first write came late cost it 5-10 times more CPU per item
  (``bench/backfill.py``);
* with many segments per table, the progress of each table moves evenly.

Turns go largest table first (by the plan's row estimate), then round-robin
over tables and segments, so the biggest tables' first writes come first;
a segment's first turn reads a short batch (``run._FIRST_BATCH`` rows), so
the first pass over every table ends within seconds.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sql2dynamo.migrate.checkpoints import SegmentState, TablePlan
from sql2dynamo.migrate.segments import Checkpoint
from sql2dynamo.migrate.write_results import WriteResult

__all__ = ["Rotation", "SegmentRun", "Submitted", "turn_order"]

Row = dict[str, Any]


@dataclass
class Submitted:
    """One batch handed to the writer and not yet confirmed: its futures and the checkpoint after it."""

    futures: list[Future[WriteResult]]
    checkpoint: Checkpoint
    rows: int
    items: int


@dataclass
class SegmentRun:
    """One unfinished segment between turns: its paused reader and its unconfirmed batches, oldest first."""

    state: SegmentState
    checkpoint: Checkpoint
    batches: Iterator[list[Row]] | None = None
    pending: deque[Submitted] = field(default_factory=deque)
    blocked: bool = False
    """A batch of this segment had items the writer could not write: its checkpoint stays before that
    batch (never done), so ``--resume`` reads and writes it again."""

    @property
    def name(self) -> str:
        """The source table the segment belongs to."""
        return self.state.segment.table


def turn_order(tables: Sequence[str], plans: Mapping[str, TablePlan]) -> list[SegmentRun]:
    """The unfinished segments of ``tables``: largest table first, round-robin over tables and segments.

    Ties keep the order of ``tables``; tables without an estimate go last.
    """
    by_size = sorted(tables, key=lambda name: -(plans[name].rows_estimate or 0))
    per_table = [[SegmentRun(s, s.checkpoint) for s in plans[name].segments if not s.done] for name in by_size]
    return [run for round_ in itertools.zip_longest(*per_table) for run in round_ if run is not None]


class Rotation:
    """A thread-safe queue of segment runs that readers take, work one turn on, and give back.

    ``take`` blocks while every unfinished run is in another reader's hands
    and returns ``None`` once all are finished or the rotation is closed.
    """

    def __init__(self, runs: Sequence[SegmentRun]) -> None:
        self._queue: deque[SegmentRun] = deque(runs)
        self._unfinished = len(runs)
        self._closed = False
        self._cond = threading.Condition()

    def take(self) -> SegmentRun | None:
        """The run whose turn it is, or ``None`` when there is nothing left to do."""
        with self._cond:
            while not self._queue and self._unfinished and not self._closed:
                self._cond.wait()
            if self._closed or not self._queue:
                return None
            return self._queue.popleft()

    def give_back(self, run: SegmentRun) -> None:
        """Queue ``run`` for another turn (after every run already waiting)."""
        with self._cond:
            self._queue.append(run)
            self._cond.notify()

    def finished(self, run: SegmentRun) -> None:
        """``run`` is done (or abandoned): it takes no more turns."""
        with self._cond:
            self._unfinished -= 1
            if not self._unfinished:
                self._cond.notify_all()

    def close(self) -> None:
        """Stop handing out runs (the job is stopping); runs still given back wait for :meth:`drain`."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def drain(self) -> list[SegmentRun]:
        """The runs waiting for a turn, removed: once readers have stopped, their batches need settling."""
        with self._cond:
            left = list(self._queue)
            self._queue.clear()
            return left
